/*
 * testlib.h: helpers shared by netfault's Check tests.
 *
 * NF_SKIP prints "SKIP: test: reason" (tests/run-all counts it as skipped,
 * never as passed) and leaves the test. nf_require_root() skips a test that
 * needs root. nf_root_snapshot() captures the machine's root network
 * namespace (links, addresses, routes, rules, nft ruleset, qdiscs) so a test
 * can prove a run changed nothing there.
 */
#ifndef NETFAULT_TESTLIB_H
#define NETFAULT_TESTLIB_H

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#define NF_SKIP(...)                                                      \
	do {                                                              \
		printf("SKIP: %s: ", __func__);                           \
		printf(__VA_ARGS__);                                      \
		printf("\n");                                             \
		fflush(stdout);                                           \
		return;                                                   \
	} while (0)

#define NF_REQUIRE_ROOT()                                                 \
	do {                                                              \
		if (geteuid() != 0)                                       \
			NF_SKIP("needs root (network namespaces)");       \
	} while (0)

/* Text describing the root namespace's network state; caller frees. */
char *nf_root_snapshot(void);
/* The *.yaml files of the example scenario directory ($NF_SCENARIO_DIR, else
 * "scenarios"), sorted, at most MAX: names into FILES, the directory into
 * *DIR (both malloc'd). Returns how many. */
int nf_scenario_files(char **dir, char **files, int max);
/* Member KEY of O as text / number, asserted to be one. */
const char *nf_json_str(json_t *o, const char *key);
double nf_json_num(json_t *o, const char *key);
/* Runs a Check suite with CK_NORMAL output; returns the exit status. */
int nf_run_suite(Suite *s);

#endif
