/*
 * fuzz_scenario.c: libFuzzer target for the scenario parser and its --set
 * overrides (scenario/scenario.h).
 *
 * The input is a scenario file, optionally preceded by override lines:
 *
 *   #set apps.server.tcp.user_timeout=3s
 *   #set duration=[1, 2]
 *   name: ...
 *
 * Up to FUZZ_MAX_OVERRIDES leading lines that start with "#set " become
 * struct sc_override entries (a line without '=' gives a NULL value, which
 * the parser must refuse cleanly); the YAML text is the rest, handed over
 * without a terminating NUL exactly as libFuzzer gives it, so ASan catches
 * any read past LEN. Since "#set" lines are YAML comments, every seed stays
 * a valid scenario file.
 *
 * Beyond "no crash, no leak, no undefined behaviour" the target checks what
 * scenario_parse promises: a model exactly on success, at least one error on
 * -EINVAL, and names resolved into indexes that stay in range.
 *
 * tests/fuzz/run reads these lines:
 * FUZZ-SEEDS: scenarios tests/cli/data
 * FUZZ-MAX-LEN: 65536
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

#define FUZZ_MAX_OVERRIDES 4
#define FUZZ_SET_PREFIX "#set "

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash libFuzzer keeps as an artifact. */
#define fuzz_assert(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_scenario: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

struct overrides {
	struct sc_override v[FUZZ_MAX_OVERRIDES];
	char *line[FUZZ_MAX_OVERRIDES];
	size_t n;
};

/* Takes the leading "#set" lines off DATA; returns how many bytes they had. */
static size_t take_overrides(const uint8_t *data, size_t size, struct overrides *o)
{
	size_t off = 0, plen = strlen(FUZZ_SET_PREFIX);

	while (o->n < FUZZ_MAX_OVERRIDES && size - off >= plen &&
	       memcmp(data + off, FUZZ_SET_PREFIX, plen) == 0) {
		const uint8_t *start = data + off + plen;
		const uint8_t *nl = memchr(start, '\n', size - off - plen);
		size_t len = nl ? (size_t)(nl - start) : size - off - plen;
		char *line = malloc(len + 1), *eq;

		if (!line)
			abort();
		memcpy(line, start, len);
		line[len] = '\0';   /* an embedded NUL just ends it early */
		eq = strchr(line, '=');
		if (eq)
			*eq = '\0';
		o->line[o->n] = line;
		o->v[o->n].path = line;
		o->v[o->n].value = eq ? eq + 1 : NULL;
		o->n++;
		off += plen + len + (nl ? 1 : 0);
	}
	return off;
}

static void check_model(const struct scenario *sc)
{
	fuzz_assert(sc->file && sc->name && sc->name[0]);
	fuzz_assert(sc->duration_us > 0 && sc->duration_us <= SC_MAX_DURATION);
	fuzz_assert(sc->nhosts > 0 && sc->nhosts <= SC_MAX_HOSTS);
	fuzz_assert(sc->napps <= SC_MAX_APPS && sc->nfaults <= SC_MAX_FAULTS);
	for (size_t i = 0; i < sc->nhosts; i++)
		fuzz_assert(scenario_host_find(sc, sc->hosts[i].name) == (int)i);
	for (size_t i = 0; i < sc->napps; i++) {
		const struct sc_app *a = &sc->apps[i];

		fuzz_assert(scenario_app_find(sc, a->name) == (int)i);
		fuzz_assert(a->host >= 0 && (size_t)a->host < sc->nhosts);
		fuzz_assert(a->target_host >= -1 && a->target_host < (int)sc->nhosts);
		for (size_t s = 0; s < a->nsteps; s++)
			fuzz_assert(strcmp(sc_step_name(a->steps[s].kind), "?") != 0);
	}
	for (size_t i = 0; i < sc->nfaults; i++) {
		const struct sc_fault *f = &sc->faults[i];

		fuzz_assert(f->host >= -1 && f->host < (int)sc->nhosts);
		fuzz_assert(f->app >= -1 && f->app < (int)sc->napps);
		fuzz_assert(i == 0 || sc->faults[i - 1].at_us <= f->at_us);
		fuzz_assert(strcmp(sc_fault_name(f->kind), "?") != 0);
	}
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct sc_expect *e = &sc->expects[i];

		fuzz_assert(e->app >= 0 && (size_t)e->app < sc->napps);
		fuzz_assert(strcmp(sc_verdict_name(e->verdict), "?") != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct overrides o = { .n = 0 };
	size_t skip = take_overrides(data, size, &o);
	struct scenario *sc = NULL;
	struct sc_errors errs;
	char buf[512];
	int r;

	r = scenario_parse("fuzz.yaml", (const char *)data + skip, size - skip,
			   o.v, o.n, &sc, &errs);
	fuzz_assert(r == 0 || r == -EINVAL || r == -ENOMEM || r == -EFBIG);
	if (r == 0) {
		fuzz_assert(sc != NULL && errs.n == 0 && errs.dropped == 0);
		check_model(sc);
	} else {
		fuzz_assert(sc == NULL);
		fuzz_assert(r != -EINVAL || errs.n > 0);
	}
	fuzz_assert(errs.n <= SC_MAX_ERRORS);
	for (size_t i = 0; i <= errs.n + 1; i++) {
		const char *text = sc_error_format(&errs, i, buf, sizeof(buf));

		fuzz_assert(text != NULL && strlen(text) < sizeof(buf));
	}
	scenario_free(sc);
	sc_errors_free(&errs);
	for (size_t i = 0; i < o.n; i++)
		free(o.line[i]);
	return 0;
}
