/*
 * run.h: the engine's state of one run, shared by the engine's files
 * (engine.c the run loop, hosts.c the topology, procs.c every app process,
 * faults.c the host faults, events.c the event stream (events.h), report.c
 * the result; netfaults.h, observe.h and cmd/cmdapp.h have their parts' own
 * state and files). Not part of the engine's API (engine.h).
 */
#ifndef NETFAULT_ENGINE_RUN_H
#define NETFAULT_ENGINE_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/app/app.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/observe/observe.h"
#include "engine/verdict.h"
#include "netns/netns.h"
#include "scenario/scenario.h"

#define RUN_TICK_MS 5                         /* cancel checked this often */
#define RUN_SETTLE_TICK_MS 1                  /* nothing more can happen yet? */
#define RUN_LISTEN_TIMEOUT_US (10LL * 1000000) /* servers must listen by then */
/* A run that ends early (every app finished or dead, no fault left) ends
 * as soon as the observers see nothing more can happen (observe.h,
 * observe_quiet); where they cannot tell (a delay line or netem may hold
 * packets, a connection leaves the run's hosts) it waits this long after
 * the last fault, finish or death, so that what these cause at once (a
 * FIN, an RST) reaches the verdicts. */
#define RUN_SETTLE_US (200LL * 1000)

enum run_app_state {
	RUN_APP_NONE,          /* not forked */
	RUN_APP_STARTING,      /* forked, setting up */
	RUN_APP_LISTENING,     /* server ready before t0 */
	RUN_APP_RUNNING,       /* GO sent */
	RUN_APP_FINISHED,      /* every step done, idling with its socket */
	RUN_APP_DEAD,          /* reaped */
};

struct run_step {
	bool done;
	int result;
	uint64_t bytes;
	int64_t started_us, ended_us;   /* since t0 */
};

struct run_app {
	const struct sc_app *sc;
	size_t index;
	struct app_ctx ctx;    /* handed to the forked process */
	pid_t pid;             /* also its process group */
	int pidfd;
	int chan;              /* the engine's end, -1 once at end of file */
	enum run_app_state state;
	bool killed_by_fault;
	bool died;             /* exited or killed during the run */
	bool connected;
	bool closed;           /* its own close or abort step ran */
	struct run_step *steps;
	struct verdict v;      /* t_us since t0 */
};

/* The phases of a run, timed for the result's "phases" (report.c). */
enum run_phase {
	RUN_PHASE_BUILD,       /* lease, namespaces, links, addresses, sysctls */
	RUN_PHASE_LINKS,       /* waiting for the cables to carry packets */
	RUN_PHASE_APPS,        /* observers, link:, apps started, servers listen */
	RUN_PHASE_SCENARIO,    /* t0 to the last fault, finish or death */
	RUN_PHASE_SETTLE,      /* from then to the end of the run */
	RUN_PHASE_COLLECT,     /* last packets, apps killed, views, verdicts */
	RUN_PHASE_REPORT,      /* the result built */
	RUN_PHASE_TEARDOWN,    /* observers, delay lines, namespaces removed */
	RUN_NPHASES
};

struct run_event {
	json_t *ev;
	int64_t at;
};

struct cmdapps;

struct engine_run {
	const struct scenario *sc;
	const struct engine_opts *opts;
	struct run_lease lease;
	bool leased;
	struct topology *topo;
	struct run_app *apps;
	size_t napps;
	int tfd;               /* timerfd for the next fault or the end */
	int64_t t0;
	bool t0_set;
	bool went;             /* the apps were told GO */
	int64_t ended;         /* when the run stopped (absolute) */
	size_t next_fault;
	int64_t last_change;   /* last fault, app finish or death (absolute) */
	int64_t *poweron_at;   /* per host, absolute; 0 = no reboot pending */
	struct netfaults *nf;  /* network faults, link: (netfaults.h) */
	struct observer *obs;  /* capture, sock_diag (observe.h) */
	struct cmdapps *cmd;   /* cmd apps' mechanics (cmd/cmdapp.h), NULL: none */
	struct middlebox **middleboxes;  /* per host, NULL: none (middleboxes.h) */
	struct run_event *early;  /* events before t0, emitted at t0 */
	size_t nearly, early_cap;
	const char *end_reason;
	bool settling;         /* every app done: watching for the quiet */
	int64_t phase_us[RUN_NPHASES];
	char error[512];
};

static inline bool run_cancelled(const struct engine_run *r)
{
	return r->opts && r->opts->cancel && *r->opts->cancel;
}

/* procs.c: every app process, built-in and cmd, from its start to its
 * end; the engine calls these in this order. Those returning int give 0 or
 * a negative errno with r->error set. */
/* Before the build: what app A's process needs before the fork (user). */
int procs_prepare(struct engine_run *r, struct run_app *a);
/* The hosts are up: the cmd apps' directories, files: and argv. */
int procs_setup(struct engine_run *r);
/* Starts every built-in app and every cmd app that listens; the built-in
 * servers listen before they say so. */
int procs_spawn(struct engine_run *r);
/* Every round of the engine's loops: the cmd apps' output; before t0,
 * whether the cmd servers listen yet. */
void procs_tick(struct engine_run *r);
/* Polls channels, pidfds and the timerfd up to TIMEOUT_MS; handles records
 * and deaths. Negative errno: a setup error an app reported before t0. */
int procs_poll(struct engine_run *r, int timeout_ms);
/* At t0 (r->t0 set): GO to every built-in app, the cmd apps not started
 * yet start; each one running says "started". */
void procs_go(struct engine_run *r);
/* The run ended: every app's process group killed and reaped, their last
 * records and output read; a run that never reached t0 gets a dead cmd
 * app's last words in r->error. */
void procs_stop(struct engine_run *r);
/* Frees what procs_setup made (a temporary run directory is removed). */
void procs_free(struct engine_run *r);

/* hosts.c */
/* Builds the topology of the scenario's hosts (r->error says why not);
 * like every topology_* change, it returns once the links carry packets. */
int hosts_build(struct engine_run *r);

/* faults.c */
/* Runs fault F now. Returns 0 or negative errno (r->error says why). */
int fault_run(struct engine_run *r, const struct sc_fault *f);
/* Powers host H on again at the end of a reboot. */
int fault_reboot_end(struct engine_run *r, size_t h);

/* theory.c: the app's "theory" member of the result (theory/theory.h). */
void theory_report_app(const struct engine_run *r, const struct run_app *a, json_t *o);

/* report.c */
/* The result object of engine.h; RET is engine_run's return value. */
json_t *report_result(struct engine_run *r, int ret);
/* The result's "phases": each phase's seconds (null: not reached). */
json_t *report_phases(const struct engine_run *r);

#endif
