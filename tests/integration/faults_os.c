/* faults_os.c — the fault-injection suite, operating-system half: the
 * database disk full, locked by another process, and read-only, against
 * the real kisgw binary and kis-sim. A journal that cannot be written
 * refuses the order before it is sent: 503, nothing at KIS. Each
 * mechanism works as root and unprivileged (tests/README.md):
 *  - disk full: RLIMIT_FSIZE lowered on the running kisgw with prlimit(2)
 *    (same user: no privilege), SIGXFSZ ignored (inherited from this test),
 *    so every write past the limit fails with EFBIG as on a full disk;
 *  - locked: a child process of this test opens the database with SQLite
 *    and holds BEGIN EXCLUSIVE;
 *  - read-only: a read-only bind mount of the data directory inside this
 *    test's own mount namespace (unshare(2); unprivileged through a user
 *    namespace), else chmod 0400 when not root; when neither can be had the
 *    test says why and is reported skipped. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"

#include "faults_env.h"

static fenv E;
static char ns_why[160]; /* why this test has no mount namespace ("" if it has) */

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd >= 0) {
		ssize_t n = write(fd, text, strlen(text));
		(void)n;
		close(fd);
	}
}

/* A private mount namespace for this process and its children (kisgw),
 * before any thread exists; as an unprivileged user through a user
 * namespace. Nothing mounted here is seen outside. */
static void enter_mount_ns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWNS) != 0) {
		int e1 = errno;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
			snprintf(ns_why, sizeof(ns_why),
			         "no mount namespace: unshare(CLONE_NEWNS): %s; with a user "
			         "namespace: %s",
			         strerror(e1), strerror(errno));
			return;
		}
		char map[64];
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		snprintf(ns_why, sizeof(ns_why), "cannot make / private in the new namespace: %s",
		         strerror(errno));
}

static int group_up(void **state)
{
	*state = &E;
	const char *env[] = {"KISGW_RECONCILE_INTERVAL=3600", NULL};
	f_up(&E, env);
	return 0;
}

static long long sim_modifies(fenv *e)
{
	json_t *j = h_json(e->sim.port, "GET", "/__sim/orders", NULL, NULL);
	long long n = 0;
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(j, "orders"), i, o) n +=
	    strcmp(f_str(o, "kind"), "new") != 0;
	json_decref(j);
	return n;
}

/* An order or amendment refused because the journal cannot be written:
 * 503 unavailable, the envelope says so, no order in it. */
static void expect_journal_refusal(fenv *e, const char *method, const char *path, const char *body)
{
	h_resp r;
	long st = f_call(e, method, path, body, &r);
	if (st != 503 || strcmp(h_err_code(&r), "unavailable"))
		fail_msg("%s %s: %ld, want 503 unavailable: %s", method, path, st, r.body);
	const char *msg = f_str(json_object_get(r.json, "error"), "message");
	assert_non_null(strstr(msg, "journal cannot be written"));
	h_resp_free(&r);
}

static const char LIMIT_BODY[] = "{\"code\":\"005930\",\"side\":\"buy\",\"qty\":2,"
                                 "\"type\":\"limit\",\"price\":50000,"
                                 "\"client_order_id\":\"rest-1\"}";

/* An open limit order far below the market (rests at KIS), made once. */
static json_int_t resting_order(fenv *e)
{
	h_resp r;
	long st = f_call(e, "POST", "/orders", LIMIT_BODY, &r);
	assert_true(st == 201 || st == 200);
	json_int_t id = json_integer_value(json_object_get(r.json, "id"));
	h_resp_free(&r);
	return id;
}

static void set_fsize(pid_t pid, rlim_t cur)
{
	struct rlimit now;
	assert_int_equal(prlimit(pid, RLIMIT_FSIZE, NULL, &now), 0);
	struct rlimit lim = {cur, now.rlim_max}; /* the hard limit stays: no privilege */
	assert_int_equal(prlimit(pid, RLIMIT_FSIZE, &lim, NULL), 0);
}

/* Disk full (RLIMIT_FSIZE of 1 byte on the running kisgw: every database
 * write fails): orders and amendments are refused before they are sent
 * (503, nothing at KIS), reads and the ledger are served, kisgw keeps
 * running; once there is room again the client's retry is one order. */
