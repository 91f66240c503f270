/*
 * paths.c: dotted key paths ("apps.server.tcp.keepalive.idle") as --set
 * overrides and matrix: keys write them, followed through the key tree
 * (schema.c) and the document at once.
 *
 * A path segment is a key of the format, a network, host or app name that
 * the file defines (networks.NAME, hosts.NAME, hosts.NAME.addr.NETWORK,
 * apps.NAME, expect.APP), a 0-based index into a list
 * that has that many items (faults.0, apps.NAME.steps.2), or, under sysctl,
 * the rest of the path as one name (hosts.NAME.sysctl.net.ipv4.tcp_retries2).
 *
 * In SET mode missing keys on the way are created as mappings, and the node
 * at the end is replaced (or added); nothing is created in CHECK mode. Node
 * ids stay valid while libyaml grows the document, node pointers do not, so
 * this file keeps ids and looks nodes up again after every addition.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

#define MAX_SCHEMA_KEYS 32

/* Where the current node hangs: a pair's value or a list item. */
struct slot {
	int parent;          /* node id, 0 for the root */
	bool is_item;
	size_t index;
};

struct walk {
	struct sc_ctx *ctx;
	enum sc_path_mode mode;
	yaml_mark_t mark;
	int node;            /* current node id; 0 = absent (CHECK mode) */
	struct slot slot;
	char done[SC_MAX_STRING + 1];  /* the path so far, for messages */
	char *why;
	size_t whylen;
};

static void set_slot(struct walk *w, int id)
{
	yaml_node_t *parent = sc_node(w->ctx, w->slot.parent);

	if (!parent)
		return;
	if (w->slot.is_item)
		parent->data.sequence.items.start[w->slot.index] = id;
	else
		parent->data.mapping.pairs.start[w->slot.index].value = id;
}

static int add_marked(struct walk *w, int id)
{
	yaml_node_t *n;

	if (!id)
		return -ENOMEM;
	n = sc_node(w->ctx, id);
	n->start_mark = w->mark;
	n->end_mark = w->mark;
	return id;
}

static int new_mapping(struct walk *w)
{
	return add_marked(w, yaml_document_add_mapping(w->ctx->doc, NULL,
						       YAML_FLOW_MAPPING_STYLE));
}

/*
 * The current node must take keys: a mapping, or a key written with no
 * value, which SET mode turns into an empty mapping (CHECK mode leaves it,
 * and the caller treats it as absent).
 */
static int need_mapping(struct walk *w)
{
	yaml_node_t *n = sc_node(w->ctx, w->node);
	int id;

	if (!n || sc_is_map(n))
		return 0;
	if (!sc_is_null(n)) {
		snprintf(w->why, w->whylen, "%s holds %s, not keys", w->done, sc_node_kind(n));
		return -EINVAL;
	}
	if (w->mode == SC_PATH_CHECK)
		return 0;
	id = new_mapping(w);
	if (id < 0)
		return id;
	set_slot(w, id);
	w->node = id;
	return 0;
}

/*
 * Steps into key KEY of the current mapping. LAST: the value goes there.
 * A missing key is created in SET mode (holding VALUE when LAST).
 */
static int step_into_key(struct walk *w, const char *key, bool last, int value)
{
	yaml_node_t *map;
	int key_id, value_id, r;

	if (!w->node)
		return 0;
	r = need_mapping(w);
	if (r < 0)
		return r;
	map = sc_node(w->ctx, w->node);
	if (!sc_is_map(map)) {         /* null in CHECK mode: nothing there yet */
		w->node = 0;
		return 0;
	}
	for (size_t i = 0; i < sc_map_len(map); i++) {
		const char *k = sc_scalar(sc_node(w->ctx, map->data.mapping.pairs.start[i].key));

		if (k && strcmp(k, key) == 0) {
			w->slot = (struct slot){ .parent = w->node, .index = i };
			w->node = map->data.mapping.pairs.start[i].value;
			return 0;
		}
	}
	if (w->mode == SC_PATH_CHECK) {
		w->node = 0;
		return 0;
	}
	key_id = add_marked(w, yaml_document_add_scalar(w->ctx->doc, NULL,
			    (const yaml_char_t *)key, (int)strlen(key), YAML_PLAIN_SCALAR_STYLE));
	if (key_id < 0)
		return key_id;
	value_id = last ? value : new_mapping(w);
	if (value_id < 0)
		return value_id;
	if (!yaml_document_append_mapping_pair(w->ctx->doc, w->node, key_id, value_id))
		return -ENOMEM;
	map = sc_node(w->ctx, w->node);
	w->slot = (struct slot){ .parent = w->node, .index = sc_map_len(map) - 1 };
	w->node = value_id;
	return 0;
}

