/*
 * test_verdict.c: the run engine's pure logic, without privileges: how a
 * watcher's wakeup becomes a verdict, how the app's first errno refines it,
 * how expectations and step expects are checked and worded, and the
 * /proc counter parsers. Also built with ASan+UBSan (make check-san).
 */
#include <check.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/app/counters.h"
#include "engine/verdict.h"
#include "tests/lib/testlib.h"

static struct verdict classify(int state, bool pollerr, bool own_fin, long long abort,
			       long long unreach, bool *ended)
{
	struct watch_obs o = { .tcp_state = state, .pollerr = pollerr, .own_fin = own_fin,
			       .abort_on_timeout = abort, .dest_unreach = unreach };
	struct verdict v = { 0 };

	*ended = verdict_classify(&o, &v);
	return v;
}

/* ---- classify ---------------------------------------------------------- */

static const struct {
	int state;
	bool pollerr, own_fin;
	long long abort, unreach;
	bool ended;
	enum sc_verdict kind;
	bool ambiguous;
	const char *evidence;
} classify_cases[] = {
	{ TCP_CLOSE_WAIT, false, false, 0, 0, true, SC_VERDICT_FIN, false, "TCP_INFO state CLOSE_WAIT" },
	{ TCP_LAST_ACK, false, true, 0, 0, true, SC_VERDICT_FIN, false, "TCP_INFO state LAST_ACK" },
	{ TCP_CLOSING, false, true, 0, 0, true, SC_VERDICT_FIN, false, "TCP_INFO state CLOSING" },
	{ TCP_TIME_WAIT, false, true, 0, 0, true, SC_VERDICT_FIN, false, "TCP_INFO state TIME_WAIT" },
	{ TCP_CLOSE_WAIT, true, false, 0, 0, true, SC_VERDICT_FIN, false, "TCP_INFO state CLOSE_WAIT" },
	{ TCP_CLOSE, true, false, 0, 0, true, SC_VERDICT_RST, false,
	  "TCP_INFO state CLOSE, error pending, no TCPAbortOnTimeout" },
	{ TCP_CLOSE, true, false, 1, 0, true, SC_VERDICT_TIMEOUT, false,
	  "TCP_INFO state CLOSE, error pending, TCPAbortOnTimeout +1" },
	{ TCP_CLOSE, true, false, 1, 3, true, SC_VERDICT_UNREACHABLE, false,
	  "TCP_INFO state CLOSE, error pending, TCPAbortOnTimeout +1, InDestUnreachs +3" },
	/* ICMP errors that did not end it by timeout do not make it unreachable */
	{ TCP_CLOSE, true, false, 0, 2, true, SC_VERDICT_RST, false,
	  "TCP_INFO state CLOSE, error pending, no TCPAbortOnTimeout" },
	/* the error was consumed by a step first: still an error */
	{ TCP_CLOSE, false, false, 0, 0, true, SC_VERDICT_RST, false,
	  "TCP_INFO state CLOSE, no TCPAbortOnTimeout" },
	/* after our own FIN, the peer's FIN moves the socket to CLOSE */
	{ TCP_CLOSE, false, true, 0, 0, true, SC_VERDICT_FIN, true,
	  "TCP_INFO state CLOSE after own FIN, no error" },
	{ TCP_CLOSE, true, true, 0, 0, true, SC_VERDICT_RST, false,
	  "TCP_INFO state CLOSE, error pending, no TCPAbortOnTimeout" },
	/* the app's own shutdown(SHUT_RD) raises POLLRDHUP: not an event */
	{ TCP_ESTABLISHED, false, false, 0, 0, false, SC_VERDICT_NOTHING, false, "" },
	{ TCP_ESTABLISHED, true, false, 0, 0, false, SC_VERDICT_NOTHING, false, "" },
	{ TCP_FIN_WAIT1, false, true, 0, 0, false, SC_VERDICT_NOTHING, false, "" },
	{ TCP_FIN_WAIT2, false, true, 0, 0, false, SC_VERDICT_NOTHING, false, "" },
};

START_TEST(test_classify)
{
	bool ended;
	struct verdict v = classify(classify_cases[_i].state, classify_cases[_i].pollerr,
				    classify_cases[_i].own_fin, classify_cases[_i].abort,
				    classify_cases[_i].unreach, &ended);

	ck_assert_int_eq(ended, classify_cases[_i].ended);
	ck_assert_int_eq(v.decided, classify_cases[_i].ended);
	if (!ended)
		return;
	ck_assert_str_eq(sc_verdict_name(v.kind), sc_verdict_name(classify_cases[_i].kind));
	ck_assert_int_eq(v.ambiguous, classify_cases[_i].ambiguous);
	ck_assert_str_eq(v.evidence, classify_cases[_i].evidence);
}
END_TEST

