/*
 * sweepplot.c: a sweep drawn with cairo (see sweepplot.h).
 *
 * The x axis is the first swept path: numbers where every value is a
 * duration (in seconds) or a plain number, else one slot per value in
 * the order they came. A series is one combination of the other swept
 * paths ("count=2"); a plain file with --repeat has one series and one
 * slot. The y axis is seconds since t0 from 0, ticks at 1, 2 or 5 times a
 * power of ten. Each series' colour marks its points (the median, a bar
 * from min to max) and its dashed theory line (the model's time, where
 * it has one). A cell where the app saw nothing has no point.
 *
 * In the SVG every point is one filled path of its series' colour, so the
 * points of a series can be counted (the legend adds one per series).
 */
#include "ctl/sweepplot.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/member.h"

#define MAX_SERIES   32
#define MAX_SLOTS    64
#define LABEL_MAX    160
#define MARGIN_LEFT  80.0
#define MARGIN_RIGHT 200.0
#define MARGIN_TOP   50.0
#define MARGIN_BOTTOM 60.0
#define POINT_RADIUS 4.0

static const double palette[][3] = {
	{ 0.12, 0.47, 0.71 }, { 0.84, 0.15, 0.16 }, { 0.17, 0.63, 0.17 },
	{ 1.00, 0.50, 0.05 }, { 0.58, 0.40, 0.74 }, { 0.55, 0.34, 0.29 },
	{ 0.89, 0.47, 0.76 }, { 0.50, 0.50, 0.50 },
};
#define NCOLOURS (sizeof(palette) / sizeof(palette[0]))

struct plot {
	const struct sweep_report *rep;
	size_t app;                          /* the app plotted */
	bool numeric, is_time;               /* the x values */
	bool integral;                       /* numeric, every one a whole number */
	char slots[MAX_SLOTS][LABEL_MAX];    /* x values as text, when not numeric */
	size_t nslots;
	char series[MAX_SERIES][LABEL_MAX];
	size_t nseries;
	size_t cell_series[MAX_SLOTS * MAX_SERIES];
	double cell_x[MAX_SLOTS * MAX_SERIES];
	double xmin, xmax, ymax;
	cairo_t *cr;
};

/* The last part of a dotted path: "count" of apps.server.tcp.keepalive.count. */
static const char *short_name(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? dot + 1 : path;
}

static const char *x_value(const struct plot *p, size_t c)
{
	const char *key = json_string_value(json_array_get(p->rep->keys, 0));

	return key ? member(p->rep->cells[c].cell, key) : "";
}

static size_t index_of(char (*names)[LABEL_MAX], size_t *n, size_t max, const char *text)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(names[i], text) == 0)
			return i;
	}
	if (*n == max)
		return max - 1;          /* more than max: the last one takes them */
	snprintf(names[*n], LABEL_MAX, "%s", text);
	return (*n)++;
}

/* Each cell's series and x; the ranges. */
static void plot_layout(struct plot *p)
{
	const struct sweep_report *rep = p->rep;
	double v;
	bool is_time, all_time = true;

	p->numeric = json_array_size(rep->keys) > 0;
	for (size_t c = 0; c < rep->ncells && p->numeric; c++) {
		p->numeric = sweep_value_number(x_value(p, c), &v, &is_time);
		all_time &= is_time;
	}
	p->is_time = p->numeric && all_time;
	p->integral = p->numeric && !p->is_time;
	p->xmin = INFINITY;
	p->xmax = -INFINITY;
	for (size_t c = 0; c < rep->ncells && c < MAX_SLOTS * MAX_SERIES; c++) {
		const struct sweep_app_stat *st = &rep->cells[c].apps[p->app];
		char label[LABEL_MAX] = "";
		size_t used = 0;

		for (size_t k = 1; k < json_array_size(rep->keys) && used < sizeof(label); k++) {
			const char *key = json_string_value(json_array_get(rep->keys, k));

			used += (size_t)snprintf(label + used, sizeof(label) - used, "%s%s=%s",
						 k > 1 ? ", " : "", short_name(key),
						 member(rep->cells[c].cell, key));
		}
		if (!label[0])
			snprintf(label, sizeof(label), "%s", "measured");
		p->cell_series[c] = index_of(p->series, &p->nseries, MAX_SERIES, label);
		if (p->numeric) {
			sweep_value_number(x_value(p, c), &p->cell_x[c], &is_time);
			p->integral &= p->cell_x[c] == floor(p->cell_x[c]);
		}
		else
			p->cell_x[c] = (double)index_of(p->slots, &p->nslots, MAX_SLOTS,
							x_value(p, c));
		p->xmin = fmin(p->xmin, p->cell_x[c]);
		p->xmax = fmax(p->xmax, p->cell_x[c]);
		if (st->nt)
			p->ymax = fmax(p->ymax, st->t_max);
		if (st->has_theory_t)
			p->ymax = fmax(p->ymax, st->theory_t);
	}
	if (!p->numeric || p->xmax - p->xmin <= 0) {
		/* slots, or one value: half a step of room either side */
		p->xmin -= p->numeric ? fmax(fabs(p->xmin) * 0.5, 0.5) : 0.5;
		p->xmax += p->numeric ? fmax(fabs(p->xmax) * 0.5, 0.5) : 0.5;
	} else {
		double pad = (p->xmax - p->xmin) * 0.08;

		p->xmin -= pad;
		p->xmax += pad;
	}
	p->ymax = p->ymax > 0 ? p->ymax * 1.12 : 1.0;
}

