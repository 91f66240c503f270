/*
 * ladder_marks.c: what a ladder shows beside the packets (see ladder.h):
 * the faults as bands over the lanes of the hosts they hit, and each
 * app's steps, state changes and verdict as labels at their times.
 *
 * A fault that lasts (poweroff, freeze, unplug, partition, drop, reject,
 * a link's delay, loss or rate, a reboot from its begin to its end) is a
 * band from its begin to what ends it: its own "end" event, or the fault
 * that undoes it on that host (poweron, thaw, plug, heal), else the end
 * of the run. Any other fault (crash, forget, heal...) is a moment. A
 * fault without a host (heal of all, partition's groups) covers the
 * hosts it names, or every lane.
 */
#include "ctl/ladder.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/member.h"

struct fault_end {
	const char *ender, *ended;
};

static const struct fault_end fault_ends[] = {
	{ "poweron", "poweroff" }, { "reboot", "poweroff" }, { "thaw", "freeze" },
	{ "plug", "unplug" }, { "heal", "partition" }, { "heal", "drop" },
	{ "heal", "reject" },
};

static const char *const lasting[] = {
	"poweroff", "freeze", "unplug", "partition", "drop", "reject", "delay", "loss",
	"rate", "link",
};

static bool is_lasting(const char *kind, const char *phase)
{
	for (size_t i = 0; i < sizeof(lasting) / sizeof(lasting[0]); i++)
		if (strcmp(kind, lasting[i]) == 0)
			return true;
	/* a reboot has a begin and an end event */
	return strcmp(kind, "reboot") == 0 && strcmp(phase, "begin") == 0;
}

static bool ends(const char *ender, const char *kind)
{
	for (size_t i = 0; i < sizeof(fault_ends) / sizeof(fault_ends[0]); i++)
		if (strcmp(fault_ends[i].ender, ender) == 0 && strcmp(fault_ends[i].ended, kind) == 0)
			return true;
	return false;
}

/* The lanes fault event EV hits, as a mask. */
static unsigned long long fault_lanes(const struct ladder *l, const json_t *ev)
{
	unsigned long long mask = 0;
	json_t *group, *host;
	size_t i, j;
	int lane = ladder_lane(l, json_string_value(json_object_get(ev, "host")));

	if (lane >= 0)
		return 1ULL << lane;
	json_array_foreach(json_object_get(ev, "groups"), i, group)
		json_array_foreach(group, j, host)
			if (ladder_lane(l, json_string_value(host)) >= 0)
				mask |= 1ULL << ladder_lane(l, json_string_value(host));
	return mask ? mask : (1ULL << l->nlanes) - 1;
}

static int fault_event(struct ladder *l, size_t *cap, const json_t *ev, bool *open)
{
	const char *kind = member(ev, "fault"), *phase = member(ev, "phase");
	unsigned long long lanes = fault_lanes(l, ev);
	double t = json_number_value(json_object_get(ev, "t"));

	for (size_t i = 0; i < l->nbands; i++) {
		struct ladder_band *b = &l->bands[i];

		if (!open[i] || !(lanes & (1ULL << b->lane)))
			continue;
		if ((strcmp(phase, "end") == 0 && strcmp(b->kind, kind) == 0) ||
		    ends(kind, b->kind)) {
			b->t1 = t;
			open[i] = false;
		}
	}
	if (strcmp(phase, "end") == 0)
		return 0;
	for (size_t lane = 0; lane < l->nlanes; lane++) {
		struct ladder_band *b;

		if (!(lanes & (1ULL << lane)))
			continue;
		b = ladder_grow(&l->bands, &l->nbands, cap, sizeof(*b));
		if (!b)
			return -ENOMEM;
		*b = (struct ladder_band){ .lane = (int)lane, .t0 = t, .t1 = t };
		snprintf(b->kind, sizeof(b->kind), "%s", kind);
		snprintf(b->label, sizeof(b->label), "%s%s%s%s%s", kind,
			 *member(ev, "signal") ? " " : "", member(ev, "signal"),
			 *member(ev, "direction") ? " " : "", member(ev, "direction"));
		open[l->nbands - 1] = is_lasting(kind, phase);
	}
	return 0;
}

static struct ladder_label *label_add(struct ladder *l, size_t *cap, int lane, double t,
				      const char *cls)
{
	struct ladder_label *lb;

	if (lane < 0)
		return NULL;
	lb = ladder_grow(&l->labels, &l->nlabels, cap, sizeof(*lb));
	if (lb)
		*lb = (struct ladder_label){ .lane = lane, .t = t, .cls = cls };
	return lb;
}

