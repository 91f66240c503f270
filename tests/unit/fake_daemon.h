/*
 * fake_daemon.h: what the unit tests of the daemon's core (test_runs.c,
 * test_scheduler.c) put in place of the rest of the daemon: a run_sink
 * that writes down every event and result it gets, in order, as a client's
 * stream would relay them, and runs made of a small valid scenario.
 *
 * Header only, its functions static inline, because each test program is
 * one file (the Makefile links tests/unit/test_NAME.c alone with the
 * libraries). A test program defines nfd_conf, as netfaultd.c's main()
 * does, and sets what it needs of it.
 */
#ifndef NETFAULT_TESTS_FAKE_DAEMON_H
#define NETFAULT_TESTS_FAKE_DAEMON_H

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/runs.h"
#include "scenario/scenario.h"

#define FAKE_MAX_CALLS 512     /* calls written down; more are only counted */

struct fake_call {
	char kind;                 /* 'e': an event, 'r': a result */
	unsigned run;
	enum run_state state;      /* the run's, at the call */
	char *text;                /* the event's or the result's compact text */
};

struct fake_sink {
	struct fake_call calls[FAKE_MAX_CALLS];
	size_t n;                  /* calls written down */
	size_t events, results;    /* every call, counted */
};

static inline void fake_sink_note(struct fake_sink *fs, char kind, const struct run *r,
				  const json_t *value)
{
	if (fs->n == FAKE_MAX_CALLS)
		return;
	fs->calls[fs->n++] = (struct fake_call){
		.kind = kind, .run = r->id, .state = r->state,
		.text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL,
	};
}

static inline void fake_sink_event(void *ctx, struct run *r, json_t *event)
{
	struct fake_sink *fs = ctx;

	fs->events++;
	fake_sink_note(fs, 'e', r, event);
}

static inline void fake_sink_result(void *ctx, struct run *r)
{
	struct fake_sink *fs = ctx;

	fs->results++;
	fake_sink_note(fs, 'r', r, r->result);
}

static inline struct run_sink fake_sink_of(struct fake_sink *fs)
{
	return (struct run_sink){ .event = fake_sink_event, .result = fake_sink_result,
				  .ctx = fs };
}

static inline void fake_sink_free(struct fake_sink *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->calls[i].text);
	*fs = (struct fake_sink){ 0 };
}

/* A queued run of a valid two-app scenario named NAME, with SINK (may be
 * NULL: none). */
static inline struct run *fake_run(const char *name, struct fake_sink *sink)
{
	char text[256];
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	struct run *r;
	int len = snprintf(text, sizeof(text),
			   "name: %s\nduration: 2s\napps:\n  server:\n    listen: 5000\n"
			   "  client:\n    connect: server\n", name);

	ck_assert_int_eq(scenario_parse("fake.yaml", text, (size_t)len, NULL, 0, &sc, &errs), 0);
	sc_errors_free(&errs);
	r = run_create("fake.yaml", sc, NULL);
	ck_assert_ptr_nonnull(r);
	if (sink)
		r->sink = fake_sink_of(sink);
	return r;
}

/* A result as the engine sends it: {"passed", "reason"}. */
static inline json_t *fake_result(bool passed, const char *reason)
{
	return json_pack("{s:b, s:s}", "passed", passed, "reason", reason);
}

#endif
