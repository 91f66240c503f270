/*
 * runs.c: the run table and its history (see runs.h).
 *
 * One list in id order holds queued, running and finished runs alike; the
 * finished ones beyond NFD_MAX_HISTORY, or beyond the byte budget, are
 * dropped from its head. Run ids count up from 1 for the daemon's lifetime.
 *
 * A run's events are handed to the run's sink, if it has one, as they
 * arrive, and kept as compact JSON text, one growing array text per run
 * ("[e1,e2]"), at most NFD_MAX_RUN_EVENTS of them and at most the run's
 * share of the budget (history_run_share); what does not fit is counted in
 * events_dropped. When the run ends its result is kept as text too, and
 * the buffer shrunk to its text. Text, not jansson trees: a tree takes about
 * nine times its text's heap, so counting text bytes would not bound the
 * memory. show parses the text back. kept_bytes is the sum over all runs
 * of the buffers' sizes: what the budget bounds.
 */
#include "daemon/runs.h"

#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"
#include "daemon/history.h"
#include "daemon/netfaultd.h"
#include "scenario/scenario.h"

static TAILQ_HEAD(, run) runs = TAILQ_HEAD_INITIALIZER(runs);
static unsigned next_run_id = 1;
static unsigned finished_count;
static size_t kept_bytes;             /* every run's kept_bytes */

#define EVENTS_FIRST_CAP 4096         /* a run's first events buffer */

static const char *const state_names[] = {
	[RUN_QUEUED] = NF_STATE_QUEUED,
	[RUN_RUNNING] = NF_STATE_RUNNING,
	[RUN_CANCELLING] = NF_STATE_CANCELLING,
	[RUN_PASSED] = NF_STATE_PASSED,
	[RUN_FAILED] = NF_STATE_FAILED,
	[RUN_ERROR] = NF_STATE_ERROR,
	[RUN_CANCELLED] = NF_STATE_CANCELLED,
};

const char *run_state_name(enum run_state state)
{
	return state_names[state];
}

bool run_is_finished(const struct run *r)
{
	return r->state >= RUN_PASSED;
}

static void run_free(struct run *r)
{
	if (!r)
		return;
	free(r->file);
	free(r->name);
	free(r->pcap_dir);
	json_decref(r->cell);
	scenario_free(r->sc);
	free(r->events_text);
	json_decref(r->result);
	free(r->result_text);
	json_decref(r->outcome);
	kept_bytes -= r->kept_bytes;
	free(r);
}

struct run *run_create(const char *file, struct scenario *sc, json_t *cell)
{
	struct run *r = calloc(1, sizeof(*r));

	if (!r)
		goto fail;
	r->sc = sc;
	r->cell = cell;
	r->file = strdup(file);
	r->name = strdup(sc->name ? sc->name : "");
	if (!r->file || !r->name)
		goto fail;
	r->id = next_run_id++;
	r->state = RUN_QUEUED;
	r->duration_us = sc->duration_us;
	r->netns_run = -1;
	r->submitted = time(NULL);
	TAILQ_INSERT_TAIL(&runs, r, entry);
	return r;
fail:
	if (r) {
		r->sc = NULL;     /* the caller still owns what it passed */
		r->cell = NULL;
	}
	run_free(r);
	return NULL;
}

struct run *run_find(unsigned id)
{
	struct run *r;

	TAILQ_FOREACH(r, &runs, entry) {
		if (r->id == id)
			return r;
	}
	return NULL;
}

struct run *runs_first(void)
{
	return TAILQ_FIRST(&runs);
}

struct run *runs_next(const struct run *r)
{
	return TAILQ_NEXT(r, entry);
}

unsigned runs_count(enum run_state state)
{
	const struct run *r;
	unsigned n = 0;

	TAILQ_FOREACH(r, &runs, entry) {
		if (r->state == state)
			n++;
	}
	return n;
}

/* After the run's buffers changed: its kept_bytes, and the total. */
static void run_recount(struct run *r)
{
	size_t bytes = r->events_cap + (r->result_text ? strlen(r->result_text) : 0);

	kept_bytes = kept_bytes - r->kept_bytes + bytes;
	r->kept_bytes = bytes;
}

/* Appends EVENT's compact text to the run's array text: "[" or "," in place
 * of the closing "]", the event, "]". False when that would take more than
 * the run's share of the budget, or memory is short. */
static bool events_append(struct run *r, const json_t *event)
{
	size_t size = json_dumpb(event, NULL, 0, JSON_COMPACT);
	size_t share = history_run_share();
	size_t need = (r->events_len ? r->events_len : 1) + size + 1;
	size_t cap;
	char *text;

	if (size == 0 || need > share)
		return false;
	if (need > r->events_cap) {
		cap = r->events_cap ? 2 * r->events_cap : EVENTS_FIRST_CAP;
		if (cap < need)
			cap = need;
		if (cap > share)
			cap = share;      /* need <= share: still enough */
		text = realloc(r->events_text, cap);
		if (!text)
			return false;
		r->events_text = text;
		r->events_cap = cap;
		run_recount(r);
	}
	if (r->events_len == 0)
		r->events_text[r->events_len++] = '[';
	else
		r->events_text[r->events_len - 1] = ',';
	json_dumpb(event, r->events_text + r->events_len, size, JSON_COMPACT);
	r->events_len += size;
	r->events_text[r->events_len++] = ']';
	r->events_kept++;
	return true;
}

