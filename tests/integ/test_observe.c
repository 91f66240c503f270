/*
 * test_observe.c: integration tests of the observation mechanics, as root,
 * in a real topology (netns/topology.c: a switch and two hosts, "client"
 * 10.0.0.1 and "server" 10.0.0.2): packet capture (netns/capture.c) with
 * decoding (netns/tcpdecode.c), and the kernel's socket view
 * (netns/sockdiag.c), on one TCP connection between the two hosts.
 *
 * The test thread itself makes the sockets: it enters a host's namespace
 * just for socket(), and a socket keeps that namespace; so client, server
 * and observers all live in this one thread and no process is spawned.
 *
 * Each test has a TCase of its own whose unchecked fixture (run by the
 * runner process, not the forked test) leases a run id, builds the topology
 * and a temporary directory, and removes all of it afterwards, also when
 * the test fails or times out. It then checks that the machine's root
 * namespace is as it was.
 */
#include "netns/capture.h"
#include "netns/netns.h"
#include "netns/sockdiag.h"
#include "netns/tcpdecode.h"
#include "tests/lib/testlib.h"

#include <arpa/inet.h>
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#define CLIENT 0
#define SERVER 1
#define WIRE_LOG_MAX 1024
#define SAMPLE_PERIOD_MS 5
#define TEST_TIMEOUT_S 30

/* ---- fixture (runner process) ----------------------------------------- */

static struct run_lease lease = { 0, -1 };
static struct topology *topo;
static char tmpdir[64];
static char fixture_error[256];
static char *root_before;

static void fixture_setup(void)
{
	static const struct topo_host_spec hosts[] = {
		{ .name = "client" },
		{ .name = "server" },
	};
	char err[200] = "";
	int rc;

	topo = NULL;
	fixture_error[0] = '\0';
	if (geteuid() != 0)
		return;
	root_before = nf_root_snapshot();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nf-observe-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		snprintf(fixture_error, sizeof(fixture_error), "mkdtemp: %s", strerror(errno));
		tmpdir[0] = '\0';
		return;
	}
	rc = run_lease_acquire(&lease, 0);
	if (rc < 0) {
		snprintf(fixture_error, sizeof(fixture_error), "run_lease_acquire: %s",
			 strerror(-rc));
		return;
	}
	rc = topology_build(&topo, lease.run_id, hosts, 2, err, sizeof(err));
	if (rc < 0)
		snprintf(fixture_error, sizeof(fixture_error), "topology_build: %s: %s",
			 err, strerror(-rc));
}

