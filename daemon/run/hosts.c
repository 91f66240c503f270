/*
 * hosts.c: the run's hosts. Builds the topology from the scenario's hosts
 * (addresses, MAC, sysctls) and waits until their links carry packets.
 *
 * A veth pair that has just been set up drops what it is given until the
 * kernel's link watcher has marked both ends operational (IFF_RUNNING) and
 * given them a real qdisc, a millisecond or so later, longer on a busy
 * machine. A lost first ARP request costs a client a whole second (the ARP
 * retransmit time), which would shift every time in the run. So the engine
 * waits for "eth0" in each host and for each host's port in the switch to
 * be running before t0, and after a poweron or plug before the fault counts
 * as done.
 */
#include "daemon/run/run.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/errname.h"
#include "common/monotime.h"

#define LINKS_TIMEOUT_US (3LL * 1000000)
#define LINKS_POLL_NS 100000

int hosts_build(struct run *r)
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

struct links_wait {
	const char *names[NETNS_MAX_HOSTS];
	size_t n;
	int64_t deadline;
};

/* In the namespace (netns_run): 0 once every link in W is running, or
 * ETIMEDOUT. */
static int links_running(void *arg)
{
	const struct links_wait *w = arg;
	struct timespec gap = { 0, LINKS_POLL_NS };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t i = 0;

	if (fd < 0)
		return errno;
	while (i < w->n) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", w->names[i]);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING)) {
			i++;
			continue;
		}
		if (mono_usec() > w->deadline) {
			close(fd);
			return ETIMEDOUT;
		}
		nanosleep(&gap, NULL);
	}
	close(fd);
	return 0;
}

int hosts_wait_links(struct run *r, int host)
{
	struct links_wait *w = calloc(1, sizeof(*w));
	size_t *which = calloc(NETNS_MAX_HOSTS, sizeof(*which));
	struct topology *t = r->topo;
	int ret = -ENOMEM;

	if (!w || !which)
		goto out;
	w->deadline = mono_usec() + LINKS_TIMEOUT_US;
	for (size_t i = 0; i < t->nhosts && w->n < NETNS_MAX_HOSTS; i++) {
		if ((host < 0 || (size_t)host == i) && t->hosts[i].powered && t->hosts[i].plugged) {
			which[w->n] = i;
			w->names[w->n++] = t->hosts[i].port;
		}
	}
	ret = w->n ? netns_run(t->sw_fd, links_running, w) : 0;
	if (ret < 0) {
		snprintf(r->error, sizeof(r->error), "the switch's ports did not come up: %s",
			 errno_name(-ret));
		goto out;
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct topo_host *h = &t->hosts[which[i]];
		struct links_wait one = { .names = { NETNS_HOST_IF }, .n = 1,
					  .deadline = w->deadline };

		ret = netns_run(h->nsfd, links_running, &one);
		if (ret < 0) {
			snprintf(r->error, sizeof(r->error), "host %s: %s did not come up: %s",
				 h->name, NETNS_HOST_IF, errno_name(-ret));
			goto out;
		}
	}
out:
	free(w);
	free(which);
	return ret;
}
