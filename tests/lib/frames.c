/*
 * frames.c: hand-made Ethernet frames for the decoder's unit tests (see
 * frames.h).
 */
#include "tests/lib/frames.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* 10.0.0.2.5000 > 10.0.0.1.43210: Flags [P.], seq 1:27, ack 1, win 502,
 * length 26, written out byte by byte. */
const uint8_t data_frame_v4[80] = {
	/* Ethernet: dst, src, type IPv4 */
	0x02, 0x6e, 0x00, 0x01, 0x00, 0x01, 0x02, 0x6e, 0x00, 0x01, 0x00, 0x02,
	0x08, 0x00,
	/* IPv4: ihl 5, total 66, DF, ttl 64, TCP, 10.0.0.2 -> 10.0.0.1 */
	0x45, 0x00, 0x00, 0x42, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01,
	/* TCP: 5000 -> 43210, seq 1, ack 1, doff 5, PSH|ACK, win 502 */
	0x13, 0x88, 0xa8, 0xca, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x50, 0x18, 0x01, 0xf6, 0x00, 0x00, 0x00, 0x00,
	/* 26 bytes of payload */
	'h', 'e', 'l', 'l', 'o', ' ', 'f', 'r', 'o', 'm', ' ', 't', 'h', 'e', ' ',
	's', 'e', 'r', 'v', 'e', 'r', ' ', '1', '2', '3', '\n',
};

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

size_t put_eth(uint8_t *p, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0x6e, 0, 1, 0, 1, 2, 0x6e, 0, 1, 0, 2 };

	memcpy(p, macs, sizeof(macs));
	put16(p + 12, type);
	return 14;
}

/* An IPv4 header for L4LEN bytes of protocol PROTO. */
size_t put_ipv4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
		size_t l4len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + l4len));
	p[6] = 0x40;
	p[8] = 64;
	p[9] = proto;
	ck_assert_int_eq(inet_pton(AF_INET, src, p + 12), 1);
	ck_assert_int_eq(inet_pton(AF_INET, dst, p + 16), 1);
	return 20;
}

size_t put_ipv6(uint8_t *p, const char *src, const char *dst, uint8_t nh,
		size_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = 64;
	ck_assert_int_eq(inet_pton(AF_INET6, src, p + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, dst, p + 24), 1);
	return 40;
}

size_t put_tcp(uint8_t *p, const struct seg *s)
{
	size_t hlen = 20 + s->optlen;

	memset(p, 0, hlen + s->payload);
	put16(p, s->sport);
	put16(p + 2, s->dport);
	put32(p + 4, s->seq);
	put32(p + 8, s->ack);
	p[12] = (uint8_t)((hlen / 4) << 4);
	p[13] = s->flags;
	put16(p + 14, s->win);
	for (size_t i = 0; i < s->optlen; i++)
		p[20 + i] = 1;   /* NOP */
	memset(p + hlen, 'x', s->payload);
	return hlen + s->payload;
}

void tcp4_frame(struct frame *f, const char *src, const char *dst,
		const struct seg *s)
{
	size_t l4 = 20 + s->optlen + s->payload;

	f->len = put_eth(f->b, 0x0800);
	f->len += put_ipv4(f->b + f->len, src, dst, IPPROTO_TCP, l4);
	f->len += put_tcp(f->b + f->len, s);
}

void tcp6_frame(struct frame *f, const char *src, const char *dst,
		const struct seg *s)
{
	size_t l4 = 20 + s->optlen + s->payload;

	f->len = put_eth(f->b, 0x86dd);
	f->len += put_ipv6(f->b + f->len, src, dst, IPPROTO_TCP, l4);
	f->len += put_tcp(f->b + f->len, s);
}

/* Decodes the first CAPLEN bytes of FRAME from a heap buffer of exactly
 * that size, so that ASan sees any read past them. */
int decode_exact(const uint8_t *frame, size_t caplen, struct decoded_packet *p)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, frame, caplen);
	rc = decode_ethernet_frame(copy, caplen, p);
	free(copy);
	return rc;
}

const char *format(const struct decoded_packet *p)
{
	static char buf[DECODED_PACKET_TEXT_MAX];

	ck_assert_int_gt(decoded_packet_format(p, buf, sizeof(buf)), 0);
	return buf;
}

/* An ICMP error from ROUTER to the TCP segment's sender quoting QUOTE bytes
 * of the segment 10.0.0.1.43210 > 10.0.0.9.5000 seq 1234. */
void icmp4_error_frame(struct frame *f, uint8_t type, uint8_t code,
		       size_t quote)
{
	uint8_t inner[64];
	struct seg s = { .sport = 43210, .dport = 5000, .seq = 1234, .flags = TCPDECODE_SYN };
	size_t ilen = put_ipv4(inner, "10.0.0.1", "10.0.0.9", IPPROTO_TCP, 20);

	ilen += put_tcp(inner + ilen, &s);
	ck_assert_uint_le(quote, ilen);
	f->len = put_eth(f->b, 0x0800);
	f->len += put_ipv4(f->b + f->len, "10.0.0.254", "10.0.0.1", IPPROTO_ICMP, 8 + quote);
	memset(f->b + f->len, 0, 8);
	f->b[f->len] = type;
	f->b[f->len + 1] = code;
	if (type == 3 && code == 4)
		put16(f->b + f->len + 6, 1400);
	f->len += 8;
	memcpy(f->b + f->len, inner, quote);
	f->len += quote;
}

void icmp6_error_frame(struct frame *f, uint8_t type, uint8_t code, size_t quote)
{
	uint8_t inner[128];
	struct seg s = { .sport = 43210, .dport = 5000, .seq = 99, .ack = 1,
			 .flags = TCPDECODE_ACK | TCPDECODE_PSH, .payload = 8 };
	size_t ilen = put_ipv6(inner, "fd00::1", "fd00::9", IPPROTO_TCP, 28);

	ilen += put_tcp(inner + ilen, &s);
	ck_assert_uint_le(quote, ilen);
	f->len = put_eth(f->b, 0x86dd);
	f->len += put_ipv6(f->b + f->len, "fd00::fe", "fd00::1", IPPROTO_ICMPV6, 8 + quote);
	memset(f->b + f->len, 0, 8);
	f->b[f->len] = type;
	f->b[f->len + 1] = code;
	if (type == 2)
		put32(f->b + f->len + 4, 1280);
	f->len += 8;
	memcpy(f->b + f->len, inner, quote);
	f->len += quote;
}
