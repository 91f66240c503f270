/*
 * check.h: a scenario file checked without running it, the one check
 * behind `netfaultctl validate FILE...` and `netfaultd -n FILE...`: the
 * daemon's own parser, so what passes here is what a run request passes.
 */
#ifndef SCENARIO_CHECK_H
#define SCENARIO_CHECK_H

#include <stdio.h>

/* Loads PATH and says how it went: "PATH: OK" on OUT, or every error as
 * file:line:col: message (a file that cannot be read: "PATH: why") on ERR,
 * where the caller wants them. Returns 0 when the file is a valid scenario,
 * else scenario_load's -errno (-EINVAL: errors in it). */
int scenario_check_file(const char *path, FILE *out, FILE *err);

#endif