/* Removes the temporary directory and the files in it (flat). */
static void tmpdir_remove(void)
{
	DIR *d;
	struct dirent *de;

	if (!tmpdir[0])
		return;
	d = opendir(tmpdir);
	if (d) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

static void fixture_teardown(void)
{
	char prefix[32];
	char **left = NULL;
	char *root_after;
	unsigned run_id = lease.run_id;

	if (geteuid() != 0)
		return;
	topology_destroy(topo);
	topo = NULL;
	run_lease_release(&lease);
	tmpdir_remove();
	if (run_id) {
		snprintf(prefix, sizeof(prefix), "%s%u-", NETNS_PREFIX, run_id);
		ck_assert_int_ge(netns_list(prefix, &left), 0);
		ck_assert_msg(left[0] == NULL, "namespace %s left behind", left[0]);
		netns_names_free(left);
	}
	root_after = nf_root_snapshot();
	ck_assert_str_eq(root_before, root_after);
	free(root_after);
	free(root_before);
	root_before = NULL;
}

#define REQUIRE_TOPOLOGY()                                                  \
	do {                                                                \
		NF_REQUIRE_ROOT();                                          \
		ck_assert_msg(topo != NULL, "fixture: %s", fixture_error);  \
	} while (0)

/* ---- clocks ------------------------------------------------------------- */

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- sockets inside the hosts ------------------------------------------- */

static int socket_in_host(size_t host, int family)
{
	int home, fd, saved;

	home = netns_open_current();
	ck_assert_int_ge(home, 0);
	ck_assert_int_eq(netns_enter(topo->hosts[host].nsfd), 0);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	saved = errno;
	ck_assert_int_eq(netns_enter(home), 0);
	close(home);
	ck_assert_msg(fd >= 0, "socket: %s", strerror(saved));
	return fd;
}

/* The host's address ("10.0.0.2/24" without the prefix) and PORT. */
static void host_endpoint(size_t host, int family, uint16_t port, struct ip_endpoint *e)
{
	char addr[64], *slash;

	snprintf(addr, sizeof(addr), "%s",
		 family == AF_INET ? topo->hosts[host].addr4 : topo->hosts[host].addr6);
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	ck_assert_int_eq(ip_endpoint_parse(e, addr, port), 0);
}

static socklen_t to_sockaddr(const struct ip_endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		sin->sin_addr = e->addr.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(e->port);
	sin6->sin6_addr = e->addr.v6;
	return sizeof(*sin6);
}

struct conn {
	int family;
	struct ip_endpoint server, client;  /* ends as the wire shows them */
	int listener, cfd, sfd;             /* client's and server's sockets */
	int64_t rt_connect, rt_accepted;    /* CLOCK_REALTIME around the handshake */
};

static void conn_listen(struct conn *c, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->cfd = c->sfd = -1;
	host_endpoint(SERVER, family, port, &c->server);
	c->listener = socket_in_host(SERVER, family);
	ck_assert_int_eq(setsockopt(c->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	len = to_sockaddr(&c->server, &ss);
	ck_assert_msg(bind(c->listener, (struct sockaddr *)&ss, len) == 0, "bind: %s",
		      strerror(errno));
	ck_assert_int_eq(listen(c->listener, 4), 0);
}

static void conn_connect(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len;

	c->cfd = socket_in_host(CLIENT, c->family);
	len = to_sockaddr(&c->server, &ss);
	c->rt_connect = realtime_ns();
	ck_assert_msg(connect(c->cfd, (struct sockaddr *)&ss, len) == 0, "connect: %s",
		      strerror(errno));
	c->sfd = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_msg(c->sfd >= 0, "accept: %s", strerror(errno));
	c->rt_accepted = realtime_ns();
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(c->cfd, (struct sockaddr *)&ss, &len), 0);
	c->client = c->server;
	host_endpoint(CLIENT, c->family, c->family == AF_INET
			  ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
			  : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), &c->client);
}

static void conn_close(struct conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	close(c->listener);
}

/* ---- the wire view: captures feeding one log ----------------------------- */

struct wire_pkt {
	struct decoded_packet p;
	struct timespec ts;
	int64_t mono_ns;
	uint64_t index;
};

struct wire_log {
	size_t n;
	unsigned undecodable, overflow;
	struct wire_pkt pkts[WIRE_LOG_MAX];
};

static void wire_log_packet(void *user, const struct capture_packet *pkt)
{
	struct wire_log *w = user;
	struct wire_pkt *wp;

	if (w->n >= WIRE_LOG_MAX) {
		w->overflow++;
		return;
	}
	wp = &w->pkts[w->n];
	if (decode_ethernet_frame(pkt->data, pkt->caplen, &wp->p) < 0) {
		w->undecodable++;
		return;
	}
	wp->ts = pkt->ts;
	wp->mono_ns = pkt->mono_ns;
	wp->index = pkt->index;
	w->n++;
}

static struct capture *open_capture(size_t host, const char *file, struct wire_log *w)
{
	struct capture_config cfg = {
		.ifname = NETNS_HOST_IF,
		.filter = "tcp or icmp or icmp6",
		.on_packet = wire_log_packet,
		.user = w,
	};
	char path[128], err[256];
	struct capture *c = NULL;
	int rc;

	if (file) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
		cfg.pcap_path = path;
	}
	rc = capture_open(&c, topo->hosts[host].nsfd, &cfg, err, sizeof(err));
	ck_assert_msg(rc == 0, "capture_open: %s: %s", err, strerror(-rc));
	return c;
}

