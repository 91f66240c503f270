/*
 * expect.c: the expect: mapping, app name -> what that app must see:
 *
 *   client: nothing                              the verdict alone
 *   server: { sees: timeout, after: 3s, before: 8s }   and when, since t0
 *
 * One expectation per app; after and before are optional (-1 when absent)
 * and after may not be later than before.
 */
#include <stdio.h>

#include "common/duration.h"
#include "scenario/internal.h"

static const char *const verdict_words[] = {
	"fin", "rst", "timeout", "unreachable", "refused", "nothing", NULL,
};

static bool read_verdict(struct sc_ctx *ctx, const yaml_node_t *n, enum sc_verdict *out)
{
	int i;

	if (!sc_read_word(ctx, n, "verdict", verdict_words, &i))
		return false;
	*out = (enum sc_verdict)sc_verdict_parse(verdict_words[i]);
	return true;
}

static void read_window(struct sc_ctx *ctx, struct sc_expect *e, const yaml_node_t *map)
{
	const yaml_node_t *n, *before;
	char a[32], b[32];

	if (!sc_check_keys(ctx, map, &sc_schema_expect, "expected a verdict (fin, rst, "
			   "timeout, unreachable, refused, nothing) or a mapping with sees:"))
		return;
	if ((n = sc_get(ctx, map, "sees")))
		read_verdict(ctx, n, &e->verdict);
	else
		sc_missing(ctx, map, "sees", "the verdict, like sees: timeout");
	if ((n = sc_get(ctx, map, "after")) && !sc_read_duration(ctx, n, "after", &e->after_us))
		e->after_us = -1;
	before = sc_get(ctx, map, "before");
	if (before && !sc_read_duration(ctx, before, "before", &e->before_us))
		e->before_us = -1;
	if (e->after_us >= 0 && e->before_us >= 0 && e->after_us > e->before_us)
		sc_error(ctx, before, "before: %s is earlier than after: %s",
			 duration_format(e->before_us, b, sizeof(b)),
			 duration_format(e->after_us, a, sizeof(a)));
}

void sc_read_expect(struct sc_ctx *ctx, const yaml_node_t *expect)
{
	struct scenario *sc = ctx->sc;
	size_t count = sc_map_len(expect);

	if (!expect || sc_is_null(expect))
		return;
	if (!sc_is_map(expect)) {
		sc_error(ctx, expect, "expected a mapping of app names to verdicts, not %s",
			 sc_node_kind(expect));
		return;
	}
	if (count > SC_MAX_APPS) {
		sc_error(ctx, expect, "too many expectations: %zu (at most one per app, %d)",
			 count, SC_MAX_APPS);
		return;
	}
	sc_check_duplicates(ctx, expect, "expectation for app");
	sc->expects = sc_calloc(ctx, count, sizeof(*sc->expects));
	if (!sc->expects)
		return;
	SC_FOR_PAIRS(p, expect) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		const yaml_node_t *value = sc_node(ctx, p->value);
		struct sc_expect *e = &sc->expects[sc->nexpects];
		int app = sc_find_app(ctx, key);
		bool repeated = false;

		if (app < 0)
			continue;
		for (size_t i = 0; i < sc->nexpects; i++)
			repeated |= sc->expects[i].app == app;
		if (repeated)
			continue;       /* reported as a duplicate */
		*e = (struct sc_expect){ .app = app, .line = sc_line(key), .col = sc_col(key),
					 .after_us = -1, .before_us = -1 };
		if (sc_is_map(value))
			read_window(ctx, e, value);
		else
			read_verdict(ctx, value, &e->verdict);
		sc->nexpects++;
	}
}
