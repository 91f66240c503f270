/*
 * nettest.h: a real little network for integration tests, and sockets and
 * packet probes inside it.
 *
 * nettest_up() leases a run id and builds a topology of hosts h1, h2, ...
 * (default addresses 10.0.0.N/24, fd00::N/64) with topology_build. The
 * teardown runs at exit() of the test process. Check ends a failed test
 * with _exit() and a timed-out one with a signal, which skip it: the
 * namespaces left behind belong to a run id no longer leased, and the next
 * nettest_up() and nettest_leftovers_clean() (an unchecked teardown, in the
 * runner process) remove them. Delay line processes die with the test
 * process (PR_SET_PDEATHSIG); rules die with their namespace.
 *
 * The UDP probe sends numbered, timestamped datagrams at a steady rate from
 * one host to another and reports each one's one-way delay: from the
 * sender's clock reading just before send() to the kernel's receive
 * timestamp (SO_TIMESTAMPNS), both CLOCK_REALTIME of the same machine, so
 * the receiving thread's scheduling does not count; or, for delays inside
 * the receiving host, to the receiving thread's clock reading.
 */
#ifndef NETFAULT_NETTEST_H
#define NETFAULT_NETTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netns/netns.h"

#define NETTEST_MAX_HOSTS 16

/* Builds NHOSTS (1..NETTEST_MAX_HOSTS) hosts; returns the topology (owned here) or NULL with a
 * message in ERR. */
struct topology *nettest_up(size_t nhosts, char *err, size_t errlen);
/* Tears the topology down now (idempotent; also at exit). */
void nettest_down(void);
/* Removes namespaces of runs whose owner is dead (unchecked teardown). */
void nettest_leftovers_clean(void);

/* "10.0.0.2" / "fd00::2": HOST's address without its prefix length. */
const char *nettest_addr(const struct topo_host *host, int family);
/* A socket of FAMILY/TYPE created inside NSFD, bound to ADDR:PORT when ADDR
 * is not NULL (port 0: any). -errno on failure. */
int nettest_socket(int nsfd, int family, int type, const char *addr, uint16_t port);
/* Fills a sockaddr for ADDR:PORT. */
socklen_t nettest_sockaddr(int family, const char *addr, uint16_t port,
			   struct sockaddr_storage *ss);

struct probe_result {
	size_t sent, received;
	int64_t *owd_ns;         /* per sequence number; -1 = not received */
	size_t reordered;        /* arrivals with a lower number than one before */
	int64_t first_arrival_ns, last_arrival_ns;
	uint64_t bytes_received; /* payload bytes */
};

/* Where a datagram's arrival is timed: the kernel's receive timestamp
 * (taken as the packet reaches the host, before its `in` hooks: right for
 * delays on the way), or when the receiving thread gets it (includes what
 * happens inside the receiving host, e.g. an `in` delay line). */
enum probe_clock { PROBE_AT_WIRE, PROBE_AT_SOCKET };

/* Sends COUNT datagrams of PAYLOAD bytes (>= 16) at RATE per second from
 * FROM to TO (IPv4 or IPv6), and waits for stragglers after the last one
 * until all have arrived or GRACE_MS have passed: a generous GRACE_MS costs
 * nothing when nothing is lost. 0 or -errno. Free the result with
 * probe_result_free. */
int udp_probe(const struct topo_host *from, const struct topo_host *to, int family,
	      enum probe_clock clock, unsigned rate, size_t count, size_t payload,
	      unsigned grace_ms, struct probe_result *res);
void probe_result_free(struct probe_result *res);

/* Statistics of the received one-way delays, in microseconds. */
struct owd_stats {
	size_t n;
	double mean_us, stddev_us, min_us, max_us;
	double p50_us, p99_us;
};
void owd_stats(const struct probe_result *res, struct owd_stats *st);

#endif
