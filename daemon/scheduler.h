/*
 * scheduler.h: the run queue. Runs start in submission order, at most
 * nfd_conf.parallel at once; NFD_MAX_QUEUED more may wait. Cancelling a
 * queued run ends it at once; a running one gets SIGTERM (its worker sets
 * the engine's cancel flag and tears down) and SIGKILL if it has not ended
 * NFD_CANCEL_GRACE_MS later.
 */
#ifndef NETFAULTD_SCHEDULER_H
#define NETFAULTD_SCHEDULER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct run;

/* How many more runs the queue takes now (none once shutting down). */
unsigned scheduler_room(void);
bool scheduler_shutting_down(void);
void scheduler_enqueue(struct run *r);
/* Starts queued runs while slots are free. Called once per loop round. */
void scheduler_start_ready(void);
/* WHY is static text, kept in the run and its result. */
void scheduler_cancel(struct run *r, const char *why);
/* From worker.c: the run's worker is gone; RESULT (taken) is its result. */
void scheduler_run_ended(struct run *r, json_t *result);

/* Milliseconds until scheduler_tick has work, or -1. */
int scheduler_next_timeout(int64_t now_us);
/* SIGKILLs workers whose cancel grace is over. */
void scheduler_tick(int64_t now_us);

/* At exit: ends the queued runs, cancels the running ones. */
void scheduler_shutdown(void);
unsigned scheduler_running(void);
unsigned scheduler_queued(void);

#endif
