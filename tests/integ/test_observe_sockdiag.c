/*
 * test_observe_sockdiag.c: integration tests of the kernel's socket view
 * (netns/sockdiag.c), as root, in a real topology of two hosts
 * (tests/lib/wiretest.h): states of a connection and its close, filters
 * and lookups, what a sample costs, retransmissions after a pulled cable
 * and keepalive probes, each matched against a capture of the same
 * packets; and the engine's kernel view of one connection
 * (engine/observe/observe_kernel.c), cut at the app's own close.
 */
#include "common/monotime.h"
#include "engine/observe/observe_int.h"
#include "netns/capture.h"
#include "netns/netns.h"
#include "netns/sockdiag.h"
#include "netns/tcpdecode.h"
#include "tests/lib/testlib.h"
#include "tests/lib/wiretest.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sock_diag ---------------------------------------------------------- */

static struct sockdiag *sockdiag_in(size_t host)
{
	struct sockdiag *sd = NULL;

	ck_assert_int_eq(sockdiag_open(&sd, topo->hosts[host].nsfd), 0);
	return sd;
}

/* The one socket with ends LOCAL and REMOTE in a sample, or NULL. */
static const struct tcp_sock_sample *find_sock(const struct tcp_sock_sample *s, int n,
					       const struct ip_endpoint *local,
					       const struct ip_endpoint *remote)
{
	for (int i = 0; i < n; i++)
		if (ip_endpoint_equal(&s[i].local, local) && ip_endpoint_equal(&s[i].remote, remote))
			return &s[i];
	return NULL;
}

static void describe_ends(char *buf, size_t len, const struct ip_endpoint *a,
			  const struct ip_endpoint *b)
{
	char ta[IP_ENDPOINT_TEXT_MAX], tb[IP_ENDPOINT_TEXT_MAX];

	ip_endpoint_format(a, ta, sizeof(ta));
	ip_endpoint_format(b, tb, sizeof(tb));
	snprintf(buf, len, "%s > %s", ta, tb);
}

static struct tcp_sock_sample sample_one(struct sockdiag *sd, int family, uint16_t port,
					 const struct ip_endpoint *local,
					 const struct ip_endpoint *remote)
{
	struct sockdiag_filter f = { .family = family, .port = port };
	struct tcp_sock_sample s[8];
	const struct tcp_sock_sample *found;
	int n;

	char want[2 * IP_ENDPOINT_TEXT_MAX + 8], seen[512] = "";

	n = sockdiag_tcp_sample(sd, &f, s, 8, NULL);
	ck_assert_msg(n >= 0, "sockdiag_tcp_sample: %s", strerror(-n));
	found = find_sock(s, n, local, remote);
	if (!found) {
		describe_ends(want, sizeof(want), local, remote);
		for (int i = 0; i < n; i++) {
			char one[2 * IP_ENDPOINT_TEXT_MAX + 8];

			describe_ends(one, sizeof(one), &s[i].local, &s[i].remote);
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), " [%s %s]",
				 one, tcp_state_name(s[i].state));
		}
		ck_abort_msg("socket %s not in the sample:%s", want, seen);
	}
	return *found;
}

/* Samples every SAMPLE_PERIOD_MS until the socket reaches STATE. */
static struct tcp_sock_sample wait_state(struct sockdiag *sd, int family, uint16_t port,
					 const struct ip_endpoint *local,
					 const struct ip_endpoint *remote, int state,
					 int timeout_ms)
{
	int64_t deadline = monotime_ns() + (int64_t)timeout_ms * 1000000;
	struct tcp_sock_sample s;

	for (;;) {
		s = sample_one(sd, family, port, local, remote);
		if (s.state == state || monotime_ns() >= deadline)
			break;
		sleep_ms(SAMPLE_PERIOD_MS);
	}
	ck_assert_msg(s.state == state, "state %s, wanted %s", tcp_state_name(s.state),
		      tcp_state_name(state));
	return s;
}

/* ESTABLISHED on both sides with the right ends; after the client's
 * close(), the server's socket is CLOSE_WAIT with the receive side shut
 * and the client's FIN_WAIT2. */
