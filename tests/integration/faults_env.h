/* faults_env.h — what the fault-injection suites share (faults_upstream.c,
 * faults_os.c, faults_signals.c): one kis-sim + kisgw pair, kis-sim faults,
 * orders, and the check of the ledger against kis-sim's own order log.
 * Included once per test program, after cmocka.h and harness.h. The table
 * of scenarios is tests/README.md. */
#ifndef KISGW_TESTS_FAULTS_ENV_H
#define KISGW_TESTS_FAULTS_ENV_H

#define CLOCK "2026-11-24T10:00:00+09:00"

typedef struct fenv {
	h_proc sim, gw;
	char *dir;
	const char *gw_env[16];  /* extra kisgw settings, NULL-terminated */
	const char *clock;       /* kis-sim's start (NULL: CLOCK) */
	const char *speed;       /* both clocks' speed ("@60"; NULL: real time) */
	const char *sim_args[5]; /* extra kis-sim flags, NULL-terminated */
} fenv;

/* kisgw on the simulator's current time (the two clocks agree after a
 * restart too), with e->gw_env. */
static inline void f_gw_start(fenv *e)
{
	json_t *c = h_json(e->sim.port, "GET", "/__sim/clock", NULL, NULL);
	assert_non_null(c);
	char clk[80];
	snprintf(clk, sizeof(clk), "KISGW_CLOCK=%s%s", json_string_value(json_object_get(c, "now")),
	         e->speed ? e->speed : "");
	json_decref(c);
	const char *env[24] = {clk, "KISGW_RATE_LIMIT=1000", "KISGW_TOKEN_MIN_INTERVAL_S=1"};
	int n = 3;
	for (const char *const *v = e->gw_env; *v && n < 23; v++)
		env[n++] = *v;
	env[n] = NULL;
	assert_int_equal(h_start_gw(&e->gw, e->sim.port, e->dir, env), 0);
}

/* kis-sim at e->clock (no rate limit, any token issuance interval, plus
 * e->sim_args) on port (0: a free one). */
static inline void f_sim_start(fenv *e, int port)
{
	char listen[32], clk[80];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(clk, sizeof(clk), "%s%s", e->clock ? e->clock : CLOCK, e->speed ? e->speed : "");
	const char *args[20] = {"--listen", listen,   "--clock",
	                        clk,        "--seed", "7",
	                        "--rate",   "0",      "--token-min-interval",
	                        "0",        "--quiet"};
	for (int i = 0, n = 11; i < 4 && e->sim_args[i]; i++)
		args[n++] = e->sim_args[i];
	assert_int_equal(h_start_sim(&e->sim, args), 0);
	assert_true(port == 0 || e->sim.port == port);
}

/* gw_env: extra kisgw settings (NULL-terminated, may be NULL); e->clock,
 * e->speed and e->sim_args as the caller set them (zero for the defaults). */
static inline void f_up(fenv *e, const char *const *gw_env)
{
	fenv keep = *e; /* the caller's clock, speed and kis-sim flags, if any */
	memset(e, 0, sizeof(*e));
	e->clock = keep.clock;
	e->speed = keep.speed;
	memcpy(e->sim_args, keep.sim_args, sizeof(e->sim_args));
	for (int n = 0; gw_env && gw_env[n] && n < 15; n++)
		e->gw_env[n] = gw_env[n];
	e->dir = h_tmpdir();
	assert_non_null(e->dir);
	f_sim_start(e, 0);
	f_gw_start(e);
}

static inline void f_down(fenv *e)
{
	if (e->gw.pid)
		assert_int_equal(h_stop(&e->gw, SIGTERM), 0);
	if (e->sim.pid)
		h_stop(&e->sim, SIGTERM);
	h_rmdir(e->dir);
	e->dir = NULL;
}

/* cmocka tear-down of a group sharing one pair: *state is its fenv. */
static inline int f_group_down(void **state)
{
	f_down(*state);
	return 0;
}

/* A control call to kis-sim that must answer 200. */
static inline void f_sim_post(fenv *e, const char *path, const char *body)
{
	if (h_sim_post(e->sim.port, path, body) != 0)
		fail_msg("kis-sim %s %s refused", path, body);
}

/* The next count calls matching match (path suffix or tr_id) get kind,
 * after delay_ms for kind "delay". */
static inline void f_fault(fenv *e, const char *match, const char *kind, int count, int delay_ms)
{
	char body[256];
	snprintf(body, sizeof(body),
	         "{\"match\":\"%s\",\"kind\":\"%s\",\"count\":%d,\"delay_ms\":%d}", match, kind,
	         count, delay_ms);
	f_sim_post(e, "/__sim/fault", body);
}

static inline void f_clear(fenv *e)
{
	f_sim_post(e, "/__sim/fault", "{\"clear\":true}");
}

