/*
 * firewall.c: netfault's nftables table in a host's namespace (see
 * firewall.h for the layout and the meaning of each fault).
 *
 * Every call builds one nftables script and runs it with
 * nft_run_cmd_from_buffer, which libnftables applies as one transaction: the
 * script first (re)declares the table, the per-kind chains and the two base
 * chains with their jumps (flush and refill, so running it again changes
 * nothing), then flushes and refills the chains it changes. Being
 * idempotent, a call works whether or not an earlier one (of this object or
 * of another process) created the table, and heal-all can delete it freely.
 *
 * Every value that goes into the script is a number or an address that
 * inet_pton accepted and inet_ntop wrote back: no caller text reaches nft.
 */
#include "netns/firewall.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "netns/netns.h"

#define FW_SCRIPT_MAX  (64 * 1024)
#define FW_ERROR_MAX   1024
#define LOSS_SCALE     1000000u     /* numgen modulus: parts per million */

struct firewall {
	struct nft_ctx *nft;
	char *script;               /* FW_SCRIPT_MAX bytes */
	size_t len;
	bool overflow;
	bool forwarding;            /* a router: drop and reject in forward too */
	char error[FW_ERROR_MAX];
};

static const char *const kind_chain[FW_KIND_COUNT] = {
	[FW_PARTITION] = "partition",
	[FW_DROP] = "drop",
	[FW_REJECT] = "reject",
	[FW_LOSS] = "loss",
};

/* ---- script text -------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static void script_add(struct firewall *fw, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fw->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(fw->script + fw->len, FW_SCRIPT_MAX - fw->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= FW_SCRIPT_MAX - fw->len)
		fw->overflow = true;
	else
		fw->len += (size_t)n;
}

/* A router's forward chain: a forwarded packet arrives on one interface
 * and leaves through another, so it meets the drop and reject rules of
 * both directions (the in rules match its iifname, the out rules its
 * oifname). Partition and loss stay on the host's own traffic. */
static void script_forward(struct firewall *fw)
{
	static const enum fw_kind forwarded[] = { FW_DROP, FW_REJECT };
	size_t k;

	script_add(fw,
		   "add chain inet " FIREWALL_TABLE " forward { type filter hook forward priority filter; policy accept; }\n"
		   "flush chain inet " FIREWALL_TABLE " forward\n");
	for (k = 0; k < sizeof(forwarded) / sizeof(forwarded[0]); k++)
		script_add(fw, "add rule inet " FIREWALL_TABLE " forward jump %s_in\n"
			       "add rule inet " FIREWALL_TABLE " forward jump %s_out\n",
			   kind_chain[forwarded[k]], kind_chain[forwarded[k]]);
}

static void script_begin(struct firewall *fw)
{
	static const char *const dirs[] = { "in", "out" };
	int k, d;

	fw->len = 0;
	fw->overflow = false;
	fw->script[0] = '\0';
	script_add(fw, "add table inet " FIREWALL_TABLE "\n");
	for (k = 0; k < FW_KIND_COUNT; k++)
		for (d = 0; d < 2; d++)
			script_add(fw, "add chain inet " FIREWALL_TABLE " %s_%s\n",
				   kind_chain[k], dirs[d]);
	script_add(fw,
		   "add chain inet " FIREWALL_TABLE " input { type filter hook input priority filter; policy accept; }\n"
		   "add chain inet " FIREWALL_TABLE " output { type filter hook output priority filter; policy accept; }\n"
		   "flush chain inet " FIREWALL_TABLE " input\n"
		   "flush chain inet " FIREWALL_TABLE " output\n"
		   "add rule inet " FIREWALL_TABLE " input iifname \"lo\" accept\n"
		   "add rule inet " FIREWALL_TABLE " output oifname \"lo\" accept\n"
		   "add rule inet " FIREWALL_TABLE " input icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
		   "add rule inet " FIREWALL_TABLE " output icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n");
	for (k = 0; k < FW_KIND_COUNT; k++) {
		script_add(fw, "add rule inet " FIREWALL_TABLE " input jump %s_in\n",
			   kind_chain[k]);
		script_add(fw, "add rule inet " FIREWALL_TABLE " output jump %s_out\n",
			   kind_chain[k]);
	}
	if (fw->forwarding)
		script_forward(fw);
}

