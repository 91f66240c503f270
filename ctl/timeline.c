/*
 * timeline.c: a run as text (see timeline.h).
 *
 * Each event kind of the engine's schema (engine/engine.h) has a
 * formatter below that writes the text after the time and the "who" column;
 * a kind this file does not know is still shown, by name. The watchers'
 * kinds (packet, socket, output) are wire.c's, the closing lines
 * summary.c's. Nothing here decides anything: pass or fail is the daemon's
 * state of the run.
 */
#include "ctl/timeline.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"
#include "ctl/member.h"
#include "ctl/summary.h"
#include "ctl/wire.h"

#define WHO_WIDTH SUMMARY_WHO_WIDTH

/* " key=value" for the members of EVENT not in SKIP (NULL-terminated). */
static void print_details(FILE *out, json_t *event, const char *const *skip)
{
	const char *key;
	json_t *value;

	json_object_foreach(event, key, value) {
		bool skipped = false;
		char *text;

		for (const char *const *s = skip; *s && !skipped; s++)
			skipped = strcmp(*s, key) == 0;
		if (skipped || json_is_null(value))
			continue;
		if (json_is_string(value)) {
			fprintf(out, " %s=%s", key, json_string_value(value));
			continue;
		}
		text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(out, " %s=%s", key, text ? text : "?");
		free(text);
	}
}

static void event_topology(FILE *out, json_t *ev)
{
	json_t *hosts = json_object_get(ev, "hosts"), *host;
	size_t i;

	fprintf(out, "topology, run %lld:", (long long)json_integer_value(
		json_object_get(ev, "run")));
	json_array_foreach(hosts, i, host)
		fprintf(out, "%s %s %s %s", i ? "," : "", member(host, "name"),
			member(host, "addr"), member(host, "addr6"));
}

static void event_app(FILE *out, json_t *ev)
{
	const char *state = member(ev, "state");
	json_t *port = json_object_get(ev, "port");
	json_t *status = json_object_get(ev, "status");

	fputs(state, out);
	if (port)
		fprintf(out, " on port %lld", (long long)json_integer_value(port));
	if (status)
		fprintf(out, " with status %lld", (long long)json_integer_value(status));
	if (json_object_get(ev, "pid"))
		fprintf(out, " (pid %lld)", (long long)json_integer_value(
			json_object_get(ev, "pid")));
}

static void expect_text(FILE *out, const json_t *expect, const json_t *held)
{
	if (!expect || json_is_null(expect))
		return;
	fprintf(out, " (expected %s: %s)", json_string_value(expect),
		json_is_true(held) ? "held" : "NOT HELD");
}

static void event_step(FILE *out, json_t *ev)
{
	const char *arg = member(ev, "arg");

	fprintf(out, "step %lld %s%s%s: %s", (long long)json_integer_value(
		json_object_get(ev, "index")), member(ev, "step"), *arg ? " " : "", arg,
		member(ev, "result"));
	if (json_integer_value(json_object_get(ev, "bytes")) > 0)
		fprintf(out, ", %lld bytes", (long long)json_integer_value(
			json_object_get(ev, "bytes")));
	expect_text(out, json_object_get(ev, "expect"), json_object_get(ev, "expect_ok"));
}

static void event_connection(FILE *out, json_t *ev)
{
	fprintf(out, "connected %s -> %s", member(ev, "local"), member(ev, "remote"));
}

static void event_fault(FILE *out, json_t *ev)
{
	static const char *const known[] = { "event", "t", "fault", "host", "app",
					     "phase", NULL };

	fprintf(out, "fault %s%s", member(ev, "fault"),
		strcmp(member(ev, "phase"), "end") == 0 ? " ends" : "");
	print_details(out, ev, known);
}

