/*
 * runner.h: `netfaultctl run`: submit the files, follow their runs, print
 * the timeline (or --json documents), write --junit, and say by the exit
 * status whether every expectation held.
 */
#ifndef NETFAULTCTL_RUNNER_H
#define NETFAULTCTL_RUNNER_H

#include "ctl/commands.h"

/* Returns the exit status: 0 all held, 1 some did not, 2 an error. */
int run_command(const char *socket_path, const struct ctl_command *cmd);

#endif