static void test_disk_full(void **state)
{
	(void)state;
	fenv *e = &E;
	json_int_t rest = resting_order(e);
	f_order_expect(e, "full-0", "005930", 201, NULL);
	size_t before = f_sim_orders(e);
	long long mods = sim_modifies(e);
	long long received = f_counter(e, "orders_received");

	set_fsize(e->gw.pid, 1);
	expect_journal_refusal(e, "POST", "/orders",
	                       "{\"code\":\"000660\",\"side\":\"buy\",\"qty\":1,\"type\":"
	                       "\"market\",\"client_order_id\":\"full-1\"}");
	char path[64];
	snprintf(path, sizeof(path), "/orders/%lld", (long long)rest);
	expect_journal_refusal(e, "PATCH", path, "{\"price\":50100}");
	expect_journal_refusal(e, "DELETE", path, NULL);
	h_resp r;
	assert_int_equal(f_call(e, "GET", "/orders", NULL, &r), 200);
	assert_true(json_array_size(json_object_get(r.json, "orders")) >= 2);
	h_resp_free(&r);
	assert_int_equal(f_call(e, "GET", "/balance", NULL, &r), 200);
	h_resp_free(&r);
	assert_int_equal(f_call(e, "GET", "/healthz", NULL, &r), 200);
	h_resp_free(&r);
	assert_int_equal(f_counter(e, "orders_received"), received); /* nothing at KIS */
	assert_int_equal(sim_modifies(e), mods);
	assert_true(h_alive(e->gw.pid));

	set_fsize(e->gw.pid, RLIM_INFINITY);
	long st;
	f_order_expect(e, "full-1", "000660", 201, NULL);
	st = f_call(e, "DELETE", path, NULL, &r);
	assert_true(st == 200 || st == 202);
	h_resp_free(&r);
	assert_int_equal(f_sim_orders(e), before + 1);
	f_check_ledger(e);
}

typedef struct post {
	fenv *e;
	const char *key;
	long status;
	char no[16]; /* the broker number in the reply */
} post;

static void *post_run(void *arg)
{
	post *p = arg;
	h_resp r;
	p->status = f_order(p->e, p->key, "035720", 1, &r);
	snprintf(p->no, sizeof(p->no), "%s", f_str(r.json, "broker_order_no"));
	h_resp_free(&r);
	return NULL;
}

/* The disk fills while an order is at KIS (journaled, the answer not yet
 * recorded): the client gets 202 unknown with KIS's number (never lost),
 * and after a restart the order is reconciled from KIS, once. */
static void test_disk_full_mid_order(void **state)
{
	(void)state;
	fenv *e = &E;
	size_t before = f_sim_orders(e);
	long long fired = f_counter(e, "faults_fired");
	f_fault(e, "order-cash", "delay", 1, 1500);
	post p = {e, "mid-1", 0, ""};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, post_run, &p), 0);
	for (int i = 0; i < 200 && f_counter(e, "faults_fired") == fired; i++)
		usleep(20 * 1000);
	set_fsize(e->gw.pid, 1);
	pthread_join(th, NULL);
	set_fsize(e->gw.pid, RLIM_INFINITY);
	assert_int_equal(p.status, 202);
	assert_int_equal(strlen(p.no), 10);
	assert_int_equal(f_sim_orders(e), before + 1);
	assert_int_equal(h_stop(&e->gw, SIGTERM), 0);
	f_gw_start(e);
	f_check_ledger(e);
}

/* Another process holding the database's write lock (SQLite BEGIN
 * EXCLUSIVE) until told to let go through a pipe. */
typedef struct locker {
	pid_t pid;
	int release_fd;
} locker;

static void lock_db(locker *l, const char *path)
{
	int ready[2], rel[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(rel), 0);
	l->pid = fork();
	assert_true(l->pid >= 0);
	if (l->pid == 0) {
		close(ready[0]);
		close(rel[1]);
		sqlite3 *db = NULL;
		char c = 'E';
		if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_busy_timeout(db, 10000) == 0 &&
		    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK)
			c = 'L';
		if (write(ready[1], &c, 1) != 1 || read(rel[0], &c, 1) < 0)
			c = 'E';
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	close(ready[1]);
	close(rel[0]);
	char c = 0;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(c, 'L');
	l->release_fd = rel[1];
}

static void unlock_db(locker *l)
{
	close(l->release_fd); /* EOF: the child commits and exits */
	int st;
	waitpid(l->pid, &st, 0);
}

/* The database locked by another process: reads go on; an order waits for
 * the lock (kisgw's busy wait, 10 s) and is refused 503 before it is sent
 * when the lock outlasts it; an order waiting when the lock goes is
 * placed, once. */