static void event_verdict(FILE *out, json_t *ev)
{
	const char *evidence = member(ev, "evidence");
	const char *from = member(ev, "from");

	fprintf(out, "sees %s%s%s%s%s", member(ev, "verdict"), *from ? " from " : "", from,
		*evidence ? ": " : "", evidence);
}

static void event_ending(FILE *out, json_t *ev)
{
	const char *evidence = member(ev, "evidence");

	fprintf(out, "connection ends: %s%s%s", member(ev, "verdict"),
		*evidence ? ": " : "", evidence);
}

static void event_warning(FILE *out, json_t *ev)
{
	fprintf(out, "warning: %s", member(ev, "message"));
}

static void event_end(FILE *out, json_t *ev)
{
	fprintf(out, "end: %s", member(ev, "reason"));
}

static void event_t0(FILE *out, json_t *ev)
{
	fputs("t0", out);
}

static const struct {
	const char *kind;
	void (*print)(FILE *out, json_t *event);
} event_printers[] = {
	{ "topology", event_topology },
	{ "app", event_app },
	{ "t0", event_t0 },
	{ "step", event_step },
	{ "connection", event_connection },
	{ "fault", event_fault },
	{ "ending", event_ending },
	{ "verdict", event_verdict },
	{ "warning", event_warning },
	{ "end", event_end },
	{ "packet", wire_packet },
	{ "socket", wire_socket },
	{ "output", wire_output },
};

void timeline_header(FILE *out, const char *prefix, const struct run_record *r)
{
	fprintf(out, "%srun %u: %s: %s (%gs)", prefix, r->id, r->file, r->name,
		r->duration);
	if (r->cell) {
		const char *key;
		json_t *value;

		fputs(" with", out);
		json_object_foreach(r->cell, key, value)
			fprintf(out, " %s=%s", key, json_string_value(value));
	}
	fputc('\n', out);
}

void timeline_event(FILE *out, const char *prefix, json_t *event, bool wire)
{
	static const char *const unknown_skip[] = { "event", "t", "app", "host", NULL };
	const char *kind = member(event, "event");
	const char *who = member(event, "app");
	double t = json_number_value(json_object_get(event, "t"));

	if (!wire && wire_only_kind(kind))
		return;
	/* packets and sockets are a host's, whichever app they belong to */
	if (!*who || wire_only_kind(kind))
		who = member(event, "host");
	if (t < 0 && t > -0.0005)
		t = 0;             /* not "-0.000s" */
	fprintf(out, "%s%8.3fs  %-*s ", prefix, t, WHO_WIDTH, *who ? who : "-");
	for (size_t i = 0; i < sizeof(event_printers) / sizeof(event_printers[0]); i++) {
		if (strcmp(kind, event_printers[i].kind) == 0) {
			event_printers[i].print(out, event);
			fputc('\n', out);
			return;
		}
	}
	fputs(kind, out);
	print_details(out, event, unknown_skip);
	fputc('\n', out);
}

void timeline_verdict_line(FILE *out, const char *prefix, const struct run_record *r)
{
	const char *reason = member(r->result, "reason");
	const char *word;

	if (!r->result)
		word = "ERROR";
	else if (strcmp(r->state, NF_STATE_PASSED) == 0)
		word = "PASS";
	else if (strcmp(r->state, NF_STATE_FAILED) == 0)
		word = "FAIL";
	else if (strcmp(r->state, NF_STATE_CANCELLED) == 0)
		word = "CANCELLED";
	else
		word = "ERROR";
	fprintf(out, "%s%-5s %s  %s%s%s\n", prefix, word, r->file, r->name,
		*reason ? ": " : "", reason);
	summary_pcap(out, prefix, r->result);
}

void timeline_result(FILE *out, const char *prefix, const struct run_record *r)
{
	json_t *app;
	size_t i;

	json_array_foreach(json_object_get(r->result, "apps"), i, app)
		summary_app(out, prefix, app);
	summary_run(out, prefix, r->result);
	timeline_verdict_line(out, prefix, r);
}
