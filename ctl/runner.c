/*
 * runner.c: `netfaultctl run FILE...` (see runner.h).
 *
 * All files go over one connection. At most RUN_WINDOW run requests are in
 * flight at once (sent and not yet done); each carries its file's index as
 * its "tag", so the replies, events and results that come back interleaved
 * are told apart by it. As a file's stream ends ("done") the next file is
 * sent, so any number of files runs through one connection, in parallel on
 * the daemon (up to its -j), without filling its queue. A file refused with
 * "retry" (the daemon's queue is full) waits until one of ours finishes and
 * is sent again. Lines are printed as they come; when more than one run is
 * under way, each line starts with "[RUN] ". On a terminal a progress line
 * is redrawn every PROGRESS_MS.
 *
 * With --repeat N each file is sent N times, one job each, next to each
 * other; at the end a file's runs from all its jobs make one sweep report
 * (sweepstat.h): the table, the --csv rows and the --plot.
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
#include "ctl/report.h"
#include "ctl/runrec.h"
#include "ctl/sweepcsv.h"
#include "ctl/sweepplot.h"
#include "ctl/sweepstat.h"
#include "ctl/sweeptable.h"
#include "ctl/timeline.h"
#include "scenario/scenario.h"

#define PROGRESS_MS 200
/* Run requests in flight on the connection: enough to keep the most
 * parallel daemon (-j 64) busy, few enough to leave its queue to others. */
#define RUN_WINDOW  64

enum job_state { JOB_WAITING, JOB_SENT, JOB_DONE };

struct job {
	const char *file;
	enum job_state state;
	char *error;               /* refused or lost: why */
	json_t *errors;            /* the daemon's file:line:col lines */
	struct run_record *runs;
	size_t nruns;
	bool interleaved;          /* prefix lines with the run id */
};

struct runner {
	const struct ctl_command *cmd;
	struct ctl_conn conn;
	struct job *jobs;
	size_t njobs;
	size_t next;               /* the first job that may still wait */
	size_t in_flight;          /* jobs sent and not done */
	bool queue_full;           /* hold back until one of ours is done */
	bool lost;                 /* the connection is gone */
};

/* ---- submitting --------------------------------------------------------- */

static json_t *read_scenario(const char *path, char **why)
{
	char *text = NULL;
	size_t len = 0;
	json_t *str = NULL;
	char msg[512];
	int err = scenario_read_text(path, &text, &len);

	if (err < 0)
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(-err));
	else if (len > SC_MAX_TEXT)
		snprintf(msg, sizeof(msg), "%s: larger than %u bytes", path, SC_MAX_TEXT);
	else if (!(str = json_stringn(text, len)))
		snprintf(msg, sizeof(msg), "%s: not UTF-8 text", path);
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

static void job_end(struct runner *rn, struct job *job)
{
	if (job->state == JOB_SENT)
		rn->in_flight--;
	job->state = JOB_DONE;
	rn->queue_full = false;
}

/* Sends JOB's request, tagged with its index. 0, or -errno when the
 * connection is lost; a file that cannot be read ends the job instead. */
static int job_submit(struct runner *rn, struct job *job)
{
	json_t *text = read_scenario(job->file, &job->error);
	int err;

	if (!text) {
		fprintf(stderr, "netfaultctl: %s\n", job->error);
		job_end(rn, job);
		return 0;
	}
	err = conn_send(&rn->conn, json_pack("{s:s, s:I, s:s, s:o, s:b, s:o, s:s?}", NF_OP,
					     NF_OP_RUN, NF_TAG, (json_int_t)(job - rn->jobs),
					     NF_FILE, job->file, NF_TEXT, text,
					     NF_DETACH, rn->cmd->detach, NF_SET,
					     sets_json(rn->cmd), NF_PCAP, rn->cmd->pcap));
	if (err < 0 && !conn_send_refused(err))
		fprintf(stderr, "netfaultctl: %s: sending the request: %s\n", job->file,
			strerror(-err));
	if (err < 0)
		return err;
	job->state = JOB_SENT;
	rn->in_flight++;
	return 0;
}

/* Sends waiting files while the window has room. */
static void runner_submit(struct runner *rn)
{
	while (!rn->lost && !rn->queue_full && rn->in_flight < RUN_WINDOW &&
	       rn->next < rn->njobs) {
		struct job *job = &rn->jobs[rn->next];

		if (job->state == JOB_WAITING && job_submit(rn, job) < 0)
			rn->lost = true;
		else
			rn->next++;
	}
}

/* ---- the stream --------------------------------------------------------- */

