/*
 * impair.h: one direction's link impairment (delay, jitter, loss, rate), the
 * currency of the two queue engines: qdisc.h (netem and tbf, where the
 * kernel has netem) and delayline.h (a userspace delay line on NFQUEUE,
 * where it has not). The engine merges a host's delay, loss and rate faults
 * and its `link:` into one of these per direction and hands it to either
 * engine; both give the same meaning to every field:
 *
 *   delay_us      every packet is held this long (0: not delayed)
 *   jitter_us     plus a uniform random amount in [-jitter, +jitter]
 *                 (never below zero in total). Jitter reorders packets, as
 *                 netem does; without jitter the order never changes.
 *   loss_percent  each packet is lost with this probability, independently
 *   rate_bps      bandwidth in bits per second (0: unlimited): after its
 *                 delay a packet waits for the link; at most
 *                 IMPAIR_RATE_BACKLOG_US of waiting, later packets are lost
 *                 (tail drop, like a router's queue)
 *   limit         packets held at most (0: IMPAIR_DEFAULT_LIMIT, netem's
 *                 default); a packet arriving at a full queue is lost
 *
 * Address resolution is never impaired, by either engine: ARP (the queue
 * engine's iptables rules never see it; netem's tree lets it pass, see
 * qdisc.h) and IPv6 neighbour discovery, recognised by
 * impair_is_resolution. A scenario impairs the traffic between its apps,
 * not the neighbour lookups a real network would have done long before
 * (and that a firewall fault lets through as well); were they delayed, a
 * first packet would wait for a lookup that itself took a round trip.
 *
 * Pure definitions, no state.
 */
#ifndef NETFAULT_IMPAIR_H
#define NETFAULT_IMPAIR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMPAIR_DEFAULT_LIMIT   1000u
#define IMPAIR_MAX_LIMIT       65536u
#define IMPAIR_MAX_DELAY_US    (3600u * 1000000u / 16u)  /* 225 s */
#define IMPAIR_MAX_RATE_BPS    (8ull * 2147483647ull)   /* tbf's 32-bit rate */
#define IMPAIR_RATE_BACKLOG_US 100000u

/* IPv6 neighbour discovery (RFC 4861): ICMPv6 whose hop limit is 255, as
 * the RFC requires of every one of its messages (and of no other ICMPv6 a
 * host sends unless told to). */
#define IMPAIR_ND_NEXTHDR  58u
#define IMPAIR_ND_HOPLIMIT 255u

/* True when the IPv6 packet starting at PKT (LEN bytes of it, at least the
 * 40-byte header) is neighbour discovery, which no engine impairs. */
static inline bool impair_is_resolution(const uint8_t *pkt, size_t len)
{
	return len >= 40 && (pkt[0] >> 4) == 6 && pkt[6] == IMPAIR_ND_NEXTHDR &&
	       pkt[7] == IMPAIR_ND_HOPLIMIT;
}

/* A direction seen from the host; the scenario's values. */
enum link_dir { LINK_OUT = 1, LINK_IN = 2, LINK_BOTH = 3 };

struct link_impair {
	uint32_t delay_us;
	uint32_t jitter_us;
	double loss_percent;
	uint64_t rate_bps;
	uint32_t limit;
};

/* True when the impairment does nothing (every field 0; limit ignored). */
static inline bool link_impair_is_off(const struct link_impair *imp)
{
	return imp->delay_us == 0 && imp->jitter_us == 0 &&
	       imp->loss_percent == 0.0 && imp->rate_bps == 0;
}

/* 0, or -EINVAL / -ERANGE for values neither engine can serve. */
static inline int link_impair_check(const struct link_impair *imp)
{
	if (!(imp->loss_percent >= 0.0 && imp->loss_percent <= 100.0))
		return -EINVAL;
	if (imp->delay_us > IMPAIR_MAX_DELAY_US ||
	    imp->jitter_us > IMPAIR_MAX_DELAY_US ||
	    imp->rate_bps > IMPAIR_MAX_RATE_BPS ||
	    (imp->rate_bps > 0 && imp->rate_bps < 8) ||
	    imp->limit > IMPAIR_MAX_LIMIT)
		return -ERANGE;
	return 0;
}

#endif
