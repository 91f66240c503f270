/*
 * test_runs.c: the daemon's run table (daemon/runs.c) and its history
 * budget (daemon/history.c), alone: no socket, no client, no worker. Runs
 * get a fake sink (fake_daemon.h) that writes down what the table hands it.
 *
 * Checked: events kept as one compact JSON array text and parsed back for
 * show; every event handed to the sink in order, kept or not; at most
 * NFD_MAX_RUN_EVENTS events and the run's share of the budget kept, the rest
 * counted as dropped; a run's outcome from its result, its "end" event and
 * a cancel; the result handed to the sink once, then kept as text and the
 * sink forgotten; the history trimmed to NFD_MAX_HISTORY finished runs and
 * to the byte budget, oldest first, never a run still going. Each test runs
 * in its own process (Check's fork mode), so the table starts empty.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/history.h"
#include "daemon/netfaultd.h"
#include "daemon/runs.h"
#include "tests/lib/testlib.h"
#include "tests/unit/fake_daemon.h"

struct nfd_config nfd_conf;     /* netfaultd.c's main() sets it in the daemon */

static struct fake_sink sink;

static void setup(void)
{
	nfd_conf = (struct nfd_config){ .parallel = NFD_DEFAULT_PARALLEL };
}

static void teardown(void)
{
	runs_free_all();
	fake_sink_free(&sink);
}

static json_t *event_n(const char *kind, int n)
{
	return json_pack("{s:s, s:i, s:f}", "event", kind, "n", n, "t", n / 10.0);
}

/* An event of about SIZE bytes of compact text. */
static json_t *event_sized(int n, size_t size)
{
	char *pad = malloc(size + 1);
	json_t *ev;

	ck_assert_ptr_nonnull(pad);
	memset(pad, 'x', size);
	pad[size] = '\0';
	ev = json_pack("{s:s, s:i, s:s}", "event", "output", "n", n, "line", pad);
	free(pad);
	return ev;
}

static void record(struct run *r, json_t *event)
{
	run_record_event(r, event);
	json_decref(event);
}

static json_int_t history_member(const char *key)
{
	json_t *h = runs_history_json();
	json_int_t v = json_integer_value(json_object_get(h, key));

	json_decref(h);
	return v;
}

/* ---- a run's events and result ------------------------------------------ */

START_TEST(test_events_kept_and_relayed)
{
	struct run *r = fake_run("events", &sink);
	json_t *kept, *want = json_array();
	char *text;

	for (int i = 0; i < 3; i++) {
		json_array_append_new(want, event_n("step", i));
		run_record_event(r, json_array_get(want, (size_t)i));
	}
	ck_assert_uint_eq(r->events_kept, 3);
	ck_assert_uint_eq(r->events_dropped, 0);
	/* one array text, "[e1,e2,e3]": the events' compact texts */
	text = json_dumps(want, JSON_COMPACT);
	ck_assert_uint_eq(r->events_len, strlen(text));
	ck_assert_int_eq(memcmp(r->events_text, text, r->events_len), 0);
	free(text);
	kept = run_events(r);
	ck_assert(json_equal(kept, want));
	json_decref(kept);
	/* the sink had each, in order, with the run queued */
	ck_assert_uint_eq(sink.n, 3);
	for (size_t i = 0; i < 3; i++) {
		text = json_dumps(json_array_get(want, i), JSON_COMPACT);
		ck_assert_int_eq(sink.calls[i].kind, 'e');
		ck_assert_uint_eq(sink.calls[i].run, r->id);
		ck_assert_int_eq(sink.calls[i].state, RUN_QUEUED);
		ck_assert_str_eq(sink.calls[i].text, text);
		free(text);
	}
	/* the budget counts the buffer, not the text */
	ck_assert_int_eq(history_member("bytes"), (json_int_t)r->events_cap);
	ck_assert_uint_ge(r->events_cap, r->events_len);
	json_decref(want);
}
END_TEST

START_TEST(test_no_sink)
{
	struct run *r = fake_run("detached", NULL);

	record(r, event_n("step", 1));
	run_finish(r, fake_result(true, "ok"));
	ck_assert_uint_eq(r->events_kept, 1);
	ck_assert_int_eq(r->state, RUN_PASSED);
}
END_TEST

