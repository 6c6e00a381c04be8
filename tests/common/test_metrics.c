/* Unit tests for common/metrics: registration, label handling and escaping,
 * histogram buckets, the text format, and exact totals under concurrent
 * updates from several threads (series created while others count). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
			return 1;
	return 0;
}

static void test_register(void **state)
{
	km_family *a = km_counter("t_reg_total", "A counter.", "kind");
	assert_non_null(a);
	assert_ptr_equal(km_counter("t_reg_total", "again", "kind"), a);
	/* same name, other type or labels: refused */
	assert_null(km_gauge("t_reg_total", "x", "kind"));
	assert_null(km_counter("t_reg_total", "x", "kind,other"));
	/* label names: at most KM_MAX_LABELS, none empty */
	assert_null(km_counter("t_bad_total", "x", "a,b,c,d,e"));
	assert_null(km_counter("t_bad2_total", "x", "a,,b"));
	/* updates on NULL are no-ops */
	km_inc(NULL, 1, "x");
	km_observe(NULL, 1.0);
	assert_true(km_value(NULL) == 0);
}

static void test_counter_gauge_render(void **state)
{
	km_family *c = km_counter("t_req_total", "Requests.\nSecond line \\.", "route,status");
	km_family *g = km_gauge("t_depth", "Depth.", NULL);
	km_inc(c, 1, "/price", "200");
	km_inc(c, 2, "/price", "200");
	km_inc(c, 1, "/a\"b\\c\nd", "404");
	km_gauge_add(g, 5);
	km_gauge_add(g, -2);
	assert_true(km_value(c, "/price", "200") == 3);
	assert_true(km_value(c, "/price", "500") == 0);
	assert_true(km_value(g) == 3);

	char *text = km_render(NULL);
	assert_non_null(text);
	assert_true(has_line(text, "# HELP t_req_total Requests.\\nSecond line \\\\."));
	assert_true(has_line(text, "# TYPE t_req_total counter"));
	assert_true(has_line(text, "t_req_total{route=\"/price\",status=\"200\"} 3"));
	assert_true(has_line(text, "t_req_total{route=\"/a\\\"b\\\\c\\nd\",status=\"404\"} 1"));
	assert_true(has_line(text, "# TYPE t_depth gauge"));
	assert_true(has_line(text, "t_depth 3"));
	free(text);

	km_gauge_set(g, -7);
	assert_true(km_value(g) == -7);
}

static void test_histogram(void **state)
{
	static const double bounds[] = {0.1, 1, 10};
	km_family *h = km_histogram("t_wait_seconds", "Waits.", "class", bounds, 3);
	assert_non_null(h);
	km_observe(h, 0.05, "q");
	km_observe(h, 0.1, "q"); /* a bound is inclusive (le) */
	km_observe(h, 0.5, "q");
	km_observe(h, 100, "q");
	assert_true(km_value(h, "q") == 4);
	char *text = km_render(NULL);
	assert_non_null(text);
	assert_true(has_line(text, "# TYPE t_wait_seconds histogram"));
	assert_true(has_line(text, "t_wait_seconds_bucket{class=\"q\",le=\"0.1\"} 2"));
	assert_true(has_line(text, "t_wait_seconds_bucket{class=\"q\",le=\"1\"} 3"));
	assert_true(has_line(text, "t_wait_seconds_bucket{class=\"q\",le=\"10\"} 3"));
	assert_true(has_line(text, "t_wait_seconds_bucket{class=\"q\",le=\"+Inf\"} 4"));
	assert_true(has_line(text, "t_wait_seconds_sum{class=\"q\"} 100.65"));
	assert_true(has_line(text, "t_wait_seconds_count{class=\"q\"} 4"));
	free(text);
	/* unlabelled, default latency buckets */
	km_family *d = km_histogram("t_lat_seconds", "Latency.", NULL, NULL, 0);
	km_observe(d, 0.003);
	text = km_render(NULL);
	assert_true(has_line(text, "t_lat_seconds_bucket{le=\"0.005\"} 1"));
	assert_true(has_line(text, "t_lat_seconds_bucket{le=\"30\"} 1"));
	assert_true(has_line(text, "t_lat_seconds_count 1"));
	free(text);
}

static void test_dropped(void **state)
{
	km_family *c = km_counter("t_drop_total", "x", "a,b");
	km_family *drop = km_counter("kisgw_metrics_dropped_total", "", NULL);
	free(km_render(NULL)); /* the drop counter is refreshed when rendering */
	double before = km_value(drop);
	km_inc(c, 1, "only-one");
	km_inc(c, 1, "x", "y", "z");
	free(km_render(NULL));
	assert_true(km_value(drop) == before + 2);
	/* the series cap: the 1025th distinct series is dropped */
	km_family *many = km_counter("t_many_total", "x", "n");
	char v[16];
	for (int i = 0; i < KM_MAX_SERIES + 1; i++) {
		snprintf(v, sizeof(v), "%d", i);
		km_inc(many, 1, v);
	}
	assert_true(km_value(many, "0") == 1);
	assert_true(km_value(many, "1024") == 0);
	free(km_render(NULL));
	assert_true(km_value(drop) == before + 3);
	/* label text past the key's 512 bytes, escaped or not: dropped, never cut */
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	km_inc(c, 1, big, "y");
	memset(big, '"', 300); /* 300 quotes escape to 600 bytes */
	big[300] = '\0';
	km_inc(c, 1, "x", big);
	big[255] = '\0'; /* 510 escaped bytes and the labels' own: still too long */
	km_inc(c, 1, "x", big);
	free(km_render(NULL));
	assert_true(km_value(drop) == before + 6);
	big[200] = '\0'; /* 400 escaped bytes fit */
	km_inc(c, 1, "x", big);
	assert_true(km_value(c, "x", big) == 1);
}

#define THREADS 4
#define ROUNDS  20000

static km_family *shared_c;
static km_family *shared_h;

static void *worker(void *arg)
{
	long id = (long)arg;
	char mine[16];
	for (int i = 0; i < ROUNDS; i++) {
		snprintf(mine, sizeof(mine), "k%d", i % 50); /* series created concurrently */
		km_inc(shared_c, 1, "all");
		km_inc(shared_c, 1, mine);
		km_observe(shared_h, (double)(i % 3));
		/* families registered concurrently by name, too */
		km_inc(km_counter("t_conc_reg_total", "x", NULL), 1);
	}
	(void)id;
	return NULL;
}

static void test_concurrent(void **state)
{
	static const double bounds[] = {0.5, 1.5};
	shared_c = km_counter("t_conc_total", "x", "k");
	shared_h = km_histogram("t_conc_seconds", "x", NULL, bounds, 2);
	pthread_t th[THREADS];
	for (long i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_true(km_value(shared_c, "all") == THREADS * ROUNDS);
	double sum = 0;
	for (int k = 0; k < 50; k++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", k);
		sum += km_value(shared_c, key);
	}
	assert_true(sum == THREADS * ROUNDS);
	assert_true(km_value(shared_h) == THREADS * ROUNDS);
	assert_true(km_value(km_counter("t_conc_reg_total", "x", NULL)) == THREADS * ROUNDS);
	/* each of the 50 keys exactly once in the output */
	char *text = km_render(NULL);
	assert_non_null(text);
	int n = 0;
	for (const char *p = text; (p = strstr(p, "t_conc_total{k=\"k7\"}")) != NULL; p++)
		n++;
	assert_int_equal(n, 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register),   cmocka_unit_test(test_counter_gauge_render),
	    cmocka_unit_test(test_histogram),  cmocka_unit_test(test_dropped),
	    cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
