/*
 * report_html.c: the HTML report and the SVG file (see report.h).
 *
 * Written with libxml2's xmlTextWriter (xmlout.h), which escapes every
 * text and attribute: the page is well-formed XML as well as HTML (every
 * element closed, none left empty as "<x/>" but the SVG's), so a test
 * can read it with any XML parser. The styles are inline; there is no
 * script, and nothing is fetched when it is viewed.
 */
#include "ctl/report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"
#include "ctl/ladder.h"
#include "ctl/member.h"
#include "ctl/report_sweep.h"
#include "ctl/xmlout.h"

static const char page_style[] =
	"body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px;color:#1f2328}"
	"h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px}"
	"table{border-collapse:collapse;margin:8px 0;font-size:13px}"
	"th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}"
	"th{background:#f6f8fa}"
	".pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}"
	".meta{color:#57606a;font-size:13px}"
	".view{font-size:12px;color:#444}"
	".ladder-box{overflow-x:auto;border:1px solid #d0d7de;padding:4px}"
	"pre{background:#f6f8fa;padding:8px;font-size:12px;overflow-x:auto}";

static const char *state_class(const struct run_record *r)
{
	return run_record_status(r) == 0 ? "pass" : "fail";
}

static const char *state_word(const struct run_record *r)
{
	if (!r->result)
		return "ERROR";
	return strcmp(r->state, NF_STATE_PASSED) == 0 ? "PASS" :
	       strcmp(r->state, NF_STATE_FAILED) == 0 ? "FAIL" : r->state;
}

/* "rst, after 1s, before 1.5s" */
static void expect_text(const json_t *expect, char *buf, size_t len)
{
	const json_t *after = json_object_get(expect, "after"),
		     *before = json_object_get(expect, "before");
	size_t used = (size_t)snprintf(buf, len, "%s",
				       *member(expect, "sees") ? member(expect, "sees") : "-");

	if (json_is_number(after) && used < len)
		used += (size_t)snprintf(buf + used, len - used, ", after %gs",
					 json_number_value(after));
	if (json_is_number(before) && used < len)
		snprintf(buf + used, len - used, ", before %gs", json_number_value(before));
}

static void td_time(xmlTextWriterPtr w, const json_t *t)
{
	xo_open(w, "td", NULL);
	if (json_is_number(t))
		xo_textf(w, "%.3f s", json_number_value(t));
	else
		xo_text(w, "-");
	xo_close(w);
}

/* One view's cell: "rst at 1.001s: RST from client 10.0.0.2". */
static void td_view(xmlTextWriterPtr w, const char *name, const json_t *view)
{
	xo_open(w, "td", "class", "view", "data-view", name, NULL);
	if (!json_is_object(view)) {
		xo_text(w, "-");
	} else {
		xo_text_element(w, "b", member(view, "verdict"), NULL);
		if (json_is_number(json_object_get(view, "t")))
			xo_textf(w, " at %.3f s", json_number_value(json_object_get(view, "t")));
		xo_textf(w, ": %s", member(view, "evidence"));
	}
	xo_close(w);
}

/* The theory's cell: "timeout at 5.420 s (measured 5.419 s, -0.001 s):
 * why", or "does not apply: why" (theory/theory.h). */
static void td_theory(xmlTextWriterPtr w, const json_t *app)
{
	const json_t *theory = json_object_get(app, "theory");
	const json_t *tt = json_object_get(theory, "t"), *t = json_object_get(app, "t");

	xo_open(w, "td", "class", "view", "data-view", "theory", NULL);
	if (!json_is_object(theory)) {
		xo_text(w, "-");
	} else if (!json_is_string(json_object_get(theory, "verdict"))) {
		xo_textf(w, "does not apply: %s", member(theory, "why"));
	} else {
		xo_text_element(w, "b", member(theory, "verdict"), NULL);
		if (json_is_number(tt))
			xo_textf(w, " at %.3f s", json_number_value(tt));
		if (json_is_number(tt) && json_is_number(t))
			xo_textf(w, " (measured %.3f s, %+.3f s)", json_number_value(t),
				 json_number_value(t) - json_number_value(tt));
		xo_textf(w, ": %s", member(theory, "why"));
	}
	xo_close(w);
}

static bool any_theory(const json_t *apps)
{
	const json_t *a;
	size_t i;

	json_array_foreach(apps, i, a)
		if (json_is_object(json_object_get(a, "theory")))
			return true;
	return false;
}

