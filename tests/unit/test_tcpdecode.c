/*
 * test_tcpdecode.c: unit tests of netns/tcpdecode.c and netns/endpoint.c:
 * decoding hand-made Ethernet frames (IPv4, IPv6, TCP, ICMP, ICMPv6) and
 * printing them the way tcpdump -n does; frames cut short at every length
 * must fail cleanly without reading past the captured bytes (the ASan build,
 * build/san/tests/test_tcpdecode, holds each frame in a buffer of exactly
 * its captured length).
 */
#include "netns/tcpdecode.h"
#include "tests/lib/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- frames ------------------------------------------------------------- */

/* 10.0.0.2.5000 > 10.0.0.1.43210: Flags [P.], seq 1:27, ack 1, win 502,
 * length 26, written out byte by byte. */
static const uint8_t data_frame_v4[] = {
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

struct frame {
	uint8_t b[512];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static size_t put_eth(uint8_t *p, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0x6e, 0, 1, 0, 1, 2, 0x6e, 0, 1, 0, 2 };

	memcpy(p, macs, sizeof(macs));
	put16(p + 12, type);
	return 14;
}

/* An IPv4 header for L4LEN bytes of protocol PROTO. */
static size_t put_ipv4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
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

static size_t put_ipv6(uint8_t *p, const char *src, const char *dst, uint8_t nh,
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

struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	size_t optlen;     /* multiple of 4 */
	size_t payload;
};

static size_t put_tcp(uint8_t *p, const struct seg *s)
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

static void tcp4_frame(struct frame *f, const char *src, const char *dst,
		       const struct seg *s)
{
	size_t l4 = 20 + s->optlen + s->payload;

	f->len = put_eth(f->b, 0x0800);
	f->len += put_ipv4(f->b + f->len, src, dst, IPPROTO_TCP, l4);
	f->len += put_tcp(f->b + f->len, s);
}

static void tcp6_frame(struct frame *f, const char *src, const char *dst,
		       const struct seg *s)
{
	size_t l4 = 20 + s->optlen + s->payload;

	f->len = put_eth(f->b, 0x86dd);
	f->len += put_ipv6(f->b + f->len, src, dst, IPPROTO_TCP, l4);
	f->len += put_tcp(f->b + f->len, s);
}

/* Decodes the first CAPLEN bytes of FRAME from a heap buffer of exactly
 * that size, so that ASan sees any read past them. */
static int decode_exact(const uint8_t *frame, size_t caplen, struct decoded_packet *p)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, frame, caplen);
	rc = decode_ethernet_frame(copy, caplen, p);
	free(copy);
	return rc;
}

static const char *format(const struct decoded_packet *p)
{
	static char buf[DECODED_PACKET_TEXT_MAX];

	ck_assert_int_gt(decoded_packet_format(p, buf, sizeof(buf)), 0);
	return buf;
}

/* ---- TCP over IPv4 ------------------------------------------------------ */

START_TEST(test_ipv4_data_segment)
{
	struct decoded_packet p;
	char addr[IP_ENDPOINT_TEXT_MAX];

	ck_assert_int_eq(decode_exact(data_frame_v4, sizeof(data_frame_v4), &p), 0);
	ck_assert_int_eq(p.kind, DECODED_TCP);
	ck_assert_int_eq(p.src.family, AF_INET);
	ck_assert_int_eq(p.ip_proto, IPPROTO_TCP);
	ck_assert_int_eq(p.ttl, 64);
	ck_assert_uint_eq(p.ip_len, 66);
	ck_assert_uint_eq(p.src.port, 5000);
	ck_assert_uint_eq(p.dst.port, 43210);
	ck_assert_uint_eq(p.seq, 1);
	ck_assert_uint_eq(p.ack, 1);
	ck_assert_uint_eq(p.tcp_flags, TCPDECODE_PSH | TCPDECODE_ACK);
	ck_assert_uint_eq(p.window, 502);
	ck_assert_uint_eq(p.tcp_header_len, 20);
	ck_assert_uint_eq(p.payload_len, 26);
	ck_assert_uint_eq(p.payload_captured, 26);
	ck_assert_int_gt(ip_endpoint_format(&p.src, addr, sizeof(addr)), 0);
	ck_assert_str_eq(addr, "10.0.0.2.5000");
	ck_assert_str_eq(format(&p),
			 "10.0.0.2.5000 > 10.0.0.1.43210: Flags [P.], seq 1:27, ack 1, win 502, length 26");
}
END_TEST

