/*
 * timeline.h: netfaultctl's text output of a run: one line per event, time
 * since t0 first ("  1.000s  client   fault poweroff"), then each app's
 * verdict against its expectation and a closing PASS/FAIL line (and where
 * the pcap files are, if any). A sweep's table is sweeptable.h's.
 */
#ifndef NETFAULTCTL_TIMELINE_H
#define NETFAULTCTL_TIMELINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctl/runrec.h"

/* PREFIX (may be "") starts every line: "[12] " when runs interleave. */
void timeline_header(FILE *out, const char *prefix, const struct run_record *r);
/* EVENT is not changed; jansson's iteration wants it non-const. Packet
 * and socket events are left out unless WIRE. */
void timeline_event(FILE *out, const char *prefix, json_t *event, bool wire);
void timeline_result(FILE *out, const char *prefix, const struct run_record *r);
/* The closing line ("PASS  file  name"), and "pcap files in DIR: ..."
 * after it when the run wrote some; alone for --quiet. */
void timeline_verdict_line(FILE *out, const char *prefix, const struct run_record *r);

#endif
