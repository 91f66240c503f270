/*
 * queries.c: list, show, cancel and status (see queries.h). The daemon's
 * reply is printed as a table or a few lines; with --json, as it came.
 */
#include "ctl/queries.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/protocol.h"
#include "ctl/client.h"
#include "ctl/member.h"
#include "ctl/report.h"
#include "ctl/runrec.h"
#include "ctl/timeline.h"

/* "2025-01-02T10:11:12Z" as local "01-02 11:11:12"; "-" when null. */
static const char *local_time(const json_t *iso, char *buf, size_t len)
{
	struct tm tm = { 0 };
	time_t t;

	if (!json_is_string(iso) ||
	    !strptime(json_string_value(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return "-";
	t = timegm(&tm);
	strftime(buf, len, "%m-%d %H:%M:%S", localtime_r(&t, &tm));
	return buf;
}

static void print_list(const json_t *reply)
{
	json_t *run;
	size_t i;
	char when[32];

	printf("%5s  %-10s  %-14s  %-24s  %s\n", "RUN", "STATE", "SUBMITTED", "FILE", "NAME");
	json_array_foreach(json_object_get(reply, NF_RUNS), i, run)
		printf("%5lld  %-10s  %-14s  %-24s  %s\n",
		       (long long)json_integer_value(json_object_get(run, NF_RUN)),
		       member(run, NF_STATE), local_time(json_object_get(run, "submitted"),
							 when, sizeof(when)),
		       member(run, NF_FILE), member(run, NF_NAME));
}

/* show --html / --svg: the run as the reply has it. 0, or 2 after
 * saying why. */
static int write_show_reports(const json_t *reply, const struct ctl_command *cmd)
{
	struct run_record r;
	struct junit_suite file;
	int status = 0;

	if (run_record_init(&r, member(reply, NF_FILE), reply) < 0)
		return 2;
	json_array_extend(r.events, json_object_get(reply, NF_EVENTS));
	if (json_is_object(json_object_get(reply, NF_RESULT)))
		r.result = json_incref(json_object_get(reply, NF_RESULT));
	file = (struct junit_suite){ .file = r.file, .runs = &r, .nruns = 1 };
	if (cmd->html && report_html_write(cmd->html, &file, 1) < 0)
		status = 2;
	if (cmd->svg && report_svg_write(cmd->svg, &file, 1) < 0)
		status = 2;
	run_record_free(&r);
	return status;
}

static void print_show(const json_t *reply, bool wire)
{
	struct run_record r;
	json_t *event;
	size_t i;

	if (run_record_init(&r, member(reply, NF_FILE), reply) < 0)
		return;
	timeline_header(stdout, "", &r);
	json_array_foreach(json_object_get(reply, NF_EVENTS), i, event)
		timeline_event(stdout, "", event, wire);
	if (json_integer_value(json_object_get(reply, "events_dropped")) > 0)
		printf("(%lld more events were not kept)\n", (long long)json_integer_value(
			json_object_get(reply, "events_dropped")));
	if (json_is_object(json_object_get(reply, NF_RESULT))) {
		r.result = json_incref(json_object_get(reply, NF_RESULT));
		timeline_result(stdout, "", &r);
	} else {
		printf("run %u is %s\n", r.id, r.state);
	}
	run_record_free(&r);
}

/* BYTES as "512 B", "27.2 KiB", "64.0 MiB". */
static const char *size_text(const json_t *bytes, char *buf, size_t len)
{
	double n = (double)json_integer_value(bytes);

	if (n < 1024)
		snprintf(buf, len, "%.0f B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", n / 1024);
	else
		snprintf(buf, len, "%.1f MiB", n / (1024 * 1024));
	return buf;
}

static void print_status(const json_t *reply)
{
	json_t *limits = json_object_get(reply, "limits");
	json_t *history = json_object_get(reply, "history");
	char used[32], budget[32], share[32], rss[32];
	json_int_t up = json_integer_value(json_object_get(reply, "uptime"));

	printf("netfaultd %s (protocol %lld), pid %lld, up %lldh%02lldm%02llds\n",
	       member(reply, "version"),
	       (long long)json_integer_value(json_object_get(reply, "protocol")),
	       (long long)json_integer_value(json_object_get(reply, "pid")),
	       (long long)(up / 3600), (long long)(up / 60 % 60), (long long)(up % 60));
	printf("socket %s, group %s\n", member(reply, "socket"),
	       json_is_string(json_object_get(reply, "group")) ?
	       member(reply, "group") : "(root only)");
	printf("runs: %lld running (at most %lld at once), %lld queued (at most %lld), "
	       "%lld finished kept\n",
	       (long long)json_integer_value(json_object_get(reply, "running")),
	       (long long)json_integer_value(json_object_get(limits, "parallel")),
	       (long long)json_integer_value(json_object_get(reply, "queued")),
	       (long long)json_integer_value(json_object_get(limits, "queue")),
	       (long long)json_integer_value(json_object_get(reply, "finished")));
	printf("clients: %lld (at most %lld)\n",
	       (long long)json_integer_value(json_object_get(reply, "clients")),
	       (long long)json_integer_value(json_object_get(limits, "clients")));
	printf("memory: history %lld runs in %s of %s (at most %s per running run), rss %s\n",
	       (long long)json_integer_value(json_object_get(history, "runs")),
	       size_text(json_object_get(history, "bytes"), used, sizeof(used)),
	       size_text(json_object_get(history, "budget"), budget, sizeof(budget)),
	       size_text(json_object_get(history, "run_share"), share, sizeof(share)),
	       size_text(json_object_get(reply, "rss"), rss, sizeof(rss)));
}

static json_t *query_request(const struct ctl_command *cmd)
{
	switch (cmd->action) {
	case CTL_LIST:
		return json_pack("{s:s}", NF_OP, NF_OP_LIST);
	case CTL_SHOW:
		return json_pack("{s:s, s:I}", NF_OP, NF_OP_SHOW, NF_RUN, (json_int_t)cmd->run_id);
	case CTL_CANCEL:
		return json_pack("{s:s, s:I}", NF_OP, NF_OP_CANCEL, NF_RUN,
				 (json_int_t)cmd->run_id);
	case CTL_STATUS:
		return json_pack("{s:s}", NF_OP, NF_OP_STATUS);
	default:
		return NULL;
	}
}

int query_command(const char *socket_path, const struct ctl_command *cmd)
{
	struct ctl_conn conn;
	json_t *reply;
	int status = 2;

	if (conn_open(&conn, socket_path) < 0)
		return 2;
	reply = conn_request(&conn, query_request(cmd));
	if (!reply)
		goto out;
	if (!json_is_true(json_object_get(reply, NF_OK))) {
		reply_print_error(reply, NULL);
		goto out;
	}
	status = 0;
	if (cmd->json) {
		json_object_del(reply, NF_TYPE);
		json_object_del(reply, NF_OK);
		json_dumpf(reply, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (cmd->action == CTL_LIST) {
		print_list(reply);
	} else if (cmd->action == CTL_SHOW) {
		print_show(reply, cmd->wire);
		if (cmd->html || cmd->svg)
			status = write_show_reports(reply, cmd);
	} else if (cmd->action == CTL_CANCEL) {
		printf("run %u: %s\n", cmd->run_id, member(reply, NF_STATE));
	} else {
		print_status(reply);
	}
out:
	json_decref(reply);
	conn_close(&conn);
	return status;
}
