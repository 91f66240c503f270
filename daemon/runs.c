/*
 * runs.c: the run table and its history (see runs.h).
 *
 * One list in id order holds queued, running and finished runs alike; the
 * finished ones beyond NFD_MAX_HISTORY are dropped from its head. Run ids
 * count up from 1 for the daemon's lifetime. A run's events are kept as the
 * worker sent them (at most NFD_MAX_RUN_EVENTS) and relayed to the run's
 * client, if it has one, as they arrive.
 */
#include "daemon/runs.h"

#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"
#include "daemon/client.h"
#include "daemon/netfaultd.h"
#include "scenario/scenario.h"

static TAILQ_HEAD(, run) runs = TAILQ_HEAD_INITIALIZER(runs);
static unsigned next_run_id = 1;
static unsigned finished_count;

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
	json_decref(r->events);
	json_decref(r->result);
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
	r->events = json_array();
	if (!r->file || !r->name || !r->events)
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
	if (json_array_size(r->events) < NFD_MAX_RUN_EVENTS)
		json_array_append(r->events, event);
	else
		r->events_dropped++;
	client_relay_event(r, event);
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

	for (r = TAILQ_FIRST(&runs); r && finished_count > NFD_MAX_HISTORY; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (!run_is_finished(r))
			continue;
		TAILQ_REMOVE(&runs, r, entry);
		run_free(r);
		finished_count--;
	}
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
	client_relay_result(r);
	r->client = NULL;
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
	json_t *passed = json_object_get(r->result, "passed");
	json_t *reason = json_object_get(r->result, "reason");

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
	if (json_object_set(detail, NF_EVENTS, r->events) < 0 ||
	    json_object_set_new(detail, "events_dropped",
				json_integer((json_int_t)r->events_dropped)) < 0 ||
	    json_object_set_new(detail, NF_RESULT,
				r->result ? json_incref(r->result) : json_null()) < 0) {
		json_decref(detail);
		return NULL;
	}
	return detail;
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
