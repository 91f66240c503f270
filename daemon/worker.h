/*
 * worker.h: the process that runs one scenario.
 *
 * worker_start() forks; the child calls engine_run() and writes every event
 * as one JSON line {"event":{...}} to a pipe, then {"result":{...},"rc":N},
 * then, once its teardown is done, {"teardown":SECONDS} (logged).
 * The daemon reads the pipe in its loop and hands each event to the run.
 * The result comes before the engine's teardown: the worker's exit
 * callback gets it at once, and the worker tears its namespaces down in
 * the background and is reaped when it exits. If the worker dies without
 * a result, the callback gets an error result once the pipe is drained,
 * after run_leftovers_clean() has removed what it left (also done for a
 * worker that dies during its teardown).
 *
 * The child dies with the daemon (PR_SET_PDEATHSIG SIGTERM), in its own
 * process group so a terminal's ^C reaches the daemon only.
 */
#ifndef NETFAULTD_WORKER_H
#define NETFAULTD_WORKER_H

#include <jansson.h>
#include <stdbool.h>

struct run;

/* Forks R's worker. Returns 0 (r->worker set) or -errno. Once the result
 * came (or the worker has exited without one), ON_EXIT gets R and its
 * result (taken); it is the scheduler's (a run_starter, scheduler.h). */
int worker_start(struct run *r, void (*on_exit)(struct run *r, json_t *result));
void worker_signal(struct run *r, int sig);
/* Reaps exited workers (on SIGCHLD) and calls the exit callbacks of
 * those that sent no result. */
void workers_reap(void);
/* Workers not reaped yet: running, or tearing down after their result. */
unsigned workers_alive(void);
/* SIGKILLs every worker and waits for them (at exit, after the grace). */
void workers_kill_all(void);

#endif
