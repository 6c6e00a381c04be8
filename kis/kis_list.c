/* kis_list.c — what every call family shares: error helpers, small field
 * parsers, the growable row array and the one generic paged-list walker
 * (kis_list_get) that turns a list TR into "a table line + a row parser". */
#include "kis_internal.h"

#include "kclock.h"
#include "krx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken upstream that keeps saying "more" must not keep us forever:
 * 500 pages is 25,000 balance rows or 50,000 orders on a real account. */
#define KIS_MAX_PAGES 500

kis_error *kis_err_init(kis_error *err, kis_error *local)
{
	if (!err)
		err = local;
	memset(err, 0, sizeof *err);
	return err;
}

int kis_bad_reply(kis_client *c, kis_error *err, const char *what)
{
	err->status = KIS_E_BAD_REPLY;
	snprintf(err->msg1, sizeof err->msg1, "KIS reply: bad or missing field %s", what);
	kis_stats_add(c, &c->stats.errors[KIS_E_BAD_REPLY], 1);
	return KIS_E_BAD_REPLY;
}

int kis_fail(kis_client *c, kis_error *err, kis_status st, const char *msg)
{
	err->status = st;
	err->sent = 0;
	snprintf(err->msg1, sizeof err->msg1, "%s", msg);
	kis_stats_add(c, &c->stats.errors[st], 1);
	return st;
}

int kis_code_valid(const char *code)
{
	if (!code)
		return 0;
	size_t n = strlen(code);
	if (n < 6 || n > 7)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)code[i]))
			return 0;
	return 1;
}

int kis_ymd(const char *s)
{
	int64_t v;
	if (kis_parse_i64(s, &v) != 0 || v < 19000101 || v > 99991231 || !ymd_valid((int)v))
		return -1;
	return (int)v;
}

int kis_hhmmss(const char *s)
{
	int64_t v;
	if (kis_parse_i64(s, &v) != 0 || v < 0 || v > 235959)
		return -1;
	return (int)v;
}

const json_t *kis_obj_or_first(const json_t *v)
{
	if (json_is_array(v))
		v = json_array_get(v, 0);
	return json_is_object(v) ? v : NULL;
}

void kis_odno_fix(char *buf, size_t cap)
{
	char n[32];
	krx_odno_norm(buf, n, sizeof n);
	snprintf(buf, cap, "%s", n);
}

kis_side kis_side_of(const char *cd)
{
	if (strcmp(cd, "01") == 0)
		return KIS_SIDE_SELL;
	if (strcmp(cd, "02") == 0)
		return KIS_SIDE_BUY;
	return KIS_SIDE_ANY;
}

int kis_vec_push(kis_vec *v, const void *item)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		void *nv = realloc(v->v, ncap * v->elem);
		if (!nv)
			return -1;
		v->v = nv;
		v->cap = ncap;
	}
	memcpy((char *)v->v + v->n * v->elem, item, v->elem);
	v->n++;
	return 0;
}

static int blank_str(const char *s)
{
	if (!s)
		return 1;
	while (*s == ' ')
		s++;
	return *s == '\0';
}

/* The rows of one page through the row parser. */
static int list_rows(kis_client *c, const kis_list_req *req, const char *member, const json_t *page,
                     kis_vec *rows, kis_error *err)
{
	const json_t *arr = json_object_get(page, member);
	if (arr && !json_is_array(arr) && !json_is_null(arr))
		return kis_bad_reply(c, err, member);
	void *item = malloc(rows->elem);
	if (!item)
		return kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
	int rc = KIS_OK;
	for (size_t i = 0; rc == KIS_OK && i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		if (!json_is_object(o)) {
			char what[40];
			snprintf(what, sizeof what, "%s[]", member);
			rc = kis_bad_reply(c, err, what);
			break;
		}
		memset(item, 0, rows->elem);
		const char *bad = NULL;
		int r = req->row(o, item, rows, &bad);
		if (r == KIS_ROW_SKIP)
			continue;
		if (r != KIS_ROW_OK)
			rc = kis_bad_reply(c, err, bad ? bad : member);
		else if (kis_vec_push(rows, item))
			rc = kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
	}
	free(item);
	return rc;
}

