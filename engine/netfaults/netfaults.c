/*
 * netfaults.c: the network faults at their time and the hooks the engine
 * calls around them (model and hooks: netfaults.h). Delay, loss and rate go
 * to impair.c, drop, reject and partition to fwrules.c; heal undoes both.
 *
 * Each fault emits one "fault" event (run_emit_fault) stamped with the time
 * it began to be applied, saying which engine served it (engine.h lists
 * the details, which the functions below put in an object in order). A
 * fault aimed at a powered-off host does nothing and says so in a warning,
 * as the host faults do; but a heal of it still takes it out of the other
 * hosts' partitions. A failure to apply one ends the run with an error:
 * a fault that did not happen would make the run's verdicts meaningless.
 */
#include "engine/netfaults/netfaults.h"
#include "engine/run.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errname.h"
#include "common/monotime.h"
#include "netns/firewall.h"

/* ---- the run's state ---------------------------------------------------- */

int netfaults_prepare(struct engine_run *r)
{
	const struct scenario *sc = r->sc;
	struct netfaults *nf = calloc(1, sizeof(*nf));

	if (!nf)
		return -ENOMEM;
	r->nf = nf;
	nf->hosts = calloc(sc->nhosts ? sc->nhosts : 1, sizeof(*nf->hosts));
	if (!nf->hosts)
		return -ENOMEM;
	nf->nhosts = sc->nhosts;
	for (size_t h = 0; h < sc->nhosts; h++) {
		struct nf_host *nh = &nf->hosts[h];

		nh->cut_out = calloc(sc->nhosts, sizeof(*nh->cut_out));
		nh->cut_in = calloc(sc->nhosts, sizeof(*nh->cut_in));
		if (!nh->cut_out || !nh->cut_in)
			return -ENOMEM;
		nh->nifaces = sc->hosts[h].nifaces;
		if (sc->hosts[h].has_link)
			impair_from_link(&sc->hosts[h].link, nh->link);
	}
	return impair_choose(r, &nf->engine);
}

void netfaults_end(struct engine_run *r)
{
	struct netfaults *nf = r->nf;

	if (!nf)
		return;
	for (size_t h = 0; nf->hosts && h < nf->nhosts; h++) {
		struct nf_host *nh = &nf->hosts[h];

		impair_lines_stop(r, h);
		firewall_close(nh->fw);
		free(nh->cut_out);
		free(nh->cut_in);
	}
	free(nf->hosts);
	free(nf);
	r->nf = NULL;
}

const char *netfaults_engine_name(const struct engine_run *r)
{
	return r->nf ? impair_engine_name(r->nf->engine) : NULL;
}

/* ---- the details of their events ----------------------------------------- */

static const char *direction_name(enum sc_direction d)
{
	return d == SC_DIR_IN ? "in" : d == SC_DIR_BOTH ? "both" : "out";
}

static void impair_details(json_t *details, const struct sc_impair *imp, enum sc_direction dir)
{
	json_object_set_new(details, "direction", json_string(direction_name(dir)));
	if (imp->delay_us >= 0)
		json_object_set_new(details, "time", json_real((double)imp->delay_us / 1e6));
	if (imp->jitter_us >= 0)
		json_object_set_new(details, "jitter", json_real((double)imp->jitter_us / 1e6));
	if (imp->loss_percent >= 0)
		json_object_set_new(details, "percent", json_real(imp->loss_percent));
	if (imp->rate_bps > 0)
		json_object_set_new(details, "rate", json_integer((json_int_t)imp->rate_bps));
}

static void firewall_details(const struct engine_run *r, json_t *details,
			     const struct sc_fault *f)
{
	static const char *const withs[] = {
		[SC_REJECT_TCP_RESET] = "tcp-reset",
		[SC_REJECT_ICMP_PORT] = "icmp-port-unreachable",
		[SC_REJECT_ICMP_HOST] = "icmp-host-unreachable",
		[SC_REJECT_ICMP_ADMIN] = "icmp-admin-prohibited",
	};

	json_object_set_new(details, "direction", json_string(direction_name(f->direction)));
	if (f->proto)
		json_object_set_new(details, "proto", json_string(f->proto == IPPROTO_TCP
			? "tcp" : f->proto == IPPROTO_UDP ? "udp" : "icmp"));
	if (f->port)
		json_object_set_new(details, "port", json_integer(f->port));
	if (f->kind == SC_FAULT_REJECT)
		json_object_set_new(details, "with", json_string(withs[f->reject_with]));
	if (f->network >= 0)
		json_object_set_new(details, "network",
				    json_string(r->sc->networks[f->network].name));
}

/* Host names of the hosts with MASK set (or with group G when MASK is
 * NULL). */
static json_t *host_names(const struct engine_run *r, const bool *mask, const int *group, int g)
{
	json_t *names = json_array();

	for (size_t h = 0; names && h < r->sc->nhosts; h++)
		if (mask ? mask[h] : group[h] == g)
			json_array_append_new(names, json_string(r->sc->hosts[h].name));
	return names;
}

static void partition_details(const struct engine_run *r, json_t *details,
			      const struct sc_fault *f)
{
	json_t *groups;
	int last = 0;

	if (f->one_way) {
		json_object_set_new(details, "from", host_names(r, f->from, NULL, 0));
		json_object_set_new(details, "to", host_names(r, f->to, NULL, 0));
		return;
	}
	for (size_t h = 0; h < r->sc->nhosts; h++)
		if (f->group[h] > last)
			last = f->group[h];
	groups = json_array();
	for (int g = 1; groups && g <= last; g++)
		json_array_append_new(groups, host_names(r, NULL, f->group, g));
	json_object_set_new(details, "groups", groups);
}

/* ---- booting, power-off, freeze ----------------------------------------- */

