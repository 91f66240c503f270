/*
 * sweeptable.c: a sweep's table (see sweeptable.h), one row per cell:
 *
 *   sweep scenarios/keepalive-sweep.yaml: 8 cells x 3 runs
 *     RUN      ...idle  ...count  server   median  min     max     theory  retrans  probes  client   RESULT
 *     2,10,18  1s       1         timeout  2.044s  2.040s  2.051s  2.000s  0        1       nothing  PASS
 *
 * The swept values, then per app its verdict ("timeout 2/3" when not every
 * run saw it), and for an app that detected something in some cell: its
 * time (the median, min and max with --repeat), the model's prediction
 * ("-" where it has none; with its verdict when that differs) and the
 * packets its host sent again (medians of the runs).
 */
#include "ctl/sweeptable.h"

#include <stdlib.h>
#include <string.h>

#include "ctl/member.h"

struct table {
	size_t rows, cols;
	char **cells;              /* rows * cols texts */
};

static void table_set(struct table *t, size_t row, size_t col, const char *text)
{
	if (col >= t->cols)
		return;
	free(t->cells[row * t->cols + col]);
	t->cells[row * t->cols + col] = strdup(text);
}

static void table_print(FILE *out, const struct table *t)
{
	size_t *width = calloc(t->cols, sizeof(*width));

	if (!width)
		return;
	for (size_t i = 0; i < t->rows * t->cols; i++) {
		size_t len = t->cells[i] ? strlen(t->cells[i]) : 0;

		if (len > width[i % t->cols])
			width[i % t->cols] = len;
	}
	for (size_t row = 0; row < t->rows; row++) {
		fputs("  ", out);
		for (size_t col = 0; col < t->cols; col++) {
			const char *text = t->cells[row * t->cols + col];

			if (col + 1 < t->cols)
				fprintf(out, "%-*s  ", (int)width[col], text ? text : "");
			else
				fprintf(out, "%s\n", text ? text : "");
		}
	}
	free(width);
}

static const char *secs(double t, char *buf, size_t len)
{
	snprintf(buf, len, "%.3fs", t);
	return buf;
}

/* The app's header cells from COL; returns the column after them. */
static size_t app_header(struct table *t, size_t col, const char *app, bool timed,
			 bool repeated)
{
	static const char *const once[] = { "t", "theory", "retrans", "probes" };
	static const char *const more[] = { "median", "min", "max", "theory", "retrans",
					    "probes" };

	table_set(t, 0, col++, app);
	if (!timed)
		return col;
	for (size_t i = 0; i < (repeated ? 6u : 4u); i++)
		table_set(t, 0, col++, repeated ? more[i] : once[i]);
	return col;
}

static size_t app_cells(struct table *t, size_t row, size_t col,
			const struct sweep_app_stat *st, bool timed, bool repeated)
{
	char text[96], num[32];

	if (!st->verdict)
		snprintf(text, sizeof(text), "-");
	else if (st->nverdict < st->nruns)
		snprintf(text, sizeof(text), "%s %u/%u", st->verdict, st->nverdict, st->nruns);
	else
		snprintf(text, sizeof(text), "%s", st->verdict);
	table_set(t, row, col++, text);
	if (!timed)
		return col;
	table_set(t, row, col++, st->nt ? secs(st->t_median, num, sizeof(num)) : "-");
	if (repeated) {
		table_set(t, row, col++, st->nt ? secs(st->t_min, num, sizeof(num)) : "-");
		table_set(t, row, col++, st->nt ? secs(st->t_max, num, sizeof(num)) : "-");
	}
	if (!st->theory_verdict)
		snprintf(text, sizeof(text), "-");
	else if (st->verdict && strcmp(st->theory_verdict, st->verdict) == 0 && st->has_theory_t)
		secs(st->theory_t, text, sizeof(text));
	else if (st->has_theory_t)
		snprintf(text, sizeof(text), "%s %s", st->theory_verdict,
			 secs(st->theory_t, num, sizeof(num)));
	else
		snprintf(text, sizeof(text), "%s", st->theory_verdict);
	table_set(t, row, col++, text);
	if (st->has_wire)
		snprintf(text, sizeof(text), "%g", st->retransmissions);
	table_set(t, row, col++, st->has_wire ? text : "-");
	if (st->has_wire)
		snprintf(text, sizeof(text), "%g", st->probes);
	table_set(t, row, col++, st->has_wire ? text : "-");
	return col;
}

static void cell_row(struct table *t, size_t row, const struct sweep_report *rep,
		     const struct sweep_cell_stat *cell, const bool *timed, bool repeated)
{
	char text[256];
	size_t used = 0, col = 0;
	json_t *key;
	size_t i;

	text[0] = '\0';
	for (size_t r = 0; r < cell->nruns && used < sizeof(text); r++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%u", r ? "," : "",
					 cell->runs[r]->id);
	table_set(t, row, col++, text);
	json_array_foreach(rep->keys, i, key)
		table_set(t, row, col++, member(cell->cell, json_string_value(key)));
	for (i = 0; i < json_array_size(rep->apps); i++)
		col = app_cells(t, row, col, &cell->apps[i], timed[i], repeated);
	if (cell->other)
		snprintf(text, sizeof(text), cell->nruns > 1 ? "ERROR %u/%zu" : "ERROR",
			 cell->other, cell->nruns);
	else if (cell->failed)
		snprintf(text, sizeof(text), cell->nruns > 1 ? "FAIL %u/%zu" : "FAIL",
			 cell->failed, cell->nruns);
	else
		snprintf(text, sizeof(text), "PASS");
	table_set(t, row, col, text);
}

void sweep_table_print(FILE *out, const struct sweep_report *rep, unsigned repeat)
{
	size_t napps = json_array_size(rep->apps), col = 0;
	bool *timed = calloc(napps + 1, sizeof(bool));
	bool repeated = repeat > 1;
	struct table t = { 0 };
	json_t *key;
	size_t i;

	if (!timed || rep->ncells == 0)
		goto out;
	t.cols = 2 + json_array_size(rep->keys);
	for (i = 0; i < napps; i++) {
		timed[i] = sweep_app_timed(rep, i);
		t.cols += 1 + (timed[i] ? (repeated ? 6 : 4) : 0);
	}
	t.rows = rep->ncells + 1;
	t.cells = calloc(t.rows * t.cols, sizeof(char *));
	if (!t.cells)
		goto out;
	table_set(&t, 0, col++, "RUN");
	json_array_foreach(rep->keys, i, key)
		table_set(&t, 0, col++, json_string_value(key));
	for (i = 0; i < napps; i++)
		col = app_header(&t, col, json_string_value(json_array_get(rep->apps, i)),
				 timed[i], repeated);
	table_set(&t, 0, col, "RESULT");
	for (size_t c = 0; c < rep->ncells; c++)
		cell_row(&t, c + 1, rep, &rep->cells[c], timed, repeated);
	if (repeated)
		fprintf(out, "sweep %s: %zu cell%s x %u runs\n", rep->file, rep->ncells,
			rep->ncells == 1 ? "" : "s", repeat);
	else
		fprintf(out, "sweep %s: %zu runs\n", rep->file, rep->nruns);
	table_print(out, &t);
out:
	for (i = 0; t.cells && i < t.rows * t.cols; i++)
		free(t.cells[i]);
	free(t.cells);
	free(timed);
}
