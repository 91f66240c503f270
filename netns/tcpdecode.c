/*
 * tcpdecode.c: Ethernet/IP/TCP/ICMP decoding and tcpdump-style text
 * (tcpdecode.h).
 *
 * Every field is read through a bounds-checked byte cursor (struct span), so
 * a frame cut at the snaplen, or a lying header length, yields -EBADMSG and
 * never a read past the captured bytes. Multi-byte fields are assembled from
 * bytes (network order), so no unaligned access either.
 */
#include "netns/tcpdecode.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
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

#define ICMP4_ECHO_REPLY     0
#define ICMP4_UNREACH        3
#define ICMP4_SOURCE_QUENCH  4
#define ICMP4_REDIRECT       5
#define ICMP4_ECHO_REQUEST   8
#define ICMP4_TIME_EXCEEDED  11
#define ICMP4_PARAM_PROBLEM  12
#define ICMP4_UNREACH_NEEDFRAG 4

#define ICMP6_UNREACH        1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_PARAM_PROBLEM  4
#define ICMP6_ECHO_REQUEST   128
#define ICMP6_ECHO_REPLY     129

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
		case ICMP4_ECHO_REQUEST:
		case ICMP4_ECHO_REPLY:
			out->icmp_echo_id = get_be16(l4, 4);
			out->icmp_echo_seq = get_be16(l4, 6);
			break;
		case ICMP4_UNREACH:
		case ICMP4_SOURCE_QUENCH:
		case ICMP4_REDIRECT:
		case ICMP4_TIME_EXCEEDED:
		case ICMP4_PARAM_PROBLEM:
			if (type == ICMP4_UNREACH && code == ICMP4_UNREACH_NEEDFRAG)
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
		case ICMP6_UNREACH:
		case ICMP6_TIME_EXCEEDED:
		case ICMP6_PARAM_PROBLEM:
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

/* ---- text --------------------------------------------------------------- */

void tcp_flags_format(uint8_t flags, char buf[9])
{
	static const struct {
		uint8_t bit;
		char letter;
	} order[] = {
		{ TCPDECODE_FIN, 'F' }, { TCPDECODE_SYN, 'S' },
		{ TCPDECODE_RST, 'R' }, { TCPDECODE_PSH, 'P' },
		{ TCPDECODE_ACK, '.' }, { TCPDECODE_URG, 'U' },
		{ TCPDECODE_ECE, 'E' }, { TCPDECODE_CWR, 'W' },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (flags & order[i].bit)
			buf[n++] = order[i].letter;
	if (n == 0)
		memcpy(buf, "none", 5);
	else
		buf[n] = '\0';
}

/* Appends to a fixed buffer; remembers overflow instead of failing early. */
struct text {
	char *buf;
	size_t len, used;
	bool overflow;
};

static void text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t room = t->used < t->len ? t->len - t->used : 0;

	va_start(ap, fmt);
	n = vsnprintf(room ? t->buf + t->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		t->overflow = true;
		t->used = t->len;
		return;
	}
	t->used += (size_t)n;
}

static const char *addr_text(const struct ip_endpoint *e, char *buf, size_t len)
{
	if (ip_endpoint_format_addr(e, buf, len) < 0)
		return "?";
	return buf;
}

static void format_tcp(struct text *t, const struct decoded_packet *p)
{
	char src[IP_ENDPOINT_TEXT_MAX], dst[IP_ENDPOINT_TEXT_MAX], flags[9];

	if (ip_endpoint_format(&p->src, src, sizeof(src)) < 0)
		strcpy(src, "?");
	if (ip_endpoint_format(&p->dst, dst, sizeof(dst)) < 0)
		strcpy(dst, "?");
	tcp_flags_format(p->tcp_flags, flags);
	text_add(t, "%s > %s: Flags [%s]", src, dst, flags);
	if (p->payload_len > 0 ||
	    (p->tcp_flags & (TCPDECODE_SYN | TCPDECODE_FIN | TCPDECODE_RST))) {
		text_add(t, ", seq %u", (unsigned)p->seq);
		if (p->payload_len > 0)
			text_add(t, ":%u", (unsigned)(p->seq + p->payload_len));
	}
	if (p->tcp_flags & TCPDECODE_ACK)
		text_add(t, ", ack %u", (unsigned)p->ack);
	text_add(t, ", win %u", (unsigned)p->window);
	if (p->tcp_flags & TCPDECODE_URG)
		text_add(t, ", urg %u", (unsigned)p->urgent);
	text_add(t, ", length %u", (unsigned)p->payload_len);
}

