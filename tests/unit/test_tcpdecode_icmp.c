/*
 * test_tcpdecode_icmp.c: unit tests of netns/tcpdecode.c with ICMP and
 * ICMPv6: errors quoting the TCP segment that caused them (ends, sequence
 * number, a quote cut short), echo requests, and their tcpdump -n lines.
 */
#include "netns/tcpdecode.h"
#include "tests/lib/frames.h"
#include "tests/lib/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- ICMP --------------------------------------------------------------- */

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

static Suite *tcpdecode_icmp_suite(void)
{
	Suite *s = suite_create("tcpdecode_icmp");
	TCase *icmp = tcase_create("ICMP");

	tcase_add_test(icmp, test_icmp_errors_quote_tcp_ends);
	tcase_add_test(icmp, test_icmp_echo);
	tcase_add_test(icmp, test_icmpv6_errors);
	suite_add_tcase(s, icmp);
	return s;
}

int main(void)
{
	return nf_run_suite(tcpdecode_icmp_suite());
}
