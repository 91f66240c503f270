/*
 * junit.h: `netfaultctl run --junit FILE`: JUnit XML for CI. One testsuite
 * per scenario file, one testcase per run (per sweep cell); a run whose
 * expectations did not hold has a <failure> whose message is the reason,
 * a run that could not run (or a file the daemon refused) an <error>.
 */
#ifndef NETFAULTCTL_JUNIT_H
#define NETFAULTCTL_JUNIT_H

#include <jansson.h>
#include <stddef.h>

#include "ctl/runrec.h"

struct junit_suite {
	const char *file;
	const char *error;         /* the file was refused: why; else NULL */
	const json_t *errors;      /* and the file:line:col lines, or NULL */
	const struct run_record *runs;
	size_t nruns;
};

/* 0, or -errno after saying why on stderr. */
int junit_write(const char *path, const struct junit_suite *suites, size_t n);

#endif