static void test_db_locked(void **state)
{
	(void)state;
	fenv *e = &E;
	char db[1024];
	snprintf(db, sizeof(db), "%s/kisgw.db", e->dir);
	size_t before = f_sim_orders(e);
	locker l;
	lock_db(&l, db);
	h_resp r;
	assert_int_equal(f_call(e, "GET", "/orders", NULL, &r), 200);
	h_resp_free(&r);
	expect_journal_refusal(e, "POST", "/orders",
	                       "{\"code\":\"035720\",\"side\":\"buy\",\"qty\":1,\"type\":"
	                       "\"market\",\"client_order_id\":\"lock-1\"}");
	assert_int_equal(f_sim_orders(e), before);

	post p = {e, "lock-1", 0, ""};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, post_run, &p), 0);
	usleep(1500 * 1000); /* the order is waiting for the lock meanwhile */
	assert_int_equal(f_sim_orders(e), before);
	unlock_db(&l);
	pthread_join(th, NULL);
	assert_int_equal(p.status, 201);
	assert_int_equal(f_sim_orders(e), before + 1);
	f_check_ledger(e);
}

/* Makes dir read-only for kisgw; the mechanism's name, or NULL with why. */
static const char *make_read_only(const char *dir, char *why, size_t n)
{
	if (!ns_why[0]) {
		if (mount(dir, dir, NULL, MS_BIND, NULL) == 0 &&
		    mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0)
			return "read-only bind mount";
		snprintf(why, n, "read-only bind mount of %s: %s", dir, strerror(errno));
		umount2(dir, MNT_DETACH);
	} else {
		snprintf(why, n, "%s", ns_why);
	}
	if (geteuid() != 0) {
		char p[1100];
		snprintf(p, sizeof(p), "%s/kisgw.db", dir);
		if (chmod(p, 0400) == 0 && chmod(dir, 0500) == 0)
			return "chmod 0400 (not root)";
	}
	size_t l = strlen(why);
	snprintf(why + l, n - l, "; and root ignores file modes");
	return NULL;
}

static void undo_read_only(const char *dir, const char *how)
{
	if (!strcmp(how, "read-only bind mount")) {
		assert_int_equal(umount2(dir, 0), 0);
	} else {
		char p[1100];
		snprintf(p, sizeof(p), "%s/kisgw.db", dir);
		chmod(dir, 0700);
		chmod(p, 0600);
	}
}

/* The database made read-only while kisgw is stopped: kisgw refuses to
 * start (exit status 1, the reason on stderr naming the file) rather than
 * take orders it cannot journal; with the file writable again it starts
 * and nothing is lost. (A mount cannot be made read-only under a process
 * holding the file open for writing: EBUSY; a running kisgw whose writes
 * fail is the disk-full case.) */
static void test_db_read_only(void **state)
{
	(void)state;
	fenv *e = &E;
	long st;
	json_t *all = h_json(e->gw.port, "GET", "/orders?limit=1000", NULL, &st);
	assert_int_equal(st, 200);
	size_t n = json_array_size(json_object_get(all, "orders"));
	json_decref(all);
	assert_true(n > 0);
	assert_int_equal(h_stop(&e->gw, SIGTERM), 0);
	char why[400];
	const char *how = make_read_only(e->dir, why, sizeof(why));
	if (!how) {
		print_message("read-only database: not tested here: %s\n", why);
		f_gw_start(e);
		skip();
	}
	print_message("read-only database by %s\n", how);
	char db[1100], url[64], key[200];
	snprintf(db, sizeof(db), "KISGW_DB=%s/kisgw.db", e->dir);
	snprintf(url, sizeof(url), "KIS_BASE_URL=http://127.0.0.1:%d", e->sim.port);
	snprintf(key, sizeof(key), "KIS_APP_SECRET=");
	memset(key + 15, H_APP_SECRET_CH, 180);
	key[195] = 0;
	const char *env[] = {"KIS_APP_KEY=" H_APP_KEY,
	                     key,
	                     "KIS_ACCOUNT=50012345-01",
	                     url,
	                     db,
	                     "KISGW_LISTEN=127.0.0.1:0",
	                     "KISGW_CLOCK=" CLOCK,
	                     NULL};
	char *out = NULL, *err = NULL;
	int rc = h_run(h_bin("kisgw"), NULL, env, 30, &out, &err);
	print_message("kisgw on a read-only database: exit %d: %s", rc, err ? err : "");
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "cannot open the database"));
	assert_non_null(strstr(err, "kisgw.db"));
	free(out);
	free(err);
	undo_read_only(e->dir, how);
	f_gw_start(e);
	all = h_json(e->gw.port, "GET", "/orders?limit=1000", NULL, &st);
	assert_int_equal(st, 200);
	assert_int_equal(json_array_size(json_object_get(all, "orders")), n);
	json_decref(all);
	f_check_ledger(e);
}

int main(void)
{
	signal(SIGXFSZ, SIG_IGN); /* kisgw inherits it: a write past the limit fails */
	enter_mount_ns();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_disk_full),
	    cmocka_unit_test(test_disk_full_mid_order),
	    cmocka_unit_test(test_db_locked),
	    cmocka_unit_test(test_db_read_only),
	};
	return cmocka_run_group_tests(tests, group_up, f_group_down);
}
