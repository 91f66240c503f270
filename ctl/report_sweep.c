/*
 * report_sweep.c: a sweep's table and plot in the HTML report (see
 * report_sweep.h). The plot has the cells along x (in the sweep's order,
 * each named by its values), seconds since t0 up y, and for each app a
 * point at its verdict's time, its colour the verdict's; an app whose
 * verdict has no time (nothing) is a hollow point on the x axis.
 */
#include "ctl/report_sweep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/protocol.h"
#include "ctl/member.h"
#include "ctl/xmlout.h"

#define PLOT_LEFT   60.0
#define PLOT_TOP    20.0
#define PLOT_H      240.0
#define PLOT_CELL   110.0
#define PLOT_BOTTOM 70.0

static const char *const verdict_colours[][2] = {
	{ "fin", "#0550ae" }, { "rst", "#cf222e" }, { "timeout", "#bc4c00" },
	{ "unreachable", "#8250df" }, { "refused", "#6e7781" }, { "nothing", "#1a7f37" },
};

static const char *verdict_colour(const char *verdict)
{
	for (size_t i = 0; i < sizeof(verdict_colours) / sizeof(verdict_colours[0]); i++)
		if (strcmp(verdict, verdict_colours[i][0]) == 0)
			return verdict_colours[i][1];
	return "#000";
}

/* "apps.server.tcp.user_timeout=2s" for a cell, the values joined. */
static void cell_text(json_t *cell, char *buf, size_t len)
{
	const char *key;
	json_t *value;
	size_t used = 0;

	buf[0] = '\0';
	json_object_foreach(cell, key, value) {
		const char *last = strrchr(key, '.');

		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "",
						 last ? last + 1 : key, json_string_value(value) ?
						 json_string_value(value) : "?");
	}
}

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

static double max_time(const struct run_record *runs, size_t n)
{
	double top = 0;

	for (size_t r = 0; r < n; r++) {
		const json_t *a;
		size_t j;

		json_array_foreach(json_object_get(runs[r].result, "apps"), j, a) {
			double t = json_number_value(json_object_get(a, "t"));

			top = t > top ? t : top;
		}
	}
	return top > 0 ? top * 1.1 : 1;
}

static void axes(xmlTextWriterPtr w, const struct run_record *runs, size_t n, double top)
{
	char text[256];

	xo_open(w, "path", "class", "axis", "fill", "none", "stroke", "#444", NULL);
	xo_attrf(w, "d", "M%.1f %.1f V%.1f H%.1f", PLOT_LEFT, PLOT_TOP, PLOT_TOP + PLOT_H,
		 PLOT_LEFT + (double)n * PLOT_CELL);
	xo_close(w);
	for (int k = 0; k <= 4; k++) {
		double y = PLOT_TOP + PLOT_H - PLOT_H * k / 4;

		xo_open(w, "text", "class", "tick", "text-anchor", "end", "font-size", "10", NULL);
		xo_num(w, "x", PLOT_LEFT - 6);
		xo_num(w, "y", y + 3);
		xo_textf(w, "%.2f s", top * k / 4);
		xo_close(w);
	}
	for (size_t r = 0; r < n; r++) {
		cell_text(runs[r].cell, text, sizeof(text));
		xo_open(w, "text", "class", "cell", "text-anchor", "middle", "font-size", "10", NULL);
		xo_num(w, "x", PLOT_LEFT + PLOT_CELL * ((double)r + 0.5));
		xo_num(w, "y", PLOT_TOP + PLOT_H + 16);
		xo_text(w, text);
		xo_close(w);
	}
}

static void sweep_plot(xmlTextWriterPtr w, const struct run_record *runs, size_t n,
		       const json_t *apps)
{
	double top = max_time(runs, n);
	double width = PLOT_LEFT + (double)n * PLOT_CELL + 160;
	json_t *app;
	size_t i;

	xo_open(w, "svg", "xmlns", "http://www.w3.org/2000/svg", "class", "sweep-plot",
		"font-family", "DejaVu Sans, Helvetica, Arial, sans-serif", NULL);
	xo_num(w, "width", width);
	xo_num(w, "height", PLOT_TOP + PLOT_H + PLOT_BOTTOM);
	xo_text_element(w, "title", "verdict time per cell", NULL);
	axes(w, runs, n, top);
	json_array_foreach(apps, i, app) {
		const char *name = json_string_value(app);
		double dx = ((double)i - ((double)json_array_size(apps) - 1) / 2) * 10;

		for (size_t r = 0; r < n; r++) {
			const json_t *a;
			size_t j;

			json_array_foreach(json_object_get(runs[r].result, "apps"), j, a) {
				const json_t *t = json_object_get(a, "t");
				double y = PLOT_TOP + PLOT_H - (json_is_number(t) ?
					PLOT_H * json_number_value(t) / top : 0);

				if (strcmp(member(a, "app"), name) != 0)
					continue;
				xo_open(w, "circle", "class", "point", "data-app", name,
					"data-verdict", member(a, "verdict"), "r", "5",
					"fill", json_is_number(t) ? verdict_colour(member(a, "verdict")) :
					"white", "stroke", verdict_colour(member(a, "verdict")), NULL);
				xo_num(w, "cx", PLOT_LEFT + PLOT_CELL * ((double)r + 0.5) + dx);
				xo_num(w, "cy", y);
				xo_open(w, "title", NULL);
				xo_textf(w, "run %u: %s %s", runs[r].id, name, member(a, "verdict"));
				xo_close(w);
				xo_close(w);
			}
		}
	}
	for (size_t k = 0; k < sizeof(verdict_colours) / sizeof(verdict_colours[0]); k++) {
		xo_open(w, "text", "class", "legend", "font-size", "11", "fill",
			verdict_colours[k][1], NULL);
		xo_num(w, "x", width - 140);
		xo_num(w, "y", PLOT_TOP + 14 * (double)k + 10);
		xo_textf(w, "\u25cf %s", verdict_colours[k][0]);
		xo_close(w);
	}
	xo_close(w);
}

int report_sweep_write(xmlTextWriterPtr w, const struct run_record *runs, size_t n)
{
	json_t *apps = json_array(), *a;
	size_t i;

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
	xo_text_element(w, "h3", "Verdict time per cell", NULL);
	sweep_plot(w, runs, n, apps);
	xo_close(w);
	json_decref(apps);
	return 0;
}
