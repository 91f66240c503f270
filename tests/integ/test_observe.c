/*
 * test_observe.c: integration tests of packet capture (netns/capture.c)
 * with decoding (netns/tcpdecode.c), as root, in a real topology of two
 * hosts (tests/lib/wiretest.h): one TCP connection seen on both hosts at
 * the moments it was caused, the pcap file as libpcap and tcpdump read it,
 * a capped file, bad configurations, a capture across a pulled cable and a
 * power cycle. The kernel's socket view (sock_diag) is
 * test_observe_sockdiag.c's.
 */
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

/* ---- capture ------------------------------------------------------------ */

/*
 * One connection, captured on both hosts: the handshake, 26 bytes of data,
 * the client's FIN after close(), and the RST its kernel answers to the
 * server's next send, each seen at the moment it was caused.
 */
START_TEST(test_capture_sees_syn_data_fin_rst)
{
	static struct wire_log sw, cw;   /* server's and client's capture */
	struct capture *caps[2];
	struct capture_stats st;
	struct conn c;
	char buf[64];
	int64_t rt_send, rt_recv, rt_close, rt_send2, rt_end, mono_before, mono_after;
	long syn, synack, ack, data, fin, data2, rst;
	bool nano = false;

	REQUIRE_TOPOLOGY();
	memset(&sw, 0, sizeof(sw));
	memset(&cw, 0, sizeof(cw));
	caps[0] = open_capture(SERVER, "server.pcap", &sw);
	caps[1] = open_capture(CLIENT, NULL, &cw);
	conn_listen(&c, families[_i], 5000);

	mono_before = monotime_ns();
	conn_connect(&c);
	mono_after = monotime_ns();
	rt_send = realtime_ns();
	ck_assert_int_eq(send(c.sfd, "hello from the server 123\n", 26, 0), 26);
	ck_assert_int_eq(recv(c.cfd, buf, sizeof(buf), 0), 26);
	rt_recv = realtime_ns();
	rt_close = realtime_ns();
	close(c.cfd);
	c.cfd = -1;

	syn = wait_tcp(caps, 2, &sw, 0, &c.client, &c.server, TCPDECODE_SYN, false, 2000);
	ck_assert_msg(syn >= 0, "no SYN seen");
	ck_assert(!(sw.pkts[syn].p.tcp_flags & TCPDECODE_ACK));
	synack = find_tcp(&sw, (size_t)syn, &c.server, &c.client,
			  TCPDECODE_SYN | TCPDECODE_ACK, false);
	ck_assert_msg(synack > syn, "no SYN-ACK after the SYN");
	ack = find_tcp(&sw, (size_t)synack, &c.client, &c.server, TCPDECODE_ACK, false);
	ck_assert_msg(ack > synack, "no ACK after the SYN-ACK");
	data = wait_tcp(caps, 2, &sw, (size_t)ack, &c.server, &c.client, TCPDECODE_ACK, true, 2000);
	ck_assert_msg(data > ack, "no data segment");
	ck_assert_uint_eq(sw.pkts[data].p.payload_len, 26);
	ck_assert(sw.pkts[data].p.tcp_flags & TCPDECODE_PSH);
	fin = wait_tcp(caps, 2, &sw, (size_t)data, &c.client, &c.server, TCPDECODE_FIN, false, 2000);
	ck_assert_msg(fin > data, "no FIN after close()");

	/* the client's socket is gone: its kernel answers new data with RST */
	rt_send2 = realtime_ns();
	ck_assert_int_eq(send(c.sfd, "more", 4, MSG_NOSIGNAL), 4);
	data2 = wait_tcp(caps, 2, &sw, (size_t)fin, &c.server, &c.client, TCPDECODE_ACK, true, 2000);
	ck_assert_msg(data2 > fin, "no second data segment");
	rst = wait_tcp(caps, 2, &sw, (size_t)data2, &c.client, &c.server, TCPDECODE_RST, false, 2000);
	ck_assert_msg(rst > data2, "no RST after data to a closed socket");
	rt_end = realtime_ns();
	ck_assert_uint_eq(sw.pkts[rst].p.seq, sw.pkts[data2].p.ack);

	/* each packet was stamped between its cause and our seeing its effect */
	assert_between(ts_ns(&sw.pkts[syn].ts), c.rt_connect, c.rt_accepted, "SYN");
	assert_between(sw.pkts[syn].mono_ns, mono_before, mono_after, "SYN (monotonic)");
	assert_between(ts_ns(&sw.pkts[ack].ts), ts_ns(&sw.pkts[synack].ts), c.rt_accepted,
		       "handshake ACK");
	assert_between(ts_ns(&sw.pkts[data].ts), rt_send, rt_recv, "data");
	assert_between(ts_ns(&sw.pkts[fin].ts), rt_close, rt_send2, "FIN");
	assert_between(ts_ns(&sw.pkts[rst].ts), rt_send2, rt_end, "RST");
	for (size_t i = 0; i < sw.n; i++) {
		if (i > 0)
			ck_assert(ts_ns(&sw.pkts[i].ts) >= ts_ns(&sw.pkts[i - 1].ts));
		if (sw.pkts[i].ts.tv_nsec % 1000 != 0)
			nano = true;
	}
	ck_assert_msg(nano, "every timestamp is a whole microsecond: no nanoseconds");

	/* the client's capture saw the same TCP packets, in the same order */
	ck_assert_int_eq(wait_tcp(caps, 2, &cw, 0, &c.client, &c.server, TCPDECODE_RST, false, 2000) >= 0, 1);
	for (size_t i = 0, j = 0; i < sw.n; i++) {
		if (sw.pkts[i].p.kind != DECODED_TCP)
			continue;
		while (j < cw.n && cw.pkts[j].p.kind != DECODED_TCP)
			j++;
		ck_assert_msg(j < cw.n, "client capture misses packet %zu", i);
		ck_assert_uint_eq(cw.pkts[j].p.seq, sw.pkts[i].p.seq);
		ck_assert_uint_eq(cw.pkts[j].p.tcp_flags, sw.pkts[i].p.tcp_flags);
		j++;
	}

	ck_assert_int_eq(capture_get_stats(caps[0], &st), 0);
	ck_assert_uint_eq(st.packets, st.written);
	ck_assert_uint_eq(st.not_written, 0);
	ck_assert_uint_eq(st.kernel_dropped, 0);
	ck_assert_int_eq(st.file_error, 0);
	ck_assert_int_eq(capture_close(caps[0]), 0);
	ck_assert_int_eq(capture_close(caps[1]), 0);
	ck_assert_uint_eq(sw.undecodable, 0);
	conn_close(&c);
}
END_TEST

