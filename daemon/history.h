/*
 * history.h: the byte budget of the runs the daemon keeps (netfaultd -m;
 * netfaultd(8), LIMITS). runs.c counts the bytes; this says how many may
 * be kept, how many one running run may hold, and parses -m.
 */
#ifndef NETFAULTD_HISTORY_H
#define NETFAULTD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

/* -m SIZE: bytes with an optional K, M or G suffix (times 1024), from
 * NFD_MIN_HISTORY_BYTES to NFD_MAX_HISTORY_BYTES. 0, or -EINVAL (not a
 * size) or -ERANGE (outside the bounds). */
int history_budget_parse(const char *text, size_t *bytes);

/* The budget: -m, or NFD_DEFAULT_HISTORY_BYTES. */
size_t history_budget(void);

/* What one running run's events may take: the budget divided by the
 * runs that may go at once, and by at least NFD_RUN_SHARE_DIVISOR, so
 * that the running runs together never need more than the budget. */
size_t history_run_share(void);

/* The daemon's resident memory in bytes (/proc/self/statm), -1 if unknown. */
int64_t process_rss_bytes(void);

#endif
