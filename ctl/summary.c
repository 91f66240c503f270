/*
 * summary.c: a run's closing lines (see summary.h).
 *
 *   server   sees fin at 1.001s; expected fin after 1s before 1.5s: held
 *            evidence: recv returned 0 (FIN from 10.0.0.1:40312)
 *   nginx    sees fin at 1.000s; expected fin after 1s before 1.5s: held
 *            evidence: FIN from 10.0.0.1:40312
 *   client   sees rst from server at 1.002s; expected rst: held
 *            evidence: TCP_INFO state CLOSE, ...; RST from server 10.0.0.1
 *            output, last 1 line:
 *              stderr: ... writev() failed (32: Broken pipe) ...
 *   network faults: delay, loss and rate by netem
 *   middlebox gw: conntrack entries 1 created, 1 expired, 0 forgotten
 */
#include "ctl/summary.h"

#include <string.h>

#include "common/protocol.h"
#include "ctl/member.h"
#include "ctl/wire.h"

#define INDENT (2 + SUMMARY_WHO_WIDTH + 1)

/* Seconds as the scenario writes them: 3s, 1.5s, 0.25s. */
static const char *secs_text(const json_t *value, char *buf, size_t len)
{
	snprintf(buf, len, "%gs", json_number_value(value));
	return buf;
}

static void app_expect(FILE *out, const json_t *app)
{
	const json_t *expect = json_object_get(app, "expect");
	char buf[32];

	if (!json_is_object(expect))
		return;
	fprintf(out, "; expected %s", member(expect, "sees"));
	if (json_is_number(json_object_get(expect, "after")))
		fprintf(out, " after %s", secs_text(json_object_get(expect, "after"),
						    buf, sizeof(buf)));
	if (json_is_number(json_object_get(expect, "before")))
		fprintf(out, " before %s", secs_text(json_object_get(expect, "before"),
						     buf, sizeof(buf)));
	fprintf(out, ": %s", json_is_true(json_object_get(app, "expect_ok")) ?
		"held" : "NOT HELD");
}

/* "theory: timeout at 5.090s (measured 5.079s): keepalive: ..." or
 * "theory: does not apply: why" (theory/theory.h) */
static void app_theory(FILE *out, const char *prefix, const json_t *app)
{
	const json_t *theory = json_object_get(app, "theory"), *t = json_object_get(app, "t");
	const json_t *tt = json_object_get(theory, "t");

	if (!json_is_object(theory))
		return;
	fprintf(out, "%s%*stheory: ", prefix, INDENT, "");
	if (!json_is_string(json_object_get(theory, "verdict")))
		fprintf(out, "does not apply");
	else if (json_is_number(tt))
		fprintf(out, "%s at %.3fs", member(theory, "verdict"), json_number_value(tt));
	else
		fprintf(out, "%s", member(theory, "verdict"));
	if (json_is_number(tt) && json_is_number(t))
		fprintf(out, " (measured %.3fs, %+.3fs)", json_number_value(t),
			json_number_value(t) - json_number_value(tt));
	fprintf(out, ": %s\n", member(theory, "why"));
}

/* "views disagree: app fin, wire rst, kernel none" */
static void app_views(FILE *out, const char *prefix, const json_t *app)
{
	static const char *const names[] = { "app", "wire", "kernel" };
	const json_t *views = json_object_get(app, "views");

	if (!json_is_false(json_object_get(app, "agree")) || !json_is_object(views))
		return;
	fprintf(out, "%s%*sviews disagree:", prefix, INDENT, "");
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const json_t *v = json_object_get(views, names[k]);

		fprintf(out, "%s %s %s", k ? "," : "", names[k],
			json_is_object(v) ? member(v, "verdict") : "(no connection)");
	}
	fputc('\n', out);
}