START_TEST(test_sockdiag_established_then_close_wait)
{
	struct sockdiag *ssd, *csd;
	struct sockdiag_filter f = { .family = families[_i], .port = 5010 };
	struct tcp_sock_sample all[8], s, c_s;
	const struct tcp_sock_sample *listener = NULL;
	size_t total = 0;
	struct conn c;
	int n;

	REQUIRE_TOPOLOGY();
	ssd = sockdiag_in(SERVER);
	csd = sockdiag_in(CLIENT);
	conn_listen(&c, families[_i], 5010);
	conn_connect(&c);

	n = sockdiag_tcp_sample(ssd, &f, all, 8, &total);
	ck_assert_int_eq(n, 2);   /* the listener and the accepted socket */
	ck_assert_uint_eq(total, 2);
	for (int i = 0; i < n; i++)
		if (all[i].state == TCP_LISTEN)
			listener = &all[i];
	ck_assert_ptr_nonnull(listener);
	ck_assert_uint_eq(listener->local.port, 5010);

	s = sample_one(ssd, families[_i], 5010, &c.server, &c.client);
	ck_assert_int_eq(s.state, TCP_ESTABLISHED);
	ck_assert_str_eq(tcp_state_name(s.state), "ESTABLISHED");
	ck_assert(s.has_info);
	ck_assert_int_eq(s.info.state, TCP_ESTABLISHED);
	ck_assert_int_eq(s.timer, SOCKDIAG_TIMER_NONE);
	ck_assert_uint_eq(s.info.retransmits, 0);
	ck_assert_uint_eq(s.info.total_retrans, 0);
	ck_assert_uint_ge(s.info.rto_us, 200000);
	ck_assert_uint_ne(s.cookie, 0);
	ck_assert_uint_ne(s.inode, 0);
	ck_assert(s.has_shutdown);
	ck_assert_uint_eq(s.shutdown, 0);

	c_s = sample_one(csd, families[_i], 5010, &c.client, &c.server);
	ck_assert_int_eq(c_s.state, TCP_ESTABLISHED);

	/* a full array reports how many there were */
	n = sockdiag_tcp_sample(ssd, &f, all, 1, &total);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(total, 2);
	/* the other family's sockets are not in a one-family sample */
	f.family = families[_i] == AF_INET ? AF_INET6 : AF_INET;
	ck_assert_int_eq(sockdiag_tcp_sample(ssd, &f, all, 8, &total), 0);
	/* a state filter */
	f.family = AF_UNSPEC;
	f.states = SOCKDIAG_STATE(TCP_LISTEN);
	ck_assert_int_eq(sockdiag_tcp_sample(ssd, &f, all, 8, &total), 1);
	ck_assert_int_eq(all[0].state, TCP_LISTEN);

	/* the exact lookup finds the same socket */
	ck_assert_int_eq(sockdiag_tcp_lookup(ssd, &c.server, &c.client, &all[0]), 0);
	ck_assert_uint_eq(all[0].cookie, s.cookie);
	ck_assert_int_eq(all[0].state, TCP_ESTABLISHED);
	ck_assert(all[0].has_info);
	/* and no connection where there is none, not even the listener */
	{
		struct ip_endpoint nobody = c.client;

		nobody.port = (uint16_t)(c.client.port + 1);
		ck_assert_int_eq(sockdiag_tcp_lookup(ssd, &c.server, &nobody, &all[0]), -ENOENT);
	}

	close(c.cfd);
	c.cfd = -1;
	s = wait_state(ssd, families[_i], 5010, &c.server, &c.client, TCP_CLOSE_WAIT, 1000);
	ck_assert(s.shutdown & SOCKDIAG_SHUT_RCV);
	ck_assert_str_eq(tcp_state_name(s.state), "CLOSE_WAIT");
	c_s = wait_state(csd, families[_i], 5010, &c.client, &c.server, TCP_FIN_WAIT2, 1000);
	ck_assert_uint_eq(c_s.inode, 0);   /* orphaned: no process holds it */

	conn_close(&c);
	sockdiag_close(ssd);
	sockdiag_close(csd);
}
END_TEST

/*
 * Sampling is cheap enough for every few milliseconds per namespace: a
 * lookup of a known connection in any case; a dump costs what walking the
 * namespace's TCP hash table costs (see sockdiag.h), printed here.
 */