START_TEST(test_engine_events_read)
{
	struct run *r = fake_run("engine", &sink);

	ck_assert_int_eq(r->netns_run, -1);
	record(r, json_pack("{s:s, s:i}", "event", "topology", "run", 7));
	ck_assert_int_eq(r->netns_run, 7);
	record(r, json_pack("{s:s, s:s}", "event", "end", "reason", "cancelled"));
	ck_assert_str_eq(r->end_reason, "cancelled");
	run_finish(r, fake_result(true, "all held"));
	ck_assert_int_eq(r->state, RUN_CANCELLED);
}
END_TEST

START_TEST(test_finish)
{
	struct run *r = fake_run("finish", &sink);
	json_t *result = json_pack("{s:b, s:s, s:[{s:s}]}", "passed", 1, "reason", "all held",
				   "apps", "app", "server");
	json_t *got, *summary, *detail;
	size_t cap_before;

	record(r, event_n("step", 1));
	record(r, event_n("step", 2));
	cap_before = r->events_cap;
	run_finish(r, json_incref(result));
	ck_assert_int_eq(r->state, RUN_PASSED);
	ck_assert(run_is_finished(r));
	ck_assert_uint_ne(r->finished, 0);
	ck_assert_ptr_null(r->sc);
	/* the sink had the result once, with the state set; then it is gone */
	ck_assert_uint_eq(sink.results, 1);
	ck_assert_int_eq(sink.calls[2].kind, 'r');
	ck_assert_int_eq(sink.calls[2].state, RUN_PASSED);
	ck_assert_ptr_null(r->sink.event);
	ck_assert_ptr_null(r->sink.result);
	ck_assert_ptr_null(r->sink.ctx);
	/* kept as text, the events buffer shrunk to its text */
	ck_assert_ptr_null(r->result);
	ck_assert_ptr_nonnull(r->result_text);
	ck_assert_uint_lt(r->events_cap, cap_before);
	ck_assert_uint_eq(r->events_cap, r->events_len);
	ck_assert_uint_eq(r->kept_bytes, r->events_len + strlen(r->result_text));
	ck_assert_int_eq(history_member("bytes"), (json_int_t)r->kept_bytes);
	ck_assert_int_eq(history_member("runs"), 1);
	got = run_result(r);
	ck_assert(json_equal(got, result));
	json_decref(got);
	/* list and show */
	summary = run_summary(r);
	ck_assert_str_eq(nf_json_str(summary, "state"), "passed");
	ck_assert(json_is_true(json_object_get(summary, "passed")));
	ck_assert_str_eq(nf_json_str(summary, "reason"), "all held");
	ck_assert_ptr_null(json_object_get(summary, "events"));
	detail = run_detail(r);
	ck_assert_uint_eq(json_array_size(json_object_get(detail, "events")), 2);
	ck_assert(json_equal(json_object_get(detail, "result"), result));
	json_decref(summary);
	json_decref(detail);
	json_decref(result);
}
END_TEST

/* How a result, the "end" event and a cancel make the run's final state. */
static const struct {
	bool passed;
	const char *error;         /* the result's "error", or NULL */
	const char *end;           /* the "end" event's reason, or NULL */
	const char *cancel;        /* r->cancel_reason, or NULL */
	enum run_state state;
} outcome_cases[] = {
	{ true, NULL, "done", NULL, RUN_PASSED },
	{ false, NULL, "done", NULL, RUN_FAILED },
	{ false, "netns: out of ids", NULL, NULL, RUN_ERROR },
	{ true, NULL, "cancelled", NULL, RUN_CANCELLED },
	{ false, NULL, NULL, "cancelled on request", RUN_CANCELLED },
	{ false, "cancelled on request", NULL, "cancelled on request", RUN_CANCELLED },
	/* a cancel that came too late to stop a run that passed */
	{ true, NULL, "done", "client disconnected", RUN_PASSED },
};

START_TEST(test_outcome)
{
	struct run *r = fake_run("outcome", &sink);
	json_t *result = fake_result(outcome_cases[_i].passed, "why");

	if (outcome_cases[_i].error)
		json_object_set_new(result, "error", json_string(outcome_cases[_i].error));
	if (outcome_cases[_i].end)
		record(r, json_pack("{s:s, s:s}", "event", "end", "reason", outcome_cases[_i].end));
	r->cancel_reason = outcome_cases[_i].cancel;
	run_finish(r, result);
	ck_assert_str_eq(run_state_name(r->state), run_state_name(outcome_cases[_i].state));
}
END_TEST

