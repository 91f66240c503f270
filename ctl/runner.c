/*
 * runner.c: `netfaultctl run FILE...` (see runner.h).
 *
 * One connection per file, all submitted first and then polled together,
 * so the files run in parallel on the daemon (up to its -j). Each file's
 * stream is: accepted (the runs, one per sweep cell), events, one result per
 * run, done. Lines are printed as they come; when more than one run is
 * under way, each line starts with "[RUN] ". On a terminal a progress line
 * is redrawn every PROGRESS_MS.
 *
 * The exit status is the worst of all runs: 0 passed, 1 failed, 2 anything
 * that is not a verdict (a refused file, an error, a cancelled run, a lost
 * connection).
 */
#include "ctl/runner.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/monotime.h"
#include "common/protocol.h"
#include "ctl/client.h"
#include "ctl/json_out.h"
#include "ctl/junit.h"
#include "ctl/progress.h"
#include "ctl/runrec.h"
#include "ctl/timeline.h"
#include "scenario/scenario.h"

#define PROGRESS_MS 200

struct job {
	const char *file;
	struct ctl_conn conn;
	bool done;
	char *error;               /* refused or lost: why */
	json_t *errors;            /* the daemon's file:line:col lines */
	struct run_record *runs;
	size_t nruns;
	bool interleaved;          /* prefix lines with the run id */
};

struct runner {
	const struct ctl_command *cmd;
	struct job *jobs;
	size_t njobs;
};

/* ---- submitting --------------------------------------------------------- */

static json_t *read_scenario(const char *path, char **why)
{
	FILE *in = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;
	json_t *str = NULL;
	char msg[512];

	if (!in) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		goto out;
	}
	text = malloc(SC_MAX_TEXT + 1);
	if (text)
		len = fread(text, 1, SC_MAX_TEXT + 1, in);
	if (!text || ferror(in))
		snprintf(msg, sizeof(msg), "%s: cannot read it", path);
	else if (len > SC_MAX_TEXT)
		snprintf(msg, sizeof(msg), "%s: larger than %u bytes", path, SC_MAX_TEXT);
	else if (!(str = json_stringn(text, len)))
		snprintf(msg, sizeof(msg), "%s: not UTF-8 text", path);
	fclose(in);
out:
	if (!str)
		*why = strdup(msg);
	free(text);
	return str;
}

static json_t *sets_json(const struct ctl_command *cmd)
{
	json_t *sets = json_array();

	for (size_t i = 0; sets && i < cmd->nsets; i++) {
		json_t *values = json_array();

		for (size_t v = 0; values && v < cmd->sets[i].nvalues; v++)
			json_array_append_new(values, json_string(cmd->sets[i].values[v]));
		json_array_append_new(sets, json_pack("{s:s, s:o}", NF_SET_PATH,
						      cmd->sets[i].path, NF_SET_VALUES, values));
	}
	return sets;
}

/* 0 submitted; 1 the file is bad (job->error); -errno no daemon. */
static int job_submit(struct job *job, const char *socket_path,
		      const struct ctl_command *cmd)
{
	json_t *text = read_scenario(job->file, &job->error);
	int err;

	if (!text) {
		fprintf(stderr, "netfaultctl: %s\n", job->error);
		job->done = true;
		return 1;
	}
	err = conn_open(&job->conn, socket_path);
	if (err < 0) {
		json_decref(text);
		return err;
	}
	err = conn_send(&job->conn, json_pack("{s:s, s:s, s:o, s:b, s:o, s:s?}", NF_OP,
					      NF_OP_RUN, NF_FILE, job->file, NF_TEXT, text,
					      NF_DETACH, cmd->detach, NF_SET, sets_json(cmd),
					      NF_PCAP, cmd->pcap));
	if (err < 0 && !conn_send_refused(err)) {
		fprintf(stderr, "netfaultctl: %s: sending the request: %s\n", job->file,
			strerror(-err));
		return err;
	}
	return 0;
}

/* ---- the stream --------------------------------------------------------- */

static struct run_record *job_run(struct job *job, const json_t *msg)
{
	unsigned id = (unsigned)json_integer_value(json_object_get(msg, NF_RUN));

	for (size_t i = 0; i < job->nruns; i++) {
		if (job->runs[i].id == id)
			return &job->runs[i];
	}
	return NULL;
}