static double px_x(const struct plot *p, double x)
{
	return MARGIN_LEFT + (x - p->xmin) / (p->xmax - p->xmin) *
	       (SWEEP_PLOT_WIDTH - MARGIN_LEFT - MARGIN_RIGHT);
}

static double px_y(const struct plot *p, double y)
{
	return SWEEP_PLOT_HEIGHT - MARGIN_BOTTOM - y / p->ymax *
	       (SWEEP_PLOT_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM);
}

/* A tick step of 1, 2 or 5 times a power of ten, about five to a range. */
static double tick_step(double range)
{
	double raw = range / 5, mag = pow(10, floor(log10(raw))), norm = raw / mag;

	return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/* TEXT centred on X (ALIGN 0.5), left (0) or right (1) of it, baseline Y. */
static void text_at(cairo_t *cr, double x, double y, double align, const char *text)
{
	cairo_text_extents_t ext;

	cairo_text_extents(cr, text, &ext);
	cairo_move_to(cr, x - align * ext.x_advance, y);
	cairo_show_text(cr, text);
}

static void draw_axes(struct plot *p)
{
	cairo_t *cr = p->cr;
	double x0 = MARGIN_LEFT, x1 = SWEEP_PLOT_WIDTH - MARGIN_RIGHT;
	double y0 = SWEEP_PLOT_HEIGHT - MARGIN_BOTTOM, y1 = MARGIN_TOP;
	double step = tick_step(p->ymax);
	char text[LABEL_MAX];
	const char *key = json_string_value(json_array_get(p->rep->keys, 0));

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
	cairo_stroke(cr);
	cairo_set_font_size(cr, 11);
	for (double y = 0; y <= p->ymax + 1e-9; y += step) {
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);     /* the grid */
		cairo_move_to(cr, x0, px_y(p, y));
		cairo_line_to(cr, x1, px_y(p, y));
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, x0 - 5, px_y(p, y));
		cairo_line_to(cr, x0, px_y(p, y));
		cairo_stroke(cr);
		snprintf(text, sizeof(text), "%g", y);
		text_at(cr, x0 - 8, px_y(p, y) + 4, 1, text);
	}
	if (p->numeric) {
		step = tick_step(p->xmax - p->xmin);
		if (p->integral && step < 1)
			step = 1;           /* counts: no ticks between them */
		for (double x = ceil(p->xmin / step) * step; x <= p->xmax + 1e-9; x += step) {
			cairo_move_to(cr, px_x(p, x), y0);
			cairo_line_to(cr, px_x(p, x), y0 + 5);
			cairo_stroke(cr);
			snprintf(text, sizeof(text), "%g", fabs(x) < step * 1e-6 ? 0.0 : x);
			text_at(cr, px_x(p, x), y0 + 18, 0.5, text);
		}
	} else {
		for (size_t i = 0; i < p->nslots; i++) {
			cairo_move_to(cr, px_x(p, (double)i), y0);
			cairo_line_to(cr, px_x(p, (double)i), y0 + 5);
			cairo_stroke(cr);
			text_at(cr, px_x(p, (double)i), y0 + 18, 0.5, p->slots[i]);
		}
	}
	cairo_set_font_size(cr, 12);
	snprintf(text, sizeof(text), "%s%s", key ? key : "(one cell)",
		 p->is_time ? " (s)" : "");
	text_at(cr, (x0 + x1) / 2, y0 + 42, 0.5, text);
	snprintf(text, sizeof(text), "%s: detection time since t0 (s)",
		 json_string_value(json_array_get(p->rep->apps, p->app)));
	cairo_save(cr);
	cairo_translate(cr, 22, (y0 + y1) / 2);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, 0.5, text);
	cairo_restore(cr);
	cairo_set_font_size(cr, 13);
	snprintf(text, sizeof(text), "%s", p->rep->cells[0].runs[0]->name);
	text_at(cr, (x0 + x1) / 2, 28, 0.5, text);
}

