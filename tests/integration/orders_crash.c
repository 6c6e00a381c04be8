/* orders_crash.c — crash safety: a stream of at least 100 orders against
 * kis-sim while kisgw is killed with SIGKILL at random moments (and some
 * replies are dropped after KIS took the order). The client retries each
 * order with its idempotency key after a restart, as a real client would.
 * At the end the ledger is compared with kis-sim's own order log: every
 * order that reached KIS is in the ledger exactly once, none was sent
 * twice, and filled quantities agree. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define CLOCK     "2026-11-24T10:00:00+09:00"
#define ACCOUNT   "50012345-01"
#define N_ORDERS  120
#define MIN_KILLS 10

typedef struct killer {
	pthread_t th;
	pid_t pid;
	int delay_ms;
	int started;
} killer;

static void *killer_run(void *arg)
{
	killer *k = arg;
	usleep((useconds_t)k->delay_ms * 1000);
	kill(k->pid, SIGKILL);
	return NULL;
}

static void killer_arm(killer *k, pid_t pid, unsigned *seed)
{
	k->pid = pid;
	k->delay_ms = 10 + (int)(rand_r(seed) % 200);
	k->started = pthread_create(&k->th, NULL, killer_run, k) == 0;
}

static void killer_join(killer *k)
{
	if (k->started)
		pthread_join(k->th, NULL);
	k->started = 0;
}

/* kisgw on the simulator's current time, so the two clocks agree. */
static void gw_start(h_proc *gw, int sim_port, const char *dir)
{
	const char *env[] = {"KISGW_RATE_LIMIT=1000", "KISGW_RECONCILE_INTERVAL=1", NULL};
	assert_int_equal(h_start_gw_sim_clock(gw, sim_port, dir, env), 0);
}