/* The job a reply is for, by its tag; NULL for a reply without one. */
static struct job *reply_job(struct runner *rn, const json_t *msg)
{
	json_t *tag = json_object_get(msg, NF_TAG);

	if (!json_is_integer(tag) || json_integer_value(tag) < 0 ||
	    (size_t)json_integer_value(tag) >= rn->njobs)
		return NULL;
	return &rn->jobs[json_integer_value(tag)];
}

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

	if (json_is_true(json_object_get(msg, NF_RETRY)) && rn->in_flight > 1) {
		/* the daemon's queue is full: send it again once one of ours is done */
		job->state = JOB_WAITING;
		rn->in_flight--;
		rn->queue_full = true;
		if (rn->next > (size_t)(job - rn->jobs))
			rn->next = (size_t)(job - rn->jobs);
		return;
	}
	job->error = strdup(error ? error : "refused");
	job->errors = json_incref(json_object_get(msg, NF_ERRORS));
	reply_print_error(msg, job->file);
	if (rn->cmd->json)
		json_out_refused(stdout, job->file, job->error, job->errors);
	job_end(rn, job);
}

static void job_accepted(struct runner *rn, struct job *job, const json_t *msg)
{
	json_t *runs = json_object_get(msg, NF_RUNS), *item;
	size_t i;
	char prefix[32];

	job->runs = calloc(json_array_size(runs) + 1, sizeof(*job->runs));
	if (!job->runs) {
		job->error = strdup("out of memory");
		job_end(rn, job);
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
	if (rn->cmd->detach)
		job_end(rn, job);
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

/* Every job not done yet ends with WHY. */
static void runner_lost(struct runner *rn, const char *why)
{
	for (size_t j = 0; j < rn->njobs; j++) {
		struct job *job = &rn->jobs[j];

		if (job->state == JOB_DONE)
			continue;
		job->error = strdup(why);
		if (job->state == JOB_SENT || j < rn->next)
			fprintf(stderr, "netfaultctl: %s: %s\n", job->file, why);
		job_end(rn, job);
	}
	rn->lost = true;
}

static void runner_message(struct runner *rn, const json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, NF_TYPE));
	struct job *job = reply_job(rn, msg);

	if (!type)
		type = "";
	progress_clear();
	if (!job && strcmp(type, NF_TYPE_ERROR) == 0) {
		/* not about one request: the daemon refused the connection */
		reply_print_error(msg, NULL);
		runner_lost(rn, json_string_value(json_object_get(msg, NF_ERROR)) ?
			    json_string_value(json_object_get(msg, NF_ERROR)) : "refused");
	} else if (!job || job->state != JOB_SENT) {
		/* not ours, or already done: nothing to do */
	} else if (strcmp(type, NF_TYPE_ERROR) == 0) {
		job_refused(rn, job, msg);
	} else if (strcmp(type, NF_TYPE_ACCEPTED) == 0) {
		job_accepted(rn, job, msg);
	} else if (strcmp(type, NF_TYPE_EVENT) == 0) {
		job_event(rn, job, msg);
	} else if (strcmp(type, NF_TYPE_RESULT) == 0) {
		job_result(rn, job, msg);
	} else if (strcmp(type, NF_TYPE_DONE) == 0) {
		job_end(rn, job);
	}
	fflush(stdout);
}

static void runner_read(struct runner *rn)
{
	long n = conn_fill(&rn->conn);
	json_t *msg;
	bool bad = false;

	while (!rn->lost && (msg = conn_next(&rn->conn, &bad))) {
		runner_message(rn, msg);
		json_decref(msg);
	}
	if (rn->lost || (n > 0 && !bad))
		return;
	progress_clear();
	runner_lost(rn, bad ? "netfaultd sent a line that is not JSON" :
		    "netfaultd closed the connection before the results came");
}

/* ---- waiting ------------------------------------------------------------ */