/* The file is what libpcap's reader and tcpdump expect: nanosecond magic,
 * every packet the callback saw, the same nanosecond timestamps. */
START_TEST(test_pcap_file_matches_callback)
{
	static struct wire_log w;
	char path[128], errbuf[PCAP_ERRBUF_SIZE], buf[8];
	struct capture *cap;
	struct capture_stats st;
	struct pcap_pkthdr *h;
	const u_char *bytes;
	pcap_t *rd;
	FILE *f;
	uint32_t magic;
	size_t nread = 0, logged = 0;
	struct conn c;
	int rc;

	REQUIRE_TOPOLOGY();
	memset(&w, 0, sizeof(w));
	cap = open_capture(SERVER, "file.pcap", &w);
	conn_listen(&c, AF_INET, 5001);
	conn_connect(&c);
	ck_assert_int_eq(send(c.cfd, "ping", 4, 0), 4);
	ck_assert_int_eq(recv(c.sfd, buf, sizeof(buf), 0), 4);
	conn_close(&c);
	ck_assert(wait_tcp(&cap, 1, &w, 0, &c.server, &c.client, TCPDECODE_FIN, false, 2000) >= 0);
	ck_assert_int_eq(capture_get_stats(cap, &st), 0);
	ck_assert_int_eq(capture_close(cap), 0);   /* drains, flushes */

	snprintf(path, sizeof(path), "%s/file.pcap", tmpdir);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(&magic, sizeof(magic), 1, f), 1);
	fclose(f);
	ck_assert_uint_eq(magic, 0xa1b23c4du);

	rd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	ck_assert_msg(rd != NULL, "pcap_open_offline: %s", errbuf);
	ck_assert_int_eq(pcap_get_tstamp_precision(rd), PCAP_TSTAMP_PRECISION_NANO);
	ck_assert_int_eq(pcap_datalink(rd), DLT_EN10MB);
	ck_assert_int_eq(pcap_snapshot(rd), CAPTURE_DEFAULT_SNAPLEN);
	while ((rc = pcap_next_ex(rd, &h, &bytes)) == 1) {
		struct decoded_packet p;

		ck_assert_uint_le(h->caplen, CAPTURE_DEFAULT_SNAPLEN);
		ck_assert_int_eq(decode_ethernet_frame(bytes, h->caplen, &p), 0);
		/* the log holds every packet the capture handed out, in order */
		ck_assert_uint_lt(logged, w.n);
		ck_assert_uint_eq(w.pkts[logged].index, nread);
		ck_assert_int_eq(h->ts.tv_sec, w.pkts[logged].ts.tv_sec);
		ck_assert_int_eq(h->ts.tv_usec, w.pkts[logged].ts.tv_nsec);
		ck_assert_uint_eq(p.seq, w.pkts[logged].p.seq);
		logged++;
		nread++;
	}
	ck_assert_int_eq(rc, PCAP_ERROR_BREAK);   /* end of file, no error */
	pcap_close(rd);
	ck_assert_uint_eq(nread, w.n);
	ck_assert_uint_ge(nread, 6);   /* 3 handshake, data, 2 FINs at least */
}
END_TEST