int kis_list_get(kis_client *c, const kis_list_req *req, kis_vec *rows, int *pages, kis_error *err)
{
	const kis_tr_def *def = kis_tr_get(req->tr);
	*pages = 0;
	if (!def || !def->rows_member ||
	    (def->paging != KIS_PAGING_CTX100 && def->paging != KIS_PAGING_CTX))
		return kis_fail(c, err, KIS_E_INTERNAL, "not a tr_cont-paged list TR");
	if (req->query && req->query->oom)
		return kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
	const int k100 = def->paging == KIS_PAGING_CTX100;
	const char *fk_param = k100 ? "CTX_AREA_FK100" : "CTX_AREA_FK";
	const char *nk_param = k100 ? "CTX_AREA_NK100" : "CTX_AREA_NK";
	const char *fk_field = k100 ? "ctx_area_fk100" : "ctx_area_fk";
	const char *nk_field = k100 ? "ctx_area_nk100" : "ctx_area_nk";
	const char *base = req->query && req->query->s ? req->query->s : "";
	char *fk = strdup(""), *nk = strdup("");
	int rc = KIS_OK;
	if (!fk || !nk) {
		rc = kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
		goto out;
	}
	for (;;) {
		if (*pages >= KIS_MAX_PAGES) {
			rc = kis_bad_reply(c, err, "tr_cont (paging does not end)");
			break;
		}
		kis_qs q = {0};
		if (base[0]) {
			q.s = strdup(base);
			q.oom = q.s == NULL;
			q.len = q.s ? strlen(base) : 0;
			q.cap = q.len + 1;
		}
		kis_qs_add(&q, fk_param, fk);
		kis_qs_add(&q, nk_param, nk);
		if (q.oom) {
			kis_qs_free(&q);
			rc = kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
			break;
		}
		kis_call call = {.tr = req->tr, .query = q.s, .tr_cont = *pages ? "N" : ""};
		json_t *j = NULL;
		char cont[4];
		rc = kis_call_do(c, &call, &j, cont, err);
		kis_qs_free(&q);
		if (rc != KIS_OK)
			break;
		(*pages)++;
		rc = list_rows(c, req, def->rows_member, j, rows, err);
		if (rc == KIS_OK && req->page)
			rc = req->page(c, req->page_ud, j, err);
		if (rc != KIS_OK) {
			json_decref(j);
			break;
		}
		int more = cont[0] == 'F' || cont[0] == 'M';
		const char *nfk = json_string_value(json_object_get(j, fk_field));
		const char *nnk = json_string_value(json_object_get(j, nk_field));
		if (more && blank_str(nfk) && blank_str(nnk))
			more = 0; /* nothing to continue from */
		if (more && nfk && nnk && strcmp(nfk, fk) == 0 && strcmp(nnk, nk) == 0) {
			json_decref(j);
			rc = kis_bad_reply(c, err, "ctx_area (continuation keys did not move)");
			break;
		}
		if (more) {
			char *a = strdup(nfk ? nfk : ""), *b = strdup(nnk ? nnk : "");
			if (!a || !b) {
				free(a);
				free(b);
				json_decref(j);
				rc = kis_fail(c, err, KIS_E_INTERNAL, "out of memory");
				break;
			}
			free(fk);
			free(nk);
			fk = a;
			nk = b;
		}
		json_decref(j);
		if (!more)
			break;
	}
out:
	free(fk);
	free(nk);
	if (rc != KIS_OK) {
		free(rows->v);
		rows->v = NULL;
		rows->n = rows->cap = 0;
	}
	return rc;
}