static int step_into_item(struct walk *w, const char *seg, const char *list_name)
{
	yaml_node_t *list = sc_node(w->ctx, w->node);
	uint64_t index;

	if (sc_parse_uint(seg, &index) < 0) {
		snprintf(w->why, w->whylen, "%s is a list: expected an item number after it, "
			 "not \"%s\"", w->done, seg);
		return -EINVAL;
	}
	if (!sc_is_list(list) || index >= sc_list_len(list)) {
		snprintf(w->why, w->whylen, "%s has no item %s (%s are counted from 0)",
			 w->done, seg, list_name);
		return -EINVAL;
	}
	w->slot = (struct slot){ .parent = w->node, .is_item = true, .index = (size_t)index };
	w->node = list->data.sequence.items.start[index];
	return 0;
}

static const char *const names_keys[] = {
	[SC_NAMES_NONE] = "", [SC_NAMES_HOSTS] = "hosts", [SC_NAMES_APPS] = "apps",
	[SC_NAMES_NETWORKS] = "networks",
};
static const char *const names_nouns[] = {
	[SC_NAMES_NONE] = "entry", [SC_NAMES_HOSTS] = "host", [SC_NAMES_APPS] = "app",
	[SC_NAMES_NETWORKS] = "network",
};

/* The file's own mapping of hosts, apps or networks. */
static const yaml_node_t *names_map(struct sc_ctx *ctx, enum sc_names names)
{
	yaml_node_t *root = yaml_document_get_root_node(ctx->doc);

	return sc_get(ctx, root, names_keys[names]);
}

static int unknown_name(struct walk *w, enum sc_names names, const char *seg)
{
	const yaml_node_t *map = names_map(w->ctx, names);
	const char *defined[SC_MAX_HOSTS];
	size_t n = 0;
	struct sc_quoted q;
	const char *near;

	if (sc_is_map(map)) {
		SC_FOR_PAIRS(p, map) {
			const char *k = sc_scalar(sc_node(w->ctx, p->key));

			if (k && n < SC_MAX_HOSTS)
				defined[n++] = k;
		}
	}
	snprintf(w->why, w->whylen, "no %s named \"%s\" in the file",
		 names_nouns[names], sc_quote(&q, seg));
	near = sc_suggest(seg, defined, n);
	if (near)
		snprintf(w->why + strlen(w->why), w->whylen - strlen(w->why),
			 " (did you mean %s?)", near);
	return -EINVAL;
}

/* For a step or fault item: the item holds no other step or fault than SEG. */
static int check_exclusive(struct walk *w, const struct sc_schema *s, const char *seg)
{
	yaml_node_t *item = sc_node(w->ctx, w->node);

	if (!sc_is_map(item))
		return 0;
	SC_FOR_PAIRS(p, item) {
		const char *k = sc_scalar(sc_node(w->ctx, p->key));
		const struct sc_schema *other = k ? sc_schema_child(s, k) : NULL;

		if (other && other->exclusive && strcmp(k, seg) != 0) {
			snprintf(w->why, w->whylen, "%s is a %s %s, not %s", w->done, k,
				 s->name, seg);
			return -EINVAL;
		}
	}
	return 0;
}

static void append_done(struct walk *w, const char *seg)
{
	size_t used = strlen(w->done);

	snprintf(w->done + used, sizeof(w->done) - used, "%s%s", used ? "." : "", seg);
}

