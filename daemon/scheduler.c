/*
 * scheduler.c: the run queue and the parallel limit (see scheduler.h).
 *
 * The queue is a FIFO of queued runs; running counts the runs whose
 * workers have not given their result yet, cancelling ones included, so a
 * slot frees when a run's result is in (the starter calls run_ended); a
 * worker still tearing its namespaces down after that holds no slot.
 */
#include "daemon/scheduler.h"

#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "common/log.h"
#include "common/monotime.h"
#include "daemon/netfaultd.h"
#include "daemon/runs.h"

static const struct run_starter *starter;
static TAILQ_HEAD(, run) queue = TAILQ_HEAD_INITIALIZER(queue);
static unsigned queued, running;
static bool shutting_down;

void scheduler_init(const struct run_starter *s)
{
	starter = s;
}

unsigned scheduler_room(void)
{
	return shutting_down ? 0 : NFD_MAX_QUEUED - queued;
}

bool scheduler_shutting_down(void)
{
	return shutting_down;
}

unsigned scheduler_running(void)
{
	return running;
}

unsigned scheduler_queued(void)
{
	return queued;
}

void scheduler_enqueue(struct run *r)
{
	TAILQ_INSERT_TAIL(&queue, r, queue_entry);
	queued++;
}

static void dequeue(struct run *r)
{
	TAILQ_REMOVE(&queue, r, queue_entry);
	queued--;
}

/* The starter's word that R's process is gone. */
static void run_ended(struct run *r, json_t *result)
{
	running--;
	run_finish(r, result);
	log_info("run %u: %s", r->id, run_state_name(r->state));
}

void scheduler_start_ready(void)
{
	struct run *r;
	int err;

	while (running < nfd_conf.parallel && (r = TAILQ_FIRST(&queue))) {
		dequeue(r);
		err = starter->start(r, run_ended);
		if (err < 0) {
			log_warnx("run %u: cannot start a worker: %s", r->id, strerror(-err));
			run_finish(r, run_error_result(r, "the daemon could not start a worker"));
			continue;
		}
		r->state = RUN_RUNNING;
		r->started = time(NULL);
		running++;
	}
}

void scheduler_cancel(struct run *r, const char *why)
{
	if (run_is_finished(r) || r->cancel_reason)
		return;
	r->cancel_reason = why;
	if (r->state == RUN_QUEUED) {
		dequeue(r);
		log_info("run %u: %s before it started", r->id, why);
		run_finish(r, run_error_result(r, why));
		return;
	}
	log_info("run %u: %s: stopping its worker", r->id, why);
	r->state = RUN_CANCELLING;
	r->kill_at_mono = mono_usec() + NFD_CANCEL_GRACE_MS * 1000LL;
	starter->signal(r, SIGTERM);
}

int scheduler_next_timeout(int64_t now_us)
{
	int64_t next = 0;

	for (const struct run *r = runs_first(); r; r = runs_next(r)) {
		if (r->state == RUN_CANCELLING && (next == 0 || r->kill_at_mono < next))
			next = r->kill_at_mono;
	}
	if (next == 0)
		return -1;
	return next <= now_us ? 0 : (int)((next - now_us + 999) / 1000);
}

void scheduler_tick(int64_t now_us)
{
	for (struct run *r = runs_first(); r; r = runs_next(r)) {
		if (r->state != RUN_CANCELLING || r->kill_at_mono > now_us)
			continue;
		log_warnx("run %u: the worker did not stop in %d ms: killing it", r->id,
			  NFD_CANCEL_GRACE_MS);
		starter->signal(r, SIGKILL);
		r->kill_at_mono = now_us + NFD_CANCEL_GRACE_MS * 1000LL;
	}
}

void scheduler_shutdown(void)
{
	struct run *r;

	shutting_down = true;
	while ((r = TAILQ_FIRST(&queue)))
		scheduler_cancel(r, "the daemon is shutting down");
	for (r = runs_first(); r; r = runs_next(r)) {
		if (r->state == RUN_RUNNING)
			scheduler_cancel(r, "the daemon is shutting down");
	}
}