START_TEST(test_ipv4_syn_with_options)
{
	struct frame f;
	struct decoded_packet p;
	struct seg s = { .sport = 43210, .dport = 5000, .seq = 3000000000u,
			 .flags = TCPDECODE_SYN, .win = 64240, .optlen = 20 };

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_uint_eq(p.tcp_header_len, 40);
	ck_assert_uint_eq(p.payload_len, 0);
	ck_assert_str_eq(format(&p),
			 "10.0.0.1.43210 > 10.0.0.2.5000: Flags [S], seq 3000000000, win 64240, length 0");
}
END_TEST

START_TEST(test_pure_ack_and_ethernet_padding)
{
	struct frame f;
	struct decoded_packet p;
	struct seg s = { .sport = 43210, .dport = 5000, .seq = 1, .ack = 27,
			 .flags = TCPDECODE_ACK, .win = 501 };

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	ck_assert_uint_eq(f.len, 54);
	memset(f.b + f.len, 0, 6);  /* padded to the 60-byte minimum */
	f.len = 60;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_uint_eq(p.payload_len, 0);
	ck_assert_uint_eq(p.payload_captured, 0);
	ck_assert_str_eq(format(&p),
			 "10.0.0.1.43210 > 10.0.0.2.5000: Flags [.], ack 27, win 501, length 0");
}
END_TEST

START_TEST(test_rst_fin_urg_lines)
{
	struct frame f;
	struct decoded_packet p;
	struct seg rst = { .sport = 43210, .dport = 5000, .seq = 77, .flags = TCPDECODE_RST };
	struct seg fin = { .sport = 43210, .dport = 5000, .seq = 1, .ack = 27,
			   .flags = TCPDECODE_FIN | TCPDECODE_ACK, .win = 502 };
	struct seg urg = { .sport = 1, .dport = 2, .seq = 5, .ack = 6, .win = 7,
			   .flags = TCPDECODE_URG | TCPDECODE_ACK | TCPDECODE_PSH,
			   .payload = 3 };

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &rst);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_str_eq(format(&p), "10.0.0.1.43210 > 10.0.0.2.5000: Flags [R], seq 77, win 0, length 0");

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &fin);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_str_eq(format(&p),
			 "10.0.0.1.43210 > 10.0.0.2.5000: Flags [F.], seq 1, ack 27, win 502, length 0");

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &urg);
	f.b[14 + 20 + 18] = 0;
	f.b[14 + 20 + 19] = 3;   /* urgent pointer */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_str_eq(format(&p),
			 "10.0.0.1.1 > 10.0.0.2.2: Flags [P.U], seq 5:8, ack 6, win 7, urg 3, length 3");
}
END_TEST

START_TEST(test_flag_letters_in_tcpdump_order)
{
	char buf[9];

	tcp_flags_format(0, buf);
	ck_assert_str_eq(buf, "none");
	tcp_flags_format(TCPDECODE_SYN | TCPDECODE_ACK, buf);
	ck_assert_str_eq(buf, "S.");
	tcp_flags_format(TCPDECODE_RST | TCPDECODE_ACK, buf);
	ck_assert_str_eq(buf, "R.");
	tcp_flags_format(TCPDECODE_FIN | TCPDECODE_PSH | TCPDECODE_ACK, buf);
	ck_assert_str_eq(buf, "FP.");
	tcp_flags_format(TCPDECODE_SYN | TCPDECODE_ECE | TCPDECODE_CWR, buf);
	ck_assert_str_eq(buf, "SEW");
	tcp_flags_format(0xff, buf);
	ck_assert_str_eq(buf, "FSRP.UEW");
}
END_TEST

