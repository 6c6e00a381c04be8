/* metrics.c — the lock-free metrics registry (see metrics.h).
 *
 * Families sit in a fixed table; a slot is claimed with a compare-and-swap
 * on its state (empty → filling → ready), so registration needs no lock and
 * a reader never sees a half-filled family. Each family keeps its series in
 * a singly linked list that only grows at the head (CAS); a series is never
 * removed, so a walk needs no lock either. A series is keyed by its label
 * values already escaped and joined (`a="x",b="y"`), which is also how it
 * is printed. */
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 512 /* escaped label text of one series */

typedef struct km_series {
	struct km_series *next;
	_Atomic uint64_t count; /* counter value; histogram: +Inf bucket is derived */
	_Atomic int64_t gauge;
	_Atomic uint64_t sum_bits; /* histogram sum, a double's bits */
	_Atomic uint64_t *buckets; /* histogram: per-bound (not cumulative) counts */
	char key[];
} km_series;

enum { SLOT_EMPTY, SLOT_FILLING, SLOT_READY };

struct km_family {
	_Atomic int state;
	km_type type;
	char name[96];
	char help[256];
	char labels[KM_MAX_LABELS][32];
	int nlabels;
	double bounds[KM_MAX_BOUNDS];
	int nbounds;
	_Atomic(km_series *) head;
	_Atomic int nseries;
};

static km_family families[KM_MAX_FAMILIES];
static _Atomic uint64_t dropped;

const double km_latency_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
const int km_nlatency_bounds = sizeof(km_latency_bounds) / sizeof(km_latency_bounds[0]);

static int split_labels(const char *labels, char out[KM_MAX_LABELS][32])
{
	int n = 0;
	const char *p = labels;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == KM_MAX_LABELS || len == 0 || len >= 32)
			return -1;
		memcpy(out[n], p, len);
		out[n][len] = 0;
		n++;
		p = comma ? comma + 1 : p + len;
	}
	return n;
}