/* One event-loop round over N captures: waits up to TIMEOUT_MS for any to
 * be readable and dispatches the readable ones. */
static void capture_poll_round(struct capture **caps, size_t n, int timeout_ms)
{
	struct pollfd pfd[4];

	ck_assert_uint_le(n, 4);
	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = capture_fd(caps[i]);
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (pfd[i].revents)
			ck_assert_int_ge(capture_dispatch(caps[i]), 0);
}

static bool is_from(const struct wire_pkt *wp, const struct ip_endpoint *src,
		    const struct ip_endpoint *dst)
{
	return wp->p.kind == DECODED_TCP && ip_endpoint_equal(&wp->p.src, src) &&
	       ip_endpoint_equal(&wp->p.dst, dst);
}

/* First TCP packet at or after START from SRC to DST that has every flag
 * of ALL, and payload when WITH_DATA; -1 when none. */
static long find_tcp(const struct wire_log *w, size_t start, const struct ip_endpoint *src,
		     const struct ip_endpoint *dst, uint8_t all, bool with_data)
{
	for (size_t i = start; i < w->n; i++) {
		const struct wire_pkt *wp = &w->pkts[i];

		if (is_from(wp, src, dst) && (wp->p.tcp_flags & all) == all &&
		    (!with_data || wp->p.payload_len > 0))
			return (long)i;
	}
	return -1;
}

/* Pumps CAPS until find_tcp(W, ...) finds a packet, or TIMEOUT_MS. */
static long wait_tcp(struct capture **caps, size_t ncaps, struct wire_log *w, size_t start,
		     const struct ip_endpoint *src, const struct ip_endpoint *dst,
		     uint8_t all, bool with_data, int timeout_ms)
{
	int64_t deadline = monotime_ns() + (int64_t)timeout_ms * 1000000;
	long i;

	while ((i = find_tcp(w, start, src, dst, all, with_data)) < 0 &&
	       monotime_ns() < deadline)
		capture_poll_round(caps, ncaps, 10);
	return i;
}

static void assert_between(int64_t t, int64_t lo, int64_t hi, const char *what)
{
	ck_assert_msg(t >= lo && t <= hi, "%s at %lld, not within [%lld, %lld]", what,
		      (long long)t, (long long)lo, (long long)hi);
}

/* ---- capture ------------------------------------------------------------ */

static const int families[] = { AF_INET, AF_INET6 };

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

/* ---- suite -------------------------------------------------------------- */

static void add_case(Suite *s, const char *name, const TTest *test, int loops)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, fixture_setup, fixture_teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	if (loops > 1)
		tcase_add_loop_test(tc, test, 0, loops);
	else
		tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

static Suite *observe_suite(void)
{
	Suite *s = suite_create("observe");
	int nfam = (int)(sizeof(families) / sizeof(families[0]));

	add_case(s, "Capture: handshake, data, FIN, RST", test_capture_sees_syn_data_fin_rst, nfam);
	add_case(s, "Capture: pcap file", test_pcap_file_matches_callback, 1);
	add_case(s, "Capture: file cap", test_file_cap_stops_writing_not_observing, 1);
	add_case(s, "Capture: open errors", test_capture_open_errors, 1);
	add_case(s, "Capture: unplug, poweroff", test_capture_across_unplug_and_poweroff, 1);
	add_case(s, "Capture: tcpdump agrees", test_tcpdump_prints_what_we_print, nfam);
	add_case(s, "sock_diag: states", test_sockdiag_established_then_close_wait, nfam);
	add_case(s, "sock_diag: cost", test_sockdiag_sampling_cost, 1);
	add_case(s, "sock_diag: retransmits", test_sockdiag_retransmits_after_unplug, 1);
	add_case(s, "sock_diag: keepalive", test_sockdiag_counts_keepalive_probes, 1);
	return s;
}

int main(void)
{
	return nf_run_suite(observe_suite());
}