START_TEST(test_vlan_tagged_frame)
{
	struct frame f;
	struct decoded_packet p;

	/* insert an 802.1Q tag (VID 5) after the MAC addresses */
	memcpy(f.b, data_frame_v4, 12);
	put16(f.b + 12, 0x8100);
	put16(f.b + 14, 5);
	memcpy(f.b + 16, data_frame_v4 + 12, sizeof(data_frame_v4) - 12);
	f.len = sizeof(data_frame_v4) + 4;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_TCP);
	ck_assert_uint_eq(p.payload_len, 26);
}
END_TEST

/* ---- IPv6 --------------------------------------------------------------- */

START_TEST(test_ipv6_segment)
{
	struct frame f;
	struct decoded_packet p;
	struct seg s = { .sport = 43210, .dport = 5000, .seq = 27, .ack = 1,
			 .flags = TCPDECODE_FIN | TCPDECODE_ACK, .win = 502, .optlen = 12 };
	struct ip_endpoint want;

	tcp6_frame(&f, "fd00::1", "fd00::2", &s);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_TCP);
	ck_assert_int_eq(p.src.family, AF_INET6);
	ck_assert_uint_eq(p.ip_len, 40 + 32);
	ck_assert_int_eq(ip_endpoint_parse(&want, "fd00::2", 5000), 0);
	ck_assert(ip_endpoint_equal(&p.dst, &want));
	ck_assert_str_eq(format(&p),
			 "fd00::1.43210 > fd00::2.5000: Flags [F.], seq 27, ack 1, win 502, length 0");
}
END_TEST

START_TEST(test_ipv6_extension_headers)
{
	struct frame f;
	struct decoded_packet p;
	struct seg s = { .sport = 1, .dport = 2, .seq = 1, .ack = 1,
			 .flags = TCPDECODE_ACK | TCPDECODE_PSH, .win = 9, .payload = 10 };
	size_t l4 = 20 + s.payload, off;

	/* hop-by-hop (8 bytes) then destination options (16 bytes) then TCP */
	off = put_eth(f.b, 0x86dd);
	off += put_ipv6(f.b + off, "fd00::1", "fd00::2", IPPROTO_HOPOPTS, 8 + 16 + l4);
	memset(f.b + off, 0, 24);
	f.b[off] = IPPROTO_DSTOPTS;
	f.b[off + 1] = 0;
	f.b[off + 8] = IPPROTO_TCP;
	f.b[off + 9] = 1;
	off += 24;
	off += put_tcp(f.b + off, &s);
	f.len = off;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_TCP);
	ck_assert_int_eq(p.ip_proto, IPPROTO_TCP);
	ck_assert_uint_eq(p.payload_len, 10);
	ck_assert_str_eq(format(&p), "fd00::1.1 > fd00::2.2: Flags [P.], seq 1:11, ack 1, win 9, length 10");

	/* a non-first fragment carries no TCP header */
	off = put_eth(f.b, 0x86dd);
	off += put_ipv6(f.b + off, "fd00::1", "fd00::2", IPPROTO_FRAGMENT, 8 + 100);
	memset(f.b + off, 0, 8 + 100);
	f.b[off] = IPPROTO_TCP;
	put16(f.b + off + 2, 1448);
	f.len = off + 8 + 100;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_OTHER);
	ck_assert_int_eq(p.ip_proto, IPPROTO_TCP);
}
END_TEST

/* ---- truncation and lies ------------------------------------------------ */

/* Cuts FRAME at every length: below DECODABLE (the fixed TCP header's end)
 * decoding fails; from there on it succeeds with the full lengths, and
 * counts the payload bytes captured from PAYLOAD (the options' end) on. */
