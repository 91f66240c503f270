/*
 * fwrules.c: drop, reject and partition as nftables rules in the hosts' own
 * namespaces (netns/firewall.h, one context per host, opened at its first
 * rule), and their heal.
 *
 * drop and reject go on the fault's host as written (with network:, on
 * that interface only: iifname / oifname), on a router also on the
 * packets it forwards (its forward chain); a later one of the
 * same kind and direction replaces the earlier (the firewall flushes that
 * chain). A partition is a set of cuts: host A may not send to B
 * (A.cut_out[B]) and B may not receive from A (B.cut_in[A]); every cut is
 * enforced at both ends, with the peer's IPv4 and IPv6 addresses, so it
 * holds while either end reboots (a host that boots has lost its own rules,
 * not the other end's). Partitions add up: two-way groups cut both ways
 * between every pair of groups, `from: a, to: c` cuts a -> c only, and a
 * later partition adds its cuts to the earlier ones until a heal.
 *
 * Heal of a host deletes its table and takes it out of every other host's
 * partition (their rules are rewritten without it); heal of all deletes
 * every host's table.
 */
#include "engine/netfaults/netfaults.h"
#include "engine/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errname.h"
#include "netns/firewall.h"

static int fw_fail(struct engine_run *r, size_t h, const char *what, int ret)
{
	const struct firewall *fw = r->nf->hosts[h].fw;
	const char *why = fw ? firewall_error(fw) : "";

	snprintf(r->error, sizeof(r->error), "host %s: %s failed: %s%s%s",
		 r->sc->hosts[h].name, what, errno_name(-ret), why[0] ? ": " : "", why);
	return ret;
}

/* Host H's firewall context, opened at the first need. */
static int fw_of(struct engine_run *r, size_t h, struct firewall **out)
{
	struct nf_host *nh = &r->nf->hosts[h];
	int ret;

	if (!nh->fw) {
		ret = firewall_open(r->topo->hosts[h].nsfd, &nh->fw);
		if (ret < 0)
			return fw_fail(r, h, "opening its firewall", ret);
		/* a router's drop and reject act on what it forwards too */
		firewall_set_forwarding(nh->fw, r->topo->hosts[h].router);
	}
	*out = nh->fw;
	return 0;
}

/* The fault's one interface (network:), or NULL for every interface. */
static const char *iface_of(const struct engine_run *r, const struct sc_fault *f)
{
	int k;

	if (f->network < 0)
		return NULL;
	k = topology_host_iface(r->topo, (size_t)f->host, (size_t)f->network);
	return k < 0 ? NULL : r->topo->hosts[f->host].ifaces[k].ifname;
}

static enum link_dir link_dir_of(enum sc_direction d)
{
	return d == SC_DIR_IN ? LINK_IN : d == SC_DIR_BOTH ? LINK_BOTH : LINK_OUT;
}

int fwrules_drop(struct engine_run *r, const struct sc_fault *f)
{
	struct firewall *fw = NULL;
	int ret = fw_of(r, (size_t)f->host, &fw);

	if (ret < 0)
		return ret;
	ret = firewall_drop_on(fw, link_dir_of(f->direction), f->proto, (unsigned)f->port,
			       iface_of(r, f));
	return ret < 0 ? fw_fail(r, (size_t)f->host, "drop", ret) : 0;
}

int fwrules_reject(struct engine_run *r, const struct sc_fault *f)
{
	static const enum fw_reject_with with[] = {
		[SC_REJECT_TCP_RESET] = FW_REJECT_TCP_RESET,
		[SC_REJECT_ICMP_PORT] = FW_REJECT_PORT_UNREACHABLE,
		[SC_REJECT_ICMP_HOST] = FW_REJECT_HOST_UNREACHABLE,
		[SC_REJECT_ICMP_ADMIN] = FW_REJECT_ADMIN_PROHIBITED,
	};
	struct firewall *fw = NULL;
	int ret = fw_of(r, (size_t)f->host, &fw);

	if (ret < 0)
		return ret;
	ret = firewall_reject_on(fw, link_dir_of(f->direction), f->proto, (unsigned)f->port,
				 with[f->reject_with], iface_of(r, f));
	return ret < 0 ? fw_fail(r, (size_t)f->host, "reject", ret) : 0;
}

