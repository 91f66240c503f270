/*
 * report_sweep.h: a sweep (matrix: or --set with several values) in the
 * HTML report: its table, one row per cell (the cell's values, each app's
 * verdict and time, PASS/FAIL), and its plot, --plot's (sweepplot.h), as
 * an inline PNG.
 */
#ifndef NETFAULTCTL_REPORT_SWEEP_H
#define NETFAULTCTL_REPORT_SWEEP_H

#include <libxml/xmlwriter.h>
#include <stddef.h>

#include "ctl/runrec.h"

/* 0 or -ENOMEM. */
int report_sweep_write(xmlTextWriterPtr w, const struct run_record *runs, size_t n);

#endif