START_TEST(test_sockdiag_sampling_cost)
{
	struct sockdiag *sd;
	struct sockdiag_filter f = { .family = AF_INET, .port = 5011 };
	struct tcp_sock_sample s[8];
	struct conn c;
	int64_t t0, dump_us, lookup_us;
	const int rounds = 1000;

	REQUIRE_TOPOLOGY();
	sd = sockdiag_in(SERVER);
	conn_listen(&c, AF_INET, 5011);
	conn_connect(&c);
	t0 = monotime_ns();
	for (int i = 0; i < rounds; i++)
		ck_assert_int_eq(sockdiag_tcp_sample(sd, &f, s, 8, NULL), 2);
	dump_us = (monotime_ns() - t0) / rounds / 1000;
	t0 = monotime_ns();
	for (int i = 0; i < rounds; i++)
		ck_assert_int_eq(sockdiag_tcp_lookup(sd, &c.server, &c.client, &s[0]), 0);
	lookup_us = (monotime_ns() - t0) / rounds / 1000;
	printf("sockdiag: %lld us per one-family dump, %lld us per lookup\n",
	       (long long)dump_us, (long long)lookup_us);
	/* figures only: how fast is the machine's business, not the test's */
	conn_close(&c);
	sockdiag_close(sd);
}
END_TEST

/*
 * The client's cable is pulled while the server sends: sampled every 5 ms,
 * the server's socket shows the retransmission timer, retransmits and
 * backoff growing and the RTO doubling; the capture on the server's eth0
 * shows the same segment going out again as often as the kernel counts.
 */
START_TEST(test_sockdiag_retransmits_after_unplug)
{
	static struct wire_log w;
	struct sockdiag *sd;
	struct capture *cap;
	struct tcp_sock_sample s, first_retrans = { 0 };
	struct conn c;
	int64_t deadline;
	uint8_t last_retransmits = 0, last_backoff = 0;
	long data;
	unsigned copies = 0;

	REQUIRE_TOPOLOGY();
	memset(&w, 0, sizeof(w));
	sd = sockdiag_in(SERVER);
	cap = open_capture(SERVER, NULL, &w);
	conn_listen(&c, AF_INET, 5012);
	conn_connect(&c);
	ck_assert_int_eq(topology_host_unplug(topo, CLIENT), 0);
	ck_assert_int_eq(send(c.sfd, "are you there?", 14, 0), 14);

	deadline = monotime_ns() + 20000LL * 1000000;   /* a deadline, not a bound */
	for (;;) {
		s = sample_one(sd, AF_INET, 5012, &c.server, &c.client);
		ck_assert(s.has_info);
		ck_assert_int_eq(s.state, TCP_ESTABLISHED);
		ck_assert_uint_ge(s.info.retransmits, last_retransmits);
		ck_assert_uint_ge(s.info.backoff, last_backoff);
		if (s.info.retransmits == 1 && !first_retrans.has_info)
			first_retrans = s;
		last_retransmits = s.info.retransmits;
		last_backoff = s.info.backoff;
		if (s.info.retransmits >= 3 || monotime_ns() >= deadline)
			break;
		capture_poll_round(&cap, 1, SAMPLE_PERIOD_MS);
	}
	ck_assert_msg(s.info.retransmits >= 3, "retransmits %u after 20 s", s.info.retransmits);
	ck_assert(first_retrans.has_info);
	/* the kernel re-arms the timer at the end of each retransmission: a
	 * sample taken in the middle of one (a slow machine's wider window)
	 * shows none, so sample again until it is armed */
	deadline = monotime_ns() + 5000LL * 1000000;
	while (s.timer != SOCKDIAG_TIMER_RETRANS && monotime_ns() < deadline) {
		capture_poll_round(&cap, 1, SAMPLE_PERIOD_MS);
		s = sample_one(sd, AF_INET, 5012, &c.server, &c.client);
		ck_assert(s.has_info);
	}
	ck_assert_int_eq(s.timer, SOCKDIAG_TIMER_RETRANS);
	ck_assert_uint_ge(s.timer_retrans, 3);
	ck_assert_uint_ge(s.info.backoff, 3);
	ck_assert_uint_ge(s.info.rto_us, 4 * first_retrans.info.rto_us);
	ck_assert_uint_ge(s.info.unacked, 1);
	ck_assert_uint_ge(s.info.total_retrans, 3);
	ck_assert_uint_ge(s.info.last_ack_recv_ms, 1000);
	ck_assert_uint_eq(s.send_queue, 14);

	/* the wire: the segment went out once and then once per retransmit */
	for (int i = 0; i < 20; i++)
		capture_poll_round(&cap, 1, 1);
	data = find_tcp(&w, 0, &c.server, &c.client, TCPDECODE_ACK, true);
	ck_assert(data >= 0);
	for (size_t i = (size_t)data; i < w.n; i++)
		if (is_from(&w.pkts[i], &c.server, &c.client) &&
		    w.pkts[i].p.seq == w.pkts[data].p.seq && w.pkts[i].p.payload_len == 14)
			copies++;
	ck_assert_uint_ge(copies - 1, s.info.total_retrans);
	ck_assert_uint_le(copies - 1, s.info.total_retrans + 1);

	ck_assert_int_eq(capture_close(cap), 0);
	conn_close(&c);
	sockdiag_close(sd);
}
END_TEST