/* ---- partitions --------------------------------------------------------- */

/* Writes host H's partition rules from its cuts, both directions. */
static int partition_apply(struct engine_run *r, size_t h)
{
	const struct nf_host *nh = &r->nf->hosts[h];
	const char **peers = calloc(2 * r->nf->nhosts + 1, sizeof(*peers));
	struct firewall *fw = NULL;
	int ret = -ENOMEM;

	if (!peers)
		goto out;
	ret = fw_of(r, h, &fw);
	for (int d = NF_OUT; d <= NF_IN && ret == 0; d++) {
		const bool *cut = d == NF_OUT ? nh->cut_out : nh->cut_in;
		size_t n = 0;

		for (size_t p = 0; p < r->nf->nhosts; p++) {
			if (!cut[p])
				continue;
			peers[n++] = r->topo->hosts[p].addr4;
			peers[n++] = r->topo->hosts[p].addr6;
		}
		ret = firewall_partition(fw, d == NF_OUT ? LINK_OUT : LINK_IN, peers, n);
		if (ret < 0)
			fw_fail(r, h, "partition", ret);
	}
out:
	free(peers);
	return ret;
}

static bool powered(const struct engine_run *r, size_t h)
{
	return r->topo->hosts[h].powered;
}

int fwrules_partition(struct engine_run *r, const struct sc_fault *f)
{
	struct netfaults *nf = r->nf;
	bool *touched = calloc(nf->nhosts, sizeof(*touched));
	int ret = 0;

	if (!touched)
		return -ENOMEM;
	for (size_t a = 0; a < nf->nhosts; a++) {
		for (size_t c = 0; c < nf->nhosts; c++) {
			bool cut = a != c && (f->one_way ? f->from[a] && f->to[c]
				   : f->group[a] && f->group[c] && f->group[a] != f->group[c]);

			if (!cut)
				continue;
			/* a powered-off host has no rules; when it boots it has
			 * none of its own, the other end's hold the cut */
			if (powered(r, a)) {
				nf->hosts[a].cut_out[c] = true;
				touched[a] = true;
			}
			if (powered(r, c)) {
				nf->hosts[c].cut_in[a] = true;
				touched[c] = true;
			}
		}
	}
	for (size_t h = 0; h < nf->nhosts && ret == 0; h++)
		if (touched[h])
			ret = partition_apply(r, h);
	free(touched);
	return ret;
}

/* ---- heal --------------------------------------------------------------- */

static void cuts_clear(struct engine_run *r, size_t h)
{
	struct nf_host *nh = &r->nf->hosts[h];

	memset(nh->cut_out, 0, r->nf->nhosts * sizeof(*nh->cut_out));
	memset(nh->cut_in, 0, r->nf->nhosts * sizeof(*nh->cut_in));
}

static int table_clear(struct engine_run *r, size_t h)
{
	struct nf_host *nh = &r->nf->hosts[h];
	int ret;

	cuts_clear(r, h);
	if (!nh->fw)      /* never opened: this host never had a rule */
		return 0;
	ret = firewall_clear_all(nh->fw);
	return ret < 0 ? fw_fail(r, h, "heal", ret) : 0;
}

int fwrules_heal(struct engine_run *r, int host)
{
	struct netfaults *nf = r->nf;
	int ret = 0;

	for (size_t h = 0; h < nf->nhosts && ret == 0; h++)
		if ((host < 0 || (size_t)host == h) && powered(r, h))
			ret = table_clear(r, h);
	if (host >= 0)
		cuts_clear(r, (size_t)host);
	/* the others' cuts of HOST go; every cut goes when all heal */
	for (size_t p = 0; p < nf->nhosts && ret == 0 && host >= 0; p++) {
		struct nf_host *np = &nf->hosts[p];

		if (!np->cut_out[host] && !np->cut_in[host])
			continue;
		np->cut_out[host] = np->cut_in[host] = false;
		if (powered(r, p))
			ret = partition_apply(r, p);
	}
	return ret;
}

void fwrules_host_down(struct engine_run *r, size_t h)
{
	struct nf_host *nh = &r->nf->hosts[h];

	/* its context holds a socket, and so the old namespace, alive */
	firewall_close(nh->fw);
	nh->fw = NULL;
	cuts_clear(r, h);
}
