/*
 * test_scheduler.c: the daemon's run queue (daemon/scheduler.c) over the
 * real run table, with a fake run_starter in place of worker.c, so no
 * process is forked: it writes down which runs it started and what it
 * signalled, and ends a run when a test says its process is gone. Runs get
 * a fake sink (fake_daemon.h).
 *
 * Checked: runs start in submission order, at most nfd_conf.parallel at
 * once, a slot freeing only when a run's process is gone (cancelling ones
 * still hold theirs); a run that cannot start ends with an error and the
 * next one starts; cancelling a queued run ends it at once, a running one
 * gets SIGTERM, then SIGKILL once NFD_CANCEL_GRACE_MS have passed; the
 * results reach the sink in the order the runs end; shutting down ends the
 * queue and cancels the running. Each test runs in its own process
 * (Check's fork mode), so the queue and the table start empty.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>

#include "common/monotime.h"
#include "daemon/netfaultd.h"
#include "daemon/runs.h"
#include "daemon/scheduler.h"
#include "tests/lib/testlib.h"
#include "tests/unit/fake_daemon.h"

struct nfd_config nfd_conf;     /* netfaultd.c's main() sets it in the daemon */

#define FAKE_MAX_STARTS 64

/* ---- the fake starter ---------------------------------------------------- */

static struct {
	unsigned started[FAKE_MAX_STARTS];
	size_t nstarted;
	struct { unsigned run; int sig; } signals[FAKE_MAX_STARTS];
	size_t nsignals;
	int fail_next;             /* -errno for the next start, then 0 */
	void (*ended)(struct run *r, json_t *result);
} fake;

static int fake_start(struct run *r, void (*ended)(struct run *r, json_t *result))
{
	int err = fake.fail_next;

	fake.fail_next = 0;
	if (err < 0)
		return err;
	ck_assert_uint_lt(fake.nstarted, FAKE_MAX_STARTS);
	ck_assert_int_eq(r->state, RUN_QUEUED);
	fake.started[fake.nstarted++] = r->id;
	ck_assert(!fake.ended || fake.ended == ended);
	fake.ended = ended;
	return 0;
}

static void fake_signal(struct run *r, int sig)
{
	ck_assert_uint_lt(fake.nsignals, FAKE_MAX_STARTS);
	fake.signals[fake.nsignals].run = r->id;
	fake.signals[fake.nsignals++].sig = sig;
}

static const struct run_starter fake_starter = { fake_start, fake_signal };

/* R's process is gone, with a result that PASSED or not. */
static void fake_exit(struct run *r, bool passed)
{
	ck_assert_ptr_nonnull(fake.ended);
	fake.ended(r, fake_result(passed, passed ? "all held" : "an expectation failed"));
}

/* ---- fixtures and helpers -------------------------------------------------- */

static struct fake_sink sink;

static void setup(void)
{
	nfd_conf = (struct nfd_config){ .parallel = 2 };
	scheduler_init(&fake_starter);
}

static void teardown(void)
{
	runs_free_all();
	fake_sink_free(&sink);
}

static struct run *submit(const char *name)
{
	struct run *r = fake_run(name, &sink);

	scheduler_enqueue(r);
	return r;
}

/* The result that reached the sink for run ID, or NULL. */
static const struct fake_call *result_of(unsigned id)
{
	for (size_t i = 0; i < sink.n; i++) {
		if (sink.calls[i].kind == 'r' && sink.calls[i].run == id)
			return &sink.calls[i];
	}
	return NULL;
}

/* The run's state when its result reached the sink. */
static enum run_state result_state(unsigned id)
{
	const struct fake_call *call = result_of(id);

	ck_assert_ptr_nonnull(call);
	return call ? call->state : RUN_QUEUED;
}

static const char *result_reason(unsigned id)
{
	const struct fake_call *call = result_of(id);
	static char reason[256];
	json_t *result;

	ck_assert_ptr_nonnull(call);
	result = json_loads(call->text, 0, NULL);
	ck_assert_ptr_nonnull(result);
	snprintf(reason, sizeof(reason), "%s", nf_json_str(result, "reason"));
	json_decref(result);
	return reason;
}

/* ---- queueing and the parallel limit -------------------------------------- */