static void verdict_table(xmlTextWriterPtr w, const json_t *result)
{
	static const char *const heads[] = {
		"app", "host", "expected", "verdict", "at", "from", "held", "app view",
		"wire view", "kernel view",
	};
	const json_t *apps = json_object_get(result, "apps"), *a;
	bool theory = any_theory(apps);
	char text[160];
	size_t i;

	xo_open(w, "table", "class", "verdicts", NULL);
	xo_open(w, "tr", NULL);
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		xo_text_element(w, "th", heads[i], NULL);
	if (theory)
		xo_text_element(w, "th", "theory", NULL);
	xo_close(w);
	json_array_foreach(apps, i, a) {
		const json_t *views = json_object_get(a, "views");
		bool held = json_is_true(json_object_get(a, "expect_ok"));

		xo_open(w, "tr", "class", "app", "data-app", member(a, "app"), NULL);
		xo_text_element(w, "td", member(a, "app"), NULL);
		xo_text_element(w, "td", member(a, "host"), NULL);
		expect_text(json_object_get(a, "expect"), text, sizeof(text));
		xo_text_element(w, "td", text, NULL);
		xo_text_element(w, "td", member(a, "verdict"), "class", "verdict", NULL);
		td_time(w, json_object_get(a, "t"));
		xo_text_element(w, "td", *member(a, "from") ? member(a, "from") : "-", NULL);
		xo_text_element(w, "td", held ? "yes" : "no", "class", held ? "pass" : "fail", NULL);
		td_view(w, "app", json_object_get(views, "app"));
		td_view(w, "wire", json_object_get(views, "wire"));
		td_view(w, "kernel", json_object_get(views, "kernel"));
		if (theory)
			td_theory(w, a);
		xo_close(w);
	}
	xo_close(w);
}

/* Warnings and the last lines of cmd apps' output, where there are any. */
static void run_notes(xmlTextWriterPtr w, const struct run_record *r)
{
	const json_t *ev, *a;
	size_t i, warnings = 0;

	json_array_foreach(r->events, i, ev) {
		if (strcmp(member(ev, "event"), "warning") != 0)
			continue;
		if (warnings++ == 0)
			xo_open(w, "ul", "class", "warnings", NULL);
		xo_text_element(w, "li", member(ev, "message"), NULL);
	}
	if (warnings)
		xo_close(w);
	json_array_foreach(json_object_get(r->result, "apps"), i, a) {
		const json_t *tail = json_object_get(a, "output_tail"), *line;
		size_t j;

		if (!json_array_size(tail))
			continue;
		xo_open(w, "h3", NULL);
		xo_textf(w, "%s: the last lines of its output", member(a, "app"));
		xo_close(w);
		xo_open(w, "pre", "class", "output", NULL);
		json_array_foreach(tail, j, line)
			xo_textf(w, "%s\n", json_is_string(line) ? json_string_value(line) :
				 member(line, "line"));
		xo_close(w);
	}
}

static int run_section(xmlTextWriterPtr w, const struct run_record *r)
{
	struct ladder l;
	char id[32], title[512];

	snprintf(id, sizeof(id), "run-%u", r->id);
	xo_open(w, "section", "class", "run", "id", id, "data-state", r->state, NULL);
	xo_open(w, "h2", NULL);
	xo_text_element(w, "span", state_word(r), "class", state_class(r), NULL);
	xo_textf(w, " %s", r->name);
	xo_close(w);
	xo_open(w, "p", "class", "meta", NULL);
	xo_textf(w, "file %s, run %u", r->file, r->id);
	if (r->result)
		xo_textf(w, ", %.3f s", json_number_value(json_object_get(r->result, "duration")));
	if (*member(r->result, "reason"))
		xo_textf(w, "; %s", member(r->result, "reason"));
	if (*member(r->result, "error"))
		xo_textf(w, "; error: %s", member(r->result, "error"));
	xo_close(w);
	if (r->result)
		verdict_table(w, r->result);
	if (ladder_build(&l, r->events, r->result) < 0)
		return -ENOMEM;
	xo_open(w, "h3", NULL);
	xo_textf(w, "Ladder: %zu hosts, %zu packets captured as %zu arrows", l.nlanes, l.packets,
		 l.narrows);
	xo_close(w);
	xo_open(w, "div", "class", "ladder-box", NULL);
	snprintf(title, sizeof(title), "%s (%s, run %u)", r->name, r->file, r->id);
	snprintf(id, sizeof(id), "ladder-%u", r->id);
	ladder_svg_write(w, &l, title, id);
	xo_close(w);
	ladder_free(&l);
	run_notes(w, r);
	xo_close(w);
	return 0;
}

static void refused_section(xmlTextWriterPtr w, const struct junit_suite *f)
{
	const json_t *line;
	size_t i;

	xo_open(w, "section", "class", "refused", NULL);
	xo_open(w, "h2", NULL);
	xo_text_element(w, "span", "ERROR", "class", "fail", NULL);
	xo_textf(w, " %s: %s", f->file, f->error);
	xo_close(w);
	if (json_array_size(f->errors)) {
		xo_open(w, "pre", NULL);
		json_array_foreach(f->errors, i, line)
			xo_textf(w, "%s\n", json_string_value(line) ? json_string_value(line) : "");
		xo_close(w);
	}
	xo_close(w);
}

/* A writer on PATH, opened here so that an error names the file and the
 * reason; *FP is closed by writer_close. NULL after saying why. */
