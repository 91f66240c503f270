/*
 * engine.h: one run of a scenario, from topology to verdicts.
 *
 * engine_run() builds the scenario's hosts (netns/), starts the server apps
 * and waits until they listen, takes t0 as the first client app starts, runs
 * the fault schedule on the monotonic clock, decides each app's verdict and
 * checks the expectations, and tears everything down, also on error or
 * cancel. It is a library: the daemon calls it in a forked worker process,
 * tests call it directly. It does not log; it reports through events.
 *
 * Events are JSON objects (jansson) handed to the callback as they happen.
 * Every event has "event" (its kind) and "t" (seconds since t0, a number,
 * negative before t0). Kinds and their other members:
 *
 *   "topology"  "run": id, "hosts": [{"name","ns","addr","addr6","mac"}]
 *   "app"       "app", "host", "state": "listening" | "started" | "exited"
 *               | "killed"; "pid"; "port" (listening); "status" (exited)
 *   "t0"        (t is 0)
 *   "step"      "app", "index" (0-based), "step" (name), "arg" (text, e.g.
 *               "26" or "2s"), "result" ("ok" | "eof" | errno name),
 *               "bytes" (done), "expect" (if any), "expect_ok" (bool, if any),
 *               "started" (seconds since t0)
 *   "connection" "app", "local", "remote" ("10.0.0.2:5000" / "[fd00::2]:5000")
 *   "fault"     "fault" (kind), "host" (if any), "app" (if any), details
 *               (e.g. "down", "signal"), "phase": "begin" | "end"
 *   "verdict"   "app", "verdict" ("fin" | "rst" | "timeout" | "unreachable"
 *               | "refused" | "nothing"), "evidence" (text)
 *   "warning"   "message"
 *   "end"       "reason": "duration" | "finished" | "cancelled" | "error"
 *
 * The result (engine_run's *result) is one JSON object:
 *   { "name", "file", "run", "passed": bool, "reason": text | null,
 *     "duration": seconds run, "error": text | null,
 *     "apps": [ { "app", "host", "verdict", "t" (null for nothing),
 *                 "evidence", "expect": { "sees", "after", "before" } | null,
 *                 "expect_ok": bool | null,
 *                 "steps_failed": [ { "index", "step", "result", "expect" } ] } ] }
 * "passed" is true when every expectation and every step expect: held.
 */
#ifndef NETFAULT_ENGINE_H
#define NETFAULT_ENGINE_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "scenario/scenario.h"

typedef void (*engine_event_fn)(json_t *event, void *ctx);

struct engine_opts {
	unsigned run_id_hint;        /* 0: the lowest free run id */
	engine_event_fn on_event;    /* may be NULL */
	void *ctx;
	/* Set asynchronously (signal handler) to cancel the run: the engine
	 * notices within a few milliseconds, tears down, and returns. */
	volatile sig_atomic_t *cancel;
};

/*
 * Runs SC. Returns 0 when the run went to its end (passed or not: see
 * *result's "passed"), or a negative errno when it could not run (then
 * *result still says why in "error"). *result is always set on return and
 * owned by the caller.
 */
int engine_run(const struct scenario *sc, const struct engine_opts *opts,
	       json_t **result);

#endif
