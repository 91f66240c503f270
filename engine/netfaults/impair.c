/*
 * impair.c: delay, loss and rate, the hosts' impairments (model in
 * netfaults.h): which engine serves the run, how a fault changes a host's
 * impairment of one direction, and putting it in force.
 *
 * Every interface of a host (eth0, eth1, ... of a router) has its own
 * impairment and is served on its own. Engines. netem: qdiscs
 * (netns/qdisc.h), `out` on the host's eth<K> in its namespace, `in` on
 * that interface's switch port pN in the namespace of its network's switch,
 * whose egress is the host's ingress; rate via tbf. queue: one delay line
 * per interface (netns/delayline.h, slot K, its rules matching eth<K>
 * only), started the first time the interface needs it and stopped when
 * heal leaves it nothing to do, at the host's power-off and at the end of
 * the run. The line is a child process of the thread that
 * started it and dies with that thread (PR_SET_PDEATHSIG): it is started
 * from engine_run's own thread, which lives for the whole run.
 *
 * The choice, once per run, before anything is built: nothing when the
 * scenario has no delay, loss, rate or link; else what the scenario
 * (`engine:` of a link or a fault) or the daemon (engine_opts) forces, and
 * otherwise netem where netem_available() says the kernel has it, else the
 * queue. Forcing netem where it is absent is an error, never a fallback.
 */
#include "engine/netfaults/netfaults.h"
#include "engine/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/errname.h"
#include "netns/delayline.h"
#include "netns/qdisc.h"

const char *impair_engine_name(enum nf_engine e)
{
	return e == NF_ENGINE_NETEM ? "netem" : e == NF_ENGINE_QUEUE ? "queue" : NULL;
}

static bool is_impair_fault(enum sc_fault_kind k)
{
	return k == SC_FAULT_DELAY || k == SC_FAULT_LOSS || k == SC_FAULT_RATE;
}

/* The engine the scenario forces (SC_ENGINE_AUTO: none); -EINVAL when two
 * places force different ones. *LINE is where the forcing one is written. */
static int scenario_forced(struct engine_run *r, enum sc_engine *out, int *line)
{
	const struct scenario *sc = r->sc;
	enum sc_engine e = SC_ENGINE_AUTO;
	int at = 0;

	for (size_t i = 0; i < sc->nhosts + sc->nfaults; i++) {
		bool host = i < sc->nhosts;
		const struct sc_fault *f = host ? NULL : &sc->faults[i - sc->nhosts];
		const struct sc_impair *imp = host ? &sc->hosts[i].link : &f->impair;
		int where = host ? sc->hosts[i].line : f->line;

		if ((host && !sc->hosts[i].has_link) || (!host && !is_impair_fault(f->kind)) ||
		    imp->engine == SC_ENGINE_AUTO)
			continue;
		if (e != SC_ENGINE_AUTO && imp->engine != e) {
			snprintf(r->error, sizeof(r->error), "%s:%d: engine: %s, but line %d says "
				 "engine: %s: one engine serves every impairment of a run",
				 sc->file, where, imp->engine == SC_ENGINE_NETEM ? "netem" : "queue",
				 at, e == SC_ENGINE_NETEM ? "netem" : "queue");
			return -EINVAL;
		}
		e = imp->engine;
		at = where;
	}
	*out = e;
	*line = at;
	return 0;
}

static bool scenario_impairs(const struct scenario *sc)
{
	for (size_t i = 0; i < sc->nhosts; i++)
		if (sc->hosts[i].has_link)
			return true;
	for (size_t i = 0; i < sc->nfaults; i++)
		if (is_impair_fault(sc->faults[i].kind))
			return true;
	return false;
}

