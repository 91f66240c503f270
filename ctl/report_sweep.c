/*
 * report_sweep.c: a sweep's table and plot in the HTML report (see
 * report_sweep.h). The plot is --plot's (sweepplot.c, drawn with cairo),
 * as a PNG inside the page (a data: URI, base64 by libxml2's writer).
 */
#include "ctl/report_sweep.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"
#include "ctl/member.h"
#include "ctl/sweepplot.h"
#include "ctl/sweepstat.h"
#include "ctl/xmlout.h"

static void sweep_table(xmlTextWriterPtr w, const struct run_record *runs, size_t n,
			const json_t *apps)
{
	const char *key;
	json_t *value, *app;
	size_t i;

	xo_open(w, "table", "class", "sweep", NULL);
	xo_open(w, "tr", NULL);
	xo_text_element(w, "th", "run", NULL);
	json_object_foreach(runs[0].cell, key, value)
		xo_text_element(w, "th", key, NULL);
	json_array_foreach(apps, i, app)
		xo_text_element(w, "th", json_string_value(app), NULL);
	xo_text_element(w, "th", "result", NULL);
	xo_close(w);
	for (size_t r = 0; r < n; r++) {
		xo_open(w, "tr", NULL);
		xo_open(w, "td", NULL);
		xo_open(w, "a", NULL);
		xo_attrf(w, "href", "#run-%u", runs[r].id);
		xo_textf(w, "%u", runs[r].id);
		xo_close(w);
		xo_close(w);
		json_object_foreach(runs[0].cell, key, value)
			xo_text_element(w, "td", member(runs[r].cell, key), NULL);
		json_array_foreach(apps, i, app) {
			const json_t *a, *res = NULL;
			size_t j;

			json_array_foreach(json_object_get(runs[r].result, "apps"), j, a)
				if (strcmp(member(a, "app"), json_string_value(app)) == 0)
					res = a;
			xo_open(w, "td", NULL);
			xo_text(w, res ? member(res, "verdict") : "-");
			if (json_is_number(json_object_get(res, "t")))
				xo_textf(w, " %.3f s", json_number_value(json_object_get(res, "t")));
			xo_close(w);
		}
		xo_text_element(w, "td", !runs[r].result ? "ERROR" :
				strcmp(runs[r].state, NF_STATE_PASSED) == 0 ? "PASS" : "FAIL",
				"class", run_record_status(&runs[r]) == 0 ? "pass" : "fail", NULL);
		xo_close(w);
	}
	xo_close(w);
}

/* The sweep's plot (sweepplot.c, cairo) as an inline PNG image. */
static int sweep_plot(xmlTextWriterPtr w, const struct run_record *runs, size_t n)
{
	const struct run_record **ptrs = calloc(n + 1, sizeof(*ptrs));
	struct sweep_report rep;
	unsigned char *png = NULL;
	size_t len = 0;
	int err = -ENOMEM;

	if (!ptrs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &runs[i];
	if (sweep_report_build(&rep, ptrs, n) < 0)
		goto out;
	err = sweep_plot_png(&rep, &png, &len);
	sweep_report_free(&rep);
	if (err == -ENODATA) {
		xo_text_element(w, "p", "No app detected anything: nothing to plot.",
				"class", "meta", NULL);
		err = 0;
	} else if (err == 0 && len <= INT_MAX) {
		xo_open(w, "img", "class", "sweep-plot", "alt", "detection time per cell",
			NULL);
		xo_attrf(w, "width", "%d", SWEEP_PLOT_WIDTH);
		xo_attrf(w, "height", "%d", SWEEP_PLOT_HEIGHT);
		xmlTextWriterStartAttribute(w, (const xmlChar *)"src");
		xmlTextWriterWriteString(w, (const xmlChar *)"data:image/png;base64,");
		xmlTextWriterWriteBase64(w, (const char *)png, 0, (int)len);
		xmlTextWriterEndAttribute(w);
		xmlTextWriterEndElement(w);
	}
out:
	free(png);
	free(ptrs);
	return err;
}

int report_sweep_write(xmlTextWriterPtr w, const struct run_record *runs, size_t n)
{
	json_t *apps = json_array(), *a;
	size_t i;
	int err;

	if (!apps)
		return -ENOMEM;
	for (size_t r = 0; r < n && json_array_size(apps) == 0; r++)
		json_array_foreach(json_object_get(runs[r].result, "apps"), i, a)
			json_array_append_new(apps, json_string(member(a, "app")));
	xo_open(w, "section", "class", "sweep", NULL);
	xo_open(w, "h2", NULL);
	xo_textf(w, "Sweep %s: %zu runs", runs[0].file, n);
	xo_close(w);
	sweep_table(w, runs, n, apps);
	xo_text_element(w, "h3", "Detection time per cell", NULL);
	err = sweep_plot(w, runs, n);
	xo_close(w);
	json_decref(apps);
	return err;
}