static const char *quoted_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static void format_icmp4_unreach(struct text *t, const struct decoded_packet *p)
{
	static const char *const detail[] = {
		[5] = "source route failed",
		[8] = "source host isolated",
		[9] = "admin prohibited",
		[10] = "admin prohibited",
		[11] = "tos prohibited",
		[12] = "tos prohibited",
		[13] = "admin prohibited filter",
		[14] = "host precedence violation",
		[15] = "precedence cutoff",
	};
	char addr[INET6_ADDRSTRLEN];
	const char *dst = addr_text(&p->inner_dst, addr, sizeof(addr));
	uint8_t code = p->icmp_code;

	switch (code) {
	case 0:
		text_add(t, "net %s unreachable", dst);
		return;
	case 1:
		text_add(t, "host %s unreachable", dst);
		return;
	case 2:
		text_add(t, "%s protocol %u unreachable", dst, (unsigned)p->inner_proto);
		return;
	case 3:
		if (p->inner_has_ports &&
		    (p->inner_proto == IPPROTO_TCP || p->inner_proto == IPPROTO_UDP))
			text_add(t, "%s %s port %u unreachable", dst,
				 quoted_proto_name(p->inner_proto),
				 (unsigned)p->inner_dst.port);
		else
			text_add(t, "%s port unreachable", dst);
		return;
	case 4:
		text_add(t, "%s unreachable - need to frag (mtu %u)", dst,
			 (unsigned)p->icmp_mtu);
		return;
	case 6:
		text_add(t, "net %s unreachable - unknown", dst);
		return;
	case 9:
	case 11:
		text_add(t, "net %s unreachable - %s", dst, detail[code]);
		return;
	case 7:
		text_add(t, "host %s unreachable - unknown", dst);
		return;
	case 5:
	case 8:
		text_add(t, "%s unreachable - %s", dst, detail[code]);
		return;
	case 10:
	case 12:
	case 13:
	case 14:
	case 15:
		text_add(t, "host %s unreachable - %s", dst, detail[code]);
		return;
	default:
		text_add(t, "%s unreachable - #%u", dst, (unsigned)code);
		return;
	}
}

static void format_icmp4(struct text *t, const struct decoded_packet *p)
{
	text_add(t, "ICMP ");
	switch (p->icmp_type) {
	case ICMP4_ECHO_REQUEST:
	case ICMP4_ECHO_REPLY:
		text_add(t, "echo %s, id %u, seq %u",
			 p->icmp_type == ICMP4_ECHO_REQUEST ? "request" : "reply",
			 (unsigned)p->icmp_echo_id, (unsigned)p->icmp_echo_seq);
		break;
	case ICMP4_UNREACH:
		format_icmp4_unreach(t, p);
		break;
	case ICMP4_TIME_EXCEEDED:
		text_add(t, "%s", p->icmp_code == 0 ? "time exceeded in-transit"
						    : "ip reassembly time exceeded");
		break;
	case ICMP4_PARAM_PROBLEM:
		text_add(t, "parameter problem");
		break;
	case ICMP4_SOURCE_QUENCH:
		text_add(t, "source quench");
		break;
	case ICMP4_REDIRECT:
		text_add(t, "redirect");
		break;
	default:
		text_add(t, "type-#%u", (unsigned)p->icmp_type);
		break;
	}
	text_add(t, ", length %u", (unsigned)p->icmp_len);
}

