/*
 * tcpdecode.c: Ethernet/IP/TCP/ICMP decoding (tcpdecode.h); the text
 * tcpdump would print for a packet is tcpdecode_text.c's.
 *
 * Every field is read through a bounds-checked byte cursor (struct span), so
 * a frame cut at the snaplen, or a lying header length, yields -EBADMSG and
 * never a read past the captured bytes. Multi-byte fields are assembled from
 * bytes (network order), so no unaligned access either.
 */
#include "netns/tcpdecode.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>

#define ETH_HEADER_LEN   14
#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_IPV6   0x86dd
#define ETHERTYPE_VLAN   0x8100
#define ETHERTYPE_QINQ   0x88a8
#define MAX_VLAN_TAGS    2
#define IPV4_MIN_HEADER  20
#define IPV6_HEADER_LEN  40
#define IPV6_MAX_EXT_HEADERS 8
#define TCP_MIN_HEADER   20
#define ICMP_HEADER_LEN  8

/* A window on the captured bytes: reads outside it fail. */
struct span {
	const uint8_t *data;
	size_t len;
};

static bool span_has(const struct span *s, size_t off, size_t n)
{
	return off <= s->len && n <= s->len - off;
}

static uint8_t get_u8(const struct span *s, size_t off)
{
	return s->data[off];
}

static uint16_t get_be16(const struct span *s, size_t off)
{
	return (uint16_t)((unsigned)s->data[off] << 8 | s->data[off + 1]);
}

static uint32_t get_be32(const struct span *s, size_t off)
{
	return (uint32_t)s->data[off] << 24 | (uint32_t)s->data[off + 1] << 16 |
	       (uint32_t)s->data[off + 2] << 8 | s->data[off + 3];
}

/* The part of S from OFF on, at most N bytes. */
static struct span span_sub(const struct span *s, size_t off, size_t n)
{
	struct span sub = { s->data + off, s->len - off };

	if (sub.len > n)
		sub.len = n;
	return sub;
}

static bool is_ipv6_ext_header(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH;
}

/*
 * Walks IPv6 extension headers starting at OFF with next-header *NH.
 * On return *NH is the upper-layer protocol and *OFF its offset.
 * Returns 0, 1 when a fragment header says this is not the first fragment
 * (*NH is then the fragmented protocol),
 * or -EBADMSG when a header is cut short.
 */
static int skip_ipv6_ext_headers(const struct span *s, uint8_t *nh, size_t *off)
{
	for (int i = 0; i < IPV6_MAX_EXT_HEADERS && is_ipv6_ext_header(*nh); i++) {
		size_t hlen;
		uint8_t next;

		if (!span_has(s, *off, 8))
			return -EBADMSG;
		next = get_u8(s, *off);
		if (*nh == IPPROTO_FRAGMENT) {
			if ((get_be16(s, *off + 2) & 0xfff8) != 0) {
				*nh = next;
				return 1;
			}
			hlen = 8;
		} else if (*nh == IPPROTO_AH) {
			hlen = ((size_t)get_u8(s, *off + 1) + 2) * 4;
		} else {
			hlen = ((size_t)get_u8(s, *off + 1) + 1) * 8;
		}
		*nh = next;
		*off += hlen;
	}
	if (is_ipv6_ext_header(*nh))
		return -EBADMSG;
	return 0;
}

static void set_addr4(struct ip_endpoint *e, const struct span *s, size_t off)
{
	e->family = AF_INET;
	memcpy(&e->addr.v4, s->data + off, 4);
}

static void set_addr6(struct ip_endpoint *e, const struct span *s, size_t off)
{
	e->family = AF_INET6;
	memcpy(&e->addr.v6, s->data + off, 16);
}

/* The L4 protocol header of a packet quoted in an ICMP error: ports and,
 * for TCP, the sequence number, as far as the quote reaches. */
static void decode_quoted_l4(const struct span *l4, struct decoded_packet *out)
{
	if (out->inner_proto != IPPROTO_TCP && out->inner_proto != IPPROTO_UDP)
		return;
	if (!span_has(l4, 0, 4))
		return;
	out->inner_src.port = get_be16(l4, 0);
	out->inner_dst.port = get_be16(l4, 2);
	out->inner_has_ports = true;
	if (out->inner_proto == IPPROTO_TCP && span_has(l4, 4, 4)) {
		out->inner_seq = get_be32(l4, 4);
		out->inner_has_seq = true;
	}
}

/* The IPv4 packet quoted by an ICMP error; a quote cut short is not an
 * error of the outer packet, so nothing here fails. */
