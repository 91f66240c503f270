/*
 * scenariotest.h: helpers of the scenario parser's unit tests
 * (tests/unit/test_scenario*.c): parse a text that must be valid, or must
 * fail and give its first error; look up an app or a host; the complete
 * example of the format's specification; and the building blocks of the
 * bad texts, with the lines they take.
 */
#ifndef NETFAULT_TESTS_SCENARIOTEST_H
#define NETFAULT_TESTS_SCENARIOTEST_H

#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define SEC(x) ((int64_t)((x) * 1000000.0))

/*
 * Building blocks of the bad texts (the table at the end and others), with their lines:
 *   NAME          line 1
 *   APPS          5 lines: apps, server (listen 5000), client (connect: server)
 *   SERVER_WITH   NAME, then the server app from line 2, EXTRA from line 5
 *   HOSTS         NAME, "hosts:" line 2, BODY from line 3, then APPS
 *   FAULT         NAME APPS, "faults:" line 7, "- at: 1s" line 8, BODY from 9
 *   SERVER_STEPS  NAME, the server with "steps:" on line 5, LINES from line 6
 *   CLIENT_STEPS  NAME APPS, "steps:" on line 7 (the client's), LINES from 8
 *   EXPECT        NAME APPS, "expect:" line 7, BODY from line 8
 */
#define NAME "name: t\n"
#define APPS "apps:\n  server:\n    listen: 5000\n  client:\n    connect: server\n"
#define SERVER_WITH(extra) \
	NAME "apps:\n  server:\n    listen: 5000\n" extra "  client:\n    connect: server\n"
#define HOSTS(body) NAME "hosts:\n" body APPS
#define FAULT(body) NAME APPS "faults:\n  - at: 1s\n" body
#define SERVER_STEPS(lines) \
	NAME "apps:\n  server:\n    listen: 5000\n    steps:\n" lines \
	"  client:\n    connect: server\n"
#define CLIENT_STEPS(lines) NAME APPS "    steps:\n" lines
#define EXPECT(body) NAME APPS "expect:\n" body

/* The complete example of the format's specification (hosts on lines 8
 * and 9, apps from 13, faults from 29, expect from 33). */
extern const char spec_example[];

/* Parses TEXT (as "ok.yaml") that must be valid; the scenario (caller frees). */
struct scenario *parse_ok_with(const char *text, const struct sc_override *ovr,
			       size_t novr);
struct scenario *parse_ok(const char *text);
/* Parses TEXT (as "bad.yaml") that must fail with -EINVAL; ERRS filled
 * (caller frees). */
void parse_bad_with(const char *text, const struct sc_override *ovr, size_t novr,
		    struct sc_errors *errs);
/* The first error of a bad TEXT, formatted into BUF. */
const char *first_error(const char *text, const struct sc_override *ovr, size_t novr,
			char *buf, size_t len);
/* The app / host named NAME, asserted to exist. */
const struct sc_app *app_named(const struct scenario *sc, const char *name);
const struct sc_host *host_named(const struct scenario *sc, const char *name);

#endif