START_TEST(test_needs_counters)
{
	struct watch_obs o = { .tcp_state = TCP_CLOSE, .pollerr = true };

	ck_assert(verdict_needs_counters(&o));
	o.pollerr = false;
	ck_assert(verdict_needs_counters(&o));
	o.own_fin = true;
	ck_assert(!verdict_needs_counters(&o));
	o.tcp_state = TCP_CLOSE_WAIT;
	o.pollerr = true;
	ck_assert(!verdict_needs_counters(&o));
}
END_TEST

START_TEST(test_from_errno)
{
	ck_assert_int_eq(verdict_from_errno(ECONNRESET), SC_VERDICT_RST);
	ck_assert_int_eq(verdict_from_errno(ETIMEDOUT), SC_VERDICT_TIMEOUT);
	ck_assert_int_eq(verdict_from_errno(EHOSTUNREACH), SC_VERDICT_UNREACHABLE);
	ck_assert_int_eq(verdict_from_errno(ENETUNREACH), SC_VERDICT_UNREACHABLE);
	/* ICMPv6 administratively prohibited: the kernel reports EACCES */
	ck_assert_int_eq(verdict_from_errno(EACCES), SC_VERDICT_UNREACHABLE);
	ck_assert_int_eq(verdict_from_errno(ECONNREFUSED), SC_VERDICT_REFUSED);
	ck_assert_int_eq(verdict_from_errno(EPIPE), -1);
	ck_assert_int_eq(verdict_from_errno(SC_RESULT_OK), -1);
	ck_assert_int_eq(verdict_from_errno(SC_RESULT_EOF), -1);
}
END_TEST

/* ---- refine ------------------------------------------------------------ */

START_TEST(test_refine_error_kind)
{
	bool ended;
	struct verdict v = classify(TCP_CLOSE, true, false, 0, 0, &ended);

	ck_assert(verdict_refine(&v, "recv", ETIMEDOUT));
	ck_assert_int_eq(v.kind, SC_VERDICT_TIMEOUT);
	ck_assert_str_eq(v.evidence, "TCP_INFO state CLOSE, error pending, "
			 "no TCPAbortOnTimeout; recv: ETIMEDOUT");
	/* only the first errno after the event counts */
	ck_assert(!verdict_refine(&v, "send", ECONNRESET));
	ck_assert_int_eq(v.kind, SC_VERDICT_TIMEOUT);
}
END_TEST

START_TEST(test_refine_first_errno_only)
{
	bool ended;
	struct verdict v = classify(TCP_CLOSE, true, false, 0, 0, &ended);

	/* EPIPE is not an sk_err value: no change, and it was the first */
	ck_assert(!verdict_refine(&v, "send", EPIPE));
	ck_assert(!verdict_refine(&v, "send", ETIMEDOUT));
	ck_assert_int_eq(v.kind, SC_VERDICT_RST);
}
END_TEST

START_TEST(test_refine_fin)
{
	bool ended;
	struct verdict fin = classify(TCP_CLOSE_WAIT, false, false, 0, 0, &ended);
	struct verdict amb = classify(TCP_CLOSE, false, true, 0, 0, &ended);

	/* a FIN came first: later errors do not change what was seen first */
	ck_assert(!verdict_refine(&fin, "recv", ETIMEDOUT));
	ck_assert_int_eq(fin.kind, SC_VERDICT_FIN);
	/* CLOSE after our own FIN without an error may be a consumed RST */
	ck_assert(verdict_refine(&amb, "recv", ECONNRESET));
	ck_assert_int_eq(amb.kind, SC_VERDICT_RST);
	ck_assert(!amb.ambiguous);
}
END_TEST

START_TEST(test_refine_undecided)
{
	struct verdict v = { 0 };

	ck_assert(!verdict_refine(&v, "recv", ECONNRESET));
	ck_assert(!v.decided);
	ck_assert_int_eq(v.kind, SC_VERDICT_NOTHING);
}
END_TEST

/* ---- who sent it -------------------------------------------------------- */

START_TEST(test_set_from)
{
	struct verdict v = { .kind = SC_VERDICT_RST, .decided = true };
	struct verdict fin = { .kind = SC_VERDICT_FIN, .decided = true };
	struct verdict none = { 0 };

	snprintf(v.evidence, sizeof(v.evidence), "recv: ECONNRESET");
	ck_assert(verdict_set_from(&v, "server", "RST from server 10.0.0.1"));
	ck_assert_str_eq(v.from, "server");
	ck_assert_str_eq(v.evidence, "recv: ECONNRESET; RST from server 10.0.0.1");
	/* the same words twice are not added twice */
	ck_assert(verdict_set_from(&v, "server", "RST from server 10.0.0.1"));
	ck_assert_str_eq(v.evidence, "recv: ECONNRESET; RST from server 10.0.0.1");
	/* a verdict no packet decides names no sender */
	ck_assert(!verdict_set_from(&fin, "server", "RST from server 10.0.0.1"));
	ck_assert_str_eq(fin.from, "");
	ck_assert(!verdict_set_from(&none, "server", "RST from server 10.0.0.1"));
	ck_assert(!verdict_set_from(&v, "", "RST"));
}
END_TEST

