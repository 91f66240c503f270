/*
 * impair.c: link impairments (delay, jitter, loss, rate, direction and the
 * engine that serves them) into struct sc_impair, for a host's `link:` and
 * for the delay, loss and rate faults.
 *
 * The two spell some keys differently: a host's link says `delay:` and
 * `loss:`, the faults say `time:` and `percent:`, each under its own fault
 * name. The key tree (schema.c) says which keys a mapping may hold; this
 * file reads whichever of them is there. `engine: netem | queue | auto`
 * chooses between the kernel's netem qdisc and netfault's own delay line;
 * auto (the default) takes netem when the kernel has it.
 */
#include <stdio.h>

#include "common/duration.h"
#include "scenario/internal.h"

void sc_impair_init(struct sc_impair *imp)
{
	imp->delay_us = -1;
	imp->jitter_us = -1;
	imp->loss_percent = -1.0;
	imp->rate_bps = 0;
	imp->direction = SC_DIR_OUT;
	imp->engine = SC_ENGINE_AUTO;
}

static bool read_delay(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		       int64_t *out)
{
	char limit[32];

	if (!sc_read_duration(ctx, n, what, out))
		return false;
	if (*out > SC_MAX_DELAY_US) {
		struct sc_quoted q;

		sc_error(ctx, n, "%s %s is out of range (0s to %s)", what,
			 sc_quote(&q, sc_scalar(n)), duration_format(SC_MAX_DELAY_US, limit,
								    sizeof(limit)));
		*out = -1;
		return false;
	}
	return true;
}

bool sc_read_impair(struct sc_ctx *ctx, const yaml_node_t *map,
		    const struct sc_schema *s, struct sc_impair *imp)
{
	static const char *const engines[] = { "auto", "netem", "queue", NULL };
	static const enum sc_engine engine_kinds[] = {
		SC_ENGINE_AUTO, SC_ENGINE_NETEM, SC_ENGINE_QUEUE,
	};
	const bool is_link = sc_schema_child(s, "loss") != NULL;
	const yaml_node_t *n, *delay;
	int engine;

	sc_impair_init(imp);
	if (!sc_check_keys(ctx, map, s, is_link ? "expected a mapping of link impairments "
			   "(delay, jitter, loss, rate, direction)" :
			   "expected a mapping with host: and options"))
		return false;
	delay = sc_get(ctx, map, is_link ? "delay" : "time");
	if (delay)
		read_delay(ctx, delay, is_link ? "delay" : "time", &imp->delay_us);
	if ((n = sc_get(ctx, map, "jitter"))) {
		read_delay(ctx, n, "jitter", &imp->jitter_us);
		if (!delay)
			sc_error(ctx, n, "jitter without a delay: add %s: too", is_link ? "delay" : "time");
	}
	if ((n = sc_get(ctx, map, is_link ? "loss" : "percent")) &&
	    !sc_read_percent(ctx, n, is_link ? "loss" : "percent", &imp->loss_percent))
		imp->loss_percent = -1.0;
	if ((n = sc_get(ctx, map, "rate")) && !sc_read_rate(ctx, n, "rate", &imp->rate_bps))
		imp->rate_bps = 0;
	if ((n = sc_get(ctx, map, "direction")))
		sc_read_direction(ctx, n, &imp->direction);
	if ((n = sc_get(ctx, map, "engine")) && sc_read_word(ctx, n, "engine", engines, &engine))
		imp->engine = engine_kinds[engine];
	/* (jitter alone has its own error above) */
	if (is_link && !sc_get(ctx, map, "delay") && !sc_get(ctx, map, "loss") &&
	    !sc_get(ctx, map, "rate") && !sc_get(ctx, map, "jitter")) {
		sc_error(ctx, map, "a link needs at least one of delay, loss or rate");
		return false;
	}
	return true;
}
