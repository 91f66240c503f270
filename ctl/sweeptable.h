/*
 * sweeptable.h: the table netfaultctl prints after a sweep or --repeat:
 * one row per cell, the swept values, each app's verdict, measured time
 * (median, min, max), the model's time and the packets detection cost.
 */
#ifndef NETFAULTCTL_SWEEPTABLE_H
#define NETFAULTCTL_SWEEPTABLE_H

#include <stdio.h>

#include "ctl/sweepstat.h"

/* REPEAT: the runs asked of each cell (--repeat). */
void sweep_table_print(FILE *out, const struct sweep_report *rep, unsigned repeat);

#endif