/* The caps bound the file; packets beyond still reach the callback. */
START_TEST(test_file_cap_stops_writing_not_observing)
{
	static struct wire_log w;
	struct capture_config cfg = {
		.ifname = NETNS_HOST_IF,
		.max_file_packets = 3,
		.on_packet = wire_log_packet,
		.user = &w,
	};
	char path[128], err[256], errbuf[PCAP_ERRBUF_SIZE], buf[8];
	struct capture *cap = NULL;
	struct capture_stats st;
	struct pcap_pkthdr *h;
	const u_char *bytes;
	pcap_t *rd;
	struct conn c;
	struct stat sb;
	size_t n = 0;

	REQUIRE_TOPOLOGY();
	memset(&w, 0, sizeof(w));
	snprintf(path, sizeof(path), "%s/capped.pcap", tmpdir);
	cfg.pcap_path = path;
	ck_assert_int_eq(capture_open(&cap, topo->hosts[SERVER].nsfd, &cfg, err, sizeof(err)), 0);
	conn_listen(&c, AF_INET, 5002);
	conn_connect(&c);
	ck_assert_int_eq(send(c.cfd, "ping", 4, 0), 4);
	ck_assert_int_eq(recv(c.sfd, buf, sizeof(buf), 0), 4);
	ck_assert(wait_tcp(&cap, 1, &w, 0, &c.client, &c.server, TCPDECODE_PSH, true, 2000) >= 0);
	ck_assert_int_eq(capture_get_stats(cap, &st), 0);
	ck_assert(st.file_full);
	ck_assert_uint_eq(st.written, 3);
	ck_assert_uint_eq(st.packets, st.written + st.not_written);
	ck_assert_uint_ge(st.not_written, 1);
	ck_assert_int_eq(capture_close(cap), 0);
	conn_close(&c);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq((uint64_t)sb.st_size, st.file_bytes);

	rd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	ck_assert_msg(rd != NULL, "pcap_open_offline: %s", errbuf);
	while (pcap_next_ex(rd, &h, &bytes) == 1)
		n++;
	pcap_close(rd);
	ck_assert_uint_eq(n, 3);
}
END_TEST

/* Packets still in the ring when the capture finishes are written, and the
 * figures read after capture_finish count them: a run's report says
 * "written" from those figures and must match its file. */