static const char *dir_suffix(enum link_dir one)
{
	return one == LINK_IN ? "in" : "out";
}

static void script_flush(struct firewall *fw, enum fw_kind kind, enum link_dir dir)
{
	if (dir & LINK_IN)
		script_add(fw, "flush chain inet " FIREWALL_TABLE " %s_in\n",
			   kind_chain[kind]);
	if (dir & LINK_OUT)
		script_add(fw, "flush chain inet " FIREWALL_TABLE " %s_out\n",
			   kind_chain[kind]);
}

/* ---- running a script --------------------------------------------------- */

/* libnftables says only -1; the errno text is in its message. */
static int error_text_to_errno(const char *text)
{
	static const int known[] = { ENOENT, EPERM, EOPNOTSUPP, EEXIST, EBUSY,
				     ENOMEM, EINVAL, ENOSPC, EAFNOSUPPORT };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(text, strerror(known[i])))
			return -known[i];
	return -EIO;
}

static int script_run(struct firewall *fw)
{
	const char *err_text;
	int rc;

	if (fw->overflow)
		return -E2BIG;
	rc = nft_run_cmd_from_buffer(fw->nft, fw->script);
	err_text = nft_ctx_get_error_buffer(fw->nft);
	(void)nft_ctx_get_output_buffer(fw->nft);  /* rewinds it */
	snprintf(fw->error, sizeof(fw->error), "%s", err_text ? err_text : "");
	if (rc == 0) {
		fw->error[0] = '\0';
		return 0;
	}
	return error_text_to_errno(fw->error);
}

/* ---- matches ------------------------------------------------------------ */

static bool dir_valid(enum link_dir dir)
{
	return dir == LINK_IN || dir == LINK_OUT || dir == LINK_BOTH;
}

static int proto_check(int proto, unsigned port)
{
	if (port > 65535)
		return -EINVAL;
	switch (proto) {
	case 0:
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return 0;
	case IPPROTO_ICMP:
		return port ? -EINVAL : 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

static const char *proto_match(int proto, unsigned port)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "meta l4proto tcp";
	case IPPROTO_UDP:
		return "meta l4proto udp";
	case IPPROTO_ICMP:
		return "meta l4proto { icmp, ipv6-icmp }";
	default:
		return port ? "meta l4proto { tcp, udp }" : "";
	}
}

/* Adds "[IFACE] MATCH VERDICT" to CHAIN_DIR; with a port, once per port
 * field. IFNAME: only packets in through (in) / out through (out) it. */
static void script_port_rules(struct firewall *fw, const char *chain,
			      enum link_dir one, int proto, unsigned port,
			      const char *ifname, const char *verdict)
{
	const char *match = proto_match(proto, port);
	char iface[48] = "";

	if (ifname)
		snprintf(iface, sizeof(iface), "%s \"%s\" ",
			 one == LINK_IN ? "iifname" : "oifname", ifname);
	if (!port) {
		script_add(fw, "add rule inet " FIREWALL_TABLE " %s_%s %s%s %s\n",
			   chain, dir_suffix(one), iface, match, verdict);
		return;
	}
	script_add(fw, "add rule inet " FIREWALL_TABLE " %s_%s %s%s th dport %u %s\n",
		   chain, dir_suffix(one), iface, match, port, verdict);
	script_add(fw, "add rule inet " FIREWALL_TABLE " %s_%s %s%s th sport %u %s\n",
		   chain, dir_suffix(one), iface, match, port, verdict);
}