static void decode_quoted_ipv4(const struct span *q, struct decoded_packet *out)
{
	size_t ihl;
	struct span l4;

	if (!span_has(q, 0, IPV4_MIN_HEADER) || get_u8(q, 0) >> 4 != 4)
		return;
	ihl = (size_t)(get_u8(q, 0) & 0x0f) * 4;
	out->inner_proto = get_u8(q, 9);
	set_addr4(&out->inner_src, q, 12);
	set_addr4(&out->inner_dst, q, 16);
	if (ihl < IPV4_MIN_HEADER || !span_has(q, ihl, 0))
		return;
	if ((get_be16(q, 6) & 0x1fff) != 0)
		return;
	l4 = span_sub(q, ihl, SIZE_MAX);
	decode_quoted_l4(&l4, out);
}

static void decode_quoted_ipv6(const struct span *q, struct decoded_packet *out)
{
	uint8_t nh;
	size_t off = IPV6_HEADER_LEN;
	struct span l4;

	if (!span_has(q, 0, IPV6_HEADER_LEN) || get_u8(q, 0) >> 4 != 6)
		return;
	set_addr6(&out->inner_src, q, 8);
	set_addr6(&out->inner_dst, q, 24);
	nh = get_u8(q, 6);
	if (skip_ipv6_ext_headers(q, &nh, &off) != 0)
		return;
	out->inner_proto = nh;
	if (!span_has(q, off, 0))
		return;
	l4 = span_sub(q, off, SIZE_MAX);
	decode_quoted_l4(&l4, out);
}

/* L4 holds the captured bytes of the segment, DECLARED its length by the
 * IP header (DECLARED >= L4->len). */
static int decode_tcp(const struct span *l4, size_t declared,
		      struct decoded_packet *out)
{
	size_t hlen;

	if (!span_has(l4, 0, TCP_MIN_HEADER) || declared < TCP_MIN_HEADER)
		return -EBADMSG;
	hlen = (size_t)(get_u8(l4, 12) >> 4) * 4;
	if (hlen < TCP_MIN_HEADER || hlen > declared)
		return -EBADMSG;
	out->kind = DECODED_TCP;
	out->src.port = get_be16(l4, 0);
	out->dst.port = get_be16(l4, 2);
	out->seq = get_be32(l4, 4);
	out->ack = get_be32(l4, 8);
	out->tcp_flags = get_u8(l4, 13);
	out->window = get_be16(l4, 14);
	out->urgent = get_be16(l4, 18);
	out->tcp_header_len = (uint8_t)hlen;
	out->payload_len = (uint32_t)(declared - hlen);
	out->payload_captured = l4->len > hlen ? (uint32_t)(l4->len - hlen) : 0;
	return 0;
}

static int decode_icmp(const struct span *l4, size_t declared, bool v6,
		       struct decoded_packet *out)
{
	uint8_t type, code;
	struct span quote;

	if (!span_has(l4, 0, ICMP_HEADER_LEN) || declared < ICMP_HEADER_LEN)
		return -EBADMSG;
	type = get_u8(l4, 0);
	code = get_u8(l4, 1);
	out->kind = DECODED_ICMP;
	out->icmp_type = type;
	out->icmp_code = code;
	out->icmp_len = (uint32_t)declared;
	quote = span_sub(l4, ICMP_HEADER_LEN, SIZE_MAX);
	if (!v6) {
		switch (type) {
		case ICMP_ECHO:
		case ICMP_ECHOREPLY:
			out->icmp_echo_id = get_be16(l4, 4);
			out->icmp_echo_seq = get_be16(l4, 6);
			break;
		case ICMP_DEST_UNREACH:
		case ICMP_SOURCE_QUENCH:
		case ICMP_REDIRECT:
		case ICMP_TIME_EXCEEDED:
		case ICMP_PARAMETERPROB:
			if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
				out->icmp_mtu = get_be16(l4, 6);
			out->icmp_error = true;
			decode_quoted_ipv4(&quote, out);
			break;
		default:
			break;
		}
	} else {
		switch (type) {
		case ICMP6_ECHO_REQUEST:
		case ICMP6_ECHO_REPLY:
			out->icmp_echo_id = get_be16(l4, 4);
			out->icmp_echo_seq = get_be16(l4, 6);
			break;
		case ICMP6_PACKET_TOO_BIG:
		case ICMP6_DST_UNREACH:
		case ICMP6_TIME_EXCEEDED:
		case ICMP6_PARAM_PROB:
			if (type == ICMP6_PACKET_TOO_BIG)
				out->icmp_mtu = get_be32(l4, 4);
			out->icmp_error = true;
			decode_quoted_ipv6(&quote, out);
			break;
		default:
			break;
		}
	}
	return 0;
}