static const char *job_prefix(const struct job *job, const struct run_record *r,
			      char *buf, size_t len)
{
	if (!job->interleaved)
		return "";
	snprintf(buf, len, "[%u] ", r->id);
	return buf;
}

static void job_refused(struct runner *rn, struct job *job, const json_t *msg)
{
	const char *error = json_string_value(json_object_get(msg, NF_ERROR));

	job->error = strdup(error ? error : "refused");
	job->errors = json_incref(json_object_get(msg, NF_ERRORS));
	reply_print_error(msg, job->file);
	if (rn->cmd->json)
		json_out_refused(stdout, job->file, job->error, job->errors);
	job->done = true;
}

static void job_accepted(struct runner *rn, struct job *job, const json_t *msg)
{
	json_t *runs = json_object_get(msg, NF_RUNS), *item;
	size_t i;
	char prefix[32];

	job->runs = calloc(json_array_size(runs) + 1, sizeof(*job->runs));
	if (!job->runs) {
		job->error = strdup("out of memory");
		job->done = true;
		return;
	}
	json_array_foreach(runs, i, item) {
		run_record_init(&job->runs[i], job->file, item);
		job->nruns++;
	}
	job->interleaved = rn->njobs > 1 || job->nruns > 1;
	for (i = 0; i < job->nruns; i++) {
		const struct run_record *r = &job->runs[i];

		if (rn->cmd->detach)
			printf("run %u: %s: %s: detached; follow it with: netfaultctl show %u\n",
			       r->id, r->file, r->name, r->id);
		else if (!rn->cmd->json && !rn->cmd->quiet)
			timeline_header(stdout, job_prefix(job, r, prefix, sizeof(prefix)), r);
	}
	job->done = rn->cmd->detach;
}

static void job_event(struct runner *rn, struct job *job, const json_t *msg)
{
	struct run_record *r = job_run(job, msg);
	json_t *event = json_object_get(msg, NF_EVENT);
	const char *kind = json_string_value(json_object_get(event, "event"));
	char prefix[32];

	if (!r || !json_is_object(event))
		return;
	json_array_append(r->events, event);
	if (kind && strcmp(kind, "t0") == 0)
		r->t0_local_us = mono_usec();
	if (!rn->cmd->json && !rn->cmd->quiet)
		timeline_event(stdout, job_prefix(job, r, prefix, sizeof(prefix)), event,
			       rn->cmd->wire);
}

static void job_result(struct runner *rn, struct job *job, const json_t *msg)
{
	struct run_record *r = job_run(job, msg);
	const char *state = json_string_value(json_object_get(msg, NF_STATE));
	char prefix[32];

	if (!r)
		return;
	json_decref(r->result);
	r->result = json_incref(json_object_get(msg, NF_RESULT));
	snprintf(r->state, sizeof(r->state), "%s", state ? state : NF_STATE_ERROR);
	if (rn->cmd->json)
		json_out_run(stdout, r);
	else if (rn->cmd->quiet)
		timeline_verdict_line(stdout, job_prefix(job, r, prefix, sizeof(prefix)), r);
	else
		timeline_result(stdout, job_prefix(job, r, prefix, sizeof(prefix)), r);
}

static void job_message(struct runner *rn, struct job *job, const json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, NF_TYPE));

	if (!type)
		type = "";
	progress_clear();
	if (strcmp(type, NF_TYPE_ERROR) == 0)
		job_refused(rn, job, msg);
	else if (strcmp(type, NF_TYPE_ACCEPTED) == 0)
		job_accepted(rn, job, msg);
	else if (strcmp(type, NF_TYPE_EVENT) == 0)
		job_event(rn, job, msg);
	else if (strcmp(type, NF_TYPE_RESULT) == 0)
		job_result(rn, job, msg);
	else if (strcmp(type, NF_TYPE_DONE) == 0)
		job->done = true;
	fflush(stdout);
}

static void job_read(struct runner *rn, struct job *job)
{
	long n = conn_fill(&job->conn);
	json_t *msg;
	bool bad = false;

	while (!job->done && (msg = conn_next(&job->conn, &bad))) {
		job_message(rn, job, msg);
		json_decref(msg);
	}
	if (job->done || (n > 0 && !bad))
		return;
	progress_clear();
	job->error = strdup(bad ? "netfaultd sent a line that is not JSON" :
			    "netfaultd closed the connection before the results came");
	fprintf(stderr, "netfaultctl: %s: %s\n", job->file, job->error);
	job->done = true;
}

