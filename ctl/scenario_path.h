/*
 * scenario_path.h: scenario files by name. `netfaultctl run NAME` (and
 * validate, predict) finds NAME, then NAME.yaml, in the current directory,
 * then in each directory of $NETFAULT_PATH (colon-separated), then in the
 * installed examples: the directory `make install` copies scenarios/ to,
 * found beside the program (BINDIR/../share/netfault/scenarios, so a
 * DESTDIR or moved install works) and at the PREFIX it was built for.
 */
#ifndef NETFAULTCTL_SCENARIO_PATH_H
#define NETFAULTCTL_SCENARIO_PATH_H

#include <stdio.h>

#include "ctl/commands.h"

/* The installed examples directories, in the order they are searched:
 * fills DIRS (up to MAX, each malloc'd, existing directories only, no
 * duplicates) and returns how many. */
size_t scenario_examples_dirs(char **dirs, size_t max);

/*
 * NAME's file: NAME itself when it names a file from the current directory
 * (or is absolute), else the first DIR/NAME or DIR/NAME.yaml found along the
 * search path. Returns it malloc'd, or NULL after writing to ERR
 * "netfaultctl: NAME: no such scenario; looked in:" and every place tried.
 */
char *scenario_find(const char *name, FILE *err);

/* Every file of CMD replaced by scenario_find's answer (command_free frees
 * them). Returns 0, or -1 when one was not found (every failure is said on
 * ERR). */
int scenario_find_all(struct ctl_command *cmd, FILE *err);

/* `netfaultctl examples`: each installed example's file name and its name:,
 * sorted. Returns the exit status (2 when there is no examples directory). */
int scenario_examples_command(FILE *out, FILE *err);

#endif
