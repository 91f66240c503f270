/*
 * hosts.c: the run's hosts. Builds the topology from the scenario's
 * networks and hosts (a switch per network, an interface per network a
 * host is on, addresses, MAC, sysctls, gateways; netns/ computes the
 * routes). A file without networks: has one implicit network, built as the
 * one switch nf<run>-sw as before networks existed. topology_build returns only once every host's
 * links carry packets (netns/linkwait.c), and so do topology_host_poweron
 * and topology_host_plug: t0 and a fault's end never come while a first
 * packet would still be lost.
 */
#include "engine/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errname.h"

int hosts_build(struct engine_run *r)
{
	const struct scenario *sc = r->sc;
	struct topo_host_spec *specs;
	struct topo_net_spec *nets;
	struct topo_iface_spec *ifs;
	struct topo_sysctl *sysctls = NULL;
	uint8_t (*macs)[6];
	size_t nsys = 0, k = 0, nifs = 0, f = 0;
	char err[256] = "";
	int ret = -ENOMEM;

	for (size_t i = 0; i < sc->nhosts; i++) {
		nsys += sc->hosts[i].nsysctls;
		nifs += sc->hosts[i].nifaces;
	}
	specs = calloc(sc->nhosts ? sc->nhosts : 1, sizeof(*specs));
	macs = calloc(sc->nhosts ? sc->nhosts : 1, sizeof(*macs));
	nets = calloc(sc->nnetworks ? sc->nnetworks : 1, sizeof(*nets));
	ifs = calloc(nifs ? nifs : 1, sizeof(*ifs));
	if (nsys)
		sysctls = calloc(nsys, sizeof(*sysctls));
	if (!specs || !macs || !nets || !ifs || (nsys && !sysctls))
		goto out;
	for (size_t n = 0; n < sc->nnetworks; n++)
		nets[n] = (struct topo_net_spec){
			.name = sc->networks_given ? sc->networks[n].name : NULL,
			.mtu = sc->networks[n].mtu };
	for (size_t i = 0; i < sc->nhosts; i++) {
		const struct sc_host *h = &sc->hosts[i];

		if (h->mac_set)
			memcpy(macs[i], h->mac, 6);
		else
			host_default_mac(macs[i], r->lease.run_id, (unsigned)i + 1);
		specs[i] = (struct topo_host_spec){ .name = h->name, .addr4 = h->addr4,
			.addr6 = h->addr6, .mac = macs[i], .sysctls = sysctls + k,
			.nsysctls = h->nsysctls, .ifaces = ifs + f, .nifaces = h->nifaces,
			.gateway = h->gateway >= 0 ? sc->hosts[h->gateway].name : NULL };
		for (size_t j = 0; j < h->nifaces; j++, f++)
			ifs[f] = (struct topo_iface_spec){ (size_t)h->ifaces[j].network,
				h->ifaces[j].addr4, h->ifaces[j].addr6 };
		for (size_t j = 0; j < h->nsysctls; j++, k++)
			sysctls[k] = (struct topo_sysctl){ h->sysctls[j].key, h->sysctls[j].value };
	}
	ret = topology_build_networks(&r->topo, r->lease.run_id, nets,
				      sc->nnetworks ? sc->nnetworks : 1, specs, sc->nhosts,
				      err, sizeof(err));
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "building the hosts failed: %s%s%s",
			 err[0] ? err : "", err[0] ? ": " : "", errno_name(-ret));
out:
	free(specs);
	free(macs);
	free(nets);
	free(ifs);
	free(sysctls);
	return ret;
}