static void set_colour(cairo_t *cr, size_t series)
{
	const double *c = palette[series % NCOLOURS];

	cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

static void point(cairo_t *cr, double x, double y)
{
	cairo_new_path(cr);
	cairo_arc(cr, x, y, POINT_RADIUS, 0, 2 * M_PI);
	cairo_fill(cr);
}

/* The series' theory line through its cells in x order. */
static void draw_theory(struct plot *p, size_t s)
{
	const struct sweep_report *rep = p->rep;
	double last = -INFINITY;
	bool any = false;

	set_colour(p->cr, s);
	cairo_set_line_width(p->cr, 1.5);
	cairo_set_dash(p->cr, (const double[]){ 6, 4 }, 2, 0);
	cairo_new_path(p->cr);
	for (;;) {
		/* the next cell of the series to the right of LAST */
		size_t best = rep->ncells;

		for (size_t c = 0; c < rep->ncells && c < MAX_SLOTS * MAX_SERIES; c++) {
			if (p->cell_series[c] != s || !rep->cells[c].apps[p->app].has_theory_t ||
			    p->cell_x[c] <= last)
				continue;
			if (best == rep->ncells || p->cell_x[c] < p->cell_x[best])
				best = c;
		}
		if (best == rep->ncells)
			break;
		last = p->cell_x[best];
		if (any)
			cairo_line_to(p->cr, px_x(p, last),
				      px_y(p, rep->cells[best].apps[p->app].theory_t));
		else
			cairo_move_to(p->cr, px_x(p, last),
				      px_y(p, rep->cells[best].apps[p->app].theory_t));
		any = true;
	}
	cairo_stroke(p->cr);
	cairo_set_dash(p->cr, NULL, 0, 0);
}

static void draw_points(struct plot *p)
{
	const struct sweep_report *rep = p->rep;

	for (size_t c = 0; c < rep->ncells && c < MAX_SLOTS * MAX_SERIES; c++) {
		const struct sweep_app_stat *st = &rep->cells[c].apps[p->app];
		double x = px_x(p, p->cell_x[c]);

		if (!st->nt)
			continue;
		set_colour(p->cr, p->cell_series[c]);
		cairo_set_line_width(p->cr, 1.2);
		cairo_move_to(p->cr, x, px_y(p, st->t_min));
		cairo_line_to(p->cr, x, px_y(p, st->t_max));
		cairo_move_to(p->cr, x - 3, px_y(p, st->t_min));
		cairo_line_to(p->cr, x + 3, px_y(p, st->t_min));
		cairo_move_to(p->cr, x - 3, px_y(p, st->t_max));
		cairo_line_to(p->cr, x + 3, px_y(p, st->t_max));
		cairo_stroke(p->cr);
		point(p->cr, x, px_y(p, st->t_median));
	}
}

static void draw_legend(struct plot *p)
{
	cairo_t *cr = p->cr;
	double x = SWEEP_PLOT_WIDTH - MARGIN_RIGHT + 16, y = MARGIN_TOP + 10;

	cairo_set_font_size(cr, 11);
	for (size_t s = 0; s < p->nseries; s++, y += 18) {
		set_colour(cr, s);
		point(cr, x + 10, y - 4);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text_at(cr, x + 24, y, 0, p->series[s]);
	}
	y += 8;
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.5);
	cairo_set_dash(cr, (const double[]){ 6, 4 }, 2, 0);
	cairo_move_to(cr, x, y - 4);
	cairo_line_to(cr, x + 20, y - 4);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	text_at(cr, x + 24, y, 0, "theory (model)");
	y += 18;
	cairo_move_to(cr, x + 10, y - 10);
	cairo_line_to(cr, x + 10, y + 2);
	cairo_stroke(cr);
	text_at(cr, x + 24, y, 0, "measured: median,");
	text_at(cr, x + 24, y + 14, 0, "bar from min to max");
	for (size_t c = 0; c < p->rep->ncells; c++) {
		if (p->rep->cells[c].apps[p->app].nt == 0) {
			text_at(cr, x, y + 40, 0, "no point: nothing");
			text_at(cr, x, y + 54, 0, "detected in that cell");
			break;
		}
	}
}

