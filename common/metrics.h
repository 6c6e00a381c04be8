/* metrics.h — process-wide counters, gauges and histograms, rendered in the
 * Prometheus text format by GET /metrics.
 *
 * Any layer may count (kis/, storage/, trader/ call this; it includes
 * nothing of kisgw's). Families are registered by name, once or many times
 * (the same name gives the same family); a series is one set of label
 * values, created on first use. Updates are lock-free atomics, so counting
 * on a hot path costs a short list walk and one atomic add.
 *
 *   km_family *f = km_counter("kisgw_things_total", "Things done.", "kind,outcome");
 *   km_inc(f, 1, "apple", "ok");
 *
 * Names follow Prometheus conventions: kisgw_ prefix, base units in the name
 * (_seconds, _bytes), counters end in _total. Label values are given in the
 * order of the family's label names; NULL ends the list, so pass "" for an
 * empty value. A call whose value count does not match, or past
 * KM_MAX_SERIES series in one family, is dropped and counted in
 * kisgw_metrics_dropped_total. Memory lives until the process ends. */
#ifndef KMETRICS_H
#define KMETRICS_H

#include <stddef.h>
#include <stdint.h>

#define KM_MAX_FAMILIES 128
#define KM_MAX_LABELS   4
#define KM_MAX_SERIES   1024 /* per family: label values must come from small sets */
#define KM_MAX_BOUNDS   16

typedef enum km_type { KM_COUNTER, KM_GAUGE, KM_HISTOGRAM } km_type;

typedef struct km_family km_family;

/* Registers or finds a family. labels: comma-separated label names
 * ("route,status"), NULL or "" for none. NULL when the name is already
 * registered with another type or labels, or the table is full. */
km_family *km_counter(const char *name, const char *help, const char *labels);
km_family *km_gauge(const char *name, const char *help, const char *labels);
/* bounds: ascending upper bounds (copied, at most KM_MAX_BOUNDS); NULL
 * takes km_latency_bounds (seconds, 5 ms to 30 s). */
km_family *km_histogram(const char *name, const char *help, const char *labels,
                        const double *bounds, int nbounds);
extern const double km_latency_bounds[];
extern const int km_nlatency_bounds;

/* Updates; f may be NULL (a failed registration), then nothing happens. */
void km_inc_v(km_family *f, uint64_t n, ...);
void km_gauge_set_v(km_family *f, int64_t v, ...);
void km_gauge_add_v(km_family *f, int64_t delta, ...);
void km_observe_v(km_family *f, double v, ...);
#define km_inc(f, n, ...)       km_inc_v((f), (n), ##__VA_ARGS__, (const char *)0)
#define km_gauge_set(f, v, ...) km_gauge_set_v((f), (v), ##__VA_ARGS__, (const char *)0)
#define km_gauge_add(f, d, ...) km_gauge_add_v((f), (d), ##__VA_ARGS__, (const char *)0)
#define km_observe(f, v, ...)   km_observe_v((f), (v), ##__VA_ARGS__, (const char *)0)

/* Current value of one series (tests, logs): a counter's or gauge's value,
 * a histogram's observation count; 0 when the series does not exist. */
double km_value_v(const km_family *f, ...);
#define km_value(f, ...) km_value_v((f), ##__VA_ARGS__, (const char *)0)

/* Every family in registration order, in the text exposition format 0.0.4.
 * Malloc'd, NUL-terminated (length in *len when not NULL); NULL on OOM. */
char *km_render(size_t *len);

#endif