static int host_boot(struct engine_run *r, size_t h)
{
	const struct sc_host *sh = &r->sc->hosts[h];
	struct nf_host *nh = &r->nf->hosts[h];
	int64_t at = mono_usec();
	json_t *details;
	int ret;

	impair_reset(nh);
	if (!sh->has_link || !r->topo->hosts[h].powered)
		return 0;
	details = json_object();
	if (!details)
		return -ENOMEM;
	impair_details(details, &sh->link, sh->link.direction);
	json_object_set_new(details, "engine", json_string(impair_engine_name(r->nf->engine)));
	ret = impair_apply(r, h, sh->link.direction, -1);
	run_emit_fault(r, "link", (int)h, "begin", details, at);
	if (ret < 0 && !r->error[0])
		snprintf(r->error, sizeof(r->error), "%s:%d: host %s: its link failed: %s",
			 r->sc->file, sh->line, sh->name, errno_name(-ret));
	return ret;
}

int netfaults_host_boot(struct engine_run *r, int h)
{
	int ret = 0;

	for (size_t i = 0; i < r->nf->nhosts && ret == 0; i++)
		if (h < 0 || (size_t)h == i)
			ret = host_boot(r, i);
	return ret;
}

void netfaults_host_down(struct engine_run *r, size_t h)
{
	struct nf_host *nh = &r->nf->hosts[h];

	/* the host is off already: what its lines held is lost with it */
	impair_lines_stop(r, h);
	fwrules_host_down(r, h);
	for (size_t k = 0; k < nh->nifaces; k++)
		memset(nh->ifaces[k].now, 0, sizeof(nh->ifaces[k].now));
}

int netfaults_host_frozen(struct engine_run *r, size_t h)
{
	return impair_lines_thaw(r, h);
}

int netfaults_check(struct engine_run *r)
{
	int ret = 0;

	for (size_t h = 0; r->nf && h < r->nf->nhosts && ret == 0; h++)
		ret = impair_line_check(r, h);
	return ret;
}

/* ---- the faults --------------------------------------------------------- */

/* Heal of host HOST (-1: all): the firewall's rules go, the impairments
 * return to the hosts' links. */
static int heal(struct engine_run *r, int host, json_t *details)
{
	int ret = fwrules_heal(r, host);

	json_object_set_new(details, "engine", json_string("nftables"));
	if (host < 0)
		json_object_set_new(details, "all", json_true());
	if (r->nf->engine == NF_ENGINE_NONE)
		return ret;
	json_object_set_new(details, "impair_engine",
			    json_string(impair_engine_name(r->nf->engine)));
	for (size_t h = 0; h < r->nf->nhosts && ret == 0; h++) {
		struct nf_host *nh = &r->nf->hosts[h];

		if ((host >= 0 && (size_t)host != h) || !r->topo->hosts[h].powered)
			continue;
		impair_reset(nh);
		ret = impair_apply(r, h, SC_DIR_BOTH, -1);
	}
	return ret;
}

static int apply(struct engine_run *r, const struct sc_fault *f, json_t *details)
{
	const char *engine = "nftables";
	int ret;

	switch (f->kind) {
	case SC_FAULT_DELAY:
	case SC_FAULT_LOSS:
	case SC_FAULT_RATE:
		engine = impair_engine_name(r->nf->engine);
		impair_details(details, &f->impair, f->direction);
		if (f->network >= 0)
			json_object_set_new(details, "network",
					    json_string(r->sc->networks[f->network].name));
		impair_fault_merge(r, (size_t)f->host, f);
		ret = impair_apply(r, (size_t)f->host, f->direction, f->network);
		break;
	case SC_FAULT_DROP:
		firewall_details(r, details, f);
		ret = fwrules_drop(r, f);
		break;
	case SC_FAULT_REJECT:
		firewall_details(r, details, f);
		ret = fwrules_reject(r, f);
		break;
	case SC_FAULT_PARTITION:
		partition_details(r, details, f);
		ret = fwrules_partition(r, f);
		break;
	case SC_FAULT_HEAL:
		return heal(r, f->host, details);
	default:
		return -ENOTSUP;
	}
	json_object_set_new(details, "engine", json_string(engine ? engine : "?"));
	return ret;
}

int netfault_run(struct engine_run *r, const struct sc_fault *f)
{
	const char *kind = sc_fault_name(f->kind);
	bool needs_host = f->kind != SC_FAULT_PARTITION && f->kind != SC_FAULT_HEAL;
	int64_t at = mono_usec();
	char why[sizeof(r->error)];
	json_t *details;
	int ret;

	if ((needs_host && f->host < 0) || f->host >= (int)r->nf->nhosts) {
		snprintf(r->error, sizeof(r->error), "%s:%d: %s without a host",
			 r->sc->file, f->line, kind);
		return -EINVAL;
	}
	details = json_object();
	if (!details)
		return -ENOMEM;
	/* a heal still takes a powered-off host out of the others' partitions */
	if (f->host >= 0 && f->kind != SC_FAULT_HEAL && !r->topo->hosts[f->host].powered) {
		run_warning(r, "%s of host %s ignored: the host is powered off", kind,
			    r->sc->hosts[f->host].name);
		run_emit_fault(r, kind, f->host, "begin", details, at);
		return 0;
	}
	r->error[0] = '\0';
	ret = apply(r, f, details);
	run_emit_fault(r, kind, f->host, "begin", details, at);
	if (ret < 0) {
		snprintf(why, sizeof(why), "%s", r->error[0] ? r->error : errno_name(-ret));
		snprintf(r->error, sizeof(r->error), "%s:%d: %s: %.400s", r->sc->file, f->line,
			 kind, why);
	}
	return ret;
}
