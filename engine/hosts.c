/*
 * hosts.c: the run's hosts. Builds the topology from the scenario's hosts
 * (addresses, MAC, sysctls). topology_build returns only once every host's
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
	struct topo_sysctl *sysctls = NULL;
	uint8_t (*macs)[6];
	size_t nsys = 0, k = 0;
	char err[256] = "";
	int ret = -ENOMEM;

	for (size_t i = 0; i < sc->nhosts; i++)
		nsys += sc->hosts[i].nsysctls;
	specs = calloc(sc->nhosts ? sc->nhosts : 1, sizeof(*specs));
	macs = calloc(sc->nhosts ? sc->nhosts : 1, sizeof(*macs));
	if (nsys)
		sysctls = calloc(nsys, sizeof(*sysctls));
	if (!specs || !macs || (nsys && !sysctls))
		goto out;
	for (size_t i = 0; i < sc->nhosts; i++) {
		const struct sc_host *h = &sc->hosts[i];

		if (h->mac_set)
			memcpy(macs[i], h->mac, 6);
		else
			host_default_mac(macs[i], r->lease.run_id, (unsigned)i + 1);
		specs[i] = (struct topo_host_spec){ .name = h->name, .addr4 = h->addr4,
			.addr6 = h->addr6, .mac = macs[i], .sysctls = sysctls + k,
			.nsysctls = h->nsysctls };
		for (size_t j = 0; j < h->nsysctls; j++, k++)
			sysctls[k] = (struct topo_sysctl){ h->sysctls[j].key, h->sysctls[j].value };
	}
	ret = topology_build(&r->topo, r->lease.run_id, specs, sc->nhosts, err, sizeof(err));
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "building the hosts failed: %s%s%s",
			 err[0] ? err : "", err[0] ? ": " : "", errno_name(-ret));
out:
	free(specs);
	free(macs);
	free(sysctls);
	return ret;
}