/*
 * Keepalive (idle 1 s, interval 1 s) on the server's socket, the client's
 * cable pulled: the keepalive timer runs, tcp_info counts the unanswered
 * probes, and the capture shows them (an ACK of no data one below the
 * server's next sequence number).
 */
START_TEST(test_sockdiag_counts_keepalive_probes)
{
	static struct wire_log w;
	struct sockdiag *sd;
	struct capture *cap;
	struct tcp_sock_sample s;
	struct conn c;
	int one = 1, idle = 1, intvl = 1, cnt = 5;
	int64_t deadline;
	long synack;
	uint32_t probe_seq;
	unsigned probes_seen = 0;

	REQUIRE_TOPOLOGY();
	memset(&w, 0, sizeof(w));
	sd = sockdiag_in(SERVER);
	cap = open_capture(SERVER, NULL, &w);
	conn_listen(&c, AF_INET, 5013);
	conn_connect(&c);
	ck_assert_int_eq(setsockopt(c.sfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	ck_assert_int_eq(setsockopt(c.sfd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)), 0);
	ck_assert_int_eq(setsockopt(c.sfd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)), 0);
	ck_assert_int_eq(setsockopt(c.sfd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)), 0);
	ck_assert_int_eq(topology_host_unplug(topo, CLIENT), 0);

	s = sample_one(sd, AF_INET, 5013, &c.server, &c.client);
	ck_assert_int_eq(s.timer, SOCKDIAG_TIMER_KEEPALIVE);
	ck_assert_uint_eq(s.info.probes, 0);
	deadline = monotime_ns() + 20000LL * 1000000;   /* a deadline, not a bound */
	for (;;) {
		s = sample_one(sd, AF_INET, 5013, &c.server, &c.client);
		if (s.info.probes >= 2 || monotime_ns() >= deadline)
			break;
		capture_poll_round(&cap, 1, SAMPLE_PERIOD_MS);
	}
	ck_assert_msg(s.info.probes >= 2, "probes %u after 20 s", s.info.probes);
	ck_assert_int_eq(s.timer, SOCKDIAG_TIMER_KEEPALIVE);
	ck_assert_uint_eq(s.timer_retrans, s.info.probes);
	ck_assert_int_eq(s.state, TCP_ESTABLISHED);
	ck_assert_uint_eq(s.info.retransmits, 0);

	for (int i = 0; i < 20; i++)
		capture_poll_round(&cap, 1, 1);
	synack = find_tcp(&w, 0, &c.server, &c.client, TCPDECODE_SYN | TCPDECODE_ACK, false);
	ck_assert(synack >= 0);
	probe_seq = w.pkts[synack].p.seq;   /* server's ISN = its next seq - 1 */
	for (size_t i = (size_t)synack + 1; i < w.n; i++)
		if (is_from(&w.pkts[i], &c.server, &c.client) &&
		    w.pkts[i].p.tcp_flags == TCPDECODE_ACK && w.pkts[i].p.payload_len == 0 &&
		    w.pkts[i].p.seq == probe_seq)
			probes_seen++;
	ck_assert_uint_ge(probes_seen, s.info.probes);
	ck_assert_uint_le(probes_seen, s.info.probes + 1u);

	ck_assert_int_eq(capture_close(cap), 0);
	conn_close(&c);
	sockdiag_close(sd);
}
END_TEST

/* ---- the engine's kernel view, cut at the app's close --------------------- */

/* The client's end of C as the observer follows it, seen once. */
static struct obs_conn followed(const struct conn *c, struct sockdiag *sd)
{
	struct obs_conn oc = { .local = c->client, .remote = c->server, .first_t = mono_usec() };
	struct tcp_sock_sample s;
	int64_t at;

	ck_assert_str_eq(obs_kernel_observe(sd, &oc, &s, &at), "new");
	ck_assert_int_eq(s.state, TCP_ESTABLISHED);
	return oc;
}

