/*
 * matrix.c: the top-level matrix: of a sweep, dotted key path -> list of
 * values. The run is repeated for every combination; each cell is the same
 * text parsed again with the cell's values applied as overrides, so here
 * the paths are checked against the key tree and the file (paths.c), the
 * values are checked for their key's type where it has one (a duration, a
 * number ...), and the limits on keys, values and cells are kept.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scenario/internal.h"

/* Checks one value against the type its path takes; reports a bad one. */
static void check_value(struct sc_ctx *ctx, const yaml_node_t *n, const struct sc_schema *leaf)
{
	uint64_t u;
	int64_t d;
	double pct;
	bool b;
	int port;

	switch (leaf->value) {
	case SC_VALUE_DURATION:
		sc_read_duration(ctx, n, leaf->name, &d);
		break;
	case SC_VALUE_DURATION_OR_OFF:
		if (strcmp(sc_scalar(n), "off") != 0)
			sc_read_duration(ctx, n, leaf->name, &d);
		break;
	case SC_VALUE_NUMBER:
		sc_read_uint(ctx, n, leaf->name, 0, UINT64_MAX, &u);
		break;
	case SC_VALUE_PORT:
		sc_read_port(ctx, n, leaf->name, &port);
		break;
	case SC_VALUE_PERCENT:
		sc_read_percent(ctx, n, leaf->name, &pct);
		break;
	case SC_VALUE_RATE:
		sc_read_rate(ctx, n, leaf->name, &u);
		break;
	case SC_VALUE_BOOL:
		sc_read_bool(ctx, n, leaf->name, &b);
		break;
	default:
		break;
	}
}

static void read_values(struct sc_ctx *ctx, struct sc_matrix_key *m, const yaml_node_t *list,
			const struct sc_schema *leaf)
{
	size_t count = sc_list_len(list);

	if (!sc_is_list(list) || count == 0) {
		sc_error(ctx, list, "expected a list of values, like [1s, 2s, 4s]");
		return;
	}
	if (count > SC_MAX_MATRIX_VALUES) {
		sc_error(ctx, list, "too many values: %zu (at most %d)", count,
			 SC_MAX_MATRIX_VALUES);
		return;
	}
	m->values = sc_calloc(ctx, count, sizeof(*m->values));
	if (!m->values)
		return;
	SC_FOR_ITEMS(it, list) {
		const yaml_node_t *n = sc_node(ctx, *it);

		if (!sc_is_scalar(n) || sc_is_null(n)) {
			sc_error(ctx, n, "expected a single value, not %s", sc_node_kind(n));
			continue;
		}
		if (leaf)
			check_value(ctx, n, leaf);
		if (!sc_read_text(ctx, n, "a value", false, &m->values[m->nvalues]))
			continue;
		m->nvalues++;
	}
}

void sc_read_matrix(struct sc_ctx *ctx, const yaml_node_t *matrix)
{
	struct scenario *sc = ctx->sc;
	size_t count = sc_map_len(matrix), cells = 1;

	if (!matrix || sc_is_null(matrix))
		return;
	if (!sc_is_map(matrix)) {
		sc_error(ctx, matrix, "expected a mapping of dotted key paths to lists of "
			 "values, not %s", sc_node_kind(matrix));
		return;
	}
	if (count > SC_MAX_MATRIX_KEYS) {
		sc_error(ctx, matrix, "too many matrix keys: %zu (at most %d)", count,
			 SC_MAX_MATRIX_KEYS);
		return;
	}
	sc_check_duplicates(ctx, matrix, "matrix key");
	sc->matrix = sc_calloc(ctx, count, sizeof(*sc->matrix));
	if (!sc->matrix)
		return;
	SC_FOR_PAIRS(p, matrix) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		struct sc_matrix_key *m = &sc->matrix[sc->nmatrix];
		const struct sc_schema *leaf = NULL;
		yaml_mark_t none = { 0 };
		char why[256];
		int r;

		if (!sc_is_scalar(key) || sc_is_null(key)) {
			sc_error(ctx, key, "expected a dotted key path, not %s", sc_node_kind(key));
			continue;
		}
		r = sc_path_follow(ctx, sc_scalar(key), SC_PATH_CHECK, 0, none, &leaf,
				   why, sizeof(why));
		if (r == -EINVAL) {
			sc_error(ctx, key, "%s", why);
			leaf = NULL;
		} else if (r < 0) {
			sc_nomem(ctx);
			return;
		} else if (leaf->value == SC_VALUE_NONE) {
			sc_error(ctx, key, "%s takes keys, not a single value: name one of them",
				 sc_scalar(key));
			leaf = NULL;
		}
		m->line = sc_line(key);
		m->col = sc_col(key);
		m->path = sc_strdup(ctx, sc_scalar(key));
		if (!m->path)
			return;
		sc->nmatrix++;
		read_values(ctx, m, sc_node(ctx, p->value), leaf);
		if (m->nvalues > 0)
			cells *= m->nvalues;   /* at most 64^8: no overflow */
	}
	if (cells > SC_MAX_MATRIX_CELLS)
		sc_error(ctx, matrix, "the matrix makes %zu runs (at most %d)", cells,
			 SC_MAX_MATRIX_CELLS);
}
