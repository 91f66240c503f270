/*
 * json_out.h: `netfaultctl run --json`: one JSON document per run, on one
 * line, as each run ends (netfaultctl(1) documents the members).
 */
#ifndef NETFAULTCTL_JSON_OUT_H
#define NETFAULTCTL_JSON_OUT_H

#include <stdio.h>

#include "ctl/runrec.h"

void json_out_run(FILE *out, const struct run_record *r);
/* For a file the daemon refused: {"file","state":"error","error","errors"}. */
void json_out_refused(FILE *out, const char *file, const char *error, json_t *errors);

#endif