START_TEST(test_set_from_long_evidence)
{
	struct verdict v = { .kind = SC_VERDICT_UNREACHABLE, .decided = true };
	const char *sent = "ICMP host unreachable from gw 10.2.0.1";
	size_t n;

	memset(v.evidence, 'x', sizeof(v.evidence) - 1);
	v.evidence[sizeof(v.evidence) - 1] = '\0';
	ck_assert(verdict_set_from(&v, "gw", sent));
	ck_assert_str_eq(v.from, "gw");
	n = strlen(v.evidence);
	ck_assert_uint_eq(n, sizeof(v.evidence) - 1);
	/* the sender is never the part cut off */
	ck_assert_str_eq(v.evidence + n - strlen(sent), sent);
	ck_assert(strstr(v.evidence, "x; ICMP"));
}
END_TEST

/* ---- expectations ------------------------------------------------------ */

static struct verdict seen(enum sc_verdict kind, int64_t t_us)
{
	struct verdict v = { .kind = kind, .decided = kind != SC_VERDICT_NOTHING, .t_us = t_us };

	return v;
}

static struct sc_expect expecting(enum sc_verdict kind, int64_t after, int64_t before)
{
	struct sc_expect e = { .verdict = kind, .after_us = after, .before_us = before };

	return e;
}

START_TEST(test_expect_holds)
{
	struct sc_expect e = expecting(SC_VERDICT_TIMEOUT, 3000000, 8000000);
	struct verdict v = seen(SC_VERDICT_TIMEOUT, 4000123);
	char why[256] = "";

	ck_assert(expect_check("server", &e, &v, why, sizeof(why)));
	ck_assert_str_eq(why, "");
	/* the window's ends are inside it */
	v.t_us = 3000000;
	ck_assert(expect_check("server", &e, &v, why, sizeof(why)));
	v.t_us = 8000000;
	ck_assert(expect_check("server", &e, &v, why, sizeof(why)));
	e = expecting(SC_VERDICT_NOTHING, -1, -1);
	v = seen(SC_VERDICT_NOTHING, 0);
	ck_assert(expect_check("client", &e, &v, why, sizeof(why)));
}
END_TEST

START_TEST(test_expect_wrong_kind)
{
	struct sc_expect e = expecting(SC_VERDICT_TIMEOUT, -1, -1);
	struct verdict v = seen(SC_VERDICT_RST, 1002000);
	char why[256];

	ck_assert(!expect_check("server", &e, &v, why, sizeof(why)));
	ck_assert_str_eq(why, "server saw rst at 1.002s, expected timeout");
	v = seen(SC_VERDICT_NOTHING, 0);
	ck_assert(!expect_check("server", &e, &v, why, sizeof(why)));
	ck_assert_str_eq(why, "server saw nothing, expected timeout");
	e = expecting(SC_VERDICT_NOTHING, -1, -1);
	v = seen(SC_VERDICT_FIN, 250000);
	ck_assert(!expect_check("client", &e, &v, why, sizeof(why)));
	ck_assert_str_eq(why, "client saw fin at 0.250s, expected nothing");
}
END_TEST

START_TEST(test_expect_window)
{
	struct sc_expect e = expecting(SC_VERDICT_TIMEOUT, 3000000, 8000000);
	struct verdict v = seen(SC_VERDICT_TIMEOUT, 2500000);
	char why[256];

	ck_assert(!expect_check("server", &e, &v, why, sizeof(why)));
	ck_assert_str_eq(why, "server saw timeout at 2.500s, expected it after 3s");
	v.t_us = 8000001;
	ck_assert(!expect_check("server", &e, &v, why, sizeof(why)));
	ck_assert_str_eq(why, "server saw timeout at 8.000s, expected it before 8s");
	e = expecting(SC_VERDICT_RST, -1, 1500000);
	v = seen(SC_VERDICT_RST, 1600000);
	ck_assert(!expect_check("server", &e, &v, why, sizeof(why)));
	ck_assert_str_eq(why, "server saw rst at 1.600s, expected it before 1.5s");
}
END_TEST