int impair_choose(struct engine_run *r, enum nf_engine *out)
{
	enum sc_engine daemon = r->opts ? r->opts->impair_engine : SC_ENGINE_AUTO;
	enum sc_engine want;
	int line, have, ret;

	*out = NF_ENGINE_NONE;
	if (!scenario_impairs(r->sc))
		return 0;
	ret = scenario_forced(r, &want, &line);
	if (ret < 0)
		return ret;
	if (daemon != SC_ENGINE_AUTO && want != SC_ENGINE_AUTO && daemon != want) {
		snprintf(r->error, sizeof(r->error), "%s:%d: engine: %s, but the daemon forces "
			 "the %s engine", r->sc->file, line,
			 want == SC_ENGINE_NETEM ? "netem" : "queue",
			 daemon == SC_ENGINE_NETEM ? "netem" : "queue");
		return -EINVAL;
	}
	if (want == SC_ENGINE_AUTO)
		want = daemon;
	if (want == SC_ENGINE_QUEUE) {
		*out = NF_ENGINE_QUEUE;
		return 0;
	}
	have = netem_available(false);
	if (have < 0) {
		snprintf(r->error, sizeof(r->error), "probing the kernel for sch_netem failed: %s",
			 errno_name(-have));
		return have;
	}
	if (want == SC_ENGINE_NETEM && !have) {
		if (line)
			snprintf(r->error, sizeof(r->error), "%s:%d: engine: netem, but the kernel "
				 "lacks sch_netem (CONFIG_NET_SCH_NETEM): use engine: queue, or "
				 "leave engine: out", r->sc->file, line);
		else
			snprintf(r->error, sizeof(r->error), "the daemon forces the netem engine, "
				 "but the kernel lacks sch_netem (CONFIG_NET_SCH_NETEM)");
		return -ENOTSUP;
	}
	*out = have ? NF_ENGINE_NETEM : NF_ENGINE_QUEUE;
	return 0;
}

/* ---- the impairment of each direction ----------------------------------- */

static uint32_t us32(int64_t us)
{
	return us > 0 ? (uint32_t)us : 0;
}

void impair_from_link(const struct sc_impair *link, struct link_impair out[2])
{
	struct link_impair one = {
		.delay_us = us32(link->delay_us),
		.jitter_us = us32(link->jitter_us),
		.loss_percent = link->loss_percent > 0 ? link->loss_percent : 0.0,
		.rate_bps = link->rate_bps,
	};

	out[NF_OUT] = (link->direction & SC_DIR_OUT) ? one : (struct link_impair){ 0 };
	out[NF_IN] = (link->direction & SC_DIR_IN) ? one : (struct link_impair){ 0 };
}

/* True when fault or apply request NETWORK (< 0: all) covers interface K. */
static bool iface_named(const struct engine_run *r, size_t h, size_t k, int network)
{
	return network < 0 || r->sc->hosts[h].ifaces[k].network == network;
}

void impair_fault_merge(struct engine_run *r, size_t h, const struct sc_fault *f)
{
	const struct sc_impair *imp = &f->impair;
	struct nf_host *nh = &r->nf->hosts[h];

	for (size_t k = 0; k < nh->nifaces; k++) {
		if (!iface_named(r, h, k, f->network))
			continue;
		for (int d = NF_OUT; d <= NF_IN; d++) {
			struct link_impair *now = &nh->ifaces[k].now[d];

			if (!(f->direction & (d == NF_OUT ? SC_DIR_OUT : SC_DIR_IN)))
				continue;
			switch (f->kind) {
			case SC_FAULT_DELAY:
				now->delay_us = us32(imp->delay_us);
				now->jitter_us = us32(imp->jitter_us);
				break;
			case SC_FAULT_LOSS:
				now->loss_percent = imp->loss_percent > 0 ? imp->loss_percent : 0.0;
				break;
			case SC_FAULT_RATE:
				now->rate_bps = imp->rate_bps;
				break;
			default:
				break;
			}
		}
	}
}

void impair_reset(struct nf_host *nh)
{
	for (size_t k = 0; k < nh->nifaces; k++) {
		nh->ifaces[k].now[NF_OUT] = nh->link[NF_OUT];
		nh->ifaces[k].now[NF_IN] = nh->link[NF_IN];
	}
}

/* ---- putting it in force ------------------------------------------------ */

static int apply_netem(struct engine_run *r, size_t h, size_t k, int d)
{
	const struct topo_host *th = &r->topo->hosts[h];
	const struct topo_iface *ti = &th->ifaces[k];
	const struct link_impair *imp = &r->nf->hosts[h].ifaces[k].now[d];
	int ret;

	if (d == NF_OUT)
		ret = qdisc_apply(th->nsfd, ti->ifname, imp);
	else
		ret = qdisc_apply(r->topo->nets[ti->network].fd, ti->port, imp);
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "host %s: netem qdisc on %s (%s) failed: %s",
			 th->name, d == NF_OUT ? ti->ifname : ti->port,
			 d == NF_OUT ? "out" : "in, its switch port", errno_name(-ret));
	return ret;
}

