/*
 * bench/topology.c: how long netfault takes to build and tear down a run's
 * network: the switch plus 2 hosts, many times (median and p90), and the
 * switch plus 100 hosts, a few times. bench/iproute2-topology.sh times the
 * same topologies made with `ip` commands; bench/run prints both side by
 * side.
 *
 *   build/bench/topology [REPS_2HOST [REPS_100HOST [REPS_1000HOST]]]   (root)
 *
 * The 1000 hosts share one /16 network (10.0.X.Y/16); none: REPS_1000HOST 0.
 *
 * The 2-host repetitions run back to back, so some of them meet the kernel
 * still freeing the previous namespaces (that shows in the p90). Before each
 * 100-host repetition it waits a second, untimed, for that to finish.
 *
 * The 2-host builds are timed twice: first as netfaultd makes them, with a
 * pool of namespaces ready (netns/pool.c, the daemon's default size),
 * refilled, untimed, before each build; then without a pool.
 *
 * Besides a readable table it prints lines for bench/run:
 *   RESULT <hosts> <build+destroy median ms> <p90 ms> <build median ms> <destroy median ms> <reps>
 * (RESULT-POOLED for the builds with namespaces ready).
 */
#include "common/monotime.h"
#include "netns/netns.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* As netfaultd's default (-p). */
#define BENCH_POOL_SIZE 8

struct sample {
	double build_ms;
	double destroy_ms;
	double total_ms;
};

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The Pth percentile (0..100) of N values, nearest rank; sorts VALUES. */
static double percentile(double *values, size_t n, unsigned p)
{
	size_t rank;

	qsort(values, n, sizeof(*values), compare_double);
	rank = (n * p + 99) / 100;
	return values[rank ? rank - 1 : 0];
}

static int run_once(unsigned run_id, const struct topo_host_spec *hosts, size_t nhosts,
		    struct sample *s)
{
	struct topology *t = NULL;
	char err[128];
	int64_t t0, t1, t2;
	int rc;

	t0 = mono_usec();
	rc = topology_build(&t, run_id, hosts, nhosts, err, sizeof(err));
	t1 = mono_usec();
	if (rc < 0) {
		fprintf(stderr, "topology: build of %zu hosts: %s: %s\n", nhosts, err, strerror(-rc));
		return rc;
	}
	topology_destroy(t);
	t2 = mono_usec();
	s->build_ms = (double)(t1 - t0) / 1000.0;
	s->destroy_ms = (double)(t2 - t1) / 1000.0;
	s->total_ms = (double)(t2 - t0) / 1000.0;
	return 0;
}

static int bench_hosts(unsigned run_id, size_t nhosts, unsigned reps, unsigned pause_s,
		       bool pooled)
{
	struct topo_host_spec *hosts;
	char (*names)[NETNS_HOST_NAME_MAX + 1];
	char (*addrs)[24], (*addrs6)[24];
	double *total, *build, *destroy;
	struct sample s;
	unsigned i;
	int rc = 0;

	hosts = calloc(nhosts, sizeof(*hosts));
	names = calloc(nhosts, sizeof(*names));
	addrs = calloc(nhosts, sizeof(*addrs));
	addrs6 = calloc(nhosts, sizeof(*addrs6));
	total = calloc(reps, sizeof(double));
	build = calloc(reps, sizeof(double));
	destroy = calloc(reps, sizeof(double));
	if (!hosts || !names || !addrs || !addrs6 || !total || !build || !destroy) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nhosts; i++) {
		snprintf(names[i], sizeof(names[i]), "h%u", i + 1);
		hosts[i].name = names[i];
		if (nhosts > 250) {   /* one /24 holds 250 of them: a /16 */
			snprintf(addrs[i], sizeof(addrs[i]), "10.0.%u.%u/16",
				 (i + 1) / 250, (i + 1) % 250 + 1);
			hosts[i].addr4 = addrs[i];
			snprintf(addrs6[i], sizeof(addrs6[i]), "fd00::%x/64", i + 1);
			hosts[i].addr6 = addrs6[i];
		}
	}
	for (i = 0; i < reps; i++) {
		if (pause_s)
			sleep(pause_s);
		/* untimed: the pool refills between runs, as it does in the
		 * daemon while a run goes on */
		if (pooled && (rc = netns_pool_wait_full(5000)) < 0) {
			fprintf(stderr, "topology: namespace pool: %s\n", strerror(-rc));
			goto out;
		}
		rc = run_once(run_id, hosts, nhosts, &s);
		if (rc < 0)
			goto out;
		total[i] = s.total_ms;
		build[i] = s.build_ms;
		destroy[i] = s.destroy_ms;
	}
	printf("%4zu hosts%s  %4u reps  build+destroy median %8.2f ms  p90 %8.2f ms"
	       "  (build %.2f, destroy %.2f)\n",
	       nhosts, pooled ? " (namespaces ready)" : "", reps, percentile(total, reps, 50), percentile(total, reps, 90),
	       percentile(build, reps, 50), percentile(destroy, reps, 50));
	printf("%s %zu %.3f %.3f %.3f %.3f %u\n", pooled ? "RESULT-POOLED" : "RESULT", nhosts, percentile(total, reps, 50),
	       percentile(total, reps, 90), percentile(build, reps, 50),
	       percentile(destroy, reps, 50), reps);
out:
	free(hosts);
	free(names);
	free(addrs);
	free(addrs6);
	free(total);
	free(build);
	free(destroy);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned reps2 = argc > 1 ? (unsigned)atoi(argv[1]) : 200;
	unsigned reps100 = argc > 2 ? (unsigned)atoi(argv[2]) : 10;
	unsigned reps1000 = argc > 3 ? (unsigned)atoi(argv[3]) : 3;
	struct run_lease lease;
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "topology: needs root (network namespaces)\n");
		return 77;
	}
	if (reps2 == 0 || reps100 == 0) {
		fprintf(stderr, "usage: topology [REPS_2HOST [REPS_100HOST [REPS_1000HOST]]]\n");
		return 2;
	}
	rc = run_lease_acquire(&lease, 0);
	if (rc < 0) {
		fprintf(stderr, "topology: run lease: %s\n", strerror(-rc));
		return 1;
	}
	rc = netns_pool_start(BENCH_POOL_SIZE);
	if (rc < 0)
		fprintf(stderr, "topology: namespace pool: %s\n", strerror(-rc));
	else
		rc = bench_hosts(lease.run_id, 2, reps2, 0, true);
	netns_pool_stop();
	if (rc == 0) {
		sleep(1);   /* the kernel frees the last build's namespaces */
		rc = bench_hosts(lease.run_id, 2, reps2, 0, false);
	}
	if (rc == 0)
		rc = bench_hosts(lease.run_id, 100, reps100, 1, false);
	if (rc == 0 && reps1000)
		rc = bench_hosts(lease.run_id, 1000, reps1000, 3, false);
	run_lease_release(&lease);
	return rc < 0 ? 1 : 0;
}
