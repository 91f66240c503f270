/*
 * sweep.c: from a scenario's text and --set values to the cells to run
 * (see sweep.h).
 *
 * The text is parsed once with the single-value sets applied, which gives
 * the scenario's own matrix; the dimensions are then the multi-value sets
 * and the matrix keys no set overrides. Each cell is the text parsed again
 * with every dimension's value for that cell added as an override: the
 * parser, not this file, knows what a path means. Cells are numbered like an
 * odometer, the last dimension turning fastest.
 */
#include "scenario/sweep.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

#define SWEEP_MAX_DIMS (2 * SC_MAX_MATRIX_KEYS)

/* WHY (SC_SWEEP_WHY_MAX bytes) gets a short text saying why. */
__attribute__((format(printf, 2, 3)))
static void why_set(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, SC_SWEEP_WHY_MAX, fmt, ap);
	va_end(ap);
}

struct dimension {
	const char *path;
	const char *const *values;
	size_t nvalues;
};

/* The parser's errors as texts, with SUFFIX (may be "") after each. */
static json_t *errors_json(const struct sc_errors *errs, const char *suffix)
{
	json_t *list = json_array();
	char line[512];

	for (size_t i = 0; list && i < errs->n; i++) {
		char text[sizeof(line) + 256];

		sc_error_format(errs, i, line, sizeof(line));
		snprintf(text, sizeof(text), "%s%s", line, suffix);
		json_array_append_new(list, json_string(text));
	}
	if (list && errs->dropped) {
		snprintf(line, sizeof(line), "%s: %zu more errors not shown",
			 errs->file ? errs->file : "scenario", errs->dropped);
		json_array_append_new(list, json_string(line));
	}
	return list;
}

static int parse_one(const char *file, const char *text, size_t len,
		     const struct sc_override *ovr, size_t novr, const char *suffix,
		     struct scenario **sc, json_t **errors, char *why)
{
	struct sc_errors errs = { 0 };
	int err = scenario_parse(file, text, len, ovr, novr, sc, &errs);

	if (err == -EINVAL)
		*errors = errors_json(&errs, suffix);
	else if (err == -EFBIG)
		why_set(why, "the scenario is larger than %u bytes", SC_MAX_TEXT);
	else if (err < 0)
		why_set(why, "the scenario could not be read");
	sc_errors_free(&errs);
	return err;
}

static bool set_overrides(const struct sc_sweep_set *sets, size_t nsets, const char *path)
{
	for (size_t i = 0; i < nsets; i++) {
		if (strcmp(sets[i].path, path) == 0)
			return true;
	}
	return false;
}

/* The dimensions and the single-value overrides; returns the cell count,
 * 0 when there are too many cells. */
static size_t sweep_plan(const struct scenario *base, const struct sc_sweep_set *sets,
			 size_t nsets, struct dimension *dims, size_t *ndims,
			 struct sc_override *ovr, size_t *novr)
{
	size_t cells = 1;

	*ndims = *novr = 0;
	for (size_t i = 0; i < nsets; i++) {
		if (sets[i].nvalues == 1)
			ovr[(*novr)++] = (struct sc_override){ sets[i].path, sets[i].values[0] };
		else
			dims[(*ndims)++] = (struct dimension){ sets[i].path, sets[i].values,
							       sets[i].nvalues };
	}
	for (size_t i = 0; i < base->nmatrix && *ndims < SWEEP_MAX_DIMS; i++) {
		const struct sc_matrix_key *key = &base->matrix[i];

		if (!set_overrides(sets, nsets, key->path))
			dims[(*ndims)++] = (struct dimension){
				key->path, (const char *const *)key->values, key->nvalues };
	}
	for (size_t d = 0; d < *ndims; d++) {
		if (dims[d].nvalues == 0 || cells > SC_MAX_MATRIX_CELLS / dims[d].nvalues)
			return 0;
		cells *= dims[d].nvalues;
	}
	return cells;
}

/* Cell INDEX: its overrides after the NBASE fixed ones, its JSON, and the
 * suffix its parse errors get. */
static json_t *cell_make(size_t index, const struct dimension *dims, size_t ndims,
			 struct sc_override *ovr, size_t nbase, char *suffix, size_t len)
{
	json_t *cell = json_object();
	size_t used;

	for (size_t d = ndims; d-- > 0;) {
		ovr[nbase + d] = (struct sc_override){
			dims[d].path, dims[d].values[index % dims[d].nvalues] };
		index /= dims[d].nvalues;
	}
	used = (size_t)snprintf(suffix, len, " (cell");
	for (size_t d = 0; d < ndims; d++) {
		if (cell)
			json_object_set_new(cell, ovr[nbase + d].path,
					    json_string(ovr[nbase + d].value));
		if (used < len)
			used += (size_t)snprintf(suffix + used, len - used, " %s=%s",
						 ovr[nbase + d].path, ovr[nbase + d].value);
	}
	if (used < len)
		snprintf(suffix + used, len - used, ")");
	return cell;
}

int sc_sweep_expand(const char *file, const char *text, size_t len,
		    const struct sc_sweep_set *sets, size_t nsets,
		    struct sc_sweep_cell **cells, json_t **errors, char *why)
{
	struct sc_override ovr[SWEEP_MAX_DIMS * 2] = { 0 };
	struct dimension dims[SWEEP_MAX_DIMS];
	struct scenario *base = NULL;
	struct sc_sweep_cell *out = NULL;
	size_t ncells = 0, ndims, nbase;
	char suffix[256];
	int err;

	*cells = NULL;
	*errors = NULL;
	why[0] = '\0';
	if (nsets > SWEEP_MAX_DIMS) {
		why_set(why, "too many --set paths (at most %u)", SWEEP_MAX_DIMS);
		return -E2BIG;
	}
	/* the single-value sets first, to learn the matrix */
	nbase = 0;
	for (size_t i = 0; i < nsets; i++) {
		if (sets[i].nvalues == 1)
			ovr[nbase++] = (struct sc_override){ sets[i].path, sets[i].values[0] };
	}
	err = parse_one(file, text, len, ovr, nbase, "", &base, errors, why);
	if (err < 0)
		goto out;
	ncells = sweep_plan(base, sets, nsets, dims, &ndims, ovr, &nbase);
	if (ncells == 0) {
		why_set(why, "the sweep has too many cells (at most %u)",
				SC_MAX_MATRIX_CELLS);
		err = -E2BIG;
		goto out;
	}
	out = calloc(ncells, sizeof(*out));
	if (!out) {
		why_set(why, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	if (ndims == 0) {
		out[0].sc = base;
		base = NULL;
		goto out;
	}
	for (size_t i = 0; i < ncells; i++) {
		out[i].cell = cell_make(i, dims, ndims, ovr, nbase, suffix, sizeof(suffix));
		err = parse_one(file, text, len, ovr, nbase + ndims, suffix, &out[i].sc,
				errors, why);
		if (err < 0)
			goto out;
	}
out:
	scenario_free(base);
	if (err < 0) {
		sc_sweep_cells_free(out, ncells);
		return err;
	}
	*cells = out;
	return (int)ncells;
}

void sc_sweep_cells_free(struct sc_sweep_cell *cells, size_t n)
{
	if (!cells)
		return;
	for (size_t i = 0; i < n; i++) {
		scenario_free(cells[i].sc);
		json_decref(cells[i].cell);
	}
	free(cells);
}
