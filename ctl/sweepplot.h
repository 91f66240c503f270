/*
 * sweepplot.h: --plot FILE: a sweep drawn with cairo, SVG or PNG by the
 * name's ending. Detection time of the first app that detected something
 * against the first swept path; one series (colour) per value of the
 * others; the model's times as a dashed line, the measured medians as
 * points with a bar from min to max; ticks, axis names with units, a
 * legend.
 */
#ifndef NETFAULTCTL_SWEEPPLOT_H
#define NETFAULTCTL_SWEEPPLOT_H

#include "ctl/sweepstat.h"

#define SWEEP_PLOT_WIDTH  800
#define SWEEP_PLOT_HEIGHT 500

/* 0, or a negative errno after saying why on stderr. */
int sweep_plot_write(const char *path, const struct sweep_report *rep);
/* The same plot as PNG bytes in *PNG (*LEN of them; the caller frees it),
 * for the HTML report. 0, -ENODATA when no app detected anything, -ENOMEM
 * or -EIO; says nothing. */
int sweep_plot_png(const struct sweep_report *rep, unsigned char **png, size_t *len);

#endif