void run_record_event(struct run *r, json_t *event)
{
	const char *kind = json_string_value(json_object_get(event, "event"));

	if (kind && strcmp(kind, "topology") == 0 &&
	    json_is_integer(json_object_get(event, "run")))
		r->netns_run = (long)json_integer_value(json_object_get(event, "run"));
	if (kind && strcmp(kind, "end") == 0) {
		const char *why = json_string_value(json_object_get(event, "reason"));

		snprintf(r->end_reason, sizeof(r->end_reason), "%s", why ? why : "");
	}
	if (r->events_kept >= NFD_MAX_RUN_EVENTS || !events_append(r, event))
		r->events_dropped++;
	if (r->sink.event)
		r->sink.event(r->sink.ctx, r, event);
}

static enum run_state run_outcome(const struct run *r, const json_t *result)
{
	bool passed = json_is_true(json_object_get(result, "passed"));

	if (strcmp(r->end_reason, "cancelled") == 0 || (r->cancel_reason && !passed))
		return RUN_CANCELLED;
	if (json_is_string(json_object_get(result, "error")))
		return RUN_ERROR;
	return passed ? RUN_PASSED : RUN_FAILED;
}

void runs_trim_history(void)
{
	struct run *r, *next;
	size_t budget = history_budget();

	for (r = TAILQ_FIRST(&runs);
	     r && (finished_count > NFD_MAX_HISTORY || kept_bytes > budget); r = next) {
		next = TAILQ_NEXT(r, entry);
		if (!run_is_finished(r))
			continue;
		TAILQ_REMOVE(&runs, r, entry);
		run_free(r);
		finished_count--;
	}
}

/* The run has ended and its sink has had the result: keep the result as
 * text, with "passed" and "reason" for list, and shrink the events buffer
 * to its text. */
static void run_keep_as_text(struct run *r)
{
	char *text;

	r->outcome = json_pack("{s:O*, s:O*}", NF_PASSED, json_object_get(r->result, NF_PASSED),
			       "reason", json_object_get(r->result, "reason"));
	r->result_text = json_dumps(r->result, JSON_COMPACT);
	json_decref(r->result);
	r->result = NULL;
	if (r->events_len && r->events_len < r->events_cap &&
	    (text = realloc(r->events_text, r->events_len))) {
		r->events_text = text;
		r->events_cap = r->events_len;
	}
	run_recount(r);
}

void run_finish(struct run *r, json_t *result)
{
	r->state = run_outcome(r, result);
	r->result = result;
	r->finished = time(NULL);
	r->worker = NULL;
	scenario_free(r->sc);
	r->sc = NULL;
	finished_count++;
	if (r->sink.result)
		r->sink.result(r->sink.ctx, r);
	r->sink = (struct run_sink){ 0 };
	run_keep_as_text(r);
}

json_t *run_error_result(const struct run *r, const char *error)
{
	double ran = r->started ? difftime(time(NULL), r->started) : 0.0;

	return json_pack("{s:s, s:s, s:o, s:b, s:s, s:f, s:s, s:[]}",
			 "name", r->name, "file", r->file,
			 "run", r->netns_run >= 0 ? json_integer(r->netns_run) : json_null(),
			 "passed", 0, "reason", error, "duration", ran,
			 "error", error, "apps");
}

static json_t *time_json(time_t t)
{
	char text[32];
	struct tm tm;

	if (t == 0 || !gmtime_r(&t, &tm))
		return json_null();
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(text);
}

json_t *run_summary(const struct run *r)
{
	json_t *passed = json_object_get(r->outcome, NF_PASSED);
	json_t *reason = json_object_get(r->outcome, "reason");

	return json_pack("{s:I, s:s, s:s, s:s, s:f, s:O?, s:b, s:o, s:o, s:o, s:o,"
			 " s:O?, s:O?, s:s?}",
			 NF_RUN, (json_int_t)r->id,
			 NF_STATE, run_state_name(r->state),
			 NF_FILE, r->file, NF_NAME, r->name,
			 NF_DURATION, (double)r->duration_us / 1e6,
			 NF_CELL, r->cell,
			 NF_DETACH, r->detached,
			 "netns_run", r->netns_run >= 0 ? json_integer(r->netns_run) : json_null(),
			 "submitted", time_json(r->submitted),
			 "started", time_json(r->started),
			 "finished", time_json(r->finished),
			 NF_PASSED, passed, "reason", reason, NF_PCAP, r->pcap_dir);
}

json_t *run_detail(const struct run *r)
{
	json_t *detail = run_summary(r);

	if (!detail)
		return NULL;
	if (json_object_set_new(detail, NF_EVENTS, run_events(r)) < 0 ||
	    json_object_set_new(detail, "events_dropped",
				json_integer((json_int_t)r->events_dropped)) < 0 ||
	    json_object_set_new(detail, NF_RESULT, run_result(r)) < 0) {
		json_decref(detail);
		return NULL;
	}
	return detail;
}

json_t *run_events(const struct run *r)
{
	if (!r->events_len)
		return json_array();
	return json_loadb(r->events_text, r->events_len, 0, NULL);
}

json_t *run_result(const struct run *r)
{
	if (r->result)
		return json_incref(r->result);
	if (r->result_text)
		return json_loads(r->result_text, 0, NULL);
	return json_null();
}

json_t *runs_history_json(void)
{
	return json_pack("{s:i, s:I, s:I, s:I}", "runs", (int)finished_count,
			 "bytes", (json_int_t)kept_bytes,
			 "budget", (json_int_t)history_budget(),
			 "run_share", (json_int_t)history_run_share());
}

void runs_free_all(void)
{
	struct run *r;

	while ((r = TAILQ_FIRST(&runs))) {
		TAILQ_REMOVE(&runs, r, entry);
		run_free(r);
	}
	finished_count = 0;
}