static void check_every_cut(const uint8_t *frame, size_t len, size_t decodable,
			    size_t payload)
{
	struct decoded_packet whole, p;

	ck_assert_int_eq(decode_exact(frame, len, &whole), 0);
	for (size_t cut = 0; cut < len; cut++) {
		int rc = decode_exact(frame, cut, &p);

		if (cut < decodable) {
			ck_assert_msg(rc == -EBADMSG, "cut at %zu of %zu: rc %d", cut, len, rc);
			continue;
		}
		ck_assert_msg(rc == 0, "cut at %zu: rc %d", cut, rc);
		ck_assert_int_eq(p.kind, whole.kind);
		ck_assert_uint_eq(p.seq, whole.seq);
		ck_assert_uint_eq(p.payload_len, whole.payload_len);
		ck_assert_uint_eq(p.payload_captured, cut > payload ? cut - payload : 0);
	}
}

START_TEST(test_truncated_frames_fail_without_overread)
{
	struct frame f;
	struct seg s = { .sport = 1, .dport = 2, .seq = 3, .ack = 4,
			 .flags = TCPDECODE_ACK, .win = 5, .optlen = 12, .payload = 30 };

	check_every_cut(data_frame_v4, sizeof(data_frame_v4), 14 + 20 + 20, 14 + 20 + 20);
	tcp6_frame(&f, "fd00::1", "fd00::2", &s);
	/* only the 20 fixed bytes of TCP are needed to decode it */
	check_every_cut(f.b, f.len, 14 + 40 + 20, 14 + 40 + 20 + 12);
}
END_TEST

START_TEST(test_tcp_header_cut_inside_options)
{
	struct frame f;
	struct decoded_packet p;
	struct seg s = { .sport = 1, .dport = 2, .flags = TCPDECODE_SYN, .optlen = 20 };

	/* the fixed header is there, the options are not: still decodable */
	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	ck_assert_int_eq(decode_exact(f.b, 14 + 20 + 24, &p), 0);
	ck_assert_uint_eq(p.tcp_header_len, 40);
	ck_assert_uint_eq(p.payload_captured, 0);
}
END_TEST

START_TEST(test_lying_headers_are_rejected)
{
	struct frame f;
	struct decoded_packet p;
	struct seg s = { .sport = 1, .dport = 2, .flags = TCPDECODE_ACK, .payload = 4 };

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	f.b[14] = 0x44;                      /* IHL 16 bytes */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	f.b[14] = 0x4f;                      /* IHL 60 > captured */
	ck_assert_int_eq(decode_exact(f.b, 14 + 40, &p), -EBADMSG);

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	put16(f.b + 16, 19);                 /* total length < header */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	put16(f.b + 16, 20 + 10);            /* IP length ends inside TCP */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	f.b[14 + 20 + 12] = 0x40;            /* data offset 16 bytes */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	f.b[14 + 20 + 12] = 0xf0;            /* data offset 60 > segment */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);

	tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
	f.b[14] = 0x65;                      /* IPv6 version in an IPv4 frame */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);

	tcp6_frame(&f, "fd00::1", "fd00::2", &s);
	put16(f.b + 14 + 4, 0);              /* jumbogram */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);

	tcp6_frame(&f, "fd00::1", "fd00::2", &s);
	put16(f.b + 14 + 4, 12);             /* payload ends inside TCP */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), -EBADMSG);
}
END_TEST

