/*
 * predict.c: `netfaultctl predict FILE... [--set path=value] [--json]`:
 * what the timer model (theory/theory.h) says each app of each file sees
 * and when, without running anything: no daemon, no namespace. The files'
 * matrix: and multi-value --set make cells, as for run (scenario/sweep.h,
 * the daemon's own expansion); each cell is predicted with this machine's
 * kernel defaults (its uname release) under the hosts' sysctl:.
 *
 * Text, per cell:
 *   theory-keepalive.yaml: keepalive 2s/1s/3 against a powered-off client
 *     server   timeout at 5.090s
 *              keepalive: last activity 0.00 s + idle 2 s + 3 probes x ...
 *     client   the model does not apply: its own host powers off at 0.50 s ...
 * --json: one object per cell and line, {"file", "name", "cell", "apps":
 * [{"app", "host", "theory": {"verdict", "t", "why"}}]}, the members a
 * run's result has.
 */
#include "ctl/predict.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "scenario/sweep.h"
#include "scenario/scenario.h"
#include "theory/theory.h"

#define PREDICT_WHO_WIDTH 8

static json_t *cell_json(const struct scenario *sc, const json_t *cell,
			 const struct theory_kernel *k)
{
	json_t *apps = json_array();

	for (size_t i = 0; apps && i < sc->napps; i++) {
		struct theory_result res;

		theory_app(sc, i, k, NULL, &res);
		json_array_append_new(apps, json_pack("{s:s, s:s, s:{s:o, s:o, s:s}}",
			"app", sc->apps[i].name, "host", sc->hosts[sc->apps[i].host].name,
			"theory",
			"verdict", res.applies ? json_string(sc_verdict_name(res.verdict)) : json_null(),
			"t", res.applies && res.t_us >= 0 ? json_real((double)res.t_us / 1e6) : json_null(),
			"why", res.why));
	}
	return json_pack("{s:s, s:s, s:O, s:o}", "file", sc->file ? sc->file : "",
			 "name", sc->name ? sc->name : "", "cell", cell ? cell : json_null(),
			 "apps", apps ? apps : json_array());
}

static void cell_text(FILE *out, json_t *c)
{
	json_t *cell = json_object_get(c, "cell"), *app, *value;
	const char *path;
	size_t i;

	fprintf(out, "%s: %s\n", json_string_value(json_object_get(c, "file")),
		json_string_value(json_object_get(c, "name")));
	if (json_is_object(cell)) {
		fprintf(out, "  cell");
		json_object_foreach(cell, path, value)
			fprintf(out, " %s=%s", path, json_string_value(value));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(c, "apps"), i, app) {
		const json_t *th = json_object_get(app, "theory");
		const json_t *t = json_object_get(th, "t");
		const char *verdict = json_string_value(json_object_get(th, "verdict"));

		fprintf(out, "  %-*s ", PREDICT_WHO_WIDTH,
			json_string_value(json_object_get(app, "app")));
		if (!verdict)
			fprintf(out, "the model does not apply: ");
		else if (json_is_number(t))
			fprintf(out, "%s at %.3fs\n  %*s ", verdict, json_number_value(t),
				PREDICT_WHO_WIDTH, "");
		else
			fprintf(out, "%s\n  %*s ", verdict, PREDICT_WHO_WIDTH, "");
		fprintf(out, "%s\n", json_string_value(json_object_get(th, "why")));
	}
}

/* Prints each cell of the expanded sweep CELLS (N of them); 0, or 2 after
 * saying why. */
static int cells_print(const struct sc_sweep_cell *cells, int n, const struct ctl_command *cmd,
		       const struct theory_kernel *k)
{
	for (int c = 0; c < n; c++) {
		json_t *o = cell_json(cells[c].sc, cells[c].cell, k);

		if (!o) {
			fprintf(stderr, "netfaultctl: out of memory\n");
			return 2;
		}
		if (cmd->json) {
			json_dumpf(o, stdout, JSON_COMPACT);
			fputc('\n', stdout);
		} else {
			cell_text(stdout, o);
		}
		json_decref(o);
	}
	return 0;
}

static int predict_file(const char *file, const struct ctl_command *cmd,
			const struct theory_kernel *k)
{
	struct sc_sweep_set sets[2 * SC_MAX_MATRIX_KEYS];
	const char *values[2 * SC_MAX_MATRIX_KEYS][SC_MAX_MATRIX_VALUES];
	struct sc_sweep_cell *cells = NULL;
	json_t *errors = NULL, *e;
	char why[SC_SWEEP_WHY_MAX];
	char *text = NULL;
	size_t len = 0, i;
	int n = 0, status = 2, err;

	if (cmd->nsets > sizeof(sets) / sizeof(sets[0])) {
		fprintf(stderr, "netfaultctl: too many --set paths\n");
		goto out;
	}
	for (i = 0; i < cmd->nsets; i++) {
		if (cmd->sets[i].nvalues > SC_MAX_MATRIX_VALUES) {
			fprintf(stderr, "netfaultctl: --set %s: more than %u values\n",
				cmd->sets[i].path, SC_MAX_MATRIX_VALUES);
			goto out;
		}
		for (size_t v = 0; v < cmd->sets[i].nvalues; v++)
			values[i][v] = cmd->sets[i].values[v];
		sets[i] = (struct sc_sweep_set){ cmd->sets[i].path, values[i], cmd->sets[i].nvalues };
	}
	err = scenario_read_text(file, &text, &len);
	if (err < 0) {
		fprintf(stderr, "netfaultctl: %s: %s\n", file, strerror(-err));
		goto out;
	}
	n = sc_sweep_expand(file, text, len, sets, cmd->nsets, &cells, &errors, why);
	if (n < 0) {
		json_array_foreach(errors, i, e)
			fprintf(stderr, "%s\n", json_string_value(e));
		if (why[0])
			fprintf(stderr, "netfaultctl: %s: %s\n", file, why);
		goto out;
	}
	status = cells_print(cells, n, cmd, k);
out:
	if (n > 0)
		sc_sweep_cells_free(cells, (size_t)n);
	json_decref(errors);
	free(text);
	return status;
}

int predict_command(const struct ctl_command *cmd)
{
	struct theory_kernel k;
	struct utsname u;
	int status = 0;

	theory_kernel_release(&k, uname(&u) == 0 ? u.release : "");
	for (size_t i = 0; i < cmd->nfiles; i++) {
		int s = predict_file(cmd->files[i], cmd, &k);

		if (s > status)
			status = s;
	}
	fflush(stdout);
	return status;
}
