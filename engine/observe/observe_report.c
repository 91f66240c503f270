/*
 * observe_report.c: the observer's part of the result (engine.h):
 *
 *   per app     "views" ({"app", "wire", "kernel"}: what each observer says
 *               ended the app's connection, null when it saw no connection
 *               of the app), "agree" (the views are compatible; null when
 *               nothing was observed), "wire": {"retransmissions",
 *               "keepalive_probes"} (what the app's own host sent again on
 *               its connections, as its capture saw it: the packets its
 *               kernel spent on detecting the end; null when nothing was
 *               observed; probes are keepalive or zero-window probes)
 *   per run     "captures": [{"host", "interface", "boot", "file" (null without
 *               pcap_dir), "packets", "written", "not_written",
 *               "kernel_dropped", "error" (null or text)}]
 *
 * A cmd app's own members ("cmd", "output", ...) and the run directory's
 * are cmd/cmdapp.c's.
 */
#include "engine/observe/observe.h"
#include "engine/observe/observe_int.h"

#include "common/errname.h"

/* The retries the capture saw the app's connections send. */
static json_t *wire_cost_json(const struct observer *obs, size_t app)
{
	json_int_t retrans = 0, probes = 0;

	for (size_t c = 0; c < obs->nconns; c++) {
		const struct obs_conn *conn = &obs->conns[c];

		if (conn->app != (int)app)
			continue;
		for (size_t k = 0; k < conn->nwire; k++) {
			if (conn->wire[k].fact != OW_RETRY_OUT)
				continue;
			retrans += conn->wire[k].count;
			probes += conn->wire[k].probes;
		}
	}
	return json_pack("{s:I, s:I}", "retransmissions", retrans, "keepalive_probes", probes);
}

void observe_report_app(const struct engine_run *r, const struct run_app *a, json_t *o)
{
	const struct observer *obs = r->obs;
	bool has = obs && obs->has_views[a->index];

	json_object_set_new(o, "views", has ? obs_views_json(r, a->index) : json_null());
	json_object_set_new(o, "agree", has ? json_boolean(obs->agree[a->index]) : json_null());
	json_object_set_new(o, "wire", has ? wire_cost_json(obs, a->index) : json_null());
}

void observe_report(const struct engine_run *r, json_t *res)
{
	const struct observer *o = r->obs;
	json_t *caps = json_array();

	for (size_t i = 0; o && caps && i < o->nhosts; i++) {
		const struct obs_host *oh = &o->hosts[i];

		for (size_t k = 0; k < oh->ncaps; k++) {
			const struct obs_capstat *cs = &oh->caps[k];

			json_array_append_new(caps, json_pack("{s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:o}",
				"host", r->topo->hosts[i].name, "interface", cs->ifname,
				"boot", (json_int_t)cs->boot,
				"file", cs->file[0] ? json_string(cs->file) : json_null(),
				"packets", (json_int_t)cs->packets, "written", (json_int_t)cs->written,
				"not_written", (json_int_t)cs->not_written,
				"kernel_dropped", (json_int_t)cs->kernel_dropped,
				"error", cs->error ? json_string(errno_name(-cs->error)) : json_null()));
		}
	}
	json_object_set_new(res, "captures", caps ? caps : json_array());
}
