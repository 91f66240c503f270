/*
 * qdisc.h: a link impairment (impair.h) as kernel queueing disciplines on
 * one interface, through libnl-route-3: netem for delay, jitter and loss,
 * tbf for the rate, under a prio root that lets address resolution pass.
 * Where it goes is the caller's choice: for `out` the host's eth0 (in the
 * host's namespace), for `in` the host's switch port pN (in the switch
 * namespace, where the port's egress is the host's ingress). Never an
 * interface of the machine's root namespace.
 *
 * The tree on the interface has one of three shapes. Each has a prio root
 * with two bands: band 1 (class R:1, a plain FIFO) carries address
 * resolution, unimpaired: ARP, and IPv6 neighbour discovery (ICMPv6 with hop
 * limit 255, impair_is_resolution), by u32 filters (QDISC_FILTER_*);
 * band 2 (class R:2) carries
 * everything else through the impairment. Without that band, netem would
 * also hold the ARP exchange a first packet waits for: with a delay of D
 * both ways a connect's first SYN would leave after 3 D instead of D (ARP
 * request D, reply D, then the SYN's own D), where the queue engine, whose
 * iptables rules never see ARP, sends it after D. Address resolution is not
 * what a scenario impairs (the firewall lets it pass too), so both engines
 * let it through at once (the queue engine: delayline_proc.c).
 *
 *   delay/jitter/loss only   root 2: prio, 2:2 holds 3: netem
 *   rate only                root 4: prio, 4:2 holds 5: tbf
 *   both                     root 1: prio, 1:2 holds 5: tbf, whose class
 *                            5:1 holds 3: netem (delay first, then the
 *                            rate, as the delay line does)
 *
 * Each shape has its own root handle, so that applying the same shape again
 * changes the qdiscs in place (NLM_F_REPLACE: packets already held keep
 * their schedule, none is lost) and a different shape replaces the root in
 * one request (the old tree and the packets it held go, as with
 * `tc qdisc replace`). Filters a root already has are not added again.
 *
 * Nothing prints; functions return 0 or a negative errno (libnl's errors
 * mapped by nlerr_to_errno). Functions taking NSFD open their netlink socket
 * inside that namespace and leave the calling thread where it was.
 */
#ifndef NETFAULT_QDISC_H
#define NETFAULT_QDISC_H

#include <stdbool.h>
#include <stdint.h>

#include "netns/impair.h"

#define QDISC_ROOT_TBF_NETEM 0x00010000u   /* 1: prio root: tbf, then netem */
#define QDISC_ROOT_NETEM     0x00020000u   /* 2: prio root: netem */
#define QDISC_ROOT_TBF       0x00040000u   /* 4: prio root: tbf */
#define QDISC_HANDLE_NETEM   0x00030000u   /* 3: netem, in every shape */
#define QDISC_HANDLE_TBF     0x00050000u   /* 5: tbf, in every shape */
#define QDISC_BAND_RESOLVE   1u            /* class R:1, address resolution */
#define QDISC_BAND_IMPAIRED  2u            /* class R:2, everything else */

/* The filters on a root that send address resolution to QDISC_BAND_RESOLVE. */
enum qdisc_filter {
	QDISC_FILTER_ARP,        /* prio 1: protocol ARP, every frame */
	QDISC_FILTER_ND,         /* prio 2: protocol IPv6, next header ICMPv6
				  * and hop limit 255 */
	QDISC_FILTER_COUNT
};

struct nl_msg;

/*
 * The RTM_NEWQDISC request libnl builds for netem (delay, jitter, loss,
 * limit of IMP) / tbf (IMP's rate, a burst of max(2 MTU, 2 ms of rate) and
 * room for IMPAIR_RATE_BACKLOG_US of backlog) on IFINDEX, with PARENT and
 * HANDLE, flags NLM_F_CREATE|NLM_F_REPLACE; the root prio (2 bands, every
 * priority to QDISC_BAND_IMPAIRED) with handle ROOT; the RTM_NEWTFILTER
 * request of filter WHICH on ROOT (NLM_F_CREATE|NLM_F_EXCL). The caller
 * frees it with nlmsg_free.
 * Exposed so that a unit test can read back what would be sent without a
 * kernel; qdisc_apply sends exactly these messages.
 */
int qdisc_netem_request(int ifindex, uint32_t parent, uint32_t handle,
			const struct link_impair *imp, struct nl_msg **out);
int qdisc_tbf_request(int ifindex, uint32_t parent, uint32_t handle,
		      const struct link_impair *imp, struct nl_msg **out);
int qdisc_prio_request(int ifindex, uint32_t root, struct nl_msg **out);
int qdisc_filter_request(int ifindex, uint32_t root, enum qdisc_filter which,
			 struct nl_msg **out);

/* Makes IFNAME in NSFD carry IMP (shapes above); an "off" IMP clears.
 * -ENOENT (from the kernel) when netem is needed and absent. */
int qdisc_apply(int nsfd, const char *ifname, const struct link_impair *imp);
/* Deletes the root qdisc of IFNAME in NSFD; 0 when there was none. */
int qdisc_clear(int nsfd, const char *ifname);

/*
 * 1 when this kernel has what the trees above need (netem, and prio, tbf
 * and the u32 classifier, which every kernel with netem has), 0 when not,
 * negative errno when the probe could not run (e.g. -EPERM without
 * CAP_NET_ADMIN). The probe builds the largest tree (delay and rate) on
 * "lo" of a throwaway namespace (a short-lived thread that unshares its
 * network namespace), once per process: later calls answer from memory
 * unless REPROBE. Thread-safe.
 */
int netem_available(bool reprobe);

#endif
