/* klog.h — how the libraries (kis, storage, trader) report what the
 * program should know. They call klogf(); the program installs one sink
 * (kisgw writes JSON lines). Without a sink, lines go to stderr. */
#ifndef KLOG_H
#define KLOG_H

enum klog_level { KLOG_DEBUG, KLOG_INFO, KLOG_WARN, KLOG_ERROR };

typedef void (*klog_sink)(enum klog_level level, const char *source, const char *msg);

void klog_set_sink(klog_sink sink);
/* source names the layer ("storage", "trader"). Never pass secrets. */
void klogf(enum klog_level level, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
