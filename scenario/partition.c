/*
 * partition.c: the value of a partition fault, in its two forms:
 *
 *   partition: [[a, b], [c]]         groups; no packet passes between
 *                                    groups, both ways (group[h], 1-based;
 *                                    0 for a host in no group)
 *   partition: { from: a, to: [c] }  one way only: from[h], to[h] masks
 *
 * A group or side may be one host name instead of a list. A host belongs
 * to at most one group, and never to both sides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

/* Calls sc_find_host for NODE, a host name or a list of them; the count. */
static size_t read_members(struct sc_ctx *ctx, const yaml_node_t *n, int *hosts,
			   const yaml_node_t **where, const char *what)
{
	size_t count = 0;

	if (sc_is_scalar(n) && !sc_is_null(n)) {
		hosts[0] = sc_find_host(ctx, n);
		where[0] = n;
		return 1;
	}
	if (!sc_is_list(n) || sc_list_len(n) == 0) {
		sc_error(ctx, n, "expected %s: a host name or a list of them", what);
		return 0;
	}
	if (sc_list_len(n) > SC_MAX_HOSTS) {
		sc_error(ctx, n, "too many hosts: %zu (at most %d)", sc_list_len(n),
			 SC_MAX_HOSTS);
		return 0;
	}
	SC_FOR_ITEMS(it, n) {
		where[count] = sc_node(ctx, *it);
		hosts[count] = sc_find_host(ctx, where[count]);
		count++;
	}
	return count;
}

static void read_groups(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *list)
{
	const size_t nhosts = ctx->sc->nhosts;
	int hosts[SC_MAX_HOSTS];
	const yaml_node_t *where[SC_MAX_HOSTS];
	int group = 0;

	if (sc_list_len(list) < 2) {
		sc_error(ctx, list, "a partition needs at least two groups, like [[a, b], [c]]");
		return;
	}
	if (sc_list_len(list) > SC_MAX_HOSTS) {
		sc_error(ctx, list, "too many groups: %zu (at most %d)", sc_list_len(list),
			 SC_MAX_HOSTS);
		return;
	}
	f->group = sc_calloc(ctx, nhosts, sizeof(*f->group));
	if (!f->group)
		return;
	SC_FOR_ITEMS(it, list) {
		size_t n = read_members(ctx, sc_node(ctx, *it), hosts, where, "a group");

		group++;
		for (size_t i = 0; i < n; i++) {
			int h = hosts[i];

			if (h < 0)
				continue;
			if (f->group[h] != 0) {
				sc_error(ctx, where[i], "host \"%s\" is in two groups (%s)",
					 ctx->sc->hosts[h].name, f->group[h] == group ?
					 "twice in this one" : "a host belongs to one group");
				continue;
			}
			f->group[h] = group;
		}
	}
}

static bool *read_side(struct sc_ctx *ctx, const yaml_node_t *map, const char *side)
{
	const yaml_node_t *n = sc_get(ctx, map, side);
	int hosts[SC_MAX_HOSTS];
	const yaml_node_t *where[SC_MAX_HOSTS];
	char what[32];
	bool *mask;
	size_t count;

	if (!n) {
		sc_missing(ctx, map, side, strcmp(side, "from") == 0 ?
			   "the hosts whose packets are cut" : "the hosts they no longer reach");
		return NULL;
	}
	snprintf(what, sizeof(what), "%s", side);
	count = read_members(ctx, n, hosts, where, what);
	mask = sc_calloc(ctx, ctx->sc->nhosts, sizeof(*mask));
	if (!mask)
		return NULL;
	for (size_t i = 0; i < count; i++)
		if (hosts[i] >= 0)
			mask[hosts[i]] = true;
	return mask;
}

static void read_one_way(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *map)
{
	const yaml_node_t *to = sc_get(ctx, map, "to");

	if (!sc_check_keys(ctx, map, sc_schema_child(&sc_schema_fault, "partition"),
			   "expected groups or a mapping with from: and to:"))
		return;
	f->one_way = true;
	f->from = read_side(ctx, map, "from");
	f->to = read_side(ctx, map, "to");
	if (!f->from || !f->to)
		return;
	for (size_t h = 0; h < ctx->sc->nhosts; h++) {
		if (f->from[h] && f->to[h]) {
			sc_error(ctx, to, "host \"%s\" is on both sides, from and to",
				 ctx->sc->hosts[h].name);
			return;
		}
	}
}

void sc_read_partition(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *value)
{
	f->host = -1;
	if (sc_is_list(value))
		read_groups(ctx, f, value);
	else if (sc_is_map(value))
		read_one_way(ctx, f, value);
	else
		sc_error(ctx, value, "expected groups like [[a, b], [c]] or one way like "
			 "{ from: a, to: c }");
}
