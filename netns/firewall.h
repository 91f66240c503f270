/*
 * firewall.h: the drop, reject, partition and random-loss faults, as
 * nftables rules in a host's own network namespace (libnftables; no `nft`
 * command). Nothing here ever touches the machine's root namespace.
 *
 * All rules live in one table, `inet netfault`, so one rule covers IPv4 and
 * IPv6. Its layout:
 *
 *   chain input  (hook input, priority filter)   iifname "lo" accept;
 *   chain output (hook output, priority filter)  oifname "lo" accept;
 *       both: IPv6 neighbour solicitations/advertisements accept;
 *       then jump, in this order: partition_DIR, drop_DIR, reject_DIR,
 *       loss_DIR (DIR = in for input, out for output)
 *   chain forward (hook forward, priority filter), on a router only
 *       (firewall_set_forwarding): jump drop_in, drop_out, reject_in,
 *       reject_out; so drop and reject act on the packets it forwards
 *       too, `in` on those arriving (iifname), `out` on those leaving
 *       (oifname) through the interface, every interface without one.
 *
 * Each fault kind and direction has its own regular chain, so a rule set is
 * addressable: setting a kind again for a direction flushes that chain and
 * fills it anew in one nftables transaction (a later fault of the same kind
 * and direction replaces the earlier one, atomically). Loopback traffic is
 * never filtered: the faults model the network, and a host talking to itself
 * does not use it.
 *
 * Ports: PORT names the service, whichever end of the connection this host
 * is. A packet matches when its source OR destination port is PORT, in both
 * directions: `drop in port 5000` on a server discards the requests to its
 * port 5000, and on a client the answers from a server's port 5000; `drop
 * out port 5000` discards a server's answers and a client's requests alike.
 * (Matching only dport for `in` would make the fault silently do nothing on
 * the client's side.) A port needs proto tcp or udp, or no proto (then tcp
 * and udp); proto icmp with a port is -EINVAL.
 *
 * Reject: tcp-reset refuses TCP packets only (with proto unset it implies
 * tcp; with proto udp or icmp it is -EINVAL); the ICMP kinds use nftables'
 * `icmpx` codes, so IPv6 gets the ICMPv6 equivalents (port-unreachable,
 * address-unreachable, admin-prohibited). In the output direction the
 * refusal goes back to the host's own sockets.
 *
 * Errors the peer's socket then sees, for the record: tcp-reset and
 * port-unreachable give ECONNREFUSED at connect; host-unreachable gives
 * EHOSTUNREACH (ICMP: a soft error, reported when the connect gives up;
 * ICMPv6 address-unreachable alike); admin-prohibited gives EHOSTUNREACH
 * at once over IPv4 but EACCES over IPv6 (the kernel's icmpv6_err_convert).
 *
 * Address resolution is never filtered: ARP is not IP and never reaches
 * these chains, and IPv6 neighbour solicitations and advertisements are let
 * through on purpose, so that every fault means the same in both families.
 * Without that, a one-way partition or an `out` drop would cut IPv6 both
 * ways: the other side must get our neighbour advertisements to send us
 * anything at all.
 *
 * Every function returns 0 or a negative errno. When nftables refused a
 * command, firewall_error() has its error text (else it is empty). An object
 * is used by one thread at a time. Nothing prints.
 */
#ifndef NETFAULT_FIREWALL_H
#define NETFAULT_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>

#include "netns/impair.h"   /* enum link_dir */

#define FIREWALL_TABLE     "netfault"   /* family inet */
#define FIREWALL_MAX_PEERS 512          /* addresses in one partition */

enum fw_kind { FW_PARTITION, FW_DROP, FW_REJECT, FW_LOSS, FW_KIND_COUNT };

enum fw_reject_with {
	FW_REJECT_TCP_RESET,
	FW_REJECT_PORT_UNREACHABLE,
	FW_REJECT_HOST_UNREACHABLE,
	FW_REJECT_ADMIN_PROHIBITED,
};

struct firewall;

/* Opens a libnftables context inside the namespace NSFD (entered by the
 * calling thread for the call only). Creates no rule yet. */
int firewall_open(int nsfd, struct firewall **out);
/* FORWARDING (a router): the rules written from now on give drop and
 * reject a forward chain too (see the layout above). Default false. */
void firewall_set_forwarding(struct firewall *fw, bool forwarding);
/* Frees the context; the rules stay (see firewall_clear_all). Accepts NULL. */
void firewall_close(struct firewall *fw);
/* nftables' error text of the last failed call, or "". */
const char *firewall_error(const struct firewall *fw);

/* PROTO: 0 (any), IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP (ICMP and
 * ICMPv6). PORT: 0 (any) or 1..65535. */
int firewall_drop(struct firewall *fw, enum link_dir dir, int proto, unsigned port);
int firewall_reject(struct firewall *fw, enum link_dir dir, int proto,
		    unsigned port, enum fw_reject_with with);
/* The same on one interface IFNAME only (in through it / out through it);
 * NULL: every interface, as above. */
int firewall_drop_on(struct firewall *fw, enum link_dir dir, int proto, unsigned port,
		     const char *ifname);
int firewall_reject_on(struct firewall *fw, enum link_dir dir, int proto,
		       unsigned port, enum fw_reject_with with, const char *ifname);
/* No packet passes from (in) / to (out) the peer addresses: IPv4 or IPv6
 * texts, a "/prefix" suffix is ignored (the host's address is meant, not its
 * subnet). One-way partitions use one direction; NPEERS 0 clears. */
int firewall_partition(struct firewall *fw, enum link_dir dir,
		       const char *const *peers, size_t npeers);
/* Random loss without netem: nft numgen, resolution 0.0001 %; 0 clears. */
int firewall_loss(struct firewall *fw, enum link_dir dir, double percent);

/* Removes the rules of one kind in DIR (heal of one kind). */
int firewall_clear(struct firewall *fw, enum fw_kind kind, enum link_dir dir);
/* Deletes the whole table (heal all); 0 also when there was none. */
int firewall_clear_all(struct firewall *fw);

#endif