/* ---- waiting ------------------------------------------------------------ */

static void progress_update(const struct runner *rn)
{
	char text[256];
	size_t used = 0;
	int64_t now = mono_usec();
	bool single = rn->njobs == 1 && rn->jobs[0].nruns == 1;

	for (size_t j = 0; j < rn->njobs; j++) {
		const struct job *job = &rn->jobs[j];

		for (size_t i = 0; !job->done && i < job->nruns && used < sizeof(text); i++) {
			const struct run_record *r = &job->runs[i];
			char id[16] = "";

			if (r->result)
				continue;
			if (!single)
				snprintf(id, sizeof(id), "[%u] ", r->id);
			if (r->t0_local_us)
				used += (size_t)snprintf(text + used, sizeof(text) - used,
					"%s%.1fs/%gs  ", id, (double)(now - r->t0_local_us) / 1e6,
					r->duration);
			else
				used += (size_t)snprintf(text + used, sizeof(text) - used,
					"%s%s  ", id, json_array_size(r->events) ? "setting up" :
					"queued");
		}
	}
	if (used > 0)
		progress_draw(text);
}

static void runner_wait(struct runner *rn)
{
	struct pollfd *pfd = calloc(rn->njobs, sizeof(*pfd));
	struct job **owner = calloc(rn->njobs, sizeof(*owner));
	size_t n;

	while (pfd && owner) {
		n = 0;
		for (size_t j = 0; j < rn->njobs; j++) {
			if (rn->jobs[j].done)
				continue;
			pfd[n] = (struct pollfd){ .fd = rn->jobs[j].conn.fd, .events = POLLIN };
			owner[n++] = &rn->jobs[j];
		}
		if (n == 0)
			break;
		progress_update(rn);
		if (poll(pfd, n, progress_on() ? PROGRESS_MS : -1) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < n; i++) {
			if (pfd[i].revents)
				job_read(rn, owner[i]);
		}
	}
	progress_clear();
	free(pfd);
	free(owner);
}

/* ---- the end ------------------------------------------------------------ */

static int runner_report(const struct runner *rn)
{
	struct junit_suite *suites = calloc(rn->njobs, sizeof(*suites));
	int status = 0;

	for (size_t j = 0; j < rn->njobs; j++) {
		const struct job *job = &rn->jobs[j];

		if (job->error || job->nruns == 0)
			status = 2;
		for (size_t i = 0; i < job->nruns && !rn->cmd->detach; i++) {
			int s = run_record_status(&job->runs[i]);

			status = s > status ? s : status;
		}
		if (job->nruns > 1 && !rn->cmd->json && !rn->cmd->detach)
			timeline_sweep_table(stdout, job->runs, job->nruns);
		if (suites)
			suites[j] = (struct junit_suite){ job->file, job->error, job->errors,
							  job->runs, job->nruns };
	}
	if (rn->cmd->junit && (!suites || junit_write(rn->cmd->junit, suites, rn->njobs) < 0))
		status = 2;
	free(suites);
	return status;
}

static void runner_free(struct runner *rn)
{
	for (size_t j = 0; j < rn->njobs; j++) {
		struct job *job = &rn->jobs[j];

		conn_close(&job->conn);
		for (size_t i = 0; i < job->nruns; i++)
			run_record_free(&job->runs[i]);
		free(job->runs);
		free(job->error);
		json_decref(job->errors);
	}
	free(rn->jobs);
}

int run_command(const char *socket_path, const struct ctl_command *cmd)
{
	struct runner rn = { .cmd = cmd, .njobs = cmd->nfiles };
	int status = 2;

	rn.jobs = calloc(cmd->nfiles, sizeof(*rn.jobs));
	if (!rn.jobs)
		return 2;
	for (size_t j = 0; j < rn.njobs; j++) {
		rn.jobs[j] = (struct job){ .file = cmd->files[j], .conn = { .fd = -1 } };
		if (job_submit(&rn.jobs[j], socket_path, cmd) < 0)
			goto out;       /* no daemon: every file would say the same */
	}
	progress_init(stdout, !cmd->json && !cmd->detach);
	runner_wait(&rn);
	status = runner_report(&rn);
out:
	runner_free(&rn);
	return status;
}