/* The transport part: L4 captured bytes, DECLARED bytes per IP header. */
static int decode_transport(const struct span *pkt, size_t l4_off,
			    size_t declared, struct decoded_packet *out)
{
	struct span l4 = span_sub(pkt, l4_off, declared);

	switch (out->ip_proto) {
	case IPPROTO_TCP:
		return decode_tcp(&l4, declared, out);
	case IPPROTO_ICMP:
		if (out->src.family != AF_INET)
			return 0;
		return decode_icmp(&l4, declared, false, out);
	case IPPROTO_ICMPV6:
		if (out->src.family != AF_INET6)
			return 0;
		return decode_icmp(&l4, declared, true, out);
	default:
		return 0;
	}
}

static int decode_ipv4(const struct span *pkt, struct decoded_packet *out)
{
	size_t ihl, total;

	if (!span_has(pkt, 0, IPV4_MIN_HEADER))
		return -EBADMSG;
	ihl = (size_t)(get_u8(pkt, 0) & 0x0f) * 4;
	total = get_be16(pkt, 2);
	if (ihl < IPV4_MIN_HEADER || total < ihl || !span_has(pkt, 0, ihl))
		return -EBADMSG;
	set_addr4(&out->src, pkt, 12);
	set_addr4(&out->dst, pkt, 16);
	out->ttl = get_u8(pkt, 8);
	out->ip_proto = get_u8(pkt, 9);
	out->ip_len = (uint32_t)total;
	if ((get_be16(pkt, 6) & 0x1fff) != 0)
		return 0;   /* a later fragment: no transport header here */
	return decode_transport(pkt, ihl, total - ihl, out);
}

static int decode_ipv6(const struct span *pkt, struct decoded_packet *out)
{
	size_t payload, off = IPV6_HEADER_LEN;
	uint8_t nh;
	int rc;

	if (!span_has(pkt, 0, IPV6_HEADER_LEN))
		return -EBADMSG;
	payload = get_be16(pkt, 4);
	if (payload == 0)
		return -EBADMSG;    /* jumbogram: not on this kind of network */
	set_addr6(&out->src, pkt, 8);
	set_addr6(&out->dst, pkt, 24);
	out->ttl = get_u8(pkt, 7);
	out->ip_len = (uint32_t)(IPV6_HEADER_LEN + payload);
	nh = get_u8(pkt, 6);
	rc = skip_ipv6_ext_headers(pkt, &nh, &off);
	out->ip_proto = nh;
	if (rc < 0)
		return rc;
	if (rc > 0)
		return 0;   /* a later fragment */
	if (off > IPV6_HEADER_LEN + payload)
		return -EBADMSG;
	if (!span_has(pkt, off, 0))
		return -EBADMSG;
	return decode_transport(pkt, off, IPV6_HEADER_LEN + payload - off, out);
}

static int decode_ip(const struct span *pkt, struct decoded_packet *out)
{
	if (!span_has(pkt, 0, 1))
		return -EBADMSG;
	switch (get_u8(pkt, 0) >> 4) {
	case 4:
		return decode_ipv4(pkt, out);
	case 6:
		return decode_ipv6(pkt, out);
	default:
		return -EBADMSG;
	}
}

int decode_ethernet_frame(const uint8_t *frame, size_t caplen,
			  struct decoded_packet *out)
{
	struct span eth = { frame, caplen };
	struct span pkt;
	size_t off = 12;
	uint16_t ethertype;
	int tags = 0;

	memset(out, 0, sizeof(*out));
	if (!span_has(&eth, 0, ETH_HEADER_LEN))
		return -EBADMSG;
	ethertype = get_be16(&eth, off);
	while ((ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ) &&
	       tags < MAX_VLAN_TAGS) {
		off += 4;
		if (!span_has(&eth, off, 2))
			return -EBADMSG;
		ethertype = get_be16(&eth, off);
		tags++;
	}
	off += 2;
	if (ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6)
		return 0;
	pkt = span_sub(&eth, off, SIZE_MAX);
	if (!span_has(&pkt, 0, 1) ||
	    (get_u8(&pkt, 0) >> 4) != (ethertype == ETHERTYPE_IPV4 ? 4 : 6))
		return -EBADMSG;
	return decode_ip(&pkt, out);
}
