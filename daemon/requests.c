/*
 * requests.c: the control socket's ops (see common/protocol.h and
 * netfaultd(8)): run, list, show, cancel, status.
 *
 * reqdecode.c checks every member of a request before any op here runs,
 * and a mistake gets one error reply; the connection stays usable. A run request
 * is parsed whole (every sweep cell) before anything is queued, and the
 * queue must have room for all of its cells, so a request is either
 * accepted entirely or not at all. A client that goes away takes its
 * runs with it, unless they were detached (request_client_closed).
 */
#include "daemon/requests.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/monotime.h"
#include "common/protocol.h"
#include "daemon/client.h"
#include "daemon/identity.h"
#include "daemon/history.h"
#include "daemon/netfaultd.h"
#include "daemon/pcapdir.h"
#include "daemon/reqdecode.h"
#include "daemon/runs.h"
#include "daemon/scheduler.h"
#include "scenario/sweep.h"
#include "engine/engine.h"
#include "scenario/scenario.h"

/* ---- run ---------------------------------------------------------------- */

static json_t *accepted_runs(struct run **runs, size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list, json_pack(
			"{s:I, s:s, s:f, s:O?, s:s}", NF_RUN, (json_int_t)runs[i]->id,
			NF_NAME, runs[i]->name, NF_DURATION,
			(double)runs[i]->duration_us / 1e6, NF_CELL, runs[i]->cell,
			NF_STATE, run_state_name(runs[i]->state)));
	return list;
}

/* Makes the runs of CELLS (which they take) and queues them; replies. */
static void submit_runs(struct client *c, const char *file, struct sc_sweep_cell *cells,
			size_t ncells, bool detach, const char *pcap)
{
	struct run **made = calloc(ncells, sizeof(*made));
	struct run_sink sink = { 0 };
	bool oom = !made;
	size_t n = 0;

	for (; !oom && n < ncells; n++) {
		made[n] = run_create(file, cells[n].sc, cells[n].cell);
		if (!made[n]) {
			oom = true;
			break;
		}
		cells[n].sc = NULL;
		cells[n].cell = NULL;
		made[n]->detached = detach;
		made[n]->owner = *client_identity(c);
		made[n]->pcap_dir = pcap ? strdup(pcap) : NULL;
		oom = pcap && !made[n]->pcap_dir;
	}
	if (!oom && !detach)
		oom = client_stream_begin(c, (unsigned)n, &sink) < 0;
	if (oom) {
		/* nothing was queued yet: drop what was made */
		for (size_t i = 0; made && i < n; i++)
			run_finish(made[i], run_error_result(made[i], "out of memory"));
		client_send_error(c, NULL, "out of memory");
		goto out;
	}
	client_send(c, json_pack("{s:s, s:b, s:I, s:s, s:s, s:b, s:o}", NF_TYPE,
				 NF_TYPE_ACCEPTED, NF_OK, 1, NF_RUN, (json_int_t)made[0]->id,
				 NF_FILE, file, NF_NAME, made[0]->name, NF_DETACH, detach,
				 NF_RUNS, accepted_runs(made, n)));
	for (size_t i = 0; i < n; i++) {
		made[i]->sink = sink;
		log_info("run %u: %s \"%s\" submitted by uid %u%s", made[i]->id, file,
			 made[i]->name, (unsigned)client_cred(c)->uid,
			 detach ? " (detached)" : "");
		scheduler_enqueue(made[i]);
	}
out:
	free(made);
}

/* An error that may pass later: "retry" tells the client to send the same
 * request again once runs have finished. */
__attribute__((format(printf, 2, 3)))
static void send_queue_full(struct client *c, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_debug("client pid %d: %s", (int)client_cred(c)->pid, text);
	client_send(c, json_pack("{s:s, s:b, s:s, s:b}", NF_TYPE, NF_TYPE_ERROR, NF_OK, 0,
				 NF_ERROR, text, NF_RETRY, 1));
}

static void request_run(struct client *c, const struct request *req)
{
	struct sc_sweep_cell *cells = NULL;
	json_t *errors = NULL;
	const char *file = req->file;
	char why[SC_SWEEP_WHY_MAX];
	char pcap_why[NF_PCAP_DIR_MAX + 128];
	int ncells;

	if (req->pcap && pcap_dir_check(req->pcap, client_identity(c), pcap_why,
					sizeof(pcap_why))) {
		client_send_error(c, NULL, "%s", pcap_why);
		return;
	}
	if (scheduler_shutting_down()) {
		client_send_error(c, NULL, "the daemon is shutting down");
		return;
	}
	if (scheduler_room() == 0) {
		send_queue_full(c, "queue full: %u runs waiting (at most %u); try again "
				"later", scheduler_queued(), NFD_MAX_QUEUED);
		return;
	}
	ncells = sc_sweep_expand(file, req->text, req->text_len, req->sets, req->nsets,
				 &cells, &errors, why);
	if (ncells == -EINVAL) {
		client_send_error(c, errors, "%s: %zu error%s", file, json_array_size(errors),
				  json_array_size(errors) == 1 ? "" : "s");
		return;
	}
	if (ncells < 0) {
		client_send_error(c, NULL, "%s: %s", file, why);
		return;
	}
	errors = identity_refusals(client_identity(c), cells, (size_t)ncells);
	if (errors) {
		const char *refusal = json_string_value(json_array_get(errors, 0));

		log_info("%s: refused for uid %u: %s", file, (unsigned)client_cred(c)->uid,
			 refusal);
		client_send_error(c, errors, "%s", refusal);
	} else if ((unsigned)ncells > scheduler_room())
		send_queue_full(c, "queue full: the sweep has %d cells and the queue takes "
				"%u more now (at most %u)", ncells, scheduler_room(),
				NFD_MAX_QUEUED);
	else
		submit_runs(c, file, cells, (size_t)ncells, req->detach, req->pcap);
	sc_sweep_cells_free(cells, (size_t)ncells);
}

