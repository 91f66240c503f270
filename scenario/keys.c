/*
 * keys.c: checks the keys of one mapping against the key tree (schema.c):
 * every key must be a known one, written once. An unknown key is reported
 * with the nearest valid key ("did you mean user_timeout?") or, when none
 * is close, the list of valid keys. libyaml keeps repeated keys of a
 * mapping, so repeats are found here.
 *
 * The section readers call sc_check_keys first and then simply ask for the
 * keys they know (sc_get), so an unknown or repeated key is reported once
 * and otherwise ignored.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/internal.h"

#define MAX_SCHEMA_KEYS 32

void sc_report_duplicate(struct sc_ctx *ctx, const yaml_node_t *key, const char *noun,
			 const yaml_node_t *first)
{
	struct sc_quoted q;
	char where[32];

	if (first->start_mark.line == SC_OVERRIDE_LINE)
		snprintf(where, sizeof(where), "a --set override");
	else
		snprintf(where, sizeof(where), "%d:%d", sc_line(first), sc_col(first));
	sc_error(ctx, key, "duplicate %s \"%s\" (first at %s)", noun,
		 sc_quote(&q, sc_scalar(key)), where);
}

static void report_unknown_key(struct sc_ctx *ctx, const yaml_node_t *key,
			       const struct sc_schema *s)
{
	const char *names[MAX_SCHEMA_KEYS];
	size_t n = sc_schema_names(s, names, MAX_SCHEMA_KEYS, false);
	struct sc_quoted q;
	char msg[256];

	snprintf(msg, sizeof(msg), "unknown key \"%s\"", sc_quote(&q, sc_scalar(key)));
	sc_hint(msg, sizeof(msg), sc_scalar(key), names, n);
	sc_error(ctx, key, "%s", msg);
}

bool sc_check_keys(struct sc_ctx *ctx, const yaml_node_t *n,
		   const struct sc_schema *s, const char *expected)
{
	const yaml_node_t *first[MAX_SCHEMA_KEYS] = { NULL };

	if (sc_is_null(n))
		return true;
	if (!sc_is_map(n)) {
		sc_error(ctx, n, "%s, not %s", expected, sc_node_kind(n));
		return false;
	}
	SC_FOR_PAIRS(p, n) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		const struct sc_schema *child;
		size_t index;

		if (!sc_is_scalar(key) || sc_is_null(key)) {
			sc_error(ctx, key, "expected a key name, not %s", sc_node_kind(key));
			continue;
		}
		child = sc_schema_child(s, sc_scalar(key));
		if (!child) {
			report_unknown_key(ctx, key, s);
			continue;
		}
		index = (size_t)(child - s->keys);
		if (index >= MAX_SCHEMA_KEYS)
			continue;
		if (first[index]) {
			sc_report_duplicate(ctx, key, "key", first[index]);
			continue;
		}
		first[index] = key;
	}
	return true;
}

void sc_check_duplicates(struct sc_ctx *ctx, const yaml_node_t *n, const char *noun)
{
	if (!sc_is_map(n))
		return;
	SC_FOR_PAIRS(p, n) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		const char *text = sc_scalar(key);

		if (!text)
			continue;
		for (const yaml_node_pair_t *e = n->data.mapping.pairs.start; e < p; e++) {
			const yaml_node_t *earlier = sc_node(ctx, e->key);
			const char *etext = sc_scalar(earlier);

			if (etext && strcmp(etext, text) == 0) {
				sc_report_duplicate(ctx, key, noun, earlier);
				break;
			}
		}
	}
}

void sc_missing(struct sc_ctx *ctx, const yaml_node_t *n, const char *key,
		const char *hint)
{
	if (hint)
		sc_error(ctx, n, "missing key \"%s\" (%s)", key, hint);
	else
		sc_error(ctx, n, "missing key \"%s\"", key);
}
