/*
 * middlebox.h: a router's connection tracking as a NAT gateway, a stateful
 * firewall or a load balancer that forgets idle connections (issue 12,
 * spec networks.md, middlebox:). Everything happens inside the router's
 * own namespace; nothing here touches the machine's root namespace.
 *
 * What middlebox_open sets up in the namespace NSFD:
 *
 *   sysctls (per namespace)
 *     net.netfilter.nf_conntrack_tcp_timeout_established  the idle timeout
 *     net.netfilter.nf_conntrack_tcp_loose   0 for drop and reset, 1 pickup
 *     net.netfilter.nf_conntrack_events      1 (events for the counts)
 *   nftables (libnftables), table `inet netfault_middlebox`, apart from the
 *   faults' `inet netfault` (a heal never removes the middlebox):
 *     chain forward, chain input (filter, priority filter):
 *         drop:   tcp ct state invalid drop;
 *                 tcp ct state new, flags other than a lone SYN: drop
 *         reset:  the same packets: reject with tcp reset (to their sender)
 *         pickup: ct state counted, nothing refused (Linux's default)
 *     chain postrouting (nat, priority srcnat): oifname NAT_IF masquerade
 *
 * With loose tracking off, a packet of a connection conntrack forgot (idle
 * longer than the timeout, or flushed) cannot start a new entry: it is
 * invalid, and meets drop or reset. With pickup it starts one: from the
 * inside the mapping comes back and the packet passes; from the outside it
 * is addressed to the router itself, whose stack answers RST.
 *
 * Counts (struct middlebox_counts): a ctnetlink socket in the namespace
 * subscribed to conntrack's NEW and DESTROY events. created = NEW events;
 * a DESTROY is "forgotten" when middlebox_forget's flush caused it (the
 * events a flush makes are queued before its acknowledgement), else
 * "expired" (idle timeout, or the connection closing: conntrack forgets a
 * closed connection after its short close timeouts, which counts as
 * expired too). Expired entries leave the table lazily; middlebox_counts
 * first dumps the table, which makes the kernel evict them. Entries alive
 * when the namespace goes (a router powered off) are in none of the three.
 *
 * Every function returns 0 (or a count) or a negative errno and prints
 * nothing. An object is used by one thread at a time.
 */
#ifndef NETFAULT_MIDDLEBOX_H
#define NETFAULT_MIDDLEBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIDDLEBOX_TABLE        "netfault_middlebox"   /* family inet */
#define MIDDLEBOX_MAX_IDLE_S   (7u * 24 * 3600)       /* as the scenario's limit */
#define MIDDLEBOX_IFNAME_MAX   15
#define MIDDLEBOX_KERNEL_IDLE_S (5u * 24 * 3600)     /* conntrack's own default */

enum middlebox_expired {
	MIDDLEBOX_DROP,     /* discarded silently */
	MIDDLEBOX_RESET,    /* rejected with a TCP reset to the sender */
	MIDDLEBOX_PICKUP,   /* loose tracking: nothing refused */
};

struct middlebox_conf {
	const char *nat_if;        /* masquerade connections leaving through it;
				    * NULL: no NAT */
	unsigned idle_timeout_s;   /* 0: the kernel's (5 days, written back, so
				    * applying again replaces everything); 1 to
				    * MIDDLEBOX_MAX_IDLE_S */
	enum middlebox_expired expired;
};

struct middlebox_counts {
	uint64_t created;          /* entries conntrack created */
	uint64_t expired;          /* entries it dropped on its own */
	uint64_t forgotten;        /* entries middlebox_forget flushed */
	bool lost;                 /* events were lost (socket overrun): the
				    * counts are lower bounds */
};

struct middlebox;

/* Opens the event socket, then writes the sysctls and the rules in the
 * namespace NSFD (never the caller's own: NSFD < 0 is -EBADF). On failure
 * nothing of it is left open (rules half-written stay in the namespace:
 * they go with it); ERR (when not NULL) says which step failed, with
 * nftables' text when it refused a rule. */
int middlebox_open(int nsfd, const struct middlebox_conf *conf,
		   struct middlebox **out, char *err, size_t errlen);
/* The same conf in a fresh namespace under the same router (after a
 * poweron): new sockets, rules and sysctls there; the counts go on. On
 * failure the object holds no socket (middlebox_fd -1) and keeps its
 * counts; it may be rebound again or closed. */
int middlebox_rebind(struct middlebox *mb, int nsfd, char *err, size_t errlen);
/* Reads the pending events and closes the sockets (the namespace's
 * reference with them), keeping the counts: the router lost power. */
void middlebox_detach(struct middlebox *mb);
/* Closes the sockets and frees; the namespace's rules stay. Accepts NULL. */
void middlebox_close(struct middlebox *mb);

/* The event socket, for poll (POLLIN: call middlebox_read); -1 detached. */
int middlebox_fd(const struct middlebox *mb);
/* Reads every pending event without blocking; returns how many. */
int middlebox_read(struct middlebox *mb);
/* Flushes the router's conntrack table (every family): the `forget:`
 * fault. Returns how many entries it forgot. -ENOTCONN when detached. */
int middlebox_forget(struct middlebox *mb);
/* The counts so far, expired entries evicted first (when attached). *OUT
 * is filled also when that failed (the error is returned). */
int middlebox_counts(struct middlebox *mb, struct middlebox_counts *out);

/* ---- the parts, for middlebox.c and the tests -------------------------- */

/* Writes the sysctls and the nftables table for CONF in NSFD. */
int middlebox_rules_apply(int nsfd, const struct middlebox_conf *conf,
			  char *err, size_t errlen);

/* ctnetlink.c: conntrack over libmnl in one namespace. */
struct ct_events;
/* A NEW/DESTROY event socket and a request socket, opened inside NSFD. */
int ct_events_open(int nsfd, struct ct_events **out);
void ct_events_close(struct ct_events *ce);
int ct_events_fd(const struct ct_events *ce);
/* Reads pending events into *NEWS and *DESTROYS (added); sets *LOST on an
 * overrun. Returns how many events were read. */
int ct_events_read(struct ct_events *ce, uint64_t *news, uint64_t *destroys,
		   bool *lost);
/* Flushes the table (IPCTNL_MSG_CT_DELETE without attributes), acked. */
int ct_flush(struct ct_events *ce);
/* Dumps the table (making the kernel evict expired entries); returns how
 * many entries are alive. */
int ct_count(struct ct_events *ce);
/* Makes sure conntrack is loaded, from the calling thread's namespace: one
 * dump request, for which the kernel loads nf_conntrack_netlink and
 * nf_conntrack where they are modules (so that their sysctls exist). */
int ct_load_here(void);

#endif
