/*
 * nfqueue_rules.h: the rules that send a host's packets to the delay line's
 * queues: the xt NFQUEUE target, added and deleted with iptables and
 * ip6tables (iptables-nft) run inside the host's namespace. This is
 * netfault's only shell-out, and why:
 *
 *   - this kernel lacks the native nftables `queue` expression
 *     (CONFIG_NFT_QUEUE), so the packets can only reach a queue through the
 *     xtables NFQUEUE target, which nf_tables runs via nft_compat;
 *   - libnftables cannot express an xtables target (its parser has no
 *     syntax for nft_compat "target" expressions); iptables-nft builds them
 *     with libnftnl internals that have no stable library interface.
 *
 * Where the packets are taken (the delay line then acts like the network):
 *   out: mangle POSTROUTING -o IFNAME, after the host's own firewall, the
 *        last thing before the wire (like netem on the host's eth0)
 *   in:  raw PREROUTING -i IFNAME, before conntrack and the host's firewall,
 *        the first thing after the wire (like netem on the switch port)
 *
 * The rules carry no --queue-bypass: when nobody listens on the queue the
 * kernel drops the packets (fail-closed, see delayline.h).
 *
 * iptables' output is captured, never printed: on failure ERR holds it.
 */
#ifndef NETFAULT_NFQUEUE_RULES_H
#define NETFAULT_NFQUEUE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns/impair.h"

/* Adds (ADD) or deletes the IPv4 and IPv6 rule of ONE direction (LINK_OUT
 * or LINK_IN) in NSFD. 0, or negative errno (-EIO: iptables failed, ERR
 * says why; -ENOENT: no iptables program). A failed add leaves nothing. */
int nfqueue_rules(int nsfd, bool add, enum link_dir one, const char *ifname,
		  uint16_t queue_num, char *err, size_t errlen);

#endif
