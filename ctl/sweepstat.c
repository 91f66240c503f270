/*
 * sweepstat.c: a file's runs gathered by cell, with each app's figures
 * (see sweepstat.h).
 *
 * Runs belong to the same cell when their "cell" objects are equal (a plain
 * file's runs have none: one cell). The verdict of an app in a cell is the
 * one most of its runs saw (the first seen on a tie); the times are those
 * of the runs that saw it. A median of an even count is the mean of the
 * middle two.
 */
#include "ctl/sweepstat.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "common/protocol.h"
#include "ctl/member.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts V (N > 0) and returns its median. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const json_t *sweep_run_app(const struct run_record *r, const char *app)
{
	const json_t *item;
	size_t i;

	json_array_foreach(json_object_get(r->result, "apps"), i, item) {
		if (strcmp(member(item, "app"), app) == 0)
			return item;
	}
	return NULL;
}

bool sweep_value_number(const char *text, double *value, bool *is_time)
{
	int64_t usec;
	char *end;

	if (duration_parse(text, &usec) == 0) {
		*value = (double)usec / 1e6;
		*is_time = true;
		return true;
	}
	*value = strtod(text, &end);
	*is_time = false;
	return end != text && *end == '\0' && isfinite(*value);
}

bool sweep_app_timed(const struct sweep_report *rep, size_t app)
{
	for (size_t c = 0; c < rep->ncells; c++) {
		if (rep->cells[c].apps[app].nt > 0 || rep->cells[c].apps[app].has_theory_t)
			return true;
	}
	return false;
}

/* The most common verdict of APP over the cell's runs. */
static void app_verdict(const struct sweep_cell_stat *cell, const char *app,
			struct sweep_app_stat *st)
{
	for (size_t i = 0; i < cell->nruns; i++) {
		const char *v = member(sweep_run_app(cell->runs[i], app), "verdict");
		unsigned n = 0;

		if (!*v)
			continue;
		st->nruns++;
		for (size_t k = 0; k < cell->nruns; k++)
			n += strcmp(member(sweep_run_app(cell->runs[k], app), "verdict"), v) == 0;
		if (n > st->nverdict) {
			st->verdict = v;
			st->nverdict = n;
		}
	}
}

/* Times, predictions and wire counts of APP over the cell's runs; SCRATCH
 * holds nruns doubles. */
static void app_figures(const struct sweep_cell_stat *cell, const char *app,
			struct sweep_app_stat *st, double *scratch)
{
	size_t n = 0;

	for (size_t i = 0; st->verdict && i < cell->nruns; i++) {
		const json_t *a = sweep_run_app(cell->runs[i], app);

		if (strcmp(member(a, "verdict"), st->verdict) == 0 &&
		    json_is_number(json_object_get(a, "t")))
			scratch[n++] = json_number_value(json_object_get(a, "t"));
	}
	st->nt = (unsigned)n;
	if (n > 0) {
		st->t_median = median(scratch, n);
		st->t_min = scratch[0];
		st->t_max = scratch[n - 1];
	}
	n = 0;
	for (size_t i = 0; i < cell->nruns; i++) {
		const json_t *theory = json_object_get(sweep_run_app(cell->runs[i], app), "theory");

		if (!json_is_object(theory))
			continue;
		if (!st->theory_why) {
			st->theory_verdict = json_string_value(json_object_get(theory, "verdict"));
			st->theory_why = member(theory, "why");
		}
		if (json_is_number(json_object_get(theory, "t")))
			scratch[n++] = json_number_value(json_object_get(theory, "t"));
	}
	st->has_theory_t = n > 0;
	if (n > 0)
		st->theory_t = median(scratch, n);
}

static void app_wire(const struct sweep_cell_stat *cell, const char *app,
		     struct sweep_app_stat *st, double *retrans, double *probes)
{
	size_t n = 0;

	for (size_t i = 0; i < cell->nruns; i++) {
		const json_t *wire = json_object_get(sweep_run_app(cell->runs[i], app), "wire");

		if (!json_is_object(wire))
			continue;
		retrans[n] = json_number_value(json_object_get(wire, "retransmissions"));
		probes[n++] = json_number_value(json_object_get(wire, "keepalive_probes"));
	}
	st->has_wire = n > 0;
	if (n > 0) {
		st->retransmissions = median(retrans, n);
		st->probes = median(probes, n);
	}
}

static int cell_stats(struct sweep_report *rep, struct sweep_cell_stat *cell)
{
	double *a = calloc(cell->nruns, sizeof(double));
	double *b = calloc(cell->nruns, sizeof(double));
	int err = -ENOMEM;

	cell->apps = calloc(json_array_size(rep->apps) + 1, sizeof(*cell->apps));
	if (!a || !b || !cell->apps)
		goto out;
	for (size_t i = 0; i < cell->nruns; i++) {
		int s = run_record_status(cell->runs[i]);

		cell->passed += s == 0;
		cell->failed += s == 1;
		cell->other += s == 2;
	}
	for (size_t k = 0; k < json_array_size(rep->apps); k++) {
		const char *app = json_string_value(json_array_get(rep->apps, k));

		app_verdict(cell, app, &cell->apps[k]);
		app_figures(cell, app, &cell->apps[k], a);
		app_wire(cell, app, &cell->apps[k], a, b);
	}
	err = 0;
out:
	free(a);
	free(b);
	return err;
}

static struct sweep_cell_stat *cell_of(struct sweep_report *rep, const json_t *cell)
{
	for (size_t c = 0; c < rep->ncells; c++) {
		if ((!cell && !rep->cells[c].cell) || json_equal(rep->cells[c].cell,
								 cell))
			return &rep->cells[c];
	}
	rep->cells[rep->ncells].cell = cell;
	return &rep->cells[rep->ncells++];
}

int sweep_report_build(struct sweep_report *rep, const struct run_record *const *runs,
		       size_t nruns)
{
	const char *key;
	json_t *value;
	size_t i;
	int err = -ENOMEM;

	*rep = (struct sweep_report){ .file = nruns ? runs[0]->file : "", .nruns = nruns,
				      .keys = json_array(), .apps = json_array(),
				      .cells = calloc(nruns + 1, sizeof(*rep->cells)) };
	if (!rep->keys || !rep->apps || !rep->cells)
		goto out;
	if (nruns > 0)
		json_object_foreach(runs[0]->cell, key, value)
			json_array_append_new(rep->keys, json_string(key));
	for (size_t r = 0; r < nruns && json_array_size(rep->apps) == 0; r++) {
		json_array_foreach(json_object_get(runs[r]->result, "apps"), i, value)
			json_array_append_new(rep->apps, json_string(member(value, "app")));
	}
	for (size_t r = 0; r < nruns; r++) {
		struct sweep_cell_stat *cell = cell_of(rep, runs[r]->cell);

		if (!cell->runs && !(cell->runs = calloc(nruns, sizeof(*cell->runs))))
			goto out;
		cell->runs[cell->nruns++] = runs[r];
	}
	for (size_t c = 0; c < rep->ncells; c++) {
		err = cell_stats(rep, &rep->cells[c]);
		if (err < 0)
			goto out;
	}
	err = 0;
out:
	if (err < 0)
		sweep_report_free(rep);
	return err;
}

void sweep_report_free(struct sweep_report *rep)
{
	for (size_t c = 0; rep->cells && c < rep->ncells; c++) {
		free(rep->cells[c].runs);
		free(rep->cells[c].apps);
	}
	free(rep->cells);
	json_decref(rep->keys);
	json_decref(rep->apps);
	*rep = (struct sweep_report){ 0 };
}
