/*
 * sweepcsv.c: a sweep as CSV (see sweepcsv.h). The columns:
 *
 *   file, cell (1...), repeat (1...), run (its id), one per swept path
 *   (its value in that cell), app, verdict, t (this run's, seconds since
 *   t0; empty for nothing), cell_verdict (the one most of the cell's runs
 *   saw), t_median, t_min, t_max (the cell's, over the runs that saw
 *   cell_verdict), theory_verdict, theory_t (the model's, this run's;
 *   empty where it has none), retransmissions, keepalive_probes (what the
 *   app's host sent again in this run; empty when nothing was observed),
 *   result (PASS, FAIL, or the run's state).
 *
 * Times have millisecond digits and more (%.6f). A field with a comma, a
 * quote or a line end is quoted, its quotes doubled.
 */
#include "ctl/sweepcsv.h"

#include <errno.h>
#include <string.h>

#include "common/protocol.h"
#include "ctl/member.h"

static void field(FILE *out, const char *text, bool last)
{
	if (strpbrk(text, ",\"\r\n")) {
		fputc('"', out);
		for (const char *p = text; *p; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	} else {
		fputs(text, out);
	}
	fputc(last ? '\n' : ',', out);
}

static void number(FILE *out, const json_t *value, bool last)
{
	char text[32] = "";

	if (json_is_integer(value))
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(value));
	else if (json_is_number(value))
		snprintf(text, sizeof(text), "%.6f", json_number_value(value));
	field(out, text, last);
}

static void seconds(FILE *out, bool has, double t)
{
	char text[32] = "";

	if (has)
		snprintf(text, sizeof(text), "%.6f", t);
	field(out, text, false);
}

static void header_line(FILE *out, const struct sweep_report *rep)
{
	static const char *const cols[] = {
		"app", "verdict", "t", "cell_verdict", "t_median", "t_min", "t_max",
		"theory_verdict", "theory_t", "retransmissions", "keepalive_probes", "result",
	};
	json_t *key;
	size_t i;

	fputs("file,cell,repeat,run,", out);
	json_array_foreach(rep->keys, i, key)
		field(out, json_string_value(key), false);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		field(out, cols[i], i + 1 == sizeof(cols) / sizeof(cols[0]));
}

static const char *run_result(const struct run_record *r)
{
	if (!r->result)
		return "ERROR";
	if (strcmp(r->state, NF_STATE_PASSED) == 0)
		return "PASS";
	if (strcmp(r->state, NF_STATE_FAILED) == 0)
		return "FAIL";
	return r->state;
}

static void row(FILE *out, const struct sweep_report *rep, size_t c, size_t k, size_t a)
{
	const struct sweep_cell_stat *cell = &rep->cells[c];
	const struct sweep_app_stat *st = &cell->apps[a];
	const struct run_record *r = cell->runs[k];
	const json_t *app = sweep_run_app(r, json_string_value(json_array_get(rep->apps, a)));
	const json_t *theory = json_object_get(app, "theory");
	const json_t *wire = json_object_get(app, "wire");
	json_t *key;
	size_t i;

	field(out, rep->file, false);
	fprintf(out, "%zu,%zu,%u,", c + 1, k + 1, r->id);
	json_array_foreach(rep->keys, i, key)
		field(out, member(cell->cell, json_string_value(key)), false);
	field(out, json_string_value(json_array_get(rep->apps, a)), false);
	field(out, member(app, "verdict"), false);
	number(out, json_object_get(app, "t"), false);
	field(out, st->verdict ? st->verdict : "", false);
	seconds(out, st->nt > 0, st->t_median);
	seconds(out, st->nt > 0, st->t_min);
	seconds(out, st->nt > 0, st->t_max);
	field(out, member(theory, "verdict"), false);
	number(out, json_object_get(theory, "t"), false);
	number(out, json_object_get(wire, "retransmissions"), false);
	number(out, json_object_get(wire, "keepalive_probes"), false);
	field(out, run_result(r), true);
}

int sweep_csv_write(FILE *out, const struct sweep_report *rep, bool header)
{
	if (header)
		header_line(out, rep);
	for (size_t c = 0; c < rep->ncells; c++) {
		for (size_t k = 0; k < rep->cells[c].nruns; k++) {
			for (size_t a = 0; a < json_array_size(rep->apps); a++)
				row(out, rep, c, k, a);
		}
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "netfaultctl: writing the CSV: %s\n", strerror(errno));
		return -EIO;
	}
	return 0;
}
