/*
 * test_tcpdecode_text.c: unit tests of netns/tcpdecode_text.c and
 * netns/endpoint.c: tcpdump's relative sequence numbers over a whole
 * connection, the bounded table of connections, text into a short buffer,
 * the longest lines, and endpoints' text.
 */
#include "netns/tcpdecode.h"
#include "tests/lib/frames.h"
#include "tests/lib/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

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

static Suite *tcpdecode_text_suite(void)
{
	Suite *s = suite_create("tcpdecode_text");
	TCase *text = tcase_create("Text");

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
	return nf_run_suite(tcpdecode_text_suite());
}