START_TEST(test_error_result)
{
	struct run *r = fake_run("error", &sink);
	json_t *result = run_error_result(r, "the daemon could not start a worker");

	ck_assert(json_is_false(json_object_get(result, "passed")));
	ck_assert_str_eq(nf_json_str(result, "error"), "the daemon could not start a worker");
	ck_assert_str_eq(nf_json_str(result, "reason"), "the daemon could not start a worker");
	ck_assert_str_eq(nf_json_str(result, "name"), "error");
	ck_assert(json_is_null(json_object_get(result, "run")));
	run_finish(r, result);
	ck_assert_int_eq(r->state, RUN_ERROR);
}
END_TEST

/* ---- limits on what one run keeps ---------------------------------------- */

START_TEST(test_event_count_limit)
{
	struct run *r = fake_run("many", &sink);
	json_t *kept;

	for (int i = 0; i < NFD_MAX_RUN_EVENTS + 5; i++)
		record(r, event_n("packet", i));
	ck_assert_uint_eq(r->events_kept, NFD_MAX_RUN_EVENTS);
	ck_assert_uint_eq(r->events_dropped, 5);
	/* what is not kept still reaches the client */
	ck_assert_uint_eq(sink.events, NFD_MAX_RUN_EVENTS + 5);
	kept = run_events(r);
	ck_assert_uint_eq(json_array_size(kept), NFD_MAX_RUN_EVENTS);
	json_decref(kept);
}
END_TEST

START_TEST(test_run_share)
{
	struct run *r;
	size_t share;
	json_t *kept;

	nfd_conf.history_budget = NFD_MIN_HISTORY_BYTES;
	nfd_conf.parallel = 1;
	share = history_run_share();
	ck_assert_uint_eq(share, NFD_MIN_HISTORY_BYTES / NFD_RUN_SHARE_DIVISOR);
	r = fake_run("share", &sink);
	for (int i = 0; i < 40; i++)
		record(r, event_sized(i, 500));
	ck_assert_uint_gt(r->events_kept, 0);
	ck_assert_uint_gt(r->events_dropped, 0);
	ck_assert_uint_eq(r->events_kept + r->events_dropped, 40);
	ck_assert_uint_le(r->events_cap, share);
	ck_assert_uint_le(r->events_len, share);
	ck_assert_uint_eq(sink.events, 40);
	/* the kept ones are the first, and still one valid array */
	kept = run_events(r);
	ck_assert_uint_eq(json_array_size(kept), r->events_kept);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(kept, 0), "n")), 0);
	json_decref(kept);
	/* more runs at once: a smaller share each */
	nfd_conf.parallel = 2 * NFD_RUN_SHARE_DIVISOR;
	ck_assert_uint_eq(history_run_share(), NFD_MIN_HISTORY_BYTES / nfd_conf.parallel);
}
END_TEST

/* ---- the history ---------------------------------------------------------- */

START_TEST(test_trim_count)
{
	struct run *going = fake_run("still going", &sink);
	unsigned first = 0, last = 0;

	for (int i = 0; i < NFD_MAX_HISTORY + 5; i++) {
		struct run *r = fake_run("done", &sink);

		record(r, event_n("step", i));
		run_finish(r, fake_result(true, "ok"));
		last = r->id;
		if (!first)
			first = r->id;
	}
	ck_assert_int_eq(history_member("runs"), NFD_MAX_HISTORY + 5);
	runs_trim_history();
	ck_assert_int_eq(history_member("runs"), NFD_MAX_HISTORY);
	/* the oldest finished went; the run still queued stays */
	for (unsigned id = first; id < first + 5; id++)
		ck_assert_ptr_null(run_find(id));
	ck_assert_ptr_nonnull(run_find(first + 5));
	ck_assert_ptr_nonnull(run_find(last));
	ck_assert_ptr_eq(run_find(going->id), going);
	ck_assert_ptr_eq(runs_first(), going);
	ck_assert_uint_eq(runs_count(RUN_PASSED), NFD_MAX_HISTORY);
	ck_assert_uint_eq(runs_count(RUN_QUEUED), 1);
	/* nothing more to drop */
	runs_trim_history();
	ck_assert_int_eq(history_member("runs"), NFD_MAX_HISTORY);
}
END_TEST

