/*
 * qdisc.h: a link impairment (impair.h) as kernel queueing disciplines on
 * one interface, through libnl-route-3: netem for delay, jitter and loss,
 * tbf for the rate. Where it goes is the caller's choice: for `out` the
 * host's eth0 (in the host's namespace), for `in` the host's switch port pN
 * (in the switch namespace, where the port's egress is the host's ingress).
 * Never an interface of the machine's root namespace.
 *
 * The tree on the interface has one of three shapes, each with its own root
 * handle, so that applying the same shape again changes the qdiscs in place
 * (NLM_F_REPLACE: packets already held keep their schedule, none is lost)
 * and a different shape replaces the root in one request (the old tree and
 * the packets it held go, as with `tc qdisc replace`):
 *
 *   delay/jitter/loss only   root 2: netem
 *   rate only                root 4: tbf
 *   both                     root 1: tbf, its class 1:1 holds 3: netem
 *                            (delay first, then the rate, as the delay
 *                            line does)
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

#define QDISC_HANDLE_TBF_NETEM  0x00010000u   /* 1: root tbf over netem */
#define QDISC_HANDLE_NETEM      0x00020000u   /* 2: root netem */
#define QDISC_HANDLE_NETEM_LEAF 0x00030000u   /* 3: netem under 1:1 */
#define QDISC_HANDLE_TBF        0x00040000u   /* 4: root tbf alone */

struct nl_msg;

/*
 * The RTM_NEWQDISC request libnl builds for netem (delay, jitter, loss,
 * limit of IMP) / tbf (IMP's rate, a burst of max(2 MTU, 2 ms of rate) and
 * room for IMPAIR_RATE_BACKLOG_US of backlog) on IFINDEX, with PARENT and
 * HANDLE, flags NLM_F_CREATE|NLM_F_REPLACE. The caller frees it with
 * nlmsg_free. Exposed so that a unit test can read back what would be sent
 * without a kernel; qdisc_apply sends exactly these messages.
 */
int qdisc_netem_request(int ifindex, uint32_t parent, uint32_t handle,
			const struct link_impair *imp, struct nl_msg **out);
int qdisc_tbf_request(int ifindex, uint32_t parent, uint32_t handle,
		      const struct link_impair *imp, struct nl_msg **out);

/* Makes IFNAME in NSFD carry IMP (shapes above); an "off" IMP clears.
 * -ENOENT (from the kernel) when netem is needed and absent. */
int qdisc_apply(int nsfd, const char *ifname, const struct link_impair *imp);
/* Deletes the root qdisc of IFNAME in NSFD; 0 when there was none. */
int qdisc_clear(int nsfd, const char *ifname);

/*
 * 1 when this kernel has the netem qdisc, 0 when not, negative errno when
 * the probe could not run (e.g. -EPERM without CAP_NET_ADMIN). The probe
 * tries a netem qdisc on "lo" of a throwaway namespace (a short-lived thread
 * that unshares its network namespace), once per process: later calls
 * answer from memory unless REPROBE. Thread-safe.
 */
int netem_available(bool reprobe);

#endif