static int apply_queue(struct engine_run *r, size_t h, size_t k, int d)
{
	struct nf_iface *ni = &r->nf->hosts[h].ifaces[k];
	const struct topo_host *th = &r->topo->hosts[h];
	const char *ifname = th->ifaces[k].ifname;
	const char *what = "configuring";
	int ret = 0;

	if (!ni->line) {
		if (link_impair_is_off(&ni->now[d]))
			return 0;      /* no line, nothing to take out of the path */
		what = "starting";
		ret = delayline_start_slot(th->nsfd, ifname, (unsigned)k, &ni->line);
	}
	if (ret == 0)
		ret = delayline_configure(ni->line, d == NF_OUT ? LINK_OUT : LINK_IN, &ni->now[d]);
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "host %s: %s the delay line of %s (%s) "
			 "failed: %s%s%s", th->name, what, ifname, d == NF_OUT ? "out" : "in",
			 errno_name(-ret), ni->line && delayline_error(ni->line)[0] ? ": " : "",
			 ni->line ? delayline_error(ni->line) : "");
	if (ret == -ESRCH && ni->line)   /* it had died: said as loudly as a check */
		run_warning(r, "%s", r->error);
	return ret;
}

static void line_stop(struct nf_iface *ni)
{
	/* errors are of no use here: the line is gone either way, and its rules
	 * die with the namespace at the latest */
	(void)delayline_stop(ni->line);
	ni->line = NULL;
}

int impair_apply(struct engine_run *r, size_t h, enum sc_direction dirs, int network)
{
	struct nf_host *nh = &r->nf->hosts[h];
	int ret = 0;

	for (size_t k = 0; k < nh->nifaces && ret == 0; k++) {
		struct nf_iface *ni = &nh->ifaces[k];

		if (!iface_named(r, h, k, network))
			continue;
		for (int d = NF_OUT; d <= NF_IN && ret == 0; d++) {
			if (!(dirs & (d == NF_OUT ? SC_DIR_OUT : SC_DIR_IN)))
				continue;
			if (r->nf->engine == NF_ENGINE_NETEM)
				ret = apply_netem(r, h, k, d);
			else if (r->nf->engine == NF_ENGINE_QUEUE)
				ret = apply_queue(r, h, k, d);
		}
		/* a line with nothing left to do goes out of the path entirely */
		if (ret == 0 && ni->line && link_impair_is_off(&ni->now[NF_OUT]) &&
		    link_impair_is_off(&ni->now[NF_IN]))
			line_stop(ni);
	}
	return ret;
}

void impair_lines_stop(struct engine_run *r, size_t h)
{
	struct nf_host *nh = &r->nf->hosts[h];

	for (size_t k = 0; k < nh->nifaces; k++)
		if (nh->ifaces[k].line)
			line_stop(&nh->ifaces[k]);
}

int impair_lines_thaw(struct engine_run *r, size_t h)
{
	struct nf_host *nh = &r->nf->hosts[h];
	int n = 0;

	for (size_t k = 0; k < nh->nifaces; k++)
		if (nh->ifaces[k].line && kill(delayline_pid(nh->ifaces[k].line), SIGCONT) == 0)
			n++;
	return n;
}

int impair_line_check(struct engine_run *r, size_t h)
{
	struct nf_host *nh = &r->nf->hosts[h];

	for (size_t k = 0; k < nh->nifaces; k++) {
		struct delayline *line = nh->ifaces[k].line;
		int ret;

		if (!line)
			continue;
		ret = delayline_check(line);
		if (ret == 0)
			continue;
		snprintf(r->error, sizeof(r->error), "host %s: its delay line died during the "
			 "run (on %s: %s): from then on its impaired traffic was dropped "
			 "(fail-closed)", r->sc->hosts[h].name, r->topo->hosts[h].ifaces[k].ifname,
			 delayline_error(line)[0] ? delayline_error(line) : errno_name(-ret));
		run_warning(r, "%s", r->error);
		return ret;
	}
	return 0;
}
