/*
 * report.h: `--html FILE` and `--svg FILE` of `netfaultctl run` and
 * `show`: a self-contained HTML page (inline CSS and SVG, no script, no
 * network) of the runs of each file: the scenario's name, file and
 * pass/fail, each app's verdict against its expectation with the three
 * views' evidence (and a theory's, where the result has one), the run's
 * ladder diagram (ladder.h) and, for a sweep, its table and plot; or the
 * ladders alone, as one SVG document.
 */
#ifndef NETFAULTCTL_REPORT_H
#define NETFAULTCTL_REPORT_H

#include <stddef.h>

#include "ctl/junit.h"

/* 0, or -errno after saying why on stderr. */
int report_html_write(const char *path, const struct junit_suite *files, size_t n);
int report_svg_write(const char *path, const struct junit_suite *files, size_t n);

#endif