static void format_icmp6(struct text *t, const struct decoded_packet *p)
{
	static const char *const unreach_code[] = {
		"unreachable route", "unreachable prohibited", "beyond scope",
		"unreachable address", "unreachable port",
	};
	char addr[INET6_ADDRSTRLEN];
	const char *dst = addr_text(&p->inner_dst, addr, sizeof(addr));

	text_add(t, "ICMP6, ");
	switch (p->icmp_type) {
	case ICMP6_UNREACH:
		text_add(t, "destination unreachable");
		if (p->icmp_code < sizeof(unreach_code) / sizeof(unreach_code[0]))
			text_add(t, ", %s", unreach_code[p->icmp_code]);
		else
			text_add(t, ", unknown unreach code (%u)", (unsigned)p->icmp_code);
		if (p->icmp_code == 4 && p->inner_has_ports &&
		    (p->inner_proto == IPPROTO_TCP || p->inner_proto == IPPROTO_UDP))
			text_add(t, ", %s %s port %u", dst,
				 quoted_proto_name(p->inner_proto),
				 (unsigned)p->inner_dst.port);
		else if (p->icmp_code != 4 && p->inner_dst.family == AF_INET6)
			text_add(t, " %s", dst);
		break;
	case ICMP6_PACKET_TOO_BIG:
		text_add(t, "packet too big, mtu %u", (unsigned)p->icmp_mtu);
		break;
	case ICMP6_TIME_EXCEEDED:
		text_add(t, "time exceeded in-transit");
		break;
	case ICMP6_PARAM_PROBLEM:
		text_add(t, "parameter problem");
		break;
	case ICMP6_ECHO_REQUEST:
	case ICMP6_ECHO_REPLY:
		text_add(t, "echo %s, id %u, seq %u",
			 p->icmp_type == ICMP6_ECHO_REQUEST ? "request" : "reply",
			 (unsigned)p->icmp_echo_id, (unsigned)p->icmp_echo_seq);
		break;
	default:
		text_add(t, "type %u", (unsigned)p->icmp_type);
		break;
	}
	text_add(t, ", length %u", (unsigned)p->icmp_len);
}

int decoded_packet_format(const struct decoded_packet *p, char *buf, size_t len)
{
	struct text t = { buf, len, 0, false };
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	switch (p->kind) {
	case DECODED_TCP:
		format_tcp(&t, p);
		break;
	case DECODED_ICMP:
		text_add(&t, "%s > %s: ", addr_text(&p->src, src, sizeof(src)),
			 addr_text(&p->dst, dst, sizeof(dst)));
		if (p->src.family == AF_INET6)
			format_icmp6(&t, p);
		else
			format_icmp4(&t, p);
		break;
	default:
		if (p->src.family == 0) {
			text_add(&t, "not IP");
			break;
		}
		text_add(&t, "%s > %s: ip-proto-%u %u",
			 addr_text(&p->src, src, sizeof(src)),
			 addr_text(&p->dst, dst, sizeof(dst)),
			 (unsigned)p->ip_proto, (unsigned)p->ip_len);
		break;
	}
	if (t.overflow) {
		buf[len - 1] = '\0';
		return -ENOSPC;
	}
	return (int)t.used;
}

/* ---- relative sequence numbers ----------------------------------------- */

void tcp_relseq_init(struct tcp_relseq *r)
{
	r->nconns = 0;
}

bool tcp_relseq_apply(struct tcp_relseq *r, struct decoded_packet *p)
{
	struct tcp_relseq_conn *c = NULL;
	bool from_a = false;

	if (p->kind != DECODED_TCP || !(p->tcp_flags & TCPDECODE_ACK))
		return false;
	for (size_t i = 0; i < r->nconns; i++) {
		struct tcp_relseq_conn *k = &r->conns[i];

		if (ip_endpoint_equal(&k->a, &p->src) &&
		    ip_endpoint_equal(&k->b, &p->dst)) {
			c = k;
			from_a = true;
			break;
		}
		if (ip_endpoint_equal(&k->b, &p->src) &&
		    ip_endpoint_equal(&k->a, &p->dst)) {
			c = k;
			break;
		}
	}
	if (!c || (p->tcp_flags & TCPDECODE_SYN)) {
		if (!c) {
			if (r->nconns >= TCP_RELSEQ_MAX)
				return false;
			c = &r->conns[r->nconns++];
		}
		c->a = p->src;
		c->b = p->dst;
		c->a_base = p->seq;
		c->b_base = p->ack - 1;
		return false;
	}
	if (from_a) {
		p->seq -= c->a_base;
		p->ack -= c->b_base;
	} else {
		p->seq -= c->b_base;
		p->ack -= c->a_base;
	}
	return true;
}