static inline long long f_counter(fenv *e, const char *name)
{
	return h_sim_counter(e->sim.port, name);
}

static inline const char *f_str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* One request to kisgw; the status (0 when the exchange failed). */
static inline long f_call(fenv *e, const char *method, const char *path, const char *body,
                          h_resp *r)
{
	if (h_http(r, method, e->gw.port, path, body, NULL) != 0)
		return 0;
	return r->status;
}

/* POST /orders: a market buy of qty code under key; the status, the
 * reply in *r (caller frees). */
static inline long f_order(fenv *e, const char *key, const char *code, int qty, h_resp *r)
{
	char body[200];
	snprintf(body, sizeof(body),
	         "{\"code\":\"%s\",\"side\":\"buy\",\"qty\":%d,\"type\":\"market\","
	         "\"client_order_id\":\"%s\"}",
	         code, qty, key);
	return f_call(e, "POST", "/orders", body, r);
}

/* The status of an order and its error code when it is refused; want
 * the HTTP status, want_code the error code (NULL: none checked). The
 * order id, or 0. */
static inline json_int_t f_order_expect(fenv *e, const char *key, const char *code, long want,
                                        const char *want_code)
{
	h_resp r;
	long st = f_order(e, key, code, 1, &r);
	if (st != want || (want_code && strcmp(h_err_code(&r), want_code)))
		fail_msg("order %s: HTTP %ld %s, want %ld %s: %s", key, st, h_err_code(&r), want,
		         want_code ? want_code : "", r.body);
	if (st >= 400) /* a refusal is always the JSON envelope */
		assert_non_null(json_object_get(r.json, "error"));
	json_t *o = json_object_get(r.json, "order");
	json_int_t id = json_integer_value(json_object_get(o ? o : r.json, "id"));
	h_resp_free(&r);
	return id;
}

static inline json_t *f_order_get(fenv *e, json_int_t id)
{
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)id);
	long st;
	json_t *j = h_json(e->gw.port, "GET", path, NULL, &st);
	assert_int_equal(st, 200);
	return j;
}

static inline void f_reconcile(fenv *e)
{
	long st;
	json_decref(h_json(e->gw.port, "POST", "/orders/reconcile", NULL, &st));
	assert_int_equal(st, 200);
}

/* Orders kis-sim took (kind new). */
static inline size_t f_sim_orders(fenv *e)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/orders", NULL, NULL);
	size_t n = 0, i;
	json_t *o;
	json_array_foreach(json_object_get(j, "orders"), i, o) n +=
	    !strcmp(f_str(o, "kind"), "new");
	json_decref(j);
	return n;
}

/* The waits of a test are for a process, never a fixed time: until kis-sim
 * holds n orders, at most 20 s. */
static inline void f_wait_sim_orders(fenv *e, size_t n)
{
	for (int i = 0; i < 400 && f_sim_orders(e) < n; i++)
		usleep(50 * 1000);
	assert_int_equal(f_sim_orders(e), n);
}

/* After a reconciliation: every order kis-sim took is in the ledger once,
 * with KIS's quantity and fills; the ledger holds no order KIS does not
 * (none sent twice: a second copy would be imported as external), none is
 * left pending. The number of orders at KIS. */
static inline size_t f_check_ledger(fenv *e)
{
	f_reconcile(e);
	long st;
	json_t *ledger = h_json(e->gw.port, "GET", "/orders?limit=1000", NULL, &st);
	assert_int_equal(st, 200);
	json_t *simlog = h_json(e->sim.port, "GET", "/__sim/orders", NULL, &st);
	assert_int_equal(st, 200);
	json_t *lo = json_object_get(ledger, "orders");
	size_t nsim = 0, with_no = 0, i, j;
	json_t *s, *l;
	json_array_foreach(json_object_get(simlog, "orders"), i, s)
	{
		if (strcmp(f_str(s, "kind"), "new"))
			continue;
		nsim++;
		int found = 0;
		json_array_foreach(lo, j, l)
		{
			if (strcmp(f_str(l, "broker_order_no"), f_str(s, "odno")))
				continue;
			found++;
			assert_int_equal(json_integer_value(json_object_get(l, "qty")),
			                 json_integer_value(json_object_get(s, "qty")));
			assert_int_equal(json_integer_value(json_object_get(l, "filled_qty")),
			                 json_integer_value(json_object_get(s, "filled_qty")));
		}
		if (found != 1)
			fail_msg("KIS order %s is in the ledger %d times", f_str(s, "odno"), found);
	}
	json_array_foreach(lo, j, l)
	{
		assert_string_not_equal(f_str(l, "source"), "external");
		assert_string_not_equal(f_str(l, "status"), "pending");
		with_no += json_is_string(json_object_get(l, "broker_order_no"));
	}
	assert_int_equal(with_no, nsim);
	json_decref(ledger);
	json_decref(simlog);
	return nsim;
}

#endif