/* Looks C's socket up until it is gone; when it went. */
static int64_t observe_gone(struct sockdiag *sd, struct obs_conn *oc)
{
	int64_t deadline = mono_usec() + 10 * 1000000LL, at = 0;
	struct tcp_sock_sample s;
	const char *change = NULL;

	while (!oc->k_done && mono_usec() < deadline) {
		change = obs_kernel_observe(sd, oc, &s, &at);
		if (!oc->k_done)
			sleep_ms(SAMPLE_PERIOD_MS);
	}
	ck_assert_msg(change && strcmp(change, "gone") == 0, "the socket is not gone: %s",
		      change ? change : "no change");
	return at;
}

/*
 * The app's own abort (an RST out) and own close after the peer's FIN
 * (CLOSE_WAIT too short for a sample) remove its socket: the kernel view,
 * cut at that close, must not read them as an RST received. A sample that
 * finds the socket gone is timed after its lookup, never before (a time
 * taken before it, when the lookup runs late on a loaded machine, put the
 * end before the close: "app says fin, wire says fin, kernel says rst").
 * An RST that did arrive before the app closed is still rst.
 */
START_TEST(test_kernel_view_cut_at_own_close)
{
	struct engine_run r = { .t0 = mono_usec() };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockdiag *csd;
	struct obs_conn oc;
	struct obs_view v;
	struct conn c;
	int64_t cut, gone;
	char buf[8];

	REQUIRE_TOPOLOGY();
	csd = sockdiag_in(CLIENT);

	/* the client aborts: RST out, socket gone at once */
	conn_listen(&c, families[_i], 5020);
	conn_connect(&c);
	oc = followed(&c, csd);
	cut = mono_usec();
	ck_assert_int_eq(setsockopt(c.cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(c.cfd);
	c.cfd = -1;
	gone = observe_gone(csd, &oc);
	ck_assert_int_ge(gone, cut);
	obs_kernel_view(&r, &oc, cut, &v);
	ck_assert_msg(v.has && v.kind == SC_VERDICT_NOTHING, "own abort: kernel says %s (%s)",
		      sc_verdict_name(v.kind), v.evidence);
	/* uncut, the same log is an end the kernel cannot tell from an RST in */
	obs_kernel_view(&r, &oc, INT64_MAX, &v);
	ck_assert_int_eq(v.kind, SC_VERDICT_RST);
	conn_close(&c);

	/* the server half-closes, the client closes when it reads eof: FIN,
	 * LAST_ACK, gone at the server's ACK */
	conn_listen(&c, families[_i], 5021);
	conn_connect(&c);
	oc = followed(&c, csd);
	ck_assert_int_eq(shutdown(c.sfd, SHUT_WR), 0);
	ck_assert_int_eq(recv(c.cfd, buf, sizeof(buf), 0), 0);
	cut = mono_usec();
	close(c.cfd);
	c.cfd = -1;
	gone = observe_gone(csd, &oc);
	ck_assert_int_ge(gone, cut);
	obs_kernel_view(&r, &oc, cut, &v);
	ck_assert_msg(v.has && v.kind == SC_VERDICT_NOTHING, "own close: kernel says %s (%s)",
		      sc_verdict_name(v.kind), v.evidence);
	conn_close(&c);

	/* the server aborts: the client's socket gone by the RST in, before
	 * the client closes it */
	conn_listen(&c, families[_i], 5022);
	conn_connect(&c);
	oc = followed(&c, csd);
	ck_assert_int_eq(setsockopt(c.sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(c.sfd);
	c.sfd = -1;
	gone = observe_gone(csd, &oc);
	cut = mono_usec();
	ck_assert_int_ge(cut, gone);
	obs_kernel_view(&r, &oc, cut, &v);
	ck_assert_msg(v.kind == SC_VERDICT_RST, "RST in: kernel says %s (%s)",
		      sc_verdict_name(v.kind), v.evidence);
	conn_close(&c);
	sockdiag_close(csd);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *observe_sockdiag_suite(void)
{
	Suite *s = suite_create("observe_sockdiag");
	int nfam = (int)(sizeof(families) / sizeof(families[0]));

	add_case(s, "sock_diag: states", test_sockdiag_established_then_close_wait, nfam);
	add_case(s, "sock_diag: cost", test_sockdiag_sampling_cost, 1);
	add_case(s, "sock_diag: retransmits", test_sockdiag_retransmits_after_unplug, 1);
	add_case(s, "sock_diag: keepalive", test_sockdiag_counts_keepalive_probes, 1);
	add_case(s, "kernel view: own close", test_kernel_view_cut_at_own_close, nfam);
	return s;
}

int main(void)
{
	return nf_run_suite(observe_sockdiag_suite());
}