START_TEST(test_finish_writes_what_is_pending)
{
	static struct wire_log w;
	struct capture_config cfg = {
		.ifname = NETNS_HOST_IF,
		.on_packet = wire_log_packet,
		.user = &w,
	};
	char path[128], err[256], errbuf[PCAP_ERRBUF_SIZE], buf[8];
	struct capture *cap = NULL;
	struct capture_stats before, after;
	struct pcap_pkthdr *h;
	const u_char *bytes;
	pcap_t *rd;
	struct conn c;
	size_t n = 0;

	REQUIRE_TOPOLOGY();
	memset(&w, 0, sizeof(w));
	snprintf(path, sizeof(path), "%s/pending.pcap", tmpdir);
	cfg.pcap_path = path;
	ck_assert_int_eq(capture_open(&cap, topo->hosts[SERVER].nsfd, &cfg, err, sizeof(err)), 0);
	conn_listen(&c, AF_INET, 5003);
	conn_connect(&c);
	ck_assert_int_eq(send(c.cfd, "ping", 4, 0), 4);
	ck_assert_int_eq(recv(c.sfd, buf, sizeof(buf), 0), 4);
	conn_close(&c);
	/* nothing dispatched yet: every packet is still pending */
	ck_assert_int_eq(capture_get_stats(cap, &before), 0);
	ck_assert_uint_eq(before.written, 0);
	ck_assert_int_eq(capture_finish(cap), 0);
	ck_assert_int_eq(capture_get_stats(cap, &after), 0);
	ck_assert_uint_ge(after.written, 4);   /* handshake and data at least */
	ck_assert_uint_eq(after.packets, w.n);
	ck_assert_int_eq(capture_close(cap), 0);

	rd = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	ck_assert_msg(rd != NULL, "pcap_open_offline: %s", errbuf);
	while (pcap_next_ex(rd, &h, &bytes) == 1)
		n++;
	pcap_close(rd);
	ck_assert_uint_eq(n, after.written);
}
END_TEST

/* Bad configurations fail cleanly with an errno and a reason. */
START_TEST(test_capture_open_errors)
{
	struct capture_config cfg = { .ifname = "nosuch0" };
	char err[256];
	struct capture *cap = NULL;

	REQUIRE_TOPOLOGY();
	ck_assert_int_eq(capture_open(&cap, topo->hosts[SERVER].nsfd, &cfg, err, sizeof(err)),
			 -ENODEV);
	ck_assert_ptr_null(cap);
	ck_assert(err[0] != '\0');
	cfg.ifname = NETNS_HOST_IF;
	cfg.filter = "tcp and and";
	ck_assert_int_eq(capture_open(&cap, topo->hosts[SERVER].nsfd, &cfg, err, sizeof(err)),
			 -EINVAL);
	cfg.filter = NULL;
	cfg.snaplen = 10;
	ck_assert_int_eq(capture_open(&cap, topo->hosts[SERVER].nsfd, &cfg, err, sizeof(err)),
			 -EINVAL);
	cfg.snaplen = 0;
	cfg.pcap_path = "/nonexistent-dir/x.pcap";
	ck_assert_int_lt(capture_open(&cap, topo->hosts[SERVER].nsfd, &cfg, err, sizeof(err)), 0);
	ck_assert_ptr_null(cap);
}
END_TEST

/*
 * A capture lives through a pulled cable (eth0 loses carrier, stays up) and
 * sees traffic again once it is back; it ends with -ENETDOWN when the host
 * is powered off (its eth0 deleted), and a new one works after power-on.
 */
START_TEST(test_capture_across_unplug_and_poweroff)
{
	static struct wire_log w;
	struct capture *cap;
	struct pollfd pfd;
	struct conn c;
	char buf[8];
	int rc = 0;

	REQUIRE_TOPOLOGY();
	memset(&w, 0, sizeof(w));
	cap = open_capture(CLIENT, "client.pcap", &w);
	ck_assert_int_eq(topology_host_unplug(topo, CLIENT), 0);
	for (int i = 0; i < 10; i++) {
		pfd.fd = capture_fd(cap);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10) > 0)
			ck_assert_int_ge(capture_dispatch(cap), 0);
	}
	ck_assert_int_eq(topology_host_plug(topo, CLIENT), 0);
	conn_listen(&c, AF_INET, 5004);
	conn_connect(&c);
	ck_assert_int_eq(send(c.sfd, "back", 4, 0), 4);
	ck_assert_int_eq(recv(c.cfd, buf, sizeof(buf), 0), 4);
	ck_assert(wait_tcp(&cap, 1, &w, 0, &c.server, &c.client, TCPDECODE_PSH, true, 2000) >= 0);
	conn_close(&c);

	ck_assert_int_eq(topology_host_poweroff(topo, CLIENT), 0);
	for (int i = 0; i < 100 && rc >= 0; i++) {
		pfd.fd = capture_fd(cap);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10) > 0)
			rc = capture_dispatch(cap);
	}
	ck_assert_msg(rc == -ENETDOWN, "dispatch after poweroff: %d (%s)", rc, capture_error(cap));
	ck_assert_str_ne(capture_error(cap), "");
	ck_assert_int_eq(capture_close(cap), 0);

	ck_assert_int_eq(topology_host_poweron(topo, CLIENT), 0);
	memset(&w, 0, sizeof(w));
	cap = open_capture(CLIENT, "client2.pcap", &w);
	conn_listen(&c, AF_INET, 5005);
	conn_connect(&c);
	ck_assert(wait_tcp(&cap, 1, &w, 0, &c.client, &c.server, TCPDECODE_SYN, false, 2000) >= 0);
	conn_close(&c);
	ck_assert_int_eq(capture_close(cap), 0);
}
END_TEST

