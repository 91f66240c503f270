/*
 * tcpdecode.h: what one captured Ethernet frame says about TCP, in a small
 * struct, and the one-line text tcpdump -n prints for it.
 *
 * The capture (capture.h) hands the engine raw frames of at most its snaplen
 * bytes; this file turns a frame into addresses, ports, flags, sequence
 * numbers and lengths (IPv4 or IPv6, TCP or an ICMP/ICMPv6 message, with the
 * TCP ends an ICMP error quotes), so the engine can tell "the server's kernel
 * sent RST at 1.000123456" from the wire view. Lengths come from the IP
 * header, not from the capture length, so a frame cut at the snaplen still
 * reports its real payload length.
 *
 * Pure code: no allocation, no I/O, nothing prints. Every read is checked
 * against the captured length; a header cut short is an error, never an
 * overread. tcpdecode.c decodes; tcpdecode_text.c writes the text and
 * rebases sequence numbers the way tcpdump does.
 */
#ifndef NETFAULT_TCPDECODE_H
#define NETFAULT_TCPDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns/endpoint.h"

/* TCP header flags, as in the header's 13th byte. */
#define TCPDECODE_FIN 0x01
#define TCPDECODE_SYN 0x02
#define TCPDECODE_RST 0x04
#define TCPDECODE_PSH 0x08
#define TCPDECODE_ACK 0x10
#define TCPDECODE_URG 0x20
#define TCPDECODE_ECE 0x40
#define TCPDECODE_CWR 0x80

enum decoded_kind {
	DECODED_OTHER = 0,  /* not IP (ARP...), another protocol, a later fragment */
	DECODED_TCP,
	DECODED_ICMP,       /* ICMP or ICMPv6; see icmp_error for errors */
};

struct decoded_packet {
	enum decoded_kind kind;
	/* IP source and destination; for TCP with the ports, else port 0.
	 * family 0 when the frame is not IP. */
	struct ip_endpoint src, dst;
	uint8_t ip_proto;           /* IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_ICMPV6... */
	uint8_t ttl;                /* TTL or hop limit */
	uint32_t ip_len;            /* bytes of the IP packet, header included,
	                               as the IP header says */

	/* DECODED_TCP */
	uint8_t tcp_flags;          /* TCPDECODE_* */
	uint32_t seq, ack;          /* raw, or relative after tcp_relseq_apply */
	uint16_t window;            /* as on the wire (not scaled) */
	uint16_t urgent;
	uint8_t tcp_header_len;     /* bytes, options included */
	uint32_t payload_len;       /* TCP payload bytes the IP length declares */
	uint32_t payload_captured;  /* of those, how many are in the frame */

	/* DECODED_ICMP */
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_len;          /* ICMP message bytes the IP length declares */
	uint16_t icmp_echo_id, icmp_echo_seq; /* echo request/reply */
	uint32_t icmp_mtu;          /* need-to-frag / packet-too-big, else 0 */
	bool icmp_error;            /* an error quoting an earlier packet: */
	uint8_t inner_proto;        /* the quoted packet's protocol */
	bool inner_has_ports;       /* the quote reaches the TCP/UDP ports */
	bool inner_has_seq;         /* ... and the TCP sequence number */
	struct ip_endpoint inner_src, inner_dst; /* its ends (ports if known) */
	uint32_t inner_seq;
};

/* ---- decoding (tcpdecode.c) --------------------------------------------- */

/*
 * Decodes FRAME (CAPLEN captured bytes, link type Ethernet, up to two VLAN
 * tags) into OUT. Returns 0 with OUT->kind telling what was found, or
 * -EBADMSG when an Ethernet, IP, TCP or ICMP header is cut short by CAPLEN or
 * contradicts itself (bad version, header length, or IP length); OUT is then
 * zeroed except what was decoded before the fault. A quoted packet in an
 * ICMP error may be cut short: what it holds is decoded, the rest flagged.
 */
int decode_ethernet_frame(const uint8_t *frame, size_t caplen,
			  struct decoded_packet *out);

/* ---- text (tcpdecode_text.c) ------------------------------------------- */

/* tcpdump's flag letters in its order, "S", "S.", "P.", "F.", "R", "none":
 * F S R P . U E W. BUF needs 9 bytes. */
void tcp_flags_format(uint8_t flags, char buf[9]);

/*
 * One line the way `tcpdump -n` prints the packet after its "IP "/"IP6 "
 * prefix, without TCP options:
 *   10.0.0.2.5000 > 10.0.0.1.43210: Flags [P.], seq 1:27, ack 1, win 502, length 26
 *   10.0.0.1 > 10.0.0.2: ICMP 10.0.0.2 tcp port 5000 unreachable, length 68
 *   fd00::1 > fd00::2: ICMP6, destination unreachable, unreachable port, fd00::2 tcp port 5000, length 88
 * Sequence numbers are printed as they are in P (see tcp_relseq_apply for
 * tcpdump's relative numbers). Returns the text length, or -ENOSPC when BUF
 * is too short (BUF then holds a truncated, terminated text).
 * DECODED_PACKET_TEXT_MAX bytes always suffice: the longest lines, with
 * IPv6 addresses of 39 characters, all eight flags and 10-digit numbers,
 * take 190 (TCP) and 201 (an ICMPv6 port unreachable) bytes.
 */
#define DECODED_PACKET_TEXT_MAX 256
int decoded_packet_format(const struct decoded_packet *p, char *buf, size_t len);

/*
 * tcpdump's relative sequence numbers. Per connection, the first packet that
 * carries ACK (normally the SYN-ACK), or any later SYN, sets the two bases:
 * its sender's seq and its receiver's ack - 1; it is itself printed absolute.
 * Later packets with ACK of that connection get seq and ack rebased. Packets
 * without ACK (the first SYN, a bare RST) stay absolute, as in tcpdump.
 * Holds up to TCP_RELSEQ_MAX connections; packets of further connections
 * stay absolute. Zero-initialise (or tcp_relseq_init) before use.
 */
#define TCP_RELSEQ_MAX 64
struct tcp_relseq_conn {
	struct ip_endpoint a, b;   /* a sent the packet that set the bases */
	uint32_t a_base, b_base;
};
struct tcp_relseq {
	size_t nconns;
	struct tcp_relseq_conn conns[TCP_RELSEQ_MAX];
};
void tcp_relseq_init(struct tcp_relseq *r);
/* Updates R with P and rebases P's seq/ack in place when tcpdump would.
 * Returns true when P was rebased. Non-TCP packets are left alone. */
bool tcp_relseq_apply(struct tcp_relseq *r, struct decoded_packet *p);

#endif
