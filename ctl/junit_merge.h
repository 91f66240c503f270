/*
 * junit_merge.h: `netfaultctl junit-merge OUT IN...`: the JUnit files of
 * the parts of a sharded suite (run --shard K/N --junit FILE on each
 * machine) joined into one, as CI servers read a single report.
 */
#ifndef NETFAULTCTL_JUNIT_MERGE_H
#define NETFAULTCTL_JUNIT_MERGE_H

#include <stddef.h>

/* Writes OUT: one <testsuites> holding every <testsuite> of INPUTS, in the
 * order given, with the totals counted again. Returns the exit status: 0,
 * or 2 after saying on stderr which input is not JUnit XML and where (OUT
 * is then not written). */
int junit_merge_command(const char *out, const char *const *inputs, size_t n);

#endif