START_TEST(test_trim_bytes)
{
	struct run *going, *r;
	unsigned ids[12];
	size_t budget;
	json_int_t bytes = 0;

	nfd_conf.history_budget = NFD_MIN_HISTORY_BYTES;
	nfd_conf.parallel = 1;
	budget = history_budget();
	ck_assert_uint_eq(budget, NFD_MIN_HISTORY_BYTES);
	/* the oldest run is still going, holding events of its own */
	going = fake_run("still going", &sink);
	going->state = RUN_RUNNING;
	for (int i = 0; i < 4; i++)
		record(going, event_sized(i, 1000));
	for (size_t i = 0; i < 12; i++) {
		r = fake_run("done", &sink);
		for (int e = 0; e < 5; e++)
			record(r, event_sized(e, 1000));
		run_finish(r, fake_result(false, "the server saw nothing"));
		ids[i] = r->id;
	}
	ck_assert_int_gt(history_member("bytes"), (json_int_t)budget);
	runs_trim_history();
	ck_assert_int_le(history_member("bytes"), (json_int_t)budget);
	ck_assert_ptr_eq(run_find(going->id), going);
	/* the newest are kept, the oldest dropped: one cut */
	ck_assert_ptr_null(run_find(ids[0]));
	ck_assert_ptr_nonnull(run_find(ids[11]));
	for (size_t i = 1; i < 12; i++)
		ck_assert(!run_find(ids[i - 1]) || run_find(ids[i]));
	/* and the count is the sum of what is left */
	for (r = runs_first(); r; r = runs_next(r))
		bytes += (json_int_t)r->kept_bytes;
	ck_assert_int_eq(history_member("bytes"), bytes);
	/* the budget's own numbers, for status */
	ck_assert_int_eq(history_member("budget"), (json_int_t)budget);
	ck_assert_int_eq(history_member("run_share"), (json_int_t)history_run_share());
}
END_TEST

START_TEST(test_free_all)
{
	for (int i = 0; i < 3; i++) {
		struct run *r = fake_run("any", &sink);

		record(r, event_n("step", i));
		if (i)
			run_finish(r, fake_result(true, "ok"));
	}
	runs_free_all();
	ck_assert_ptr_null(runs_first());
	ck_assert_int_eq(history_member("runs"), 0);
	ck_assert_int_eq(history_member("bytes"), 0);
}
END_TEST

START_TEST(test_budget_parse)
{
	size_t bytes = 0;

	ck_assert_int_eq(history_budget_parse("64M", &bytes), 0);
	ck_assert_uint_eq(bytes, 64u << 20);
	ck_assert_int_eq(history_budget_parse("32k", &bytes), 0);
	ck_assert_uint_eq(bytes, NFD_MIN_HISTORY_BYTES);
	ck_assert_int_eq(history_budget_parse("31K", &bytes), -ERANGE);
	ck_assert_int_eq(history_budget_parse("5G", &bytes), -ERANGE);
	ck_assert_int_eq(history_budget_parse("1MB", &bytes), -EINVAL);
	ck_assert_int_eq(history_budget_parse("-1M", &bytes), -EINVAL);
	ck_assert_int_eq(history_budget_parse("", &bytes), -EINVAL);
}
END_TEST

static Suite *runs_suite(void)
{
	Suite *s = suite_create("runs");
	TCase *tc = tcase_create("Userspace-API");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_events_kept_and_relayed);
	tcase_add_test(tc, test_no_sink);
	tcase_add_test(tc, test_engine_events_read);
	tcase_add_test(tc, test_finish);
	tcase_add_loop_test(tc, test_outcome, 0,
			    (int)(sizeof(outcome_cases) / sizeof(outcome_cases[0])));
	tcase_add_test(tc, test_error_result);
	tcase_add_test(tc, test_event_count_limit);
	tcase_add_test(tc, test_run_share);
	tcase_add_test(tc, test_trim_count);
	tcase_add_test(tc, test_trim_bytes);
	tcase_add_test(tc, test_free_all);
	tcase_add_test(tc, test_budget_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(runs_suite());
}
