/*
 * sweepcsv.h: --csv FILE: a sweep's runs as CSV (RFC 4180), one row per
 * cell, repeat and app, with the cell's figures beside the run's own.
 */
#ifndef NETFAULTCTL_SWEEPCSV_H
#define NETFAULTCTL_SWEEPCSV_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl/sweepstat.h"

/* Writes REP's rows to OUT, the header line first when HEADER. 0, or -EIO
 * after saying why on stderr. */
int sweep_csv_write(FILE *out, const struct sweep_report *rep, bool header);

#endif
