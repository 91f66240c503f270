/*
 * scheduler.h: the run queue. Runs start in submission order, at most
 * nfd_conf.parallel at once; NFD_MAX_QUEUED more may wait. Cancelling a
 * queued run ends it at once; a running one gets SIGTERM (its worker sets
 * the engine's cancel flag and tears down) and SIGKILL if it has not ended
 * NFD_CANCEL_GRACE_MS later.
 *
 * The scheduler starts and signals runs through a run_starter: worker.c's
 * workers in the daemon (netfaultd.c wires them), a fake in the unit tests.
 * It moves a run from queued to running, and to cancelling; the run table
 * (runs.h) ends it.
 */
#ifndef NETFAULTD_SCHEDULER_H
#define NETFAULTD_SCHEDULER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct run;

/* START starts R's process: 0, or -errno (R is then ended with an error).
 * Once a started run's process is gone, the starter calls ENDED with the
 * run's result (taken), exactly once. SIGNAL sends SIG to a started run's
 * process (SIGKILL: its whole process group). */
struct run_starter {
	int (*start)(struct run *r, void (*ended)(struct run *r, json_t *result));
	void (*signal)(struct run *r, int sig);
};

/* Before anything else; STARTER is kept, not copied. */
void scheduler_init(const struct run_starter *starter);

/* How many more runs the queue takes now (none once shutting down). */
unsigned scheduler_room(void);
bool scheduler_shutting_down(void);
void scheduler_enqueue(struct run *r);
/* Starts queued runs while slots are free. Called once per loop round. */
void scheduler_start_ready(void);
/* WHY is static text, kept in the run and its result. */
void scheduler_cancel(struct run *r, const char *why);

/* Milliseconds until scheduler_tick has work, or -1. */
int scheduler_next_timeout(int64_t now_us);
/* SIGKILLs workers whose cancel grace is over. */
void scheduler_tick(int64_t now_us);

/* At exit: ends the queued runs, cancels the running ones. */
void scheduler_shutdown(void);
unsigned scheduler_running(void);
unsigned scheduler_queued(void);

#endif
