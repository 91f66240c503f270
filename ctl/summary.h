/*
 * summary.h: the end of a run's text output, from its result: each app's
 * verdict against its expectation with its evidence (and, when they
 * disagree, the three views; for a cmd app, its last output lines), the
 * engine that served delay, loss and rate faults, what went wrong with
 * the packet capture, and where the pcap files are.
 */
#ifndef NETFAULTCTL_SUMMARY_H
#define NETFAULTCTL_SUMMARY_H

#include <jansson.h>
#include <stdio.h>

#define SUMMARY_WHO_WIDTH 8        /* the timeline's who column */
#define SUMMARY_OUTPUT_LINES 5     /* a cmd app's last lines shown */

/* PREFIX (may be "") starts every line. */
void summary_app(FILE *out, const char *prefix, const json_t *app);
/* The run's lines before the closing one: network engine, captures. */
void summary_run(FILE *out, const char *prefix, const json_t *result);
/* "pcap files in DIR: a.pcap b.pcap", when the run had --pcap. */
void summary_pcap(FILE *out, const char *prefix, const json_t *result);

#endif
