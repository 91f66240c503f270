/*
 * node.c: small questions about libyaml document nodes (is it a mapping,
 * what is its text, which value has this key), so the section readers read
 * like the format they check.
 *
 * libyaml's loader leaves every scalar untyped (tag str), so "null", numbers
 * and booleans are told apart here and in values.c by their text and style.
 */
#include <string.h>

#include "scenario/internal.h"

yaml_node_t *sc_node(const struct sc_ctx *ctx, int id)
{
	return yaml_document_get_node(ctx->doc, id);
}

bool sc_is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool sc_is_list(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

bool sc_is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

bool sc_is_quoted(const yaml_node_t *n)
{
	return sc_is_scalar(n) && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
	       n->data.scalar.style != YAML_ANY_SCALAR_STYLE;
}

bool sc_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	const char *text;

	if (!sc_is_scalar(n) || sc_is_quoted(n))
		return false;
	text = (const char *)n->data.scalar.value;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(text, nulls[i]) == 0)
			return true;
	return false;
}

const char *sc_scalar(const yaml_node_t *n)
{
	return sc_is_scalar(n) ? (const char *)n->data.scalar.value : NULL;
}

size_t sc_map_len(const yaml_node_t *n)
{
	if (!sc_is_map(n))
		return 0;
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

size_t sc_list_len(const yaml_node_t *n)
{
	if (!sc_is_list(n))
		return 0;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static const yaml_node_pair_t *find_pair(const struct sc_ctx *ctx,
					 const yaml_node_t *map, const char *key)
{
	if (!sc_is_map(map))
		return NULL;
	SC_FOR_PAIRS(p, map) {
		const char *k = sc_scalar(sc_node(ctx, p->key));

		if (k && strcmp(k, key) == 0)
			return p;
	}
	return NULL;
}

yaml_node_t *sc_get(const struct sc_ctx *ctx, const yaml_node_t *map, const char *key)
{
	const yaml_node_pair_t *p = find_pair(ctx, map, key);

	return p ? sc_node(ctx, p->value) : NULL;
}

yaml_node_t *sc_get_key(const struct sc_ctx *ctx, const yaml_node_t *map, const char *key)
{
	const yaml_node_pair_t *p = find_pair(ctx, map, key);

	return p ? sc_node(ctx, p->key) : NULL;
}

const char *sc_quote(struct sc_quoted *q, const char *text)
{
	const size_t keep = sizeof(q->s) - 4;   /* room for "..." and NUL */
	size_t i;

	if (!text)
		text = "";
	for (i = 0; text[i] && i < keep; i++) {
		unsigned char c = (unsigned char)text[i];

		q->s[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (text[i]) {
		/* do not cut a UTF-8 sequence in half */
		while (i > 0 && ((unsigned char)text[i] & 0xc0) == 0x80)
			i--;
		memcpy(q->s + i, "...", 4);
	} else {
		q->s[i] = '\0';
	}
	return q->s;
}

int sc_line(const yaml_node_t *n)
{
	if (!n || n->start_mark.line == SC_OVERRIDE_LINE)
		return 0;
	return (int)n->start_mark.line + 1;
}

int sc_col(const yaml_node_t *n)
{
	if (!n || n->start_mark.line == SC_OVERRIDE_LINE)
		return 0;
	return (int)n->start_mark.column + 1;
}

const char *sc_node_kind(const yaml_node_t *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return sc_is_null(n) ? "nothing" : "a single value";
	default:
		return "nothing";
	}
}
