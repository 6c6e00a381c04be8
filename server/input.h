/* input.h — declared inputs: what an endpoint accepts, said once.
 *
 * Each endpoint declares its query parameters and body fields (name, type,
 * bounds, required or default) beside its handler, with GW_ENDPOINT. The
 * daemon validates the request against the declaration before the handler
 * runs and hands it a filled, typed struct (req->in); every 400 about a
 * parameter or a field is written here, naming it. Handlers keep only the
 * checks that relate values to each other or to the clock (from <= to).
 *
 * The declarations are data (gw_routes[] -> gw_endpoint -> gw_field[]), so
 * tests and generators can walk them: tests/server/test_routes.c tries a bad
 * value of every declared parameter. */
#ifndef GW_INPUT_H
#define GW_INPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

typedef enum gw_type {
	GW_T_CODE,   /* KRX stock code (krx_code_valid) -> const char * (NULL: absent) */
	GW_T_DATE,   /* YYYY-MM-DD or YYYYMMDD -> int ymd (0: absent) */
	GW_T_INT,    /* decimal / JSON integer in [min, max] -> int64_t (def: absent) */
	GW_T_ENUM,   /* one of choices -> int index (-1: absent, or def_s's index) */
	GW_T_STRING, /* whole value matches pattern (POSIX ERE) -> const char * (NULL: absent) */
	GW_T_BOOL,   /* true/false (query: also 1/0) -> int (def: absent) */
	GW_T__MAX
} gw_type;

typedef struct gw_field {
	const char *name;
	gw_type type;
	int required;
	size_t off;                 /* of the value in the endpoint's input struct */
	int64_t min, max;           /* INT: inclusive bounds */
	int64_t def;                /* INT, BOOL: the value when absent */
	const char *def_s;          /* ENUM: the choice when absent (NULL: -1) */
	const char *const *choices; /* ENUM: NULL-terminated; the value is the index */
	const char *pattern;        /* STRING: anchored ERE, e.g. "^[a-z]{1,8}$" */
	const char *hint;           /* STRING: what the pattern means, for messages */
	/* Body: allowed only when field `when` has the value `when_is` (or one
	 * of its '|'-separated values), and then required (price: only with the
	 * types that take a limit price). */
	const char *when, *when_is;
	const char *doc_default; /* a default the handler computes (e.g. "today") */
	const char *example;     /* STRING: a valid value (docs, tests; required ones need it) */
} gw_field;

/* One endpoint: its handler and what it accepts.
 *
 * Where the handler runs. By default on a worker (server/workers.c), its
 * connection suspended meanwhile: it may block (call KIS, wait in the rate
 * limiter or for a token, write SQLite) without holding an HTTP thread. An
 * endpoint declared .run_inline = 1 runs on the HTTP thread, so it must
 * not block there: a handler that only sometimes needs to (a cache miss)
 * asks gw_would_block(req) first and, on 1, returns at once without a
 * reply; the daemon then runs it again, from the start, on a worker. */
typedef struct gw_endpoint {
	gw_handler handler;
	size_t in_size;        /* of the input struct the handler reads from req->in */
	const gw_field *query; /* {0}-terminated; NULL: no parameters */
	const gw_field *body;  /* fields of a required JSON object; NULL: no body */
	int run_inline;        /* 1: runs on the HTTP thread (see above) */
} gw_endpoint;

/* Compile-time check that member m of T has type V, as 0. */
#define GW_MEMBER_IS(T, m, V)                                                                      \
	(0 * sizeof(struct {                                                                       \
		 _Static_assert(__builtin_types_compatible_p(__typeof__(((T *)0)->m), V),          \
		                #T "." #m " has the wrong type for its declaration");              \
		 char c;                                                                           \
	 }))
#define GW_FIELD_(T, m, ty, V, ...)                                                                \
	{                                                                                          \
		.name = #m, .type = ty, .off = offsetof(T, m) + GW_MEMBER_IS(T, m, V), __VA_ARGS__ \
	}

/* Field declarations: the name is the struct member's. */
#define GW_CODE(T, m, ...)   GW_FIELD_(T, m, GW_T_CODE, const char *, __VA_ARGS__)
#define GW_DATE(T, m, ...)   GW_FIELD_(T, m, GW_T_DATE, int, __VA_ARGS__)
#define GW_INT(T, m, ...)    GW_FIELD_(T, m, GW_T_INT, int64_t, __VA_ARGS__)
#define GW_ENUM(T, m, ...)   GW_FIELD_(T, m, GW_T_ENUM, int, __VA_ARGS__)
#define GW_STRING(T, m, ...) GW_FIELD_(T, m, GW_T_STRING, const char *, __VA_ARGS__)
#define GW_BOOL(T, m, ...)   GW_FIELD_(T, m, GW_T_BOOL, int, __VA_ARGS__)
#define GW_FIELDS(...)       ((const gw_field[]){__VA_ARGS__, {0}})

/* For endpoints that take nothing. */
typedef struct gw_no_input {
	char unused;
} gw_no_input;

/* Declares endpoint gw_ep_<name> (routes.c refers to it) and opens its
 * handler, which sees the request, its typed input `in` and the reply:
 *
 *   typedef struct price_in { const char *code; } price_in;
 *   GW_ENDPOINT(price_get, price_in,
 *               .query = GW_FIELDS(GW_CODE(price_in, code, .required = 1)))
 *   { ... in->code ... }
 */
#define GW_ENDPOINT(name, T, ...)                                                                  \
	static void name##_run(gw_req *req, __attribute__((unused)) const T *in, gw_resp *resp);   \
	static void name(gw_req *req, gw_resp *resp)                                               \
	{                                                                                          \
		name##_run(req, req->in, resp);                                                    \
	}                                                                                          \
	extern const gw_endpoint gw_ep_##name;                                                     \
	const gw_endpoint gw_ep_##name = {.handler = name, .in_size = sizeof(T), __VA_ARGS__};     \
	static void name##_run(gw_req *req, __attribute__((unused)) const T *in, gw_resp *resp)

/* Where the values of the request come from (the daemon passes MHD's
 * lookup; tests pass a table). Borrowed until the request ends. */
typedef const char *(*gw_query_fn)(void *cls, const char *name);

/* Fills in (ep->in_size bytes, zeroed by the caller) from the query and the
 * body as declared. 0, or -1 with a 400 in resp naming the field. */
int gw_input_parse(const gw_endpoint *ep, gw_query_fn query, void *cls, const json_t *body,
                   void *in, gw_resp *resp);

/* The declaration of name in fields ({0}-terminated), or NULL. */
const gw_field *gw_field_find(const gw_field *fields, const char *name);

/* 1 when the whole of v matches the ERE pattern (compiled once, cached). */
int gw_pattern_match(const char *pattern, const char *v);

/* The wire name of a type ("code", "date", ...), for messages and docs. */
const char *gw_type_name(gw_type t);

#endif
