/* passthrough.h — the KIS-compatible passthrough (KISGW_PASSTHROUGH=on):
 * kisgw answers KIS's own protocol on KIS's own paths, so an existing KIS
 * script changes only its base URL and gets the shared rate limit, the
 * read retries and the order journal.
 *
 *   POST /oauth2/tokenP     a LOCAL token for the passthrough key (never KIS's)
 *   POST /oauth2/Approval   the WebSocket approval key kisgw holds
 *   POST /uapi/hashkey      answered locally (HMAC of the body; no KIS call)
 *   /uapi/domestic-stock/…  by tr_id: a known inquiry is relayed through
 *                           kis_raw_call; order-cash and order-rvsecncl go
 *                           through the trader's journal (source
 *                           passthrough); an unknown tr_id is relayed only
 *                           when it is an inquiry, else refused.
 *
 * The daemon (http.c) asks gw_pt_path for every request, applies its Host /
 * Origin / size checks as for any route, and hands the buffered body to
 * gw_pt_handle. Replies are KIS-shaped: {"rt_cd","msg_cd","msg1",...} with
 * lower-case header names and tr_id / tr_cont; /oauth2 errors are
 * {"error_code","error_description"} as KIS sends them.
 *
 * The parsers below are pure (no I/O), for the fuzz harness
 * (tests/fuzz/fuzz_passthrough.c) and unit tests. */
#ifndef GW_PASSTHROUGH_H
#define GW_PASSTHROUGH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "http.h"

typedef enum gw_pt_kind {
	GW_PT_NONE = 0, /* not a passthrough path (or the setting is off) */
	GW_PT_TOKEN,    /* /oauth2/tokenP */
	GW_PT_APPROVAL, /* /oauth2/Approval */
	GW_PT_HASHKEY,  /* /uapi/hashkey */
	GW_PT_UAPI,     /* /uapi/domestic-stock/... */
} gw_pt_kind;

/* Which passthrough endpoint path is; GW_PT_NONE when enabled is 0. */
gw_pt_kind gw_pt_path(int enabled, const char *path);
/* 1 when a request to kind must carry KISGW_API_TOKEN (when one is set):
 * the endpoints whose KIS form has no authorization header of its own.
 * /uapi/domestic-stock calls carry the local token tokenP issued instead,
 * which only a caller holding the API token could obtain. */
int gw_pt_needs_api_token(gw_pt_kind kind);

/* Answers one passthrough request (kind from gw_pt_path); body as received. */
void gw_pt_handle(gw_req *req, gw_pt_kind kind, const char *body, size_t len, gw_resp *resp);

/* ---- pure parts ---- */

/* How a /uapi/domestic-stock call is served. */
typedef enum gw_pt_serve {
	GW_PT_REFUSE = 0, /* refused: out->err / out->why say why */
	GW_PT_RELAY,      /* an inquiry: relayed read-only (kis_raw_call) */
	GW_PT_ORDER_BUY,  /* order-cash, buy: the trader's journal */
	GW_PT_ORDER_SELL, /* order-cash, sell */
	GW_PT_REVISE,     /* order-rvsecncl: amend or cancel through the journal */
} gw_pt_serve;

typedef struct gw_pt_call {
	gw_pt_serve serve;
	int known;           /* the tr_id is one of the table's */
	char send_tr_id[20]; /* the tr_id sent to KIS (kisgw's environment's form) */
	gw_err err;          /* REFUSE: the registry code */
	char why[240];       /* REFUSE: the sentence for msg1 */
} gw_pt_call;

/* Decides from method, path and tr_id alone (real: kisgw's environment).
 * A known tr_id is translated to kisgw's environment (T… <-> V…, old or
 * new form kept); an unknown one is relayed as is when it is an inquiry:
 * GET, and a tr_id ending in R or a /quotations/ path, never a path whose
 * last segment starts with "order". Always returns out->serve. */
gw_pt_serve gw_pt_classify(const char *method, const char *path, const char *tr_id, int real,
                           gw_pt_call *out);

/* The table of known calls, for the documentation check (routes_dump):
 * entry i into *out, 0 past the end. tr_id: real, real old, virtual,
 * virtual old (NULL where KIS has none). */
typedef struct gw_pt_known_call {
	const char *path;
	gw_pt_serve serve;
	const char *tr_id[4];
} gw_pt_known_call;
int gw_pt_known(size_t i, gw_pt_known_call *out);
/* "relay", "order_buy", "order_sell", "revise" ("refuse" for 0). */
const char *gw_pt_serve_name(gw_pt_serve s);

/* Why a body was refused: the registry code, the KIS field, a sentence. */
typedef struct gw_pt_fault {
	gw_err code;
	const char *field;
	char msg[200];
} gw_pt_fault;

/* An order-cash body (KIS's upper-case keys, string values). */
typedef struct gw_pt_order {
	char cano[12], prdt[4], pdno[8], ord_dvsn[4], sll_type[4], excg[8];
	int64_t qty, price, cndt_pric;
} gw_pt_order;
/* 0, or -1 with *f: not a JSON object, a key kisgw does not know (it would
 * be dropped, so the order is refused instead), a missing key, a value
 * that is not a string of the right form. */
int gw_pt_order_parse(const char *body, size_t len, gw_pt_order *out, gw_pt_fault *f);

/* An order-rvsecncl body. */
typedef struct gw_pt_revise {
	char cano[12], prdt[4], orgno[12], orgn_odno[16], ord_dvsn[4], excg[8];
	int cancel; /* RVSE_CNCL_DVSN_CD 02 (취소); 0: 01 (정정) */
	int all;    /* QTY_ALL_ORD_YN Y: the whole open rest */
	int64_t qty, price, cndt_pric;
} gw_pt_revise;
int gw_pt_revise_parse(const char *body, size_t len, gw_pt_revise *out, gw_pt_fault *f);

/* The credentials of a tokenP / Approval body: appkey and appsecret (or
 * secretkey for Approval), grant_type client_credentials. Pointers into
 * the parsed object *root (json_decref it). 0, or -1 with *f. */
int gw_pt_cred_parse(const char *body, size_t len, int approval, json_t **root, const char **appkey,
                     const char **secret, gw_pt_fault *f);

#endif