START_TEST(test_other_protocols)
{
	struct frame f;
	struct decoded_packet p;
	char text[DECODED_PACKET_TEXT_MAX];

	f.len = put_eth(f.b, 0x0806);        /* ARP */
	memset(f.b + f.len, 0, 28);
	f.len += 28;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_OTHER);
	ck_assert_int_eq(p.src.family, 0);
	ck_assert_int_gt(decoded_packet_format(&p, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "not IP");

	f.len = put_eth(f.b, 0x0800);        /* UDP */
	f.len += put_ipv4(f.b + f.len, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 8);
	memset(f.b + f.len, 0, 8);
	f.len += 8;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_OTHER);
	ck_assert_int_eq(p.ip_proto, IPPROTO_UDP);
	ck_assert_int_eq(p.src.family, AF_INET);

	f.len = put_eth(f.b, 0x0800);        /* a later IPv4 fragment of TCP */
	f.len += put_ipv4(f.b + f.len, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 8);
	put16(f.b + 14 + 6, 185);
	memset(f.b + f.len, 0xff, 8);
	f.len += 8;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_OTHER);

	ck_assert_int_eq(decode_exact(f.b, 13, &p), -EBADMSG);  /* no Ethernet */
	ck_assert_int_eq(decode_exact(f.b, 14, &p), -EBADMSG);  /* no IP */
}
END_TEST

/* ---- ICMP --------------------------------------------------------------- */

/* An ICMP error from ROUTER to the TCP segment's sender quoting QUOTE bytes
 * of the segment 10.0.0.1.43210 > 10.0.0.9.5000 seq 1234. */
static void icmp4_error_frame(struct frame *f, uint8_t type, uint8_t code,
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

START_TEST(test_icmp_errors_quote_tcp_ends)
{
	struct frame f;
	struct decoded_packet p;

	icmp4_error_frame(&f, 3, 1, 28);     /* host unreachable, IP + 8 bytes */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_ICMP);
	ck_assert(p.icmp_error);
	ck_assert_uint_eq(p.icmp_type, 3);
	ck_assert_uint_eq(p.icmp_code, 1);
	ck_assert_uint_eq(p.inner_proto, IPPROTO_TCP);
	ck_assert(p.inner_has_ports);
	ck_assert(p.inner_has_seq);
	ck_assert_uint_eq(p.inner_src.port, 43210);
	ck_assert_uint_eq(p.inner_dst.port, 5000);
	ck_assert_uint_eq(p.inner_seq, 1234);
	ck_assert_str_eq(format(&p), "10.0.0.254 > 10.0.0.1: ICMP host 10.0.0.9 unreachable, length 36");

	icmp4_error_frame(&f, 3, 3, 40);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_str_eq(format(&p),
			 "10.0.0.254 > 10.0.0.1: ICMP 10.0.0.9 tcp port 5000 unreachable, length 48");

	icmp4_error_frame(&f, 3, 13, 28);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_str_eq(format(&p),
			 "10.0.0.254 > 10.0.0.1: ICMP host 10.0.0.9 unreachable - admin prohibited filter, length 36");

	icmp4_error_frame(&f, 3, 4, 28);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_uint_eq(p.icmp_mtu, 1400);
	ck_assert_str_eq(format(&p),
			 "10.0.0.254 > 10.0.0.1: ICMP 10.0.0.9 unreachable - need to frag (mtu 1400), length 36");

	icmp4_error_frame(&f, 11, 0, 28);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_str_eq(format(&p), "10.0.0.254 > 10.0.0.1: ICMP time exceeded in-transit, length 36");

	/* a quote that ends inside the TCP ports: ends known, ports not */
	icmp4_error_frame(&f, 3, 1, 22);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert(p.icmp_error);
	ck_assert_int_eq(p.inner_dst.family, AF_INET);
	ck_assert(!p.inner_has_ports);
	ck_assert(!p.inner_has_seq);

	/* every cut of the quote decodes; every cut of the ICMP header fails */
	icmp4_error_frame(&f, 3, 3, 40);
	for (size_t cut = 0; cut < f.len; cut++) {
		int rc = decode_exact(f.b, cut, &p);

		ck_assert_int_eq(rc, cut < 14 + 20 + 8 ? -EBADMSG : 0);
	}
}
END_TEST