START_TEST(test_fifo_and_parallel_limit)
{
	struct run *r[5];

	for (int i = 0; i < 5; i++)
		r[i] = submit("queued");
	ck_assert_uint_eq(scheduler_queued(), 5);
	ck_assert_uint_eq(scheduler_room(), NFD_MAX_QUEUED - 5);
	ck_assert_uint_eq(scheduler_running(), 0);
	ck_assert_uint_eq(fake.nstarted, 0);
	scheduler_start_ready();
	/* the first two, in order; the rest wait */
	ck_assert_uint_eq(fake.nstarted, 2);
	ck_assert_uint_eq(fake.started[0], r[0]->id);
	ck_assert_uint_eq(fake.started[1], r[1]->id);
	ck_assert_int_eq(r[0]->state, RUN_RUNNING);
	ck_assert_uint_ne(r[0]->started, 0);
	ck_assert_int_eq(r[2]->state, RUN_QUEUED);
	ck_assert_uint_eq(r[2]->started, 0);
	ck_assert_uint_eq(scheduler_running(), 2);
	ck_assert_uint_eq(scheduler_queued(), 3);
	ck_assert_uint_eq(scheduler_room(), NFD_MAX_QUEUED - 3);
	scheduler_start_ready();
	ck_assert_uint_eq(fake.nstarted, 2);
	/* the second ends first: its slot goes to the third */
	fake_exit(r[1], true);
	ck_assert_int_eq(r[1]->state, RUN_PASSED);
	ck_assert_uint_eq(scheduler_running(), 1);
	scheduler_start_ready();
	ck_assert_uint_eq(fake.nstarted, 3);
	ck_assert_uint_eq(fake.started[2], r[2]->id);
	fake_exit(r[0], false);
	ck_assert_int_eq(r[0]->state, RUN_FAILED);
	scheduler_start_ready();
	fake_exit(r[3], true);
	fake_exit(r[2], true);
	scheduler_start_ready();
	fake_exit(r[4], true);
	ck_assert_uint_eq(fake.nstarted, 5);
	ck_assert_uint_eq(scheduler_running(), 0);
	ck_assert_uint_eq(scheduler_queued(), 0);
	ck_assert_int_eq(scheduler_next_timeout(mono_usec()), -1);
	/* the results reached the sink once each, in the order the runs ended */
	ck_assert_uint_eq(sink.results, 5);
	ck_assert_uint_eq(sink.n, 5);
	ck_assert_uint_eq(sink.calls[0].run, r[1]->id);
	ck_assert_uint_eq(sink.calls[1].run, r[0]->id);
	ck_assert_uint_eq(sink.calls[2].run, r[3]->id);
	ck_assert_uint_eq(sink.calls[3].run, r[2]->id);
	ck_assert_uint_eq(sink.calls[4].run, r[4]->id);
	ck_assert_int_eq(sink.calls[1].state, RUN_FAILED);
	ck_assert_int_eq(sink.calls[4].state, RUN_PASSED);
}
END_TEST

START_TEST(test_events_while_running)
{
	struct run *r = submit("events");
	json_t *ev = json_pack("{s:s, s:i}", "event", "topology", "run", 3);

	scheduler_start_ready();
	run_record_event(r, ev);
	json_decref(ev);
	fake_exit(r, true);
	ck_assert_uint_eq(sink.n, 2);
	ck_assert_int_eq(sink.calls[0].kind, 'e');
	ck_assert_int_eq(sink.calls[0].state, RUN_RUNNING);
	ck_assert_int_eq(sink.calls[1].kind, 'r');
	ck_assert_int_eq(sink.calls[1].state, RUN_PASSED);
}
END_TEST

START_TEST(test_start_failure)
{
	struct run *bad, *good;

	nfd_conf.parallel = 1;
	bad = submit("cannot start");
	good = submit("starts");
	fake.fail_next = -EAGAIN;
	scheduler_start_ready();
	/* the first ended with an error; the second took the slot */
	ck_assert_int_eq(bad->state, RUN_ERROR);
	ck_assert_str_eq(result_reason(bad->id), "the daemon could not start a worker");
	ck_assert_uint_eq(fake.nstarted, 1);
	ck_assert_uint_eq(fake.started[0], good->id);
	ck_assert_int_eq(good->state, RUN_RUNNING);
	ck_assert_uint_eq(scheduler_running(), 1);
	ck_assert_uint_eq(scheduler_queued(), 0);
}
END_TEST

/* ---- cancel ------------------------------------------------------------------ */

START_TEST(test_cancel_queued)
{
	struct run *running, *waiting;

	nfd_conf.parallel = 1;
	running = submit("running");
	waiting = submit("waiting");
	scheduler_start_ready();
	scheduler_cancel(waiting, "cancelled on request");
	/* ended at once, never started, nothing signalled */
	ck_assert_int_eq(waiting->state, RUN_CANCELLED);
	ck_assert_str_eq(waiting->cancel_reason, "cancelled on request");
	ck_assert_str_eq(result_reason(waiting->id), "cancelled on request");
	ck_assert_int_eq(result_state(waiting->id), RUN_CANCELLED);
	ck_assert_uint_eq(scheduler_queued(), 0);
	ck_assert_uint_eq(fake.nsignals, 0);
	fake_exit(running, true);
	scheduler_start_ready();
	ck_assert_uint_eq(fake.nstarted, 1);
	/* a second cancel, or one of a finished run, does nothing */
	scheduler_cancel(waiting, "again");
	scheduler_cancel(running, "too late");
	ck_assert_str_eq(waiting->cancel_reason, "cancelled on request");
	ck_assert_int_eq(running->state, RUN_PASSED);
	ck_assert_uint_eq(sink.results, 2);
	ck_assert_uint_eq(fake.nsignals, 0);
}
END_TEST

