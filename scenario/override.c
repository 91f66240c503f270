/*
 * override.c: applies "--set PATH=VALUE" overrides to the loaded document,
 * before any section reads it, so an overridden value is checked exactly
 * like one written in the file.
 *
 * VALUE is YAML text ("2s", "3", "{ idle: 1s }"); it is loaded as a small
 * document of its own and its nodes copied into the scenario's document at
 * PATH (paths.c), replacing what was there or creating the keys on the way.
 * Every node an override adds carries a mark naming the override instead
 * of a place in the file, so later errors about it say "--set PATH=VALUE".
 * The path is checked whole before the document changes, so a bad path
 * leaves the document as it was.
 */
#include <errno.h>
#include <string.h>

#include "scenario/internal.h"

#define OVERRIDE_MAX_DEPTH 16
#define OVERRIDE_MAX_NODES 4096

struct copy {
	struct sc_ctx *ctx;
	yaml_document_t *from;
	yaml_mark_t mark;
	size_t nodes;
};

static int mark_node(struct copy *c, int id)
{
	yaml_node_t *n;

	if (!id)
		return -ENOMEM;
	n = sc_node(c->ctx, id);
	n->start_mark = c->mark;
	n->end_mark = c->mark;
	return id;
}

/* Copies node ID of c->from into the scenario document; the new id. */
static int copy_node(struct copy *c, int id, int depth)
{
	yaml_node_t *n = yaml_document_get_node(c->from, id);
	yaml_document_t *to = c->ctx->doc;
	int new_id;

	if (!n)
		return -EINVAL;
	if (depth > OVERRIDE_MAX_DEPTH || ++c->nodes > OVERRIDE_MAX_NODES)
		return -E2BIG;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return mark_node(c, yaml_document_add_scalar(to, NULL, n->data.scalar.value,
				 (int)n->data.scalar.length, n->data.scalar.style));
	case YAML_SEQUENCE_NODE:
		new_id = mark_node(c, yaml_document_add_sequence(to, NULL,
				   YAML_FLOW_SEQUENCE_STYLE));
		for (size_t i = 0; new_id > 0 && i < sc_list_len(n); i++) {
			int item;

			/* re-read: the source document does not move, N stays valid */
			item = copy_node(c, n->data.sequence.items.start[i], depth + 1);
			if (item < 0)
				return item;
			if (!yaml_document_append_sequence_item(to, new_id, item))
				return -ENOMEM;
		}
		return new_id;
	case YAML_MAPPING_NODE:
		new_id = mark_node(c, yaml_document_add_mapping(to, NULL,
				   YAML_FLOW_MAPPING_STYLE));
		for (size_t i = 0; new_id > 0 && i < sc_map_len(n); i++) {
			int key, value;

			key = copy_node(c, n->data.mapping.pairs.start[i].key, depth + 1);
			if (key < 0)
				return key;
			value = copy_node(c, n->data.mapping.pairs.start[i].value, depth + 1);
			if (value < 0)
				return value;
			if (!yaml_document_append_mapping_pair(to, new_id, key, value))
				return -ENOMEM;
		}
		return new_id;
	default:
		return -EINVAL;
	}
}

/* Loads VALUE and copies it into the document; the new node id or -errno. */
static int load_value(struct sc_ctx *ctx, const yaml_node_t *place, const char *value,
		      yaml_mark_t mark)
{
	struct copy c = { .ctx = ctx, .mark = mark };
	yaml_parser_t parser;
	yaml_document_t from;
	int id;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)value, strlen(value));
	if (!yaml_parser_load(&parser, &from)) {
		id = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		if (id == -EINVAL)
			sc_error(ctx, place, "the value is not valid YAML: %s",
				 parser.problem ? parser.problem : "unreadable text");
		yaml_parser_delete(&parser);
		return id;
	}
	c.from = &from;
	if (!yaml_document_get_root_node(&from))
		id = mark_node(&c, yaml_document_add_scalar(ctx->doc, NULL,
				(const yaml_char_t *)"", 0, YAML_PLAIN_SCALAR_STYLE));
	else
		id = copy_node(&c, 1, 0);
	if (id == -E2BIG) {
		sc_error(ctx, place, "the value is too large or too deeply nested");
		id = -EINVAL;
	}
	yaml_document_delete(&from);
	yaml_parser_delete(&parser);
	return id;
}

static int apply_one(struct sc_ctx *ctx, size_t i)
{
	const struct sc_override *o = &ctx->ovr[i];
	yaml_mark_t mark = { .index = 0, .line = SC_OVERRIDE_LINE, .column = i };
	/* stands for the override in error messages */
	yaml_node_t place = { .type = YAML_SCALAR_NODE, .start_mark = mark };
	char why[256];
	int value_id, r;

	if (!o->path || !o->path[0] || !o->value) {
		sc_error(ctx, &place, "expected PATH=VALUE, like apps.server.listen=5000");
		return 0;
	}
	if (strlen(o->value) > SC_MAX_STRING) {
		sc_error(ctx, &place, "the value is longer than %u bytes", (unsigned)SC_MAX_STRING);
		return 0;
	}
	r = sc_path_follow(ctx, o->path, SC_PATH_CHECK, 0, mark, NULL, why, sizeof(why));
	if (r == -EINVAL) {
		sc_error(ctx, &place, "%s", why);
		return 0;
	}
	if (r < 0)
		return r;
	value_id = load_value(ctx, &place, o->value, mark);
	if (value_id == -EINVAL)
		return 0;
	if (value_id < 0)
		return value_id;
	r = sc_path_follow(ctx, o->path, SC_PATH_SET, value_id, mark, NULL, why, sizeof(why));
	if (r == -EINVAL) {
		sc_error(ctx, &place, "%s", why);
		return 0;
	}
	return r;
}

int sc_apply_overrides(struct sc_ctx *ctx)
{
	for (size_t i = 0; i < ctx->novr; i++) {
		int r = apply_one(ctx, i);

		if (r < 0) {
			if (r == -ENOMEM)
				sc_nomem(ctx);
			return r;
		}
	}
	return 0;
}
