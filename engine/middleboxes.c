/*
 * middleboxes.c: the routers' middleboxes of a run (middleboxes.h): the
 * scenario's middlebox: turned into netns/middlebox.h's conf (the nat
 * network's name into the router's interface on it, the idle timeout into
 * whole seconds), applied when a router boots, the forget: fault, the
 * counts in the result.
 *
 * State: r->middleboxes, one pointer per host, NULL for a host without a
 * middlebox (and for every host until the first boot).
 */
#include "engine/middleboxes.h"
#include "engine/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/errname.h"
#include "common/monotime.h"
#include "netns/middlebox.h"

static int conf_of(struct engine_run *r, size_t h, struct middlebox_conf *conf)
{
	const struct sc_middlebox *m = &r->sc->hosts[h].middlebox;
	const struct topo_host *th = &r->topo->hosts[h];
	int k;

	*conf = (struct middlebox_conf){ .nat_if = NULL, .idle_timeout_s = 0 };
	if (m->nat >= 0) {
		k = topology_host_iface(r->topo, h, (size_t)m->nat);
		if (k < 0)
			return k;
		conf->nat_if = th->ifaces[k].ifname;
	}
	if (m->idle_timeout_us > 0)   /* whole seconds, checked by the parser */
		conf->idle_timeout_s = (unsigned)((m->idle_timeout_us + 999999) / 1000000);
	switch (m->expired) {
	case SC_EXPIRED_RESET:
		conf->expired = MIDDLEBOX_RESET;
		break;
	case SC_EXPIRED_PICKUP:
		conf->expired = MIDDLEBOX_PICKUP;
		break;
	default:
		conf->expired = MIDDLEBOX_DROP;
		break;
	}
	return 0;
}

static int host_boot(struct engine_run *r, size_t h)
{
	struct middlebox_conf conf;
	char err[256] = "";
	int ret;

	if (!r->sc->hosts[h].middlebox.enabled || !r->topo->hosts[h].powered)
		return 0;
	ret = conf_of(r, h, &conf);
	if (ret == 0)
		ret = r->middleboxes[h]
			? middlebox_rebind(r->middleboxes[h], r->topo->hosts[h].nsfd, err, sizeof(err))
			: middlebox_open(r->topo->hosts[h].nsfd, &conf, &r->middleboxes[h],
					 err, sizeof(err));
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "the middlebox of host %s failed: %s%s%s",
			 r->sc->hosts[h].name, err, err[0] ? ": " : "", errno_name(-ret));
	return ret;
}

int middleboxes_host_boot(struct engine_run *r, int h)
{
	int ret = 0;

	if (!r->topo)
		return 0;
	if (!r->middleboxes) {
		r->middleboxes = calloc(r->topo->nhosts ? r->topo->nhosts : 1,
					sizeof(*r->middleboxes));
		if (!r->middleboxes)
			return -ENOMEM;
	}
	for (size_t i = 0; i < r->topo->nhosts && ret == 0; i++)
		if (h < 0 || (size_t)h == i)
			ret = host_boot(r, i);
	return ret;
}

void middleboxes_host_down(struct engine_run *r, size_t h)
{
	if (r->middleboxes && h < r->topo->nhosts)
		middlebox_detach(r->middleboxes[h]);
}

void middleboxes_tick(struct engine_run *r)
{
	if (!r->middleboxes)
		return;
	for (size_t i = 0; i < r->topo->nhosts; i++)
		if (r->middleboxes[i])
			(void)middlebox_read(r->middleboxes[i]);
}

int middleboxes_forget(struct engine_run *r, const struct sc_fault *f)
{
	int64_t at = mono_usec();
	json_t *details;
	int n;

	if (f->host < 0 || !r->middleboxes || !r->middleboxes[f->host]) {
		snprintf(r->error, sizeof(r->error), "%s:%d: forget without a middlebox",
			 r->sc->file, f->line);
		return -EINVAL;
	}
	if (!r->topo->hosts[f->host].powered) {
		run_warning(r, "forget of host %s ignored: the host is powered off",
			    r->sc->hosts[f->host].name);
		return 0;
	}
	n = middlebox_forget(r->middleboxes[f->host]);
	if (n < 0) {
		snprintf(r->error, sizeof(r->error), "%s:%d: forget of host %s failed: %s",
			 r->sc->file, f->line, r->sc->hosts[f->host].name, errno_name(-n));
		return n;
	}
	details = json_pack("{s:i}", "forgotten", n);
	run_emit_fault(r, "forget", f->host, "begin", details, at);
	return 0;
}

void middleboxes_report(struct engine_run *r, json_t *res)
{
	json_t *list = json_array(), *o;
	struct middlebox_counts c;

	if (!list)
		return;
	for (size_t i = 0; r->middleboxes && i < r->topo->nhosts; i++) {
		if (!r->middleboxes[i])
			continue;
		(void)middlebox_counts(r->middleboxes[i], &c);   /* what it has */
		o = json_pack("{s:s, s:I, s:I, s:I}", "host", r->sc->hosts[i].name,
			      "created", (json_int_t)c.created, "expired", (json_int_t)c.expired,
			      "forgotten", (json_int_t)c.forgotten);
		if (o && c.lost)
			json_object_set_new(o, "events_lost", json_true());
		if (o)
			json_array_append_new(list, o);
	}
	json_object_set_new(res, "middleboxes", list);
}

void middleboxes_free(struct engine_run *r)
{
	if (!r->middleboxes)
		return;
	for (size_t i = 0; r->topo && i < r->topo->nhosts; i++)
		middlebox_close(r->middleboxes[i]);
	free(r->middleboxes);
	r->middleboxes = NULL;
}