START_TEST(test_icmp_echo)
{
	struct frame f;
	struct decoded_packet p;

	f.len = put_eth(f.b, 0x0800);
	f.len += put_ipv4(f.b + f.len, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 64);
	memset(f.b + f.len, 0, 64);
	f.b[f.len] = 8;
	put16(f.b + f.len + 4, 77);
	put16(f.b + f.len + 6, 3);
	f.len += 64;
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert(!p.icmp_error);
	ck_assert_str_eq(format(&p), "10.0.0.1 > 10.0.0.2: ICMP echo request, id 77, seq 3, length 64");
}
END_TEST

static void icmp6_error_frame(struct frame *f, uint8_t type, uint8_t code, size_t quote)
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

START_TEST(test_icmpv6_errors)
{
	struct frame f;
	struct decoded_packet p;

	icmp6_error_frame(&f, 1, 4, 68);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_int_eq(p.kind, DECODED_ICMP);
	ck_assert(p.icmp_error);
	ck_assert_uint_eq(p.inner_proto, IPPROTO_TCP);
	ck_assert_uint_eq(p.inner_src.port, 43210);
	ck_assert_uint_eq(p.inner_dst.port, 5000);
	ck_assert_uint_eq(p.inner_seq, 99);
	ck_assert_str_eq(format(&p),
			 "fd00::fe > fd00::1: ICMP6, destination unreachable, unreachable port, fd00::9 tcp port 5000, length 76");

	icmp6_error_frame(&f, 1, 3, 48);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_str_eq(format(&p),
			 "fd00::fe > fd00::1: ICMP6, destination unreachable, unreachable address fd00::9, length 56");

	icmp6_error_frame(&f, 2, 0, 48);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert_uint_eq(p.icmp_mtu, 1280);
	ck_assert_str_eq(format(&p), "fd00::fe > fd00::1: ICMP6, packet too big, mtu 1280, length 56");

	/* quote cut inside the inner IPv6 header: no inner ends at all */
	icmp6_error_frame(&f, 1, 3, 30);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	ck_assert(p.icmp_error);
	ck_assert_int_eq(p.inner_dst.family, 0);

	icmp6_error_frame(&f, 1, 4, 68);
	for (size_t cut = 0; cut < f.len; cut++)
		ck_assert_int_eq(decode_exact(f.b, cut, &p), cut < 14 + 40 + 8 ? -EBADMSG : 0);
}
END_TEST

/* ---- relative sequence numbers, text limits, endpoints ------------------ */

START_TEST(test_relative_sequence_numbers_like_tcpdump)
{
	static const struct {
		const char *src, *dst;
		struct seg s;
		const char *want;
	} conv[] = {
		{ "10.0.0.1", "10.0.0.2",
		  { 43210, 5000, 1000, 0, TCPDECODE_SYN, 64240, 0, 0 },
		  "10.0.0.1.43210 > 10.0.0.2.5000: Flags [S], seq 1000, win 64240, length 0" },
		{ "10.0.0.2", "10.0.0.1",
		  { 5000, 43210, 9000, 1001, TCPDECODE_SYN | TCPDECODE_ACK, 65160, 0, 0 },
		  "10.0.0.2.5000 > 10.0.0.1.43210: Flags [S.], seq 9000, ack 1001, win 65160, length 0" },
		{ "10.0.0.1", "10.0.0.2",
		  { 43210, 5000, 1001, 9001, TCPDECODE_ACK, 502, 0, 0 },
		  "10.0.0.1.43210 > 10.0.0.2.5000: Flags [.], ack 1, win 502, length 0" },
		{ "10.0.0.2", "10.0.0.1",
		  { 5000, 43210, 9001, 1001, TCPDECODE_PSH | TCPDECODE_ACK, 510, 0, 26 },
		  "10.0.0.2.5000 > 10.0.0.1.43210: Flags [P.], seq 1:27, ack 1, win 510, length 26" },
		{ "10.0.0.1", "10.0.0.2",
		  { 43210, 5000, 1001, 9027, TCPDECODE_FIN | TCPDECODE_ACK, 502, 0, 0 },
		  "10.0.0.1.43210 > 10.0.0.2.5000: Flags [F.], seq 1, ack 27, win 502, length 0" },
		{ "10.0.0.2", "10.0.0.1",
		  { 5000, 43210, 9027, 1002, TCPDECODE_PSH | TCPDECODE_ACK, 510, 0, 26 },
		  "10.0.0.2.5000 > 10.0.0.1.43210: Flags [P.], seq 27:53, ack 2, win 510, length 26" },
		/* a bare RST has no ACK: tcpdump prints it absolute */
		{ "10.0.0.1", "10.0.0.2",
		  { 43210, 5000, 1002, 0, TCPDECODE_RST, 0, 0, 0 },
		  "10.0.0.1.43210 > 10.0.0.2.5000: Flags [R], seq 1002, win 0, length 0" },
	};
	struct tcp_relseq rel;
	struct frame f;
	struct decoded_packet p;

	tcp_relseq_init(&rel);
	for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) {
		tcp4_frame(&f, conv[i].src, conv[i].dst, &conv[i].s);
		ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
		tcp_relseq_apply(&rel, &p);
		ck_assert_str_eq(format(&p), conv[i].want);
	}
	ck_assert_uint_eq(rel.nconns, 1);
}
END_TEST