/* ---- list, show, cancel, status ------------------------------------------ */

static struct run *request_target(struct client *c, const struct request *req)
{
	struct run *r = run_find(req->run);

	if (!r)
		client_send_error(c, NULL, "no run %u (list shows the runs kept)", req->run);
	return r;
}

static json_t *reply_with(const char *type, json_t *members)
{
	json_t *reply = json_pack("{s:s, s:b}", NF_TYPE, type, NF_OK, 1);

	if (reply && members && json_object_update(reply, members) < 0) {
		json_decref(reply);
		reply = NULL;
	}
	json_decref(members);
	return reply;
}

static void request_list(struct client *c, const struct request *req)
{
	json_t *list = json_array();

	for (const struct run *r = runs_first(); list && r; r = runs_next(r))
		json_array_append_new(list, run_summary(r));
	client_send(c, reply_with(NF_OP_LIST, json_pack("{s:o}", NF_RUNS, list)));
}

static void request_show(struct client *c, const struct request *req)
{
	struct run *r = request_target(c, req);

	if (r)
		client_send(c, reply_with(NF_OP_SHOW, run_detail(r)));
}

static void request_cancel(struct client *c, const struct request *req)
{
	struct run *r = request_target(c, req);

	if (!r)
		return;
	if (run_is_finished(r)) {
		client_send_error(c, NULL, "run %u has finished (%s)", r->id,
				  run_state_name(r->state));
		return;
	}
	log_info("run %u: cancel requested by uid %u", r->id,
		 (unsigned)client_cred(c)->uid);
	scheduler_cancel(r, "cancelled on request");
	client_send(c, reply_with(NF_OP_CANCEL, json_pack("{s:I, s:s}", NF_RUN,
		(json_int_t)r->id, NF_STATE, run_state_name(r->state))));
}

static void request_status(struct client *c, const struct request *req)
{
	client_send(c, reply_with(NF_OP_STATUS, json_pack(
		"{s:s, s:i, s:i, s:I, s:s, s:s?, s:i, s:i, s:i, s:i, s:o, s:I,"
		" s:{s:i, s:i, s:i, s:i, s:i, s:i}}",
		"version", NETFAULT_VERSION, "protocol", NF_PROTOCOL_VERSION,
		"pid", (int)getpid(),
		"uptime", (json_int_t)((mono_usec() - nfd_conf.started_mono) / 1000000),
		"socket", nfd_conf.socket_path, "group", nfd_conf.group_name,
		"running", (int)scheduler_running(), "queued", (int)scheduler_queued(),
		"clients", (int)clients_count(),
		"finished", (int)(runs_count(RUN_PASSED) + runs_count(RUN_FAILED) +
				  runs_count(RUN_ERROR) + runs_count(RUN_CANCELLED)),
		"history", runs_history_json(), "rss", (json_int_t)process_rss_bytes(),
		"limits", "parallel", (int)nfd_conf.parallel, "queue", NFD_MAX_QUEUED,
		"clients", NFD_MAX_CLIENTS, "history", NFD_MAX_HISTORY,
		"line", (int)NF_MAX_LINE, "events", NFD_MAX_RUN_EVENTS)));
}

/* ---- a client's end ----------------------------------------------------- */

void request_client_closed(struct client *c)
{
	for (struct run *r = runs_first(); r; r = runs_next(r)) {
		if (!client_owns_sink(c, &r->sink))
			continue;
		r->sink = (struct run_sink){ 0 };
		if (!r->detached && !run_is_finished(r))
			scheduler_cancel(r, "client disconnected");
	}
}

/* ---- dispatch ----------------------------------------------------------- */

static void (*const request_ops[])(struct client *c, const struct request *req) = {
	[REQUEST_RUN] = request_run,
	[REQUEST_LIST] = request_list,
	[REQUEST_SHOW] = request_show,
	[REQUEST_CANCEL] = request_cancel,
	[REQUEST_STATUS] = request_status,
};

void request_handle(struct client *c, const char *line)
{
	static struct request req;   /* large (the set values); one thread */
	char why[REQUEST_WHY_MAX];

	if (request_decode(line, &req, why) < 0) {
		client_reply_tag(c, req.tag);
		client_send_error(c, NULL, "%s", why);
	} else {
		client_reply_tag(c, req.tag);
		request_ops[req.op](c, &req);
	}
	request_release(&req);
}