/* tcpdump reads the file and prints the lines decoded_packet_format prints
 * (after its "IP " prefix and TCP options, which we leave out). */
START_TEST(test_tcpdump_prints_what_we_print)
{
	static struct wire_log w;
	static const char *const tcpdump_paths[] = { "/usr/bin/tcpdump", "/usr/sbin/tcpdump" };
	const char *tcpdump = NULL;
	char path[128], cmd[256], line[512], ours[DECODED_PACKET_TEXT_MAX], buf[8];
	struct tcp_relseq rel;
	struct capture *cap;
	struct conn c;
	FILE *p;
	size_t i = 0;

	REQUIRE_TOPOLOGY();
	for (size_t k = 0; k < sizeof(tcpdump_paths) / sizeof(tcpdump_paths[0]); k++)
		if (access(tcpdump_paths[k], X_OK) == 0)
			tcpdump = tcpdump_paths[k];
	if (!tcpdump)
		NF_SKIP("tcpdump is not installed (apt-get install tcpdump)");
	memset(&w, 0, sizeof(w));
	cap = open_capture(SERVER, "td.pcap", &w);
	conn_listen(&c, families[_i], 5003);
	conn_connect(&c);
	ck_assert_int_eq(send(c.sfd, "hello from the server 123\n", 26, 0), 26);
	ck_assert_int_eq(recv(c.cfd, buf, sizeof(buf), 0), 8);
	conn_close(&c);   /* unread data: the client resets */
	ck_assert(wait_tcp(&cap, 1, &w, 0, &c.client, &c.server, TCPDECODE_RST, false, 2000) >= 0);
	ck_assert_int_eq(capture_close(cap), 0);

	snprintf(path, sizeof(path), "%s/td.pcap", tmpdir);
	snprintf(cmd, sizeof(cmd), "%s -nn -t -r %s 'tcp' 2>/dev/null", tcpdump, path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	tcp_relseq_init(&rel);
	while (fgets(line, sizeof(line), p)) {
		char *text = line, *opt, *end;

		line[strcspn(line, "\n")] = '\0';
		while (i < w.n && w.pkts[i].p.kind != DECODED_TCP)
			i++;
		ck_assert_msg(i < w.n, "tcpdump printed more: %s", line);
		if (!strncmp(text, "IP6 ", 4))
			text += 4;
		else if (!strncmp(text, "IP ", 3))
			text += 3;
		opt = strstr(text, ", options [");
		if (opt) {
			end = strstr(opt, "]");
			ck_assert_ptr_nonnull(end);
			memmove(opt, end + 1, strlen(end + 1) + 1);
		}
		tcp_relseq_apply(&rel, &w.pkts[i].p);
		ck_assert_int_gt(decoded_packet_format(&w.pkts[i].p, ours, sizeof(ours)), 0);
		ck_assert_str_eq(ours, text);
		i++;
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_ge(i, 6);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *observe_suite(void)
{
	Suite *s = suite_create("observe");
	int nfam = (int)(sizeof(families) / sizeof(families[0]));

	add_case(s, "Capture: handshake, data, FIN, RST", test_capture_sees_syn_data_fin_rst, nfam);
	add_case(s, "Capture: pcap file", test_pcap_file_matches_callback, 1);
	add_case(s, "Capture: file cap", test_file_cap_stops_writing_not_observing, 1);
	add_case(s, "Capture: finish writes what is pending", test_finish_writes_what_is_pending, 1);
	add_case(s, "Capture: open errors", test_capture_open_errors, 1);
	add_case(s, "Capture: unplug, poweroff", test_capture_across_unplug_and_poweroff, 1);
	add_case(s, "Capture: tcpdump agrees", test_tcpdump_prints_what_we_print, nfam);
	return s;
}

int main(void)
{
	return nf_run_suite(observe_suite());
}