static void test_kill9_stream(void **state)
{
	(void)state;
	unsigned seed = (unsigned)time(NULL);
	const char *env_seed = getenv("KISGW_CRASH_SEED");
	if (env_seed)
		seed = (unsigned)strtoul(env_seed, NULL, 10);
	printf("crash test seed %u (KISGW_CRASH_SEED to replay)\n", seed);
	char *dir = h_tmpdir();
	h_proc sim, gw;
	const char *args[] = {"--clock", CLOCK, "--seed", "3", "--rate", "0", "--quiet", NULL};
	assert_int_equal(h_start_sim(&sim, args), 0);
	long st = 0;
	json_decref(h_json(sim.port, "POST", "/__sim/reset",
	                   "{\"account\":\"" ACCOUNT "\",\"cash\":100000000000}", &st));
	assert_int_equal(st, 200);
	gw_start(&gw, sim.port, dir);

	const char *codes[] = {"005930", "000660", "035720", "005380"};
	killer k = {0};
	killer_arm(&k, gw.pid, &seed);
	int kills = 0, unknown_replies = 0, retries = 0, posted = 0;
	for (int i = 0; i < N_ORDERS || kills < MIN_KILLS; i++, posted++) {
		if (i >= 4 * N_ORDERS)
			fail_msg("only %d kills in %d orders", kills, i);
		char body[200];
		snprintf(body, sizeof(body),
		         "{\"code\":\"%s\",\"side\":\"buy\",\"qty\":%d,\"type\":\"market\","
		         "\"client_order_id\":\"crash-%d\"}",
		         codes[i % 4], 1 + i % 5, i);
		if (i % 13 == 5)
			json_decref(h_json(
			    sim.port, "POST", "/__sim/fault",
			    "{\"match\":\"order-cash\",\"kind\":\"drop_after_order\"}", NULL));
		for (int attempt = 0;; attempt++) {
			assert_true(attempt < 5);
			h_resp r;
			int rc = h_http(&r, "POST", gw.port, "/orders", body, NULL);
			long status = rc == 0 ? r.status : 0;
			h_resp_free(&r);
			if (rc == 0 && (status == 200 || status == 201 || status == 202)) {
				unknown_replies += status == 202;
				break;
			}
			if (rc == 0 && h_alive(gw.pid))
				fail_msg("order %d: unexpected HTTP %ld", i, status);
			/* kisgw died under the request: restart, resend with the same key. */
			killer_join(&k);
			h_stop(&gw, 0);
			kills++;
			retries++;
			gw_start(&gw, sim.port, dir);
			killer_arm(&k, gw.pid, &seed);
		}
		if (!h_alive(gw.pid)) { /* killed between two requests */
			killer_join(&k);
			h_stop(&gw, 0);
			kills++;
			gw_start(&gw, sim.port, dir);
			killer_arm(&k, gw.pid, &seed);
		}
	}
	/* Let the last killer fire, then one clean run to settle the ledger. */
	killer_join(&k);
	h_stop(&gw, 0);
	gw_start(&gw, sim.port, dir);
	json_decref(h_json(gw.port, "POST", "/orders/reconcile", NULL, &st));
	assert_int_equal(st, 200);
	json_decref(h_json(gw.port, "POST", "/orders/reconcile", NULL, &st));
	assert_int_equal(st, 200);

	json_t *ledger = h_json(gw.port, "GET", "/orders?limit=1000", NULL, &st);
	assert_int_equal(st, 200);
	json_t *simlog = h_json(sim.port, "GET", "/__sim/orders", NULL, &st);
	assert_int_equal(st, 200);
	json_t *lo = json_object_get(ledger, "orders"), *so = json_object_get(simlog, "orders");
	size_t nsim = 0, i, j;
	json_t *s, *l;
	json_array_foreach(so, i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "kind")), "new"))
			continue;
		nsim++;
		const char *odno = json_string_value(json_object_get(s, "odno"));
		int found = 0;
		json_array_foreach(lo, j, l)
		{
			const char *b = json_string_value(json_object_get(l, "broker_order_no"));
			if (b && !strcmp(b, odno)) {
				found++;
				/* Fills were counted once. */
				assert_int_equal(
				    json_integer_value(json_object_get(l, "filled_qty")),
				    json_integer_value(json_object_get(s, "filled_qty")));
				assert_int_equal(json_integer_value(json_object_get(l, "qty")),
				                 json_integer_value(json_object_get(s, "qty")));
				assert_string_equal(json_string_value(json_object_get(l, "code")),
				                    json_string_value(json_object_get(s, "code")));
			}
		}
		if (found != 1)
			fail_msg("KIS order %s is in the ledger %d times", odno, found);
	}
	size_t with_odno = 0, unknown = 0, keys = 0;
	json_array_foreach(lo, j, l)
	{
		const char *status = json_string_value(json_object_get(l, "status"));
		const char *src = json_string_value(json_object_get(l, "source"));
		/* An order sent twice would show up as an external order. */
		assert_string_equal(src, "api");
		assert_string_not_equal(status, "pending");
		if (json_is_string(json_object_get(l, "broker_order_no")))
			with_odno++;
		if (!strcmp(status, "unknown"))
			unknown++;
		if (json_is_string(json_object_get(l, "client_order_id")))
			keys++;
	}
	printf("orders posted: %d (%d resent after a kill), ledger %zu (%zu at KIS, %zu unknown: "
	       "journaled, never sent), kis-sim %zu, kills %d, 202 replies %d\n",
	       posted, retries, json_array_size(lo), with_odno, unknown, nsim, kills,
	       unknown_replies);
	assert_int_equal(with_odno, nsim);
	assert_true(nsim <= keys);
	assert_int_equal(keys, (size_t)posted);
	assert_true(posted >= N_ORDERS);
	assert_true(kills >= MIN_KILLS);
	json_decref(ledger);
	json_decref(simlog);
	h_stop(&gw, SIGTERM);
	h_stop(&sim, SIGTERM);
	h_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kill9_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
