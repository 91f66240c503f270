/*
 * worker.h: the process that runs one scenario.
 *
 * worker_start() forks; the child calls engine_run() and writes every event
 * as one JSON line {"event":{...}} to a pipe, then {"result":{...},"rc":N}.
 * The daemon reads the pipe in its loop and hands each event to the run.
 * When the child has exited and the pipe is drained, the run ends: with the
 * engine's result, or, if the worker died without one, with an error result
 * after run_leftovers_clean() has removed what it left.
 *
 * The child dies with the daemon (PR_SET_PDEATHSIG SIGTERM), in its own
 * process group so a terminal's ^C reaches the daemon only.
 */
#ifndef NETFAULTD_WORKER_H
#define NETFAULTD_WORKER_H

#include <stdbool.h>

struct run;

/* Returns 0 (r->worker set, r running) or -errno. */
int worker_start(struct run *r);
void worker_signal(struct run *r, int sig);
/* Reaps exited workers (on SIGCHLD) and ends their runs. */
void workers_reap(void);
/* SIGKILLs every worker and waits for them (at exit, after the grace). */
void workers_kill_all(void);

#endif