static int same_shape(const km_family *f, km_type type, char labels[KM_MAX_LABELS][32], int n)
{
	if (f->type != type || f->nlabels != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (strcmp(f->labels[i], labels[i]))
			return 0;
	return 1;
}

static km_series *series_new(const km_family *f, const char *key)
{
	size_t klen = strlen(key);
	km_series *s = calloc(1, sizeof(*s) + klen + 1);
	if (!s)
		return NULL;
	memcpy(s->key, key, klen + 1);
	if (f->type == KM_HISTOGRAM) {
		s->buckets = calloc((size_t)f->nbounds + 1, sizeof(*s->buckets));
		if (!s->buckets) {
			free(s);
			return NULL;
		}
	}
	return s;
}

static km_series *series_find(km_series *s, const char *key)
{
	for (; s; s = s->next)
		if (!strcmp(s->key, key))
			return s;
	return NULL;
}

/* The series for key, created when missing; NULL past the cap or on OOM. */
static km_series *series_get(km_family *f, const char *key)
{
	km_series *head = atomic_load(&f->head);
	km_series *s = series_find(head, key);
	if (s)
		return s;
	if (atomic_fetch_add(&f->nseries, 1) >= KM_MAX_SERIES) {
		atomic_fetch_sub(&f->nseries, 1);
		return NULL;
	}
	km_series *fresh = series_new(f, key);
	if (!fresh) {
		atomic_fetch_sub(&f->nseries, 1);
		return NULL;
	}
	for (;;) {
		fresh->next = head;
		if (atomic_compare_exchange_weak(&f->head, &head, fresh))
			return fresh;
		/* someone else prepended: they may have added this very key */
		s = series_find(head, key);
		if (s) {
			free(fresh->buckets);
			free(fresh);
			atomic_fetch_sub(&f->nseries, 1);
			return s;
		}
	}
}

static km_family *reg(km_type type, const char *name, const char *help, const char *labels,
                      const double *bounds, int nbounds)
{
	char ln[KM_MAX_LABELS][32];
	int n = split_labels(labels, ln);
	if (n < 0 || !name || strlen(name) >= sizeof(families[0].name))
		return NULL;
	if (type == KM_HISTOGRAM && !bounds) {
		bounds = km_latency_bounds;
		nbounds = km_nlatency_bounds;
	}
	if (type == KM_HISTOGRAM && (nbounds < 1 || nbounds > KM_MAX_BOUNDS))
		return NULL;
	for (int i = 0; i < KM_MAX_FAMILIES; i++) {
		km_family *f = &families[i];
		int st = atomic_load(&f->state);
		if (st == SLOT_EMPTY) {
			int expect = SLOT_EMPTY;
			if (!atomic_compare_exchange_strong(&f->state, &expect, SLOT_FILLING))
				st = expect;
			else {
				f->type = type;
				snprintf(f->name, sizeof(f->name), "%s", name);
				snprintf(f->help, sizeof(f->help), "%s", help ? help : "");
				memcpy(f->labels, ln, sizeof(ln));
				f->nlabels = n;
				f->nbounds = type == KM_HISTOGRAM ? nbounds : 0;
				for (int b = 0; b < f->nbounds; b++)
					f->bounds[b] = bounds[b];
				/* a family without labels shows 0 from the start */
				if (n == 0)
					series_get(f, "");
				atomic_store(&f->state, SLOT_READY);
				return f;
			}
		}
		while (st == SLOT_FILLING) /* another thread is filling it: brief */
			st = atomic_load(&f->state);
		if (!strcmp(f->name, name))
			return same_shape(f, type, ln, n) ? f : NULL;
	}
	return NULL;
}

km_family *km_counter(const char *name, const char *help, const char *labels)
{
	return reg(KM_COUNTER, name, help, labels, NULL, 0);
}

km_family *km_gauge(const char *name, const char *help, const char *labels)
{
	return reg(KM_GAUGE, name, help, labels, NULL, 0);
}

km_family *km_histogram(const char *name, const char *help, const char *labels,
                        const double *bounds, int nbounds)
{
	return reg(KM_HISTOGRAM, name, help, labels, bounds, nbounds);
}

/* Appends s to out with Prometheus label-value escaping; -1 when full. */
static int put_escaped(char *out, size_t cap, size_t *pos, const char *s)
{
	for (; *s; s++) {
		char esc = *s == '\\' ? '\\' : *s == '"' ? '"' : *s == '\n' ? 'n' : 0;
		if (*pos + (esc ? 2 : 1) >= cap)
			return -1;
		if (esc) {
			out[(*pos)++] = '\\';
			out[(*pos)++] = esc;
		} else {
			out[(*pos)++] = *s;
		}
	}
	out[*pos] = 0;
	return 0;
}

/* Appends n bytes of s to key (NUL-terminated); -1 when it would not fit. */
static int put_raw(char *key, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (*pos + n >= cap)
		return -1;
	memcpy(key + *pos, s, n);
	*pos += n;
	key[*pos] = 0;
	return 0;
}

/* Builds the series key from the label values in ap; -1 on a mismatch. */
static int make_key(const km_family *f, va_list ap, char *key, size_t cap)
{
	size_t pos = 0;
	key[0] = 0;
	int i = 0;
	for (const char *v; (v = va_arg(ap, const char *)) != NULL; i++) {
		if (i >= f->nlabels)
			return -1;
		if ((i && put_raw(key, cap, &pos, ",", 1)) ||
		    put_raw(key, cap, &pos, f->labels[i], strlen(f->labels[i])) ||
		    put_raw(key, cap, &pos, "=\"", 2) || put_escaped(key, cap, &pos, v) ||
		    pos + 2 >= cap)
			return -1;
		key[pos++] = '"';
		key[pos] = 0;
	}
	return i == f->nlabels ? 0 : -1;
}

#define LOOKUP(f, last, type_)                                                                     \
	char key[KEY_MAX];                                                                         \
	km_series *s = NULL;                                                                       \
	if (!(f) || (f)->type != (type_))                                                          \
		return;                                                                            \
	va_list ap;                                                                                \
	va_start(ap, last);                                                                        \
	int bad = make_key((f), ap, key, sizeof(key));                                             \
	va_end(ap);                                                                                \
	if (!bad)                                                                                  \
		s = series_get((f), key);                                                          \
	if (!s) {                                                                                  \
		atomic_fetch_add(&dropped, 1);                                                     \
		return;                                                                            \
	}

void km_inc_v(km_family *f, uint64_t n, ...)
{
	LOOKUP(f, n, KM_COUNTER);
	atomic_fetch_add(&s->count, n);
}

void km_gauge_set_v(km_family *f, int64_t v, ...)
{
	LOOKUP(f, v, KM_GAUGE);
	atomic_store(&s->gauge, v);
}

void km_gauge_add_v(km_family *f, int64_t delta, ...)
{
	LOOKUP(f, delta, KM_GAUGE);
	atomic_fetch_add(&s->gauge, delta);
}

void km_observe_v(km_family *f, double v, ...)
{
	LOOKUP(f, v, KM_HISTOGRAM);
	if (isnan(v))
		return;
	int b = 0;
	while (b < f->nbounds && v > f->bounds[b])
		b++;
	atomic_fetch_add(&s->buckets[b], 1);
	uint64_t old = atomic_load(&s->sum_bits), upd;
	do {
		double d;
		memcpy(&d, &old, sizeof(d));
		d += v;
		memcpy(&upd, &d, sizeof(upd));
	} while (!atomic_compare_exchange_weak(&s->sum_bits, &old, upd));
}

static uint64_t hist_count(const km_family *f, km_series *s)
{
	uint64_t n = 0;
	for (int b = 0; b <= f->nbounds; b++)
		n += atomic_load(&s->buckets[b]);
	return n;
}

double km_value_v(const km_family *f, ...)
{
	if (!f)
		return 0;
	char key[KEY_MAX];
	va_list ap;
	va_start(ap, f);
	int bad = make_key(f, ap, key, sizeof(key));
	va_end(ap);
	km_series *s = bad ? NULL : series_find(atomic_load(&f->head), key);
	if (!s)
		return 0;
	switch (f->type) {
	case KM_COUNTER:
		return (double)atomic_load(&s->count);
	case KM_GAUGE:
		return (double)atomic_load(&s->gauge);
	default:
		return (double)hist_count(f, s);
	}
}

/* ---- rendering ---- */

typedef struct buf {
	char *p;
	size_t len, cap;
	int oom;
} buf;

static void bprintf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(buf *b, const char *fmt, ...)
{
	for (;;) {
		if (b->oom)
			return;
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = b->cap * 2 + (size_t)n;
		char *np = realloc(b->p, ncap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

/* HELP text escaping: backslash and newline. */
static void put_help(buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			bprintf(b, "\\\\");
		else if (*s == '\n')
			bprintf(b, "\\n");
		else
			bprintf(b, "%c", *s);
	}
}

/* The shortest form that reads back as the same double. */
static void fmt_double(char *out, size_t n, double v)
{
	if (isinf(v)) {
		snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void render_histogram(buf *b, const km_family *f, km_series *s)
{
	const char *sep = s->key[0] ? "," : "";
	uint64_t cum = 0;
	for (int i = 0; i <= f->nbounds; i++) {
		cum += atomic_load(&s->buckets[i]);
		char le[32] = "+Inf";
		if (i < f->nbounds)
			snprintf(le, sizeof(le), "%g", f->bounds[i]);
		bprintf(b, "%s_bucket{%s%sle=\"%s\"} %llu\n", f->name, s->key, sep, le,
		        (unsigned long long)cum);
	}
	uint64_t bits = atomic_load(&s->sum_bits);
	double sum;
	memcpy(&sum, &bits, sizeof(sum));
	char sv[40];
	fmt_double(sv, sizeof(sv), sum);
	const char *o = s->key[0] ? "{" : "", *c = s->key[0] ? "}" : "";
	bprintf(b, "%s_sum%s%s%s %s\n", f->name, o, s->key, c, sv);
	bprintf(b, "%s_count%s%s%s %llu\n", f->name, o, s->key, c, (unsigned long long)cum);
}

char *km_render(size_t *len)
{
	static const char *type_names[] = {"counter", "gauge", "histogram"};
	km_family *drop =
	    km_counter("kisgw_metrics_dropped_total",
	               "Metric updates dropped: wrong label count or too many series.", NULL);
	buf b = {malloc(4096), 0, 4096, 0};
	if (!b.p)
		return NULL;
	b.p[0] = 0;
	for (int i = 0; i < KM_MAX_FAMILIES; i++) {
		km_family *f = &families[i];
		if (atomic_load(&f->state) != SLOT_READY)
			continue;
		if (f == drop) {
			km_series *ds = atomic_load(&f->head);
			if (ds)
				atomic_store(&ds->count, atomic_load(&dropped));
		}
		bprintf(&b, "# HELP %s ", f->name);
		put_help(&b, f->help);
		bprintf(&b, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
		/* the list is newest first: print in creation order */
		km_series *order[KM_MAX_SERIES];
		int ns = 0;
		for (km_series *s = atomic_load(&f->head); s && ns < KM_MAX_SERIES; s = s->next)
			order[ns++] = s;
		while (ns > 0) {
			km_series *s = order[--ns];
			const char *o = s->key[0] ? "{" : "", *c = s->key[0] ? "}" : "";
			if (f->type == KM_COUNTER)
				bprintf(&b, "%s%s%s%s %llu\n", f->name, o, s->key, c,
				        (unsigned long long)atomic_load(&s->count));
			else if (f->type == KM_GAUGE)
				bprintf(&b, "%s%s%s%s %lld\n", f->name, o, s->key, c,
				        (long long)atomic_load(&s->gauge));
			else
				render_histogram(&b, f, s);
		}
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if (len)
		*len = b.len;
	return b.p;
}