START_TEST(test_relseq_table_is_bounded)
{
	struct tcp_relseq rel;
	struct frame f;
	struct decoded_packet p;

	tcp_relseq_init(&rel);
	for (unsigned i = 0; i < TCP_RELSEQ_MAX + 10; i++) {
		struct seg s = { .sport = (uint16_t)(10000 + i), .dport = 5000,
				 .seq = 500, .ack = 800, .flags = TCPDECODE_ACK };

		tcp4_frame(&f, "10.0.0.1", "10.0.0.2", &s);
		ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
		ck_assert(!tcp_relseq_apply(&rel, &p));
		ck_assert_uint_eq(p.seq, 500);
	}
	ck_assert_uint_eq(rel.nconns, TCP_RELSEQ_MAX);
}
END_TEST

START_TEST(test_format_into_short_buffer)
{
	struct decoded_packet p;
	char small[20], exact[DECODED_PACKET_TEXT_MAX];
	int n;

	ck_assert_int_eq(decode_exact(data_frame_v4, sizeof(data_frame_v4), &p), 0);
	n = decoded_packet_format(&p, exact, sizeof(exact));
	ck_assert_int_eq(n, (int)strlen(exact));
	ck_assert_int_eq(decoded_packet_format(&p, small, sizeof(small)), -ENOSPC);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, exact, sizeof(small) - 1), 0);
	ck_assert_int_eq(decoded_packet_format(&p, exact, (size_t)n), -ENOSPC);
	ck_assert_int_eq(decoded_packet_format(&p, exact, (size_t)n + 1), n);
	ck_assert_int_eq(decoded_packet_format(&p, small, 0), -ENOSPC);
}
END_TEST

/* The longest lines: IPv6 addresses of 39 characters, every flag, numbers of
 * the most digits. fuzz_tcpdecode found them past the old 160-byte limit
 * (tests/fuzz/corpus/tcpdecode/regress-text-over-160). */
START_TEST(test_longest_lines_fit)
{
	static const char lo[] = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe";
	static const char hi[] = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
	struct seg s = { .sport = 65535, .dport = 65534, .seq = 4000000000u,
			 .ack = 4294967295u, .flags = 0xff, .win = 65535 };
	char buf[DECODED_PACKET_TEXT_MAX];
	struct decoded_packet p;
	struct frame f;
	int n;

	tcp6_frame(&f, lo, hi, &s);
	put16(f.b + 14 + 4, 65535);        /* declared, beyond the capture */
	put16(f.b + 14 + 40 + 18, 65535);  /* urgent pointer */
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	n = decoded_packet_format(&p, buf, sizeof(buf));
	ck_assert_int_eq(n, 190);
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe.65535 > "
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff.65534: Flags [FSRP.UEW], "
			 "seq 4000000000:4000065515, ack 4294967295, win 65535, urg 65535, "
			 "length 65515");

	/* ICMPv6 port unreachable: outer ends, the quoted destination and port */
	icmp6_error_frame(&f, 1, 4, 68);
	ck_assert_int_eq(inet_pton(AF_INET6, lo, f.b + 14 + 8), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, hi, f.b + 14 + 24), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, lo, f.b + 14 + 48 + 24), 1);
	put16(f.b + 14 + 48 + 40 + 2, 65535);
	put16(f.b + 14 + 4, 65535);
	ck_assert_int_eq(decode_exact(f.b, f.len, &p), 0);
	n = decoded_packet_format(&p, buf, sizeof(buf));
	ck_assert_int_eq(n, 201);
}
END_TEST

