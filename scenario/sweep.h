/*
 * sweep.h: a scenario's text and --set values as the runs to make, the
 * cells of a sweep: the daemon's run request (daemon/requests.c) and
 * netfaultctl predict expand them alike. Each set path with one value overrides the document; a path with
 * several values, and each key of the scenario's `matrix:` that no set
 * overrides, is a dimension; one run (a cell) per combination, at most
 * SC_MAX_MATRIX_CELLS. Every cell is parsed here, so a bad value is refused
 * before anything runs.
 */
#ifndef NETFAULT_SCENARIO_SWEEP_H
#define NETFAULT_SCENARIO_SWEEP_H

#include <jansson.h>
#include <stddef.h>

struct scenario;

struct sc_sweep_set {
	const char *path;
	const char **values;
	size_t nvalues;
};

struct sc_sweep_cell {
	struct scenario *sc;
	json_t *cell;          /* {path: value}; NULL when nothing is swept */
};

/*
 * Returns the number of cells (>= 1) in *cells, or a negative errno with
 * *errors (a JSON array of "file:line:col: message" texts, -EINVAL) or
 * WHY (a short text, other errors) set. WHY has SC_SWEEP_WHY_MAX bytes.
 */
#define SC_SWEEP_WHY_MAX 128
int sc_sweep_expand(const char *file, const char *text, size_t len,
		    const struct sc_sweep_set *sets, size_t nsets,
		    struct sc_sweep_cell **cells, json_t **errors, char *why);
/* Frees the cells and what they still own. */
void sc_sweep_cells_free(struct sc_sweep_cell *cells, size_t n);

#endif