/* An interface name nft may quote: [a-z0-9], at most IFNAMSIZ - 1. */
static bool ifname_valid(const char *ifname)
{
	size_t i;

	for (i = 0; ifname[i]; i++)
		if (i >= 15 || !((ifname[i] >= 'a' && ifname[i] <= 'z') ||
				 (ifname[i] >= '0' && ifname[i] <= '9')))
			return false;
	return i > 0;
}

static int set_port_rules(struct firewall *fw, enum fw_kind kind, enum link_dir dir,
			  int proto, unsigned port, const char *ifname, const char *verdict)
{
	int rc;

	if (!fw || !dir_valid(dir) || (ifname && !ifname_valid(ifname)))
		return -EINVAL;
	rc = proto_check(proto, port);
	if (rc < 0)
		return rc;
	script_begin(fw);
	script_flush(fw, kind, dir);
	if (dir & LINK_IN)
		script_port_rules(fw, kind_chain[kind], LINK_IN, proto, port, ifname, verdict);
	if (dir & LINK_OUT)
		script_port_rules(fw, kind_chain[kind], LINK_OUT, proto, port, ifname, verdict);
	return script_run(fw);
}

/* ---- the faults --------------------------------------------------------- */

int firewall_drop(struct firewall *fw, enum link_dir dir, int proto, unsigned port)
{
	return firewall_drop_on(fw, dir, proto, port, NULL);
}

int firewall_drop_on(struct firewall *fw, enum link_dir dir, int proto, unsigned port,
		     const char *ifname)
{
	return set_port_rules(fw, FW_DROP, dir, proto, port, ifname, "drop");
}

int firewall_reject(struct firewall *fw, enum link_dir dir, int proto,
		    unsigned port, enum fw_reject_with with)
{
	return firewall_reject_on(fw, dir, proto, port, with, NULL);
}

int firewall_reject_on(struct firewall *fw, enum link_dir dir, int proto,
		       unsigned port, enum fw_reject_with with, const char *ifname)
{
	const char *verdict;

	switch (with) {
	case FW_REJECT_TCP_RESET:
		if (proto != 0 && proto != IPPROTO_TCP)
			return -EINVAL;
		proto = IPPROTO_TCP;
		verdict = "reject with tcp reset";
		break;
	case FW_REJECT_PORT_UNREACHABLE:
		verdict = "reject with icmpx type port-unreachable";
		break;
	case FW_REJECT_HOST_UNREACHABLE:
		verdict = "reject with icmpx type host-unreachable";
		break;
	case FW_REJECT_ADMIN_PROHIBITED:
		verdict = "reject with icmpx type admin-prohibited";
		break;
	default:
		return -EINVAL;
	}
	return set_port_rules(fw, FW_REJECT, dir, proto, port, ifname, verdict);
}

/* Canonical text of ADDR without any "/prefix"; returns its family or
 * -EINVAL. */
static int peer_address(const char *addr, char *out, size_t outlen)
{
	char plain[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)];
	size_t n = strcspn(addr, "/");
	int family;

	if (n == 0 || n >= sizeof(plain))
		return -EINVAL;
	memcpy(plain, addr, n);
	plain[n] = '\0';
	if (inet_pton(AF_INET, plain, bin) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, plain, bin) == 1)
		family = AF_INET6;
	else
		return -EINVAL;
	if (!inet_ntop(family, bin, out, (socklen_t)outlen))
		return -EINVAL;
	return family;
}

/* One rule per family: "ip saddr { a, b } drop" (in) or daddr (out). */
static int script_partition_rules(struct firewall *fw, enum link_dir one,
				  const char *const *peers, size_t npeers)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char text[INET6_ADDRSTRLEN];
	size_t f, i;
	int family;

	for (f = 0; f < 2; f++) {
		bool first = true;

		for (i = 0; i < npeers; i++) {
			family = peer_address(peers[i], text, sizeof(text));
			if (family < 0)
				return family;
			if (family != families[f])
				continue;
			if (first)
				script_add(fw, "add rule inet " FIREWALL_TABLE
					   " partition_%s %s %s { ", dir_suffix(one),
					   family == AF_INET ? "ip" : "ip6",
					   one == LINK_IN ? "saddr" : "daddr");
			script_add(fw, "%s%s", first ? "" : ", ", text);
			first = false;
		}
		if (!first)
			script_add(fw, " } drop\n");
	}
	return 0;
}