static void progress_update(const struct runner *rn)
{
	char text[256];
	size_t used = 0;
	int64_t now = mono_usec();
	bool single = rn->njobs == 1 && rn->jobs[0].nruns == 1;

	for (size_t j = 0; j < rn->njobs && used < sizeof(text); j++) {
		const struct job *job = &rn->jobs[j];

		for (size_t i = 0; job->state == JOB_SENT && i < job->nruns &&
		     used < sizeof(text); i++) {
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
	struct pollfd pfd = { .fd = rn->conn.fd, .events = POLLIN };

	for (;;) {
		runner_submit(rn);
		if (rn->lost || rn->in_flight == 0)
			break;
		progress_update(rn);
		if (poll(&pfd, 1, progress_on() ? PROGRESS_MS : -1) < 0 && errno != EINTR)
			break;
		if (pfd.revents)
			runner_read(rn);
	}
	if (rn->lost)
		runner_read(rn);     /* a refused peer's reply says why */
	progress_clear();
}

/* ---- the end ------------------------------------------------------------ */

/* The sweep of one file: its runs over every --repeat, as a report, the
 * table printed; the CSV and plot are written from it. 0, or 2 when a
 * file could not be written. */
static int file_report(const struct runner *rn, size_t file, FILE *csv)
{
	const struct ctl_command *cmd = rn->cmd;
	const struct run_record **runs;
	struct sweep_report rep;
	size_t n = 0, total = 0;
	int status = 0;

	for (size_t j = file * cmd->repeat; j < (file + 1) * cmd->repeat; j++)
		total += rn->jobs[j].nruns;
	runs = calloc(total + 1, sizeof(*runs));
	if (!runs)
		return 2;
	for (size_t j = file * cmd->repeat; j < (file + 1) * cmd->repeat; j++) {
		for (size_t i = 0; i < rn->jobs[j].nruns; i++)
			runs[n++] = &rn->jobs[j].runs[i];
	}
	if (n == 0)
		goto out;
	if (sweep_report_build(&rep, runs, n) < 0) {
		status = 2;
		goto out;
	}
	if (n > 1 && !cmd->json)
		sweep_table_print(stdout, &rep, cmd->repeat);
	if (csv && sweep_csv_write(csv, &rep, file == 0) < 0)
		status = 2;
	if (cmd->plot && sweep_plot_write(cmd->plot, &rep) < 0)
		status = 2;
	sweep_report_free(&rep);
out:
	free(runs);
	return status;
}

static int runner_report(const struct runner *rn)
{
	const struct ctl_command *cmd = rn->cmd;
	struct junit_suite *suites = calloc(rn->njobs, sizeof(*suites));
	FILE *csv = NULL;
	int status = 0;

	for (size_t j = 0; j < rn->njobs; j++) {
		const struct job *job = &rn->jobs[j];

		if (job->error || job->nruns == 0)
			status = 2;
		for (size_t i = 0; i < job->nruns && !cmd->detach; i++) {
			int s = run_record_status(&job->runs[i]);

			status = s > status ? s : status;
		}
		if (suites)
			suites[j] = (struct junit_suite){ job->file, job->error, job->errors,
							  job->runs, job->nruns };
	}
	if (cmd->csv && !(csv = fopen(cmd->csv, "w"))) {
		fprintf(stderr, "netfaultctl: --csv %s: %s\n", cmd->csv, strerror(errno));
		status = 2;
	}
	for (size_t f = 0; f < cmd->nfiles && !cmd->detach; f++) {
		int s = file_report(rn, f, csv);

		status = s > status ? s : status;
	}
	if (csv && fclose(csv) != 0) {
		fprintf(stderr, "netfaultctl: --csv %s: %s\n", cmd->csv, strerror(errno));
		status = 2;
	}
	if (cmd->junit && (!suites || junit_write(cmd->junit, suites, rn->njobs) < 0))
		status = 2;
	if (rn->cmd->html && !rn->cmd->detach &&
	    (!suites || report_html_write(rn->cmd->html, suites, rn->njobs) < 0))
		status = 2;
	if (rn->cmd->svg && !rn->cmd->detach &&
	    (!suites || report_svg_write(rn->cmd->svg, suites, rn->njobs) < 0))
		status = 2;
	free(suites);
	return status;
}

static void runner_free(struct runner *rn)
{
	conn_close(&rn->conn);
	for (size_t j = 0; j < rn->njobs; j++) {
		struct job *job = &rn->jobs[j];

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
	struct runner rn = { .cmd = cmd, .njobs = cmd->nfiles * cmd->repeat,
			     .conn = { .fd = -1 } };
	int status = 2;

	rn.jobs = calloc(rn.njobs, sizeof(*rn.jobs));
	if (!rn.jobs)
		return 2;
	/* a file's repeats are next to each other: file_report gathers them */
	for (size_t j = 0; j < rn.njobs; j++)
		rn.jobs[j] = (struct job){ .file = cmd->files[j / cmd->repeat],
					   .state = JOB_WAITING };
	if (conn_open(&rn.conn, socket_path) < 0)
		goto out;       /* no daemon: every file would say the same */
	progress_init(stdout, !cmd->json && !cmd->detach);
	runner_wait(&rn);
	status = runner_report(&rn);
out:
	runner_free(&rn);
	return status;
}
