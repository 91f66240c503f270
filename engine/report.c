/*
 * report.c: the run's result object (engine.h): each app's verdict against
 * its expectation, the steps whose expect: failed, and "passed" with the
 * first failure in plain words as "reason"; the observers' members
 * (observe.h), the cmd apps' (cmd/cmdapp.h), the impairment engine's
 * (netfaults.h) and the middleboxes' counts (middleboxes.h) follow, in
 * that order.
 */
#include "engine/run.h"
#include "engine/cmd/cmdapp.h"
#include "engine/middleboxes.h"
#include "engine/netfaults/netfaults.h"

#include <errno.h>
#include <string.h>

static json_t *json_secs_or_null(int64_t us)
{
	return us >= 0 ? json_real((double)us / 1e6) : json_null();
}

static const struct sc_expect *app_expect(const struct scenario *sc, size_t app)
{
	for (size_t i = 0; i < sc->nexpects; i++)
		if (sc->expects[i].app >= 0 && (size_t)sc->expects[i].app == app)
			return &sc->expects[i];
	return NULL;
}

/* The app's entry; the first failure found goes into REASON if empty. */
static json_t *report_app(const struct engine_run *r, const struct run_app *a,
			  char *reason, size_t len)
{
	const struct sc_expect *e = app_expect(r->sc, a->index);
	const struct verdict *v = &a->v;
	json_t *failed = json_array(), *o;
	char why[256];

	o = json_pack("{s:s, s:s, s:s, s:o, s:s}", "app", a->sc->name,
		      "host", r->sc->hosts[a->sc->host].name,
		      "verdict", sc_verdict_name(v->decided ? v->kind : SC_VERDICT_NOTHING),
		      "t", v->decided ? json_real((double)v->t_us / 1e6) : json_null(),
		      "evidence", v->evidence);
	if (o)
		json_object_set_new(o, "from", v->decided && v->from[0] ? json_string(v->from)
				    : json_null());
	if (!o || !failed) {
		json_decref(o);
		json_decref(failed);
		return NULL;
	}
	if (e) {
		bool ok = expect_check(a->sc->name, e, v, why, sizeof(why));

		json_object_set_new(o, "expect", json_pack("{s:s, s:o, s:o}",
			"sees", sc_verdict_name(e->verdict),
			"after", json_secs_or_null(e->after_us),
			"before", json_secs_or_null(e->before_us)));
		json_object_set_new(o, "expect_ok", json_boolean(ok));
		if (!ok && !reason[0])
			snprintf(reason, len, "%s", why);
	} else {
		json_object_set_new(o, "expect", json_null());
		json_object_set_new(o, "expect_ok", json_null());
	}
	for (size_t i = 0; i < a->sc->nsteps; i++) {
		const struct sc_step *st = &a->sc->steps[i];
		const struct run_step *rs = &a->steps[i];

		if (step_check(a->sc->name, i, st, rs->done, rs->result, why, sizeof(why)))
			continue;
		json_array_append_new(failed, json_pack("{s:I, s:s, s:o, s:s}",
			"index", (json_int_t)i, "step", sc_step_name(st->kind),
			"result", rs->done ? json_string(sc_result_name(rs->result)) : json_null(),
			"expect", sc_result_name(st->expect)));
		if (!reason[0])
			snprintf(reason, len, "%s", why);
	}
	json_object_set_new(o, "steps_failed", failed);
	return o;
}

json_t *report_result(struct engine_run *r, int ret)
{
	char reason[512] = "", expect_reason[512] = "";
	json_t *apps = json_array(), *res;
	bool ran = ret == 0;

	/* expectations first (in the order written), then the step expects */
	for (size_t i = 0; ran && i < r->sc->nexpects; i++) {
		const struct sc_expect *e = &r->sc->expects[i];

		if (e->app < 0 || (size_t)e->app >= r->napps)
			continue;
		if (!expect_check(r->apps[e->app].sc->name, e, &r->apps[e->app].v,
				  expect_reason, sizeof(expect_reason)))
			break;
		expect_reason[0] = '\0';
	}
	for (size_t i = 0; i < r->napps; i++) {
		json_t *o = r->went ? report_app(r, &r->apps[i], reason, sizeof(reason)) : NULL;

		if (o)
			observe_report_app(r, &r->apps[i], o);
		if (o)
			theory_report_app(r, &r->apps[i], o);
		if (o && r->apps[i].sc->cmd)
			cmdapp_report_app(r, &r->apps[i], o);
		if (o)
			json_array_append_new(apps, o);
	}
	if (expect_reason[0])
		memcpy(reason, expect_reason, sizeof(reason));
	if (!ran)
		snprintf(reason, sizeof(reason), "%s", ret == -ECANCELED ? "cancelled"
			 : r->error[0] ? r->error : "the run failed");
	res = json_pack("{s:s, s:s, s:o, s:b, s:o, s:f, s:o, s:o}",
		"name", r->sc->name ? r->sc->name : "",
		"file", r->sc->file ? r->sc->file : "",
		"run", r->leased ? json_integer(r->lease.run_id) : json_null(),
		"passed", ran && !reason[0],
		"reason", reason[0] ? json_string(reason) : json_null(),
		"duration", r->went ? (double)(r->ended - r->t0) / 1e6 : 0.0,
		"error", ran ? json_null() : json_string(r->error[0] ? r->error : reason),
		"apps", apps ? apps : json_array());
	if (res)
		observe_report(r, res);
	if (res)
		cmdapp_report(r, res);
	if (res)
		json_object_set_new(res, "impair_engine", netfaults_engine_name(r)
				    ? json_string(netfaults_engine_name(r)) : json_null());
	if (res)
		middleboxes_report(r, res);
	return res;
}

json_t *report_phases(const struct engine_run *r)
{
	static const char *const names[RUN_NPHASES] = {
		[RUN_PHASE_BUILD] = "build", [RUN_PHASE_LINKS] = "links",
		[RUN_PHASE_APPS] = "apps", [RUN_PHASE_SCENARIO] = "scenario",
		[RUN_PHASE_SETTLE] = "settle", [RUN_PHASE_COLLECT] = "collect",
		[RUN_PHASE_REPORT] = "report", [RUN_PHASE_TEARDOWN] = "teardown",
	};
	json_t *o = json_object();

	for (size_t i = 0; o && i < RUN_NPHASES; i++)
		json_object_set_new(o, names[i], r->phase_us[i] >= 0
				    ? json_real((double)r->phase_us[i] / 1e6) : json_null());
	return o;
}