START_TEST(test_endpoints)
{
	struct ip_endpoint a, b;
	char buf[IP_ENDPOINT_TEXT_MAX], tiny[6];

	ck_assert_int_eq(ip_endpoint_parse(&a, "fd00::1", 443), 0);
	ck_assert_int_eq(ip_endpoint_format(&a, buf, sizeof(buf)), 11);
	ck_assert_str_eq(buf, "fd00::1.443");
	ck_assert_int_eq(ip_endpoint_parse(&b, "fd00::1", 444), 0);
	ck_assert(!ip_endpoint_equal(&a, &b));
	ck_assert(ip_endpoint_same_addr(&a, &b));
	ck_assert_int_eq(ip_endpoint_parse(&b, "10.0.0.1", 443), 0);
	ck_assert(!ip_endpoint_same_addr(&a, &b));
	ck_assert_int_eq(ip_endpoint_format(&b, tiny, sizeof(tiny)), -ENOSPC);
	ck_assert_str_eq(tiny, "10.0.");
	ck_assert_int_eq(ip_endpoint_parse(&b, "10.0.0.256", 1), -EINVAL);
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(ip_endpoint_format(&b, buf, sizeof(buf)), -EAFNOSUPPORT);
}
END_TEST

static Suite *tcpdecode_suite(void)
{
	Suite *s = suite_create("tcpdecode");
	TCase *tcp = tcase_create("TCP");
	TCase *bad = tcase_create("Truncated and malformed");
	TCase *icmp = tcase_create("ICMP");
	TCase *text = tcase_create("Text");

	tcase_add_test(tcp, test_ipv4_data_segment);
	tcase_add_test(tcp, test_ipv4_syn_with_options);
	tcase_add_test(tcp, test_pure_ack_and_ethernet_padding);
	tcase_add_test(tcp, test_rst_fin_urg_lines);
	tcase_add_test(tcp, test_flag_letters_in_tcpdump_order);
	tcase_add_test(tcp, test_vlan_tagged_frame);
	tcase_add_test(tcp, test_ipv6_segment);
	tcase_add_test(tcp, test_ipv6_extension_headers);
	suite_add_tcase(s, tcp);

	tcase_add_test(bad, test_truncated_frames_fail_without_overread);
	tcase_add_test(bad, test_tcp_header_cut_inside_options);
	tcase_add_test(bad, test_lying_headers_are_rejected);
	tcase_add_test(bad, test_other_protocols);
	suite_add_tcase(s, bad);

	tcase_add_test(icmp, test_icmp_errors_quote_tcp_ends);
	tcase_add_test(icmp, test_icmp_echo);
	tcase_add_test(icmp, test_icmpv6_errors);
	suite_add_tcase(s, icmp);

	tcase_add_test(text, test_relative_sequence_numbers_like_tcpdump);
	tcase_add_test(text, test_relseq_table_is_bounded);
	tcase_add_test(text, test_format_into_short_buffer);
	tcase_add_test(text, test_longest_lines_fit);
	tcase_add_test(text, test_endpoints);
	suite_add_tcase(s, text);
	return s;
}

int main(void)
{
	return nf_run_suite(tcpdecode_suite());
}
