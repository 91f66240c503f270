/*
 * worker.h: the process that runs one scenario.
 *
 * worker_start() forks; the child calls engine_run() and writes every event
 * as one JSON line {"event":{...}} to a pipe, then {"result":{...},"rc":N}.
 * The daemon reads the pipe in its loop and hands each event to the run.
 * When the child has exited and the pipe is drained, the worker's exit
 * callback gets the run's result: the engine's, or, if the worker died
 * without one, an error result after run_leftovers_clean() has removed what
 * it left.
 *
 * The child dies with the daemon (PR_SET_PDEATHSIG SIGTERM), in its own
 * process group so a terminal's ^C reaches the daemon only.
 */
#ifndef NETFAULTD_WORKER_H
#define NETFAULTD_WORKER_H

#include <jansson.h>
#include <stdbool.h>

struct run;

/* Forks R's worker. Returns 0 (r->worker set) or -errno. Once the worker
 * has exited, ON_EXIT gets R and its result (taken); it is the scheduler's
 * (a run_starter, scheduler.h). */
int worker_start(struct run *r, void (*on_exit)(struct run *r, json_t *result));
void worker_signal(struct run *r, int sig);
/* Reaps exited workers (on SIGCHLD) and calls their exit callbacks. */
void workers_reap(void);
/* SIGKILLs every worker and waits for them (at exit, after the grace). */
void workers_kill_all(void);

#endif
