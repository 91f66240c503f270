/*
 * errors.c: the parser's error list, and how an error is printed.
 *
 * Every reader reports through sc_error() with the YAML node the error is
 * about; the node's start mark gives the 1-based line and column. Nodes an
 * override (--set) put into the document carry no place in the file, so
 * their errors name the override instead. The list holds the first
 * SC_MAX_ERRORS errors and counts the rest; scenario_parse sorts it by
 * position before handing it back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

void sc_nomem(struct sc_ctx *ctx)
{
	if (!ctx->failure)
		ctx->failure = -ENOMEM;
}

static void add_error(struct sc_ctx *ctx, int line, int col, const char *prefix,
		      const char *fmt, va_list ap)
{
	struct sc_errors *errs = ctx->errs;
	struct sc_error *e;
	size_t used;

	if (errs->n >= SC_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	if (!errs->v) {
		errs->v = calloc(SC_MAX_ERRORS, sizeof(*errs->v));
		if (!errs->v) {
			sc_nomem(ctx);
			return;
		}
	}
	e = &errs->v[errs->n++];
	e->line = line;
	e->col = col;
	snprintf(e->msg, sizeof(e->msg), "%s", prefix);
	used = strlen(e->msg);
	vsnprintf(e->msg + used, sizeof(e->msg) - used, fmt, ap);
}

void sc_error_at(struct sc_ctx *ctx, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(ctx, line, col, "", fmt, ap);
	va_end(ap);
}

void sc_error(struct sc_ctx *ctx, const yaml_node_t *node, const char *fmt, ...)
{
	char prefix[160] = "";
	int line = 0, col = 0;
	va_list ap;

	if (node && node->start_mark.line == SC_OVERRIDE_LINE) {
		size_t i = node->start_mark.column;
		struct sc_quoted qp, qv;

		if (i < ctx->novr)
			snprintf(prefix, sizeof(prefix), "--set %s=%s: ",
				 sc_quote(&qp, ctx->ovr[i].path),
				 sc_quote(&qv, ctx->ovr[i].value));
	} else if (node) {
		line = sc_line(node);
		col = sc_col(node);
	}
	va_start(ap, fmt);
	add_error(ctx, line, col, prefix, fmt, ap);
	va_end(ap);
}

/* Insertion sort: stable, and the list is short (SC_MAX_ERRORS). */
void sc_errors_sort(struct sc_errors *errs)
{
	for (size_t i = 1; i < errs->n; i++) {
		struct sc_error e = errs->v[i];
		size_t j = i;

		while (j > 0 && (errs->v[j - 1].line > e.line ||
				 (errs->v[j - 1].line == e.line && errs->v[j - 1].col > e.col))) {
			errs->v[j] = errs->v[j - 1];
			j--;
		}
		errs->v[j] = e;
	}
}

void sc_errors_free(struct sc_errors *errs)
{
	if (!errs)
		return;
	free(errs->file);
	free(errs->v);
	errs->file = NULL;
	errs->v = NULL;
	errs->n = 0;
	errs->dropped = 0;
}

const char *sc_error_format(const struct sc_errors *errs, size_t i, char *buf, size_t len)
{
	const char *file = errs->file ? errs->file : "scenario";

	if (len == 0)
		return buf;
	if (i < errs->n && errs->v[i].line > 0)
		snprintf(buf, len, "%s:%d:%d: %s", file, errs->v[i].line,
			 errs->v[i].col, errs->v[i].msg);
	else if (i < errs->n)
		snprintf(buf, len, "%s: %s", file, errs->v[i].msg);
	else if (i == errs->n && errs->dropped > 0)
		snprintf(buf, len, "%s: %zu more error%s not shown", file,
			 errs->dropped, errs->dropped == 1 ? "" : "s");
	else
		buf[0] = '\0';
	return buf;
}
