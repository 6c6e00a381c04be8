/* floor.c — the memory floor of kisgw's libraries, for bench/http.sh: the
 * bare server of hello.c (epoll thread pool of 4), linked with every library
 * kisgw links and starting each of them as kisgw must before it can serve:
 * libcurl's global init (which initialises OpenSSL), a SHA-256 through
 * OpenSSL's EVP, an SQLite database in WAL mode with one table, and a Jansson
 * dump per answer. It does nothing else, so its RSS under the same load is
 * what the libraries cost; kisgw's RSS above it is kisgw's own.
 *   bench_floor DIR [lean]   (the database goes in DIR)
 * With "lean", OpenSSL is initialised first without libcrypto's error strings and
 * without reading openssl.cnf (flags that later calls cannot undo), to measure
 * what those cost; kisgw keeps both (readable TLS errors, the system's policy). */
#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req_cls)
{
	static int seen;
	if (!*req_cls) {
		*req_cls = &seen;
		return MHD_YES;
	}
	json_t *o = json_pack("{s:s}", "status", "ok");
	char *body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!body)
		return MHD_NO;
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static int sha256_once(void)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, "floor", 5) == 1 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int database(const char *dir, sqlite3 **db)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/floor.db", dir);
	return sqlite3_open(path, db) != SQLITE_OK ||
	       sqlite3_exec(*db,
	                    "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t(a);"
	                    "INSERT INTO t VALUES (1); SELECT count(*) FROM t;",
	                    NULL, NULL, NULL) != SQLITE_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "lean") != 0)) {
		fprintf(stderr, "usage: bench_floor DIR [lean]\n");
		return 2;
	}
	if (argc == 3 &&
	    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_LOAD_CONFIG,
	                        NULL) != 1) {
		fprintf(stderr, "bench_floor: OpenSSL did not start\n");
		return 1;
	}
	sqlite3 *db = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || sha256_once() || database(argv[1], &db)) {
		fprintf(stderr, "bench_floor: a library did not start\n");
		return 1;
	}
	lws_set_log_level(0, NULL); /* libwebsockets linked and called, as kisgw */
	return bench_serve(answer, 0, 4);
}