int firewall_partition(struct firewall *fw, enum link_dir dir,
		       const char *const *peers, size_t npeers)
{
	int rc = 0;

	if (!fw || !dir_valid(dir) || (npeers && !peers))
		return -EINVAL;
	if (npeers > FIREWALL_MAX_PEERS)
		return -E2BIG;
	script_begin(fw);
	script_flush(fw, FW_PARTITION, dir);
	if (dir & LINK_IN)
		rc = script_partition_rules(fw, LINK_IN, peers, npeers);
	if (rc == 0 && (dir & LINK_OUT))
		rc = script_partition_rules(fw, LINK_OUT, peers, npeers);
	if (rc < 0)
		return rc;
	return script_run(fw);
}

int firewall_loss(struct firewall *fw, enum link_dir dir, double percent)
{
	unsigned threshold;

	if (!fw || !dir_valid(dir) || !(percent >= 0.0 && percent <= 100.0))
		return -EINVAL;
	threshold = (unsigned)lround(percent * (LOSS_SCALE / 100));
	script_begin(fw);
	script_flush(fw, FW_LOSS, dir);
	if (threshold > 0) {
		if (dir & LINK_IN)
			script_add(fw, "add rule inet " FIREWALL_TABLE
				   " loss_in numgen random mod %u < %u drop\n",
				   LOSS_SCALE, threshold);
		if (dir & LINK_OUT)
			script_add(fw, "add rule inet " FIREWALL_TABLE
				   " loss_out numgen random mod %u < %u drop\n",
				   LOSS_SCALE, threshold);
	}
	return script_run(fw);
}

int firewall_clear(struct firewall *fw, enum fw_kind kind, enum link_dir dir)
{
	if (!fw || !dir_valid(dir) || kind < 0 || kind >= FW_KIND_COUNT)
		return -EINVAL;
	script_begin(fw);
	script_flush(fw, kind, dir);
	return script_run(fw);
}

int firewall_clear_all(struct firewall *fw)
{
	if (!fw)
		return -EINVAL;
	/* "add" first makes the delete succeed when there is no table. */
	fw->len = 0;
	fw->overflow = false;
	script_add(fw, "add table inet " FIREWALL_TABLE "\n"
		       "delete table inet " FIREWALL_TABLE "\n");
	return script_run(fw);
}

/* ---- the object ------------------------------------------------------- */

void firewall_set_forwarding(struct firewall *fw, bool forwarding)
{
	if (fw)
		fw->forwarding = forwarding;
}

const char *firewall_error(const struct firewall *fw)
{
	return fw ? fw->error : "";
}

void firewall_close(struct firewall *fw)
{
	if (!fw)
		return;
	if (fw->nft)
		nft_ctx_free(fw->nft);
	free(fw->script);
	free(fw);
}

/* The nftables context, made where the thread is (its netlink socket is
 * opened there), into the firewall ARG. */
static int context_new_here(void *arg)
{
	struct firewall *fw = arg;

	fw->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	return fw->nft ? 0 : -ENOMEM;
}

int firewall_open(int nsfd, struct firewall **out)
{
	struct firewall *fw;
	int rc;

	*out = NULL;
	if (nsfd < 0)
		return -EBADF;   /* a host's namespace, never the caller's own */
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->script = malloc(FW_SCRIPT_MAX);
	if (!fw->script) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = netns_call_in(nsfd, context_new_here, fw);
	if (rc < 0)
		goto fail;
	if (nft_ctx_buffer_output(fw->nft) || nft_ctx_buffer_error(fw->nft)) {
		rc = -ENOMEM;
		goto fail;
	}
	*out = fw;
	return 0;
fail:
	firewall_close(fw);
	return rc;
}
