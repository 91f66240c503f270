/*
 * tcpdecode_text.c: a decoded packet as the one line `tcpdump -n` prints
 * for it, its TCP flag letters, and tcpdump's relative sequence numbers
 * (tcpdecode.h). Text goes into the caller's fixed buffer; one that is too
 * short gets a truncated, terminated text and -ENOSPC, never an overrun.
 */
#include "netns/tcpdecode.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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
	case ICMP_ECHO:
	case ICMP_ECHOREPLY:
		text_add(t, "echo %s, id %u, seq %u",
			 p->icmp_type == ICMP_ECHO ? "request" : "reply",
			 (unsigned)p->icmp_echo_id, (unsigned)p->icmp_echo_seq);
		break;
	case ICMP_DEST_UNREACH:
		format_icmp4_unreach(t, p);
		break;
	case ICMP_TIME_EXCEEDED:
		text_add(t, "%s", p->icmp_code == 0 ? "time exceeded in-transit"
						    : "ip reassembly time exceeded");
		break;
	case ICMP_PARAMETERPROB:
		text_add(t, "parameter problem");
		break;
	case ICMP_SOURCE_QUENCH:
		text_add(t, "source quench");
		break;
	case ICMP_REDIRECT:
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
	case ICMP6_DST_UNREACH:
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
	case ICMP6_PARAM_PROB:
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
