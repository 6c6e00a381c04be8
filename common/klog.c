/* klog.c — the libraries' log hook. */
#include "klog.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static _Atomic(klog_sink) sink;

void klog_set_sink(klog_sink s)
{
	atomic_store(&sink, s);
}

void klogf(enum klog_level level, const char *source, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	klog_sink s = atomic_load(&sink);
	if (s)
		s(level, source, msg);
	else
		fprintf(stderr, "%s: %s\n", source, msg);
}