START_TEST(test_step_check)
{
	struct sc_step st = { .kind = SC_STEP_SEND, .line = 17, .has_expect = true,
			      .expect = SC_RESULT_OK };
	struct sc_step none = { .kind = SC_STEP_RECV, .line = 3 };
	char why[256] = "";

	ck_assert(step_check("server", 3, &st, true, SC_RESULT_OK, why, sizeof(why)));
	ck_assert(!step_check("server", 3, &st, true, EPIPE, why, sizeof(why)));
	ck_assert_str_eq(why, "server step 3 (send, line 17) returned EPIPE, expected ok");
	ck_assert(!step_check("server", 3, &st, false, 0, why, sizeof(why)));
	ck_assert_str_eq(why, "server step 3 (send, line 17) did not finish, expected ok");
	st.kind = SC_STEP_RECV;
	st.expect = SC_RESULT_EOF;
	ck_assert(!step_check("server", 4, &st, true, ECONNRESET, why, sizeof(why)));
	ck_assert_str_eq(why, "server step 4 (recv, line 17) returned ECONNRESET, expected eof");
	/* no expect: whatever happened, or nothing */
	ck_assert(step_check("client", 0, &none, false, 0, why, sizeof(why)));
	ck_assert(step_check("client", 0, &none, true, ETIMEDOUT, why, sizeof(why)));
	ck_assert(step_expect_holds(&none, EPIPE));
}
END_TEST

START_TEST(test_time_format)
{
	char buf[32];

	ck_assert_str_eq(verdict_time_format(0, buf, sizeof(buf)), "0.000s");
	ck_assert_str_eq(verdict_time_format(4012345, buf, sizeof(buf)), "4.012s");
	ck_assert_str_eq(verdict_time_format(-2500, buf, sizeof(buf)), "-0.003s");
}
END_TEST

/* ---- counters ---------------------------------------------------------- */

static const char netstat_text[] =
	"TcpExt: SyncookiesSent TCPAbortOnData TCPAbortOnTimeout TCPAbortOnLinger\n"
	"TcpExt: 1 2 37 4\n"
	"IpExt: InNoRoutes InTruncatedPkts\n"
	"IpExt: 5 6\n";
static const char snmp_text[] =
	"Ip: Forwarding DefaultTTL\n"
	"Ip: 1 64\n"
	"Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds\n"
	"Icmp: 9 0 0 7 0\n"
	"IcmpMsg: InType3\n"
	"IcmpMsg: 7\n";
static const char snmp6_text[] =
	"Ip6InReceives                   \t12\n"
	"Icmp6InDestUnreachs             \t4\n"
	"Icmp6InDestUnreachsX            \t99\n";

START_TEST(test_counters_parse)
{
	long long v = -1;

	ck_assert_int_eq(counters_pair_value(netstat_text, "TcpExt", "TCPAbortOnTimeout", &v), 0);
	ck_assert_int_eq(v, 37);
	ck_assert_int_eq(counters_pair_value(netstat_text, "IpExt", "InTruncatedPkts", &v), 0);
	ck_assert_int_eq(v, 6);
	ck_assert_int_eq(counters_pair_value(netstat_text, "TcpExt", "TCPAbortOnTime", &v), -ENOENT);
	ck_assert_int_eq(counters_pair_value(netstat_text, "Tcp", "TCPAbortOnTimeout", &v), -ENOENT);
	ck_assert_int_eq(counters_pair_value(snmp_text, "Icmp", "InDestUnreachs", &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(counters_pair_value("", "Icmp", "InDestUnreachs", &v), -ENOENT);
	ck_assert_int_eq(counters_pair_value("Icmp: A B\n", "Icmp", "B", &v), -ENOENT);
	ck_assert_int_eq(counters_line_value(snmp6_text, "Icmp6InDestUnreachs", &v), 0);
	ck_assert_int_eq(v, 4);
	ck_assert_int_eq(counters_line_value(snmp6_text, "Icmp6OutDestUnreachs", &v), -ENOENT);
}
END_TEST

static Suite *verdict_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("Userspace-API");

	tcase_add_loop_test(tc, test_classify, 0,
			    (int)(sizeof(classify_cases) / sizeof(classify_cases[0])));
	tcase_add_test(tc, test_needs_counters);
	tcase_add_test(tc, test_from_errno);
	tcase_add_test(tc, test_refine_error_kind);
	tcase_add_test(tc, test_refine_first_errno_only);
	tcase_add_test(tc, test_refine_fin);
	tcase_add_test(tc, test_refine_undecided);
	tcase_add_test(tc, test_set_from);
	tcase_add_test(tc, test_set_from_long_evidence);
	tcase_add_test(tc, test_expect_holds);
	tcase_add_test(tc, test_expect_wrong_kind);
	tcase_add_test(tc, test_expect_window);
	tcase_add_test(tc, test_step_check);
	tcase_add_test(tc, test_time_format);
	tcase_add_test(tc, test_counters_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(verdict_suite());
}
