/*
 * testlib.h: helpers shared by netfault's Check tests.
 *
 * NF_SKIP prints "SKIP: test: reason" (tests/run-all counts it as skipped,
 * never as passed) and leaves the test. nf_require_root() skips a test that
 * needs root. nf_root_snapshot() captures the machine's root network
 * namespace (links, addresses, routes, rules, nft ruleset, qdiscs) so a test
 * can prove a run changed nothing there.
 *
 * What a run may leave behind, checked the same way by every integration
 * test: nf_assert_nothing_left() after a run (its namespaces gone, the root
 * namespace as before it); the process helpers for the apps and delay lines
 * the tests start.
 */
#ifndef NETFAULT_TESTLIB_H
#define NETFAULT_TESTLIB_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
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
/* Asserts that the root namespace is as BEFORE (an nf_root_snapshot) says,
 * showing both when it is not. */
void nf_assert_root_unchanged(const char *before);

/* How many namespaces of run RUN_ID (nf<ID>-*) are in /run/netns; the
 * first one's name into FIRST (LEN bytes) when there is one (FIRST may be
 * NULL). */
int nf_run_namespaces(unsigned run_id, char *first, size_t len);
/* After a run (WHEN says which: "the run", "cancel"): no namespace of run
 * RUN_ID is left (0: the run never had one; namespaces of an id a live run
 * has leased again since are that run's), and the root namespace is as
 * ROOT_BEFORE says. */
void nf_assert_nothing_left(unsigned run_id, const char *root_before, const char *when);
/* Children of this process (any state, zombies too); COMM: only those whose
 * name is COMM. Returns how many, the first in *FIRST (FIRST may be NULL). */
int nf_children(const char *comm, pid_t *first);
/* True when a process of group PGID lives (zombies waiting for init to
 * reap them do not count: they hold nothing). */
bool nf_group_alive(pid_t pgid);
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