static int unknown_key(struct walk *w, const struct sc_schema *s, const char *seg)
{
	const char *names[MAX_SCHEMA_KEYS];
	size_t n = sc_schema_names(s, names, MAX_SCHEMA_KEYS, false);
	struct sc_quoted q;

	if (w->done[0])
		snprintf(w->why, w->whylen, "%s has no key \"%s\"", w->done, sc_quote(&q, seg));
	else
		snprintf(w->why, w->whylen, "unknown key \"%s\"", sc_quote(&q, seg));
	sc_hint(w->why, w->whylen, seg, names, n);
	return -EINVAL;
}

static bool sysctl_name_ok(const char *name)
{
	return name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == strlen(name);
}

int sc_path_follow(struct sc_ctx *ctx, const char *path, enum sc_path_mode mode,
		   int value_id, yaml_mark_t mark, const struct sc_schema **leaf,
		   char *why, size_t whylen)
{
	static const struct sc_schema free_value = { .name = "value", .shape = SC_SHAPE_LEAF,
						     .value = SC_VALUE_ANY };
	const struct sc_schema *s = &sc_schema_root;
	struct walk *w;
	char *copy = NULL, *seg, *rest;
	int r = -EINVAL;

	why[0] = '\0';
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct walk){ .ctx = ctx, .mode = mode, .mark = mark, .why = why,
			    .whylen = whylen };
	w->node = yaml_document_get_root_node(ctx->doc) ? 1 : 0;
	if (strlen(path) > SC_MAX_STRING) {
		snprintf(why, whylen, "the path is too long");
		goto out;
	}
	copy = strdup(path);
	if (!copy) {
		r = -ENOMEM;
		goto out;
	}
	for (rest = copy; rest; ) {
		const struct sc_schema *child;
		bool last;

		seg = rest;
		rest = strchr(rest, '.');
		if (s->shape == SC_SHAPE_FREE)
			rest = NULL;          /* a sysctl name keeps its dots */
		else if (rest)
			*rest++ = '\0';
		last = rest == NULL;
		if (!seg[0]) {
			snprintf(why, whylen, "\"%s\" has an empty key", path);
			goto out;
		}
		switch (s->shape) {
		case SC_SHAPE_LEAF:
			snprintf(why, whylen, "%s takes a single value, not keys", w->done);
			goto out;
		case SC_SHAPE_KEYS:
			child = sc_schema_child(s, seg);
			if (!child) {
				unknown_key(w, s, seg);
				goto out;
			}
			if (s == &sc_schema_root && strcmp(seg, "matrix") == 0) {
				snprintf(why, whylen, "matrix is not a key to set");
				goto out;
			}
			if (child->exclusive && check_exclusive(w, s, seg) < 0)
				goto out;
			r = step_into_key(w, seg, last, value_id);
			break;
		case SC_SHAPE_NAMED:
			child = s->entry;
			if (!sc_get_key(ctx, names_map(ctx, s->names), seg)) {
				unknown_name(w, s->names, seg);
				goto out;
			}
			r = step_into_key(w, seg, last, value_id);
			break;
		case SC_SHAPE_LIST:
			child = s->entry;
			r = step_into_item(w, seg, s->name);
			break;
		case SC_SHAPE_FREE:
		default:
			child = &free_value;
			if (!sysctl_name_ok(seg)) {
				struct sc_quoted q;

				snprintf(why, whylen, "\"%s\" is not a sysctl name", sc_quote(&q, seg));
				goto out;
			}
			r = step_into_key(w, seg, last, value_id);
			break;
		}
		if (r < 0)
			goto out;
		r = -EINVAL;
		append_done(w, seg);
		s = child;
	}
	/* an existing node at the end of the path is replaced */
	if (mode == SC_PATH_SET && w->node && w->node != value_id) {
		if (!w->slot.parent) {
			snprintf(why, whylen, "the whole scenario is not a key to set");
			goto out;
		}
		set_slot(w, value_id);
	}
	if (leaf)
		*leaf = s;
	r = 0;
out:
	free(copy);
	free(w);
	return r;
}