static const json_t *result_app(const json_t *result, const char *app)
{
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(result, "apps"), i, a)
		if (strcmp(member(a, "app"), app) == 0)
			return a;
	return NULL;
}

/* One label for EV (a step, an app's state or a verdict); 1 when added,
 * 0 for none, -ENOMEM. */
static int app_event(struct ladder *l, size_t *cap, const json_t *ev, const json_t *result,
		     const json_t *app_hosts)
{
	const char *kind = member(ev, "event"), *app = member(ev, "app");
	const json_t *res = result_app(result, app), *expect = json_object_get(res, "expect");
	int lane = ladder_lane(l, member(app_hosts, app));
	double t = json_number_value(json_object_get(ev, "t"));
	struct ladder_label *lb;

	if (strcmp(kind, "step") == 0 && (lb = label_add(l, cap, lane, t, "step"))) {
		snprintf(lb->text, sizeof(lb->text), "%s: %s%s%s: %s", app, member(ev, "step"),
			 *member(ev, "arg") ? " " : "", member(ev, "arg"), member(ev, "result"));
		lb->bad = json_is_false(json_object_get(ev, "expect_ok"));
	} else if (strcmp(kind, "app") == 0 && strcmp(member(ev, "state"), "started") != 0 &&
		   strcmp(member(ev, "state"), "listening") != 0 &&
		   (lb = label_add(l, cap, lane, t, "app"))) {
		snprintf(lb->text, sizeof(lb->text), "%s %s%s%s", app, member(ev, "state"),
			 *member(ev, "signal") ? " by " : "", member(ev, "signal"));
	} else if (strcmp(kind, "verdict") == 0 && (lb = label_add(l, cap, lane, t, "verdict"))) {
		snprintf(lb->text, sizeof(lb->text), "%s sees %s%s%s (expected %s)", app,
			 member(ev, "verdict"), *member(ev, "from") ? " from " : "",
			 member(ev, "from"), *member(expect, "sees") ? member(expect, "sees") : "-");
		lb->bad = json_is_false(json_object_get(res, "expect_ok"));
	} else {
		return 0;
	}
	return lb ? 1 : lane < 0 ? 0 : -ENOMEM;
}

/* A theory beside an app's measured verdict, where the result has one. */
static int theory_labels(struct ladder *l, size_t *cap, const json_t *result,
			 const json_t *app_hosts)
{
	const json_t *a;
	size_t i;

	json_array_foreach(json_object_get(result, "apps"), i, a) {
		const json_t *theory = json_object_get(a, "theory");
		struct ladder_label *lb;
		int lane = ladder_lane(l, member(app_hosts, member(a, "app")));

		if (!json_is_object(theory) || !json_is_number(json_object_get(theory, "t")))
			continue;
		lb = label_add(l, cap, lane, json_number_value(json_object_get(theory, "t")),
			       "theory");
		if (!lb && lane >= 0)
			return -ENOMEM;
		if (lb)
			snprintf(lb->text, sizeof(lb->text), "%s: theory says %s", member(a, "app"),
				 member(theory, "verdict"));
	}
	return 0;
}

int ladder_marks(struct ladder *l, json_t *events, const json_t *result,
		 const json_t *app_hosts, double *end)
{
	size_t band_cap = 0, label_cap = 0, i;
	bool open[1024] = { false };
	json_t *ev;
	int err = 0;

	*end = 0;
	json_array_foreach(events, i, ev) {
		double t = json_number_value(json_object_get(ev, "t"));
		const char *kind = member(ev, "event");

		*end = t > *end ? t : *end;
		if (strcmp(kind, "fault") == 0 && l->nbands + l->nlanes < 1024)
			err = fault_event(l, &band_cap, ev, open);
		else if (strcmp(kind, "step") == 0 || strcmp(kind, "app") == 0 ||
			 strcmp(kind, "verdict") == 0)
			err = app_event(l, &label_cap, ev, result, app_hosts) < 0 ? -ENOMEM : 0;
		if (err)
			return err;
	}
	for (i = 0; i < l->nbands; i++)
		if (i < 1024 && open[i])
			l->bands[i].t1 = *end;
	return theory_labels(l, &label_cap, result, app_hosts);
}
