/*
 * test_tcpdecode.c: unit tests of netns/tcpdecode.c: decoding hand-made
 * Ethernet frames (tests/lib/frames.h) of TCP over IPv4 and IPv6, with
 * VLAN tags and IPv6 extension headers; frames cut short at every length,
 * and headers that lie about their lengths, must fail cleanly without
 * reading past the captured bytes (the ASan build,
 * build/san/tests/test_tcpdecode, holds each frame in a buffer of exactly
 * its captured length). ICMP is test_tcpdecode_icmp.c's, the text and
 * relative sequence numbers test_tcpdecode_text.c's.
 */
#include "netns/tcpdecode.h"
#include "tests/lib/frames.h"
#include "tests/lib/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

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

static Suite *tcpdecode_suite(void)
{
	Suite *s = suite_create("tcpdecode");
	TCase *tcp = tcase_create("TCP");
	TCase *bad = tcase_create("Truncated and malformed");

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
	return s;
}

int main(void)
{
	return nf_run_suite(tcpdecode_suite());
}
