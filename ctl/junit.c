/*
 * junit.c: JUnit XML (see junit.h).
 *
 * The shape is the one CI servers read: <testsuites> holding one
 * <testsuite> per file with tests/failures/errors counts, each <testcase>
 * with classname (the file), name (the scenario's name, and the sweep cell)
 * and time. Every text goes through xml_text(), which escapes markup and
 * drops the control characters XML 1.0 cannot carry.
 */
#include "ctl/junit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/protocol.h"
#include "ctl/member.h"
#include "ctl/timeline.h"

static void xml_text(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
				fputc(*p, out);
			break;
		}
	}
}

static void junit_testcase(FILE *out, const struct run_record *r)
{
	int status = run_record_status(r);
	const char *reason = member(r->result, "reason");
	char *body = NULL;
	size_t body_len = 0;
	FILE *mem;

	fputs("    <testcase classname=\"", out);
	xml_text(out, r->file);
	fputs("\" name=\"", out);
	xml_text(out, r->name);
	if (r->cell) {
		const char *key;
		json_t *value;

		json_object_foreach(r->cell, key, value) {
			fputs(" ", out);
			xml_text(out, key);
			fputs("=", out);
			xml_text(out, json_string_value(value));
		}
	}
	fprintf(out, "\" time=\"%.3f\"", json_number_value(json_object_get(r->result,
									    "duration")));
	if (status == 0) {
		fputs("/>\n", out);
		return;
	}
	/* the body: the verdicts against the expectations, as the timeline says */
	mem = open_memstream(&body, &body_len);
	if (mem) {
		timeline_result(mem, "", r);
		fclose(mem);
	}
	fprintf(out, ">\n      <%s message=\"", status == 1 ? "failure" : "error");
	xml_text(out, *reason ? reason : r->result ? r->state : "no result");
	fprintf(out, "\" type=\"%s\">", status == 1 ? "expectation" : r->state);
	xml_text(out, body);
	fprintf(out, "</%s>\n    </testcase>\n", status == 1 ? "failure" : "error");
	free(body);
}

static void junit_refused(FILE *out, const struct junit_suite *s)
{
	json_t *line;
	size_t i;

	fputs("    <testcase classname=\"", out);
	xml_text(out, s->file);
	fputs("\" name=\"", out);
	xml_text(out, s->file);
	fputs("\" time=\"0\">\n      <error message=\"", out);
	xml_text(out, s->error);
	fputs("\" type=\"refused\">", out);
	json_array_foreach(s->errors, i, line) {
		xml_text(out, json_string_value(line));
		fputs("\n", out);
	}
	fputs("</error>\n    </testcase>\n", out);
}

static void suite_counts(const struct junit_suite *s, size_t *tests, size_t *failures,
			 size_t *errors, double *seconds)
{
	*tests = s->error ? 1 : s->nruns;
	*failures = 0;
	*errors = s->error ? 1 : 0;
	*seconds = 0;
	for (size_t i = 0; i < s->nruns; i++) {
		int status = run_record_status(&s->runs[i]);

		*failures += status == 1;
		*errors += status == 2;
		*seconds += json_number_value(json_object_get(s->runs[i].result, "duration"));
	}
}

int junit_write(const char *path, const struct junit_suite *suites, size_t n)
{
	size_t all_tests = 0, all_failures = 0, all_errors = 0;
	size_t tests, failures, errors;
	double seconds, all_seconds = 0;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *out;
	int err = 0;

	out = fopen(path, "w");
	if (!out) {
		err = -errno;
		fprintf(stderr, "netfaultctl: --junit %s: %s\n", path, strerror(errno));
		return err;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
	for (size_t i = 0; i < n; i++) {
		suite_counts(&suites[i], &tests, &failures, &errors, &seconds);
		all_tests += tests;
		all_failures += failures;
		all_errors += errors;
		all_seconds += seconds;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"netfault\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"%zu\" time=\"%.3f\">\n", all_tests, all_failures, all_errors,
		all_seconds);
	for (size_t i = 0; i < n; i++) {
		suite_counts(&suites[i], &tests, &failures, &errors, &seconds);
		fputs("  <testsuite name=\"", out);
		xml_text(out, suites[i].file);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
			"skipped=\"0\" time=\"%.3f\" timestamp=\"%s\">\n", tests, failures,
			errors, seconds, stamp);
		if (suites[i].error)
			junit_refused(out, &suites[i]);
		for (size_t r = 0; r < suites[i].nruns; r++)
			junit_testcase(out, &suites[i].runs[r]);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	if (ferror(out))
		err = -EIO;
	if (fclose(out) != 0 && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "netfaultctl: --junit %s: %s\n", path, strerror(-err));
	return err;
}
