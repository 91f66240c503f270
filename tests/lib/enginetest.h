/*
 * enginetest.h: running scenarios through the engine in the integration
 * tests (tests/integ/test_engine*.c, test_netfaults*.c,
 * test_observe_engine*.c), keeping every event of a run, and checking
 * afterwards that nothing of the run is left.
 *
 * A test runs a scenario with run_and_check(): the events land in a struct
 * run_log, in order, where events_of(), event_of() and step_of() find them;
 * a test that must act while the run goes (start a capture at the
 * "topology" event, kill a delay line at a fault) sets log->watch. When the
 * run is over, run_and_check() asserts that none of its namespaces, app
 * processes (process groups: a program's children too) or children of the
 * test (apps, delay lines, zombies too) is left, nor its temporary run
 * directory, and that the machine's root namespace is as before
 * (nf_assert_nothing_left).
 *
 * Scenario files: the examples from $NF_SCENARIO_DIR (default "scenarios"),
 * the tests' own from $NF_TEST_DATA_DIR (default "tests/data"); the tests
 * run from the project's root. NF_TEST_EVENTS=1 prints every event.
 */
#ifndef NETFAULT_TESTS_ENGINETEST_H
#define NETFAULT_TESTS_ENGINETEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "scenario/scenario.h"

struct run_log {
	json_t *events;            /* every event, in order */
	/* A test's own look at each event as it comes (after it is kept),
	 * or NULL; TEST is the test's own state. */
	void (*watch)(struct run_log *log, json_t *ev);
	void *test;
	int64_t rt_minus_mono_ns;  /* CLOCK_REALTIME - CLOCK_MONOTONIC at the start */
	char pcap_dir[96];         /* the run's pcap files (run_observed), or "" */
};

/* engine_opts.on_event, CTX the run_log: keeps EV, then calls watch. */
void log_event(json_t *ev, void *ctx);
void log_free(struct run_log *log);

/* The events of KIND (of APP, when not NULL): a new array. */
json_t *events_of(const struct run_log *log, const char *kind, const char *app);
/* The events of KIND whose text member KEY is VALUE (KEY NULL: all of
 * KIND): a new array. */
json_t *events_where(const struct run_log *log, const char *kind, const char *key,
		     const char *value);
/* The one event of KIND for APP, asserted to exist (held by LOG). */
json_t *event_of(const struct run_log *log, const char *kind, const char *app);
/* Step INDEX of APP, asserted to exist (held by LOG). */
json_t *step_of(const struct run_log *log, const char *app, int index);
/* How long step INDEX of APP took, in seconds. */
double step_secs(const struct run_log *log, const char *app, int index);
/* Where EV stands in the stream, asserted to be there. */
size_t position(const struct run_log *log, const json_t *ev);
/* The run's id, from its "topology" event (0: none). */
unsigned run_id_of(const struct run_log *log);
/* The namespace of HOST, from the "topology" event (held by LOG). */
const char *ns_of(const struct run_log *log, const char *host);
/* The result's entry of APP, asserted to exist. */
json_t *app_result(json_t *result, const char *app);

/*
 * Runs SC with OPTS (on_event and ctx are set here: the events go to LOG)
 * and checks that nothing of the run is left (see above). Returns
 * engine_run's value; *RESULT is always set (asserted).
 */
int run_and_check(const struct scenario *sc, struct engine_opts *opts,
		  struct run_log *log, json_t **result);
/* Runs the file PATH (the example scenarios/FILE) the same way; it must run
 * to its end (passed or not). Returns the result. */
json_t *run_file(const char *path, struct run_log *log);
json_t *run_example(const char *file, struct run_log *log);
/* Asserts that RESULT passed; a failure names WHAT and the result's reason. */
void check_passed(const json_t *result, const char *what);

/* Scenarios, asserted to be valid: the file PATH, or TEXT named NAME. */
struct scenario *load(const char *path);
struct scenario *parse(const char *name, const char *text);
/* The example scenarios/FILE, and the tests' own tests/data/FILE. */
struct scenario *load_example(const char *file);
struct scenario *load_data(const char *file);
/* The text of tests/data/FILE (caller frees). */
char *data_text(const char *file);
/* The first cmd program of SC that is not installed, or NULL. */
const char *missing_program(const struct scenario *sc);
/* Removes DIR and everything under it. */
void remove_dir(const char *dir);

/* ---- network faults (test_netfaults*.c) ---------------------------------- */

/* Runs SC with the daemon's engine choice ENGINE, checks the cleanup and
 * frees SC. Returns engine_run's value; the result in *RESULT. */
int run_engine(struct scenario *sc, enum sc_engine engine, struct run_log *log,
	       json_t **result);
/* Runs SC (auto engine): it must run to its end and pass. Frees SC. */
json_t *run_passing(struct scenario *sc, struct run_log *log);
/* The engine this kernel gives delay, loss and rate when nothing forces one. */
const char *auto_engine(void);

/* ---- a cancelled run (test_engine.c, test_netfaults_engine.c) ----------- */

/*
 * The worker of the daemon, in small: forks a child that runs SC with
 * ON_EVENT and the cancel flag, which SIGTERM sets, as the daemon's worker
 * does. ON_EVENT writes what the test needs to know (a run id, pids) to
 * cancel_worker_fd(), the write end of a pipe whose read end is *READ_FD.
 * The child exits 0 when engine_run returned -ECANCELED with a result
 * that did not pass and whose error says it was cancelled, else 1.
 */
pid_t cancel_worker_start(const struct scenario *sc, engine_event_fn on_event, int *read_fd);
/* In the worker: where ON_EVENT writes. */
int cancel_worker_fd(void);
/* SIGTERM to WORKER after DELAY_MS, then waits for it: asserts it exited 0
 * (and within 20 s: a deadline for "the cancel ends the run", not a speed
 * bound). */
void cancel_worker_stop(pid_t worker, int delay_ms);

/* ---- captured runs (test_observe_engine*.c) ------------------------------ */

/* Where run_observed makes its pcap and run directories:
 * /tmp/nf-obs-<pid>-...; observed_tmp_remove_all() removes them all, also
 * those of a failed test (call both from main). */
void observed_tmp_init(void);
void observed_tmp_remove_all(void);
/* A directory of its own under that prefix (for opts.run_dir). */
void observed_tmp_dir(char *buf, size_t len, const char *kind);
/* Runs SC with a pcap directory (unless NO_PCAP) and RUN_DIR, checked as
 * run_and_check does; *RET_OUT (when not NULL) gets engine_run's value. */
json_t *run_observed(const struct scenario *sc, struct run_log *log, const char *run_dir,
		     bool no_pcap, int *ret_out);
/* log_free, and removes the run's pcap directory. */
void observed_done(struct run_log *log);
/* Every capture file exists and holds what the result says; for each app
 * the packet that decided its wire view is in its host's file, and a
 * "packet" event names it at the same instant; every app's views agree. */
void check_captures(json_t *result, const struct run_log *log);

#endif