START_TEST(test_cancel_running)
{
	struct run *r, *next;
	int64_t now = mono_usec();
	int timeout;

	nfd_conf.parallel = 1;
	r = submit("running");
	next = submit("next");
	scheduler_start_ready();
	ck_assert_int_eq(scheduler_next_timeout(now), -1);
	scheduler_cancel(r, "client disconnected");
	ck_assert_int_eq(r->state, RUN_CANCELLING);
	ck_assert_uint_eq(fake.nsignals, 1);
	ck_assert_uint_eq(fake.signals[0].run, r->id);
	ck_assert_int_eq(fake.signals[0].sig, SIGTERM);
	ck_assert_uint_eq(sink.results, 0);
	/* a cancel does not repeat itself */
	scheduler_cancel(r, "cancelled on request");
	ck_assert_uint_eq(fake.nsignals, 1);
	ck_assert_str_eq(r->cancel_reason, "client disconnected");
	/* the cancelling run keeps its slot */
	scheduler_start_ready();
	ck_assert_uint_eq(fake.nstarted, 1);
	ck_assert_int_eq(next->state, RUN_QUEUED);
	/* within the grace: no SIGKILL */
	now = mono_usec();
	timeout = scheduler_next_timeout(now);
	ck_assert_int_gt(timeout, 0);
	ck_assert_int_le(timeout, NFD_CANCEL_GRACE_MS);
	scheduler_tick(r->kill_at_mono - 1);
	ck_assert_uint_eq(fake.nsignals, 1);
	/* past it: SIGKILL, and again a grace later if need be */
	ck_assert_int_eq(scheduler_next_timeout(r->kill_at_mono), 0);
	now = r->kill_at_mono;
	scheduler_tick(now);
	ck_assert_uint_eq(fake.nsignals, 2);
	ck_assert_int_eq(fake.signals[1].sig, SIGKILL);
	ck_assert_int_eq(r->kill_at_mono, now + NFD_CANCEL_GRACE_MS * 1000LL);
	/* its process gone: cancelled, and the slot goes to the next */
	fake_exit(r, false);
	ck_assert_int_eq(r->state, RUN_CANCELLED);
	ck_assert_int_eq(result_state(r->id), RUN_CANCELLED);
	ck_assert_int_eq(scheduler_next_timeout(now), -1);
	scheduler_start_ready();
	ck_assert_int_eq(next->state, RUN_RUNNING);
}
END_TEST

START_TEST(test_shutdown)
{
	struct run *r[3];

	nfd_conf.parallel = 1;
	for (int i = 0; i < 3; i++)
		r[i] = submit("any");
	scheduler_start_ready();
	ck_assert(!scheduler_shutting_down());
	scheduler_shutdown();
	ck_assert(scheduler_shutting_down());
	ck_assert_uint_eq(scheduler_room(), 0);
	/* the queue ended, in order; the running run told to stop */
	ck_assert_int_eq(r[1]->state, RUN_CANCELLED);
	ck_assert_int_eq(r[2]->state, RUN_CANCELLED);
	ck_assert_str_eq(result_reason(r[1]->id), "the daemon is shutting down");
	ck_assert_uint_eq(sink.calls[0].run, r[1]->id);
	ck_assert_uint_eq(sink.calls[1].run, r[2]->id);
	ck_assert_uint_eq(scheduler_queued(), 0);
	ck_assert_int_eq(r[0]->state, RUN_CANCELLING);
	ck_assert_uint_eq(fake.nsignals, 1);
	ck_assert_int_eq(fake.signals[0].sig, SIGTERM);
	fake_exit(r[0], false);
	ck_assert_int_eq(r[0]->state, RUN_CANCELLED);
	ck_assert_uint_eq(scheduler_running(), 0);
	scheduler_start_ready();
	ck_assert_uint_eq(fake.nstarted, 1);
}
END_TEST

static Suite *scheduler_suite(void)
{
	Suite *s = suite_create("scheduler");
	TCase *tc = tcase_create("Userspace-API");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fifo_and_parallel_limit);
	tcase_add_test(tc, test_events_while_running);
	tcase_add_test(tc, test_start_failure);
	tcase_add_test(tc, test_cancel_queued);
	tcase_add_test(tc, test_cancel_running);
	tcase_add_test(tc, test_shutdown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(scheduler_suite());
}