static void app_output(FILE *out, const char *prefix, const json_t *app)
{
	const json_t *tail = json_object_get(app, "output_tail");
	size_t n = json_array_size(tail);
	size_t first = n > SUMMARY_OUTPUT_LINES ? n - SUMMARY_OUTPUT_LINES : 0;

	if (!json_is_array(tail))
		return;
	if (n == 0) {
		fprintf(out, "%s%*sno output\n", prefix, INDENT, "");
		return;
	}
	fprintf(out, "%s%*soutput, last %zu line%s:\n", prefix, INDENT, "", n - first,
		n - first == 1 ? "" : "s");
	for (size_t i = first; i < n; i++) {
		const json_t *line = json_array_get(tail, i);

		fprintf(out, "%s%*s  %s: ", prefix, INDENT, "", member(line, "stream"));
		wire_text(out, member(line, "line"));
		fputc('\n', out);
	}
}

void summary_app(FILE *out, const char *prefix, const json_t *app)
{
	const json_t *t = json_object_get(app, "t");
	const char *evidence = member(app, "evidence");
	json_t *step;
	size_t i;

	const char *from = member(app, "from");

	fprintf(out, "%s  %-*s sees %s%s%s", prefix, SUMMARY_WHO_WIDTH, member(app, "app"),
		member(app, "verdict"), *from ? " from " : "", from);
	if (json_is_number(t))
		fprintf(out, " at %.3fs", json_number_value(t));
	app_expect(out, app);
	fputc('\n', out);
	if (*evidence)
		fprintf(out, "%s%*sevidence: %s\n", prefix, INDENT, "", evidence);
	app_theory(out, prefix, app);
	app_views(out, prefix, app);
	app_output(out, prefix, app);
	json_array_foreach(json_object_get(app, "steps_failed"), i, step)
		fprintf(out, "%s  %-*s step %lld %s: %s; expected %s: NOT HELD\n", prefix,
			SUMMARY_WHO_WIDTH, member(app, "app"),
			(long long)json_integer_value(json_object_get(step, "index")),
			member(step, "step"), member(step, "result"), member(step, "expect"));
}

static void capture_trouble(FILE *out, const char *prefix, const json_t *cap)
{
	/* without a file, no packet is written: that is no trouble */
	long long unwritten = json_is_string(json_object_get(cap, "file")) ?
		(long long)json_integer_value(json_object_get(cap, "not_written")) : 0;
	long long dropped = (long long)json_integer_value(json_object_get(cap, "kernel_dropped"));
	const char *error = member(cap, "error");

	if (!*error && unwritten == 0 && dropped == 0)
		return;
	fprintf(out, "%s  capture on %s (boot %lld):", prefix, member(cap, "host"),
		(long long)json_integer_value(json_object_get(cap, "boot")));
	if (*error)
		fprintf(out, " %s", error);
	if (unwritten)
		fprintf(out, " %lld packets not written", unwritten);
	if (dropped)
		fprintf(out, " %lld packets dropped by the kernel", dropped);
	fputc('\n', out);
}

void summary_run(FILE *out, const char *prefix, const json_t *result)
{
	const json_t *cap;
	size_t i;

	if (json_is_string(json_object_get(result, "impair_engine")))
		fprintf(out, "%s  network faults: delay, loss and rate by %s\n", prefix,
			member(result, "impair_engine"));
	json_array_foreach(json_object_get(result, "captures"), i, cap)
		capture_trouble(out, prefix, cap);
	json_array_foreach(json_object_get(result, "middleboxes"), i, cap)
		fprintf(out, "%s  middlebox %s: conntrack entries %lld created, %lld expired, "
			"%lld forgotten%s\n", prefix, member(cap, "host"),
			(long long)json_integer_value(json_object_get(cap, "created")),
			(long long)json_integer_value(json_object_get(cap, "expired")),
			(long long)json_integer_value(json_object_get(cap, "forgotten")),
			json_is_true(json_object_get(cap, "events_lost"))
			? " (events lost: at least)" : "");
}

void summary_pcap(FILE *out, const char *prefix, const json_t *result)
{
	const char *dir = member(result, NF_PCAP_DIR);
	const json_t *cap;
	size_t i, n = 0;

	if (!*dir)
		return;
	fprintf(out, "%spcap files in %s:", prefix, dir);
	json_array_foreach(json_object_get(result, "captures"), i, cap) {
		const char *file = member(cap, "file");
		const char *base = strrchr(file, '/');

		if (!*file)
			continue;
		fprintf(out, " %s", base ? base + 1 : file);
		n++;
	}
	fputs(n ? "\n" : " none\n", out);
}