static xmlTextWriterPtr writer_open(const char *path, FILE **fp)
{
	xmlOutputBufferPtr buf;
	xmlTextWriterPtr w = NULL;

	*fp = fopen(path, "w");
	if (!*fp) {
		fprintf(stderr, "netfaultctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = xmlOutputBufferCreateFile(*fp, NULL);
	if (buf)
		w = xmlNewTextWriter(buf);   /* owns BUF from here */
	if (!w) {
		fprintf(stderr, "netfaultctl: %s: out of memory\n", path);
		fclose(*fp);
		return NULL;
	}
	xmlTextWriterSetIndent(w, 1);
	return w;
}

/* Ends W's document, frees it and closes FP; 0, or -errno after saying
 * so. */
static int writer_close(xmlTextWriterPtr w, FILE *fp, const char *path, int err)
{
	bool bad;

	if (xmlTextWriterEndDocument(w) < 0 && !err)
		err = -EIO;
	xmlFreeTextWriter(w);
	bad = ferror(fp) != 0;

	errno = 0;
	bad |= fclose(fp) != 0;
	if (bad && !err)
		err = errno ? -errno : -EIO;
	if (err)
		fprintf(stderr, "netfaultctl: %s: %s\n", path,
			err == -ENOMEM ? "out of memory" : strerror(-err));
	return err;
}

int report_html_write(const char *path, const struct junit_suite *files, size_t n)
{
	FILE *fp;
	xmlTextWriterPtr w = writer_open(path, &fp);
	size_t runs = 0, passed = 0;
	int err = 0;

	if (!w)
		return -EIO;
	for (size_t f = 0; f < n; f++)
		for (size_t i = 0; i < files[f].nruns; i++, runs++)
			passed += run_record_status(&files[f].runs[i]) == 0;
	xmlTextWriterWriteDTD(w, (const xmlChar *)"html", NULL, NULL, NULL);
	xo_open(w, "html", "xmlns", "http://www.w3.org/1999/xhtml", "lang", "en", NULL);
	xo_open(w, "head", NULL);
	xo_open(w, "meta", "charset", "utf-8", NULL);
	xmlTextWriterEndElement(w);
	xo_open(w, "title", NULL);
	xo_textf(w, "netfault: %s", n == 1 && files[0].nruns == 1 ? files[0].runs[0].name :
		 "report");
	xo_close(w);
	xo_text_element(w, "style", page_style, NULL);
	xo_close(w);
	xo_open(w, "body", NULL);
	xo_open(w, "h1", NULL);
	xo_textf(w, "netfault report: %zu of %zu runs passed", passed, runs);
	xo_close(w);
	for (size_t f = 0; f < n && !err; f++) {
		if (files[f].error)
			refused_section(w, &files[f]);
		if (files[f].nruns > 1)
			err = report_sweep_write(w, files[f].runs, files[f].nruns);
		for (size_t i = 0; i < files[f].nruns && !err; i++)
			err = run_section(w, &files[f].runs[i]);
	}
	xo_open(w, "p", "class", "meta", NULL);
	xo_textf(w, "netfaultctl %s", NETFAULT_VERSION);
	xo_close(w);
	xo_close(w);
	xo_close(w);
	return writer_close(w, fp, path, err);
}

int report_svg_write(const char *path, const struct junit_suite *files, size_t n)
{
	FILE *fp;
	xmlTextWriterPtr w = writer_open(path, &fp);
	struct ladder *ls = NULL;
	size_t runs = 0, k = 0;
	double y = 0, width = 0;
	int err = 0;

	if (!w)
		return -EIO;
	for (size_t f = 0; f < n; f++)
		runs += files[f].nruns;
	ls = calloc(runs + 1, sizeof(*ls));
	if (!ls)
		err = -ENOMEM;
	for (size_t f = 0; f < n && !err; f++)
		for (size_t i = 0; i < files[f].nruns && !err; i++, k++)
			err = ladder_build(&ls[k], files[f].runs[i].events, files[f].runs[i].result);
	xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
	if (!err && runs == 1) {
		ladder_svg_write(w, &ls[0], files[0].runs[0].name, "ladder");
	} else if (!err) {
		/* several runs: their ladders one below the other */
		for (k = 0; k < runs; k++) {
			width = ladder_svg_width(&ls[k]) > width ? ladder_svg_width(&ls[k]) : width;
			y += ladder_svg_height(&ls[k]);
		}
		xo_open(w, "svg", "xmlns", "http://www.w3.org/2000/svg", NULL);
		xo_num(w, "width", width);
		xo_num(w, "height", y);
		y = 0;
		k = 0;
		for (size_t f = 0; f < n; f++) {
			for (size_t i = 0; i < files[f].nruns; i++, k++) {
				char id[32];

				snprintf(id, sizeof(id), "ladder-%u", files[f].runs[i].id);
				xo_open(w, "g", NULL);
				xo_attrf(w, "transform", "translate(0 %.1f)", y);
				ladder_svg_write(w, &ls[k], files[f].runs[i].name, id);
				xo_close(w);
				y += ladder_svg_height(&ls[k]);
			}
		}
		xo_close(w);
	}
	for (k = 0; ls && k < runs; k++)
		ladder_free(&ls[k]);
	free(ls);
	return writer_close(w, fp, path, err);
}