static bool is_png(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && strcasecmp(path + len - 4, ".png") == 0;
}

/* P set up for REP: the app plotted (the first that detected something)
 * and the layout. -ENODATA when no app detected anything. */
static int plot_prepare(struct plot *p, const struct sweep_report *rep)
{
	*p = (struct plot){ .rep = rep };
	for (p->app = 0; p->app < json_array_size(rep->apps); p->app++) {
		if (sweep_app_timed(rep, p->app))
			break;
	}
	if (rep->ncells == 0 || p->app == json_array_size(rep->apps))
		return -ENODATA;
	plot_layout(p);
	return 0;
}

/* Draws P on SURFACE; cairo's status. */
static cairo_status_t plot_draw(struct plot *p, cairo_surface_t *surface)
{
	cairo_status_t st;

	p->cr = cairo_create(surface);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
			       CAIRO_FONT_WEIGHT_NORMAL);
	draw_axes(p);
	for (size_t s = 0; s < p->nseries; s++)
		draw_theory(p, s);
	draw_points(p);
	draw_legend(p);
	st = cairo_status(p->cr);
	cairo_destroy(p->cr);
	return st;
}

int sweep_plot_write(const char *path, const struct sweep_report *rep)
{
	static struct plot p;       /* large; netfaultctl draws one plot */
	cairo_surface_t *surface;
	cairo_status_t st;
	int err = 0;

	if (plot_prepare(&p, rep) < 0) {
		fprintf(stderr, "netfaultctl: --plot %s: no app detected anything: "
			"nothing to plot\n", path);
		return -ENODATA;
	}
	surface = is_png(path) ?
		cairo_image_surface_create(CAIRO_FORMAT_RGB24, SWEEP_PLOT_WIDTH, SWEEP_PLOT_HEIGHT) :
		cairo_svg_surface_create(path, SWEEP_PLOT_WIDTH, SWEEP_PLOT_HEIGHT);
	st = plot_draw(&p, surface);
	if (st == CAIRO_STATUS_SUCCESS && is_png(path))
		st = cairo_surface_write_to_png(surface, path);
	cairo_surface_finish(surface);      /* an SVG is written out here */
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surface);
	if (st != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "netfaultctl: --plot %s: %s\n", path, cairo_status_to_string(st));
		err = -EIO;
	}
	cairo_surface_destroy(surface);
	return err;
}

struct png_buf {
	unsigned char *data;
	size_t len, cap;
};

static cairo_status_t png_append(void *closure, const unsigned char *data, unsigned int len)
{
	struct png_buf *b = closure;

	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2;
		unsigned char *bigger = realloc(b->data, cap);

		if (!bigger)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = bigger;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

int sweep_plot_png(const struct sweep_report *rep, unsigned char **png, size_t *len)
{
	static struct plot p;
	struct png_buf b = { 0 };
	cairo_surface_t *surface;
	cairo_status_t st;

	if (plot_prepare(&p, rep) < 0)
		return -ENODATA;
	surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, SWEEP_PLOT_WIDTH,
					     SWEEP_PLOT_HEIGHT);
	st = plot_draw(&p, surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(surface, png_append, &b);
	cairo_surface_destroy(surface);
	if (st != CAIRO_STATUS_SUCCESS) {
		free(b.data);
		return st == CAIRO_STATUS_NO_MEMORY ? -ENOMEM : -EIO;
	}
	*png = b.data;
	*len = b.len;
	return 0;
}
