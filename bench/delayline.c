/*
 * delayline.c: how exactly the queue engines delay packets, and how many
 * packets per second the userspace delay line carries without loss.
 *
 *   build/bench/delayline [SECONDS]     (root; default 2 s per cell)
 *
 * Between two hosts of a real topology, h1 sends numbered UDP datagrams
 * (64 bytes of payload) to h2 at a steady rate through h1's `out`
 * impairment; h2 timestamps each on arrival (SO_TIMESTAMPNS, the moment it
 * reaches h2, both clocks CLOCK_REALTIME of one machine). For 1, 10 and
 * 100 ms of configured delay at 100, 1000 and 10000 packets/s it prints the
 * error of the one-way delay (measured - configured: median, p99, max, in
 * microseconds) and the packets lost, first for the delay line, then for
 * netem where the kernel has it. Then it doubles the rate from 10000/s
 * (10 ms delay) until the delay line loses packets, and prints the highest
 * rate it carried without loss (and the same rate without any impairment,
 * the sender's and receiver's own limit).
 *
 * Then, for each engine, two figures the tests only bound loosely: jitter
 * (50 ms +- 10 ms at 1000 packets/s: the error's mean, standard deviation
 * against the uniform distribution's 10/sqrt(3) = 5.77 ms, and its range,
 * which must lie in +-10 ms), and rate accuracy (1 and 10 mbit/s offered
 * twice as much: the rate that arrived, counting IP packets of
 * IP_PACKET_BYTES, against the one configured).
 *
 * Machine-readable lines start with RESULT:
 *   RESULT cell ENGINE DELAY_MS RATE MEDIAN_US P99_US MAX_US LOST SENT
 *   RESULT maxrate ENGINE PPS
 *   RESULT jitter ENGINE MEAN_US STDDEV_US MIN_US MAX_US
 *   RESULT rate ENGINE CONFIGURED_BPS MEASURED_BPS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns/delayline.h"
#include "netns/netns.h"
#include "netns/qdisc.h"

#define PAYLOAD        64
#define GRACE_MS       300
#define MAXRATE_START  10000u
#define MAXRATE_LIMIT  640000u
#define LINE_LIMIT     20000u      /* held packets: 10000/s * 100 ms fits */
#define IP_PACKET_BYTES (PAYLOAD + 8 + 20)   /* what the rate limit counts */
#define JITTER_DELAY_MS 50u
#define JITTER_MS       10u

enum engine { ENGINE_DELAYLINE, ENGINE_NETEM, ENGINE_NONE };
static const char *const engine_name[] = { "delayline", "netem", "none" };

struct cell {
	size_t sent, received;
	double sent_per_sec;                /* what the sender achieved */
	double median_us, p99_us, max_us;   /* error: measured - configured */
	double mean_us, stddev_us, min_us;
	double rx_bps;                      /* IP packets that arrived, per second */
};

static struct topology *topo;
static struct run_lease lease;
static struct delayline *line;

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- sockets in the hosts ----------------------------------------------- */

/* A UDP socket where the thread is, into the int ARG (netns_call_in). */
static int udp_socket_here(void *arg)
{
	int *fd = arg;

	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return *fd < 0 ? -errno : 0;
}

static int udp_socket_in(const struct topo_host *h, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	char addr[48];
	int fd = -1;

	snprintf(addr, sizeof(addr), "%s", h->addr4);
	addr[strcspn(addr, "/")] = '\0';
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (netns_call_in(h->nsfd, udp_socket_here, &fd) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- one measurement ------------------------------------------------------ */

struct rx {
	int fd;
	volatile bool stop;
	size_t count, received;
	int64_t *owd_ns;
	int64_t first_at, last_at;          /* arrivals, wall clock */
};

static void *rx_loop(void *arg)
{
	struct rx *r = arg;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char buf[256];
	union {
		char space[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;

	while (!r->stop) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = control.space,
				      .msg_controllen = sizeof(control.space) };
		struct cmsghdr *c;
		int64_t at = 0, sent;
		uint64_t seq;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		while (recvmsg(r->fd, &msg, MSG_DONTWAIT) >= 16) {
			for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(c), sizeof(ts));
					at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
				}
			memcpy(&seq, buf, sizeof(seq));
			memcpy(&sent, buf + 8, sizeof(sent));
			if (seq < r->count && r->owd_ns[seq] < 0) {
				if (!at)
					at = wall_ns();
				r->owd_ns[seq] = at - sent;
				r->received++;
				if (!r->first_at)
					r->first_at = at;
				r->last_at = at;
			}
			msg.msg_controllen = sizeof(control.space);
		}
	}
	return NULL;
}

static int compare_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sends RATE/s for SECONDS from h1 to h2; fills CELL with the delay error
 * against DELAY_MS. Packets go in bursts of one millisecond's worth. */
static int measure(unsigned rate, double seconds, unsigned delay_ms, struct cell *cell)
{
	struct rx r = { .fd = -1 };
	struct sockaddr_in to;
	socklen_t len = sizeof(to);
	int tx = -1, one = 1, big = 16 << 20, rc = -1;
	size_t seq = 0, n = 0, i;
	int64_t start, *sorted = NULL;
	pthread_t thread;
	char buf[PAYLOAD] = { 0 };

	memset(cell, 0, sizeof(*cell));
	r.count = (size_t)(rate * seconds);
	r.owd_ns = malloc(r.count * sizeof(*r.owd_ns));
	sorted = malloc(r.count * sizeof(*sorted));
	r.fd = udp_socket_in(&topo->hosts[1], 0);
	tx = udp_socket_in(&topo->hosts[0], 0);
	if (!r.owd_ns || !sorted || r.fd < 0 || tx < 0)
		goto out;
	for (i = 0; i < r.count; i++)
		r.owd_ns[i] = -1;
	setsockopt(r.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(r.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	/* Held packets stay charged to the sending socket: without room, send()
	 * would block and the wait would count as delay. */
	setsockopt(tx, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (getsockname(r.fd, (struct sockaddr *)&to, &len) < 0 ||
	    connect(tx, (struct sockaddr *)&to, len) < 0)
		goto out;
	if (pthread_create(&thread, NULL, rx_loop, &r) != 0)
		goto out;
	memset(buf, 0xff, 8);               /* a warm-up: resolves the neighbour */
	(void)!send(tx, buf, sizeof(buf), 0);
	usleep(20000);
	start = wall_ns();
	while (seq < r.count) {
		int64_t now = wall_ns();
		size_t due = (size_t)((double)(now - start) * rate / 1e9) + 1;

		for (; seq < due && seq < r.count; seq++) {
			int64_t t = wall_ns();

			memcpy(buf, &seq, 8);
			memcpy(buf + 8, &t, 8);
			(void)!send(tx, buf, sizeof(buf), 0);
		}
		if (seq < r.count) {
			struct timespec pause = { 0, rate > 1000 ? 1000000 : (long)(1e9 / rate) / 2 };

			nanosleep(&pause, NULL);
		}
	}
	cell->sent_per_sec = (double)r.count * 1e9 / (double)(wall_ns() - start);
	usleep((delay_ms + GRACE_MS) * 1000u);
	r.stop = true;
	pthread_join(thread, NULL);
	for (i = 0; i < r.count; i++)
		if (r.owd_ns[i] >= 0)
			sorted[n++] = r.owd_ns[i] - (int64_t)delay_ms * 1000000;
	cell->sent = r.count;
	cell->received = n;
	if (n) {
		qsort(sorted, n, sizeof(*sorted), compare_i64);
		cell->median_us = (double)sorted[(n - 1) / 2] / 1000.0;
		cell->p99_us = (double)sorted[(n * 99 + 99) / 100 - 1] / 1000.0;
		cell->max_us = (double)sorted[n - 1] / 1000.0;
		cell->min_us = (double)sorted[0] / 1000.0;
		for (i = 0; i < n; i++)
			cell->mean_us += (double)sorted[i] / 1000.0 / (double)n;
		for (i = 0; i < n; i++) {
			double d = (double)sorted[i] / 1000.0 - cell->mean_us;

			cell->stddev_us += d * d / (double)n;
		}
		cell->stddev_us = sqrt(cell->stddev_us);
	}
	if (n > 1 && r.last_at > r.first_at)
		cell->rx_bps = (double)(n - 1) * IP_PACKET_BYTES * 8 * 1e9 /
			       (double)(r.last_at - r.first_at);
	rc = 0;
out:
	if (tx >= 0)
		close(tx);
	if (r.fd >= 0)
		close(r.fd);
	free(r.owd_ns);
	free(sorted);
	return rc;
}

/* ---- engines -------------------------------------------------------------- */

static int engine_apply(enum engine e, const struct link_impair *imp)
{
	switch (e) {
	case ENGINE_DELAYLINE:
		if (!line && delayline_start(topo->hosts[0].nsfd, NETNS_HOST_IF, &line) < 0)
			return -1;
		return delayline_configure(line, LINK_OUT, imp);
	case ENGINE_NETEM:
		return qdisc_apply(topo->hosts[0].nsfd, NETNS_HOST_IF, imp);
	default:
		return 0;
	}
}

static int engine_set(enum engine e, unsigned delay_ms)
{
	struct link_impair imp = { .delay_us = delay_ms * 1000u, .limit = LINE_LIMIT };

	return engine_apply(e, &imp);
}

static void engine_off(enum engine e)
{
	if (e == ENGINE_DELAYLINE) {
		delayline_stop(line);
		line = NULL;
	} else if (e == ENGINE_NETEM) {
		qdisc_clear(topo->hosts[0].nsfd, NETNS_HOST_IF);
	}
}

static void table(enum engine e, double seconds)
{
	static const unsigned delays[] = { 1, 10, 100 }, rates[] = { 100, 1000, 10000 };
	size_t d, r;
	struct cell c;

	printf("%s: one-way delay error (measured - configured), us\n", engine_name[e]);
	printf("  %8s %8s %10s %10s %10s %8s\n", "delay", "pkts/s", "median", "p99", "max",
	       "lost");
	for (d = 0; d < 3; d++) {
		if (engine_set(e, delays[d]) < 0) {
			printf("  %s: cannot configure %u ms\n", engine_name[e], delays[d]);
			continue;
		}
		for (r = 0; r < 3; r++) {
			double secs = rates[r] == 100 ? seconds * 2 : seconds;

			if (measure(rates[r], secs, delays[d], &c) < 0) {
				printf("  measurement failed\n");
				continue;
			}
			printf("  %6u ms %8u %10.0f %10.0f %10.0f %8zu\n", delays[d], rates[r],
			       c.median_us, c.p99_us, c.max_us, c.sent - c.received);
			fprintf(stderr, "RESULT cell %s %u %u %.0f %.0f %.0f %zu %zu\n",
				engine_name[e], delays[d], rates[r], c.median_us, c.p99_us,
				c.max_us, c.sent - c.received, c.sent);
		}
	}
	engine_off(e);
}

/* The figure the delay line is held to: 10 ms at 1000 packets/s, five runs
 * one after the other, each its own p99. */
static void five_runs(enum engine e, double seconds)
{
	unsigned within = 0, runs = 0;
	struct cell c;

	if (engine_set(e, 10) < 0) {
		printf("%s: cannot configure 10 ms\n", engine_name[e]);
		return;
	}
	printf("%s, 10 ms at 1000 pkts/s, five runs: error median / p99 / max, us\n",
	       engine_name[e]);
	for (int i = 0; i < 5; i++) {
		if (measure(1000, seconds, 10, &c) < 0) {
			printf("  run %d: measurement failed\n", i + 1);
			continue;
		}
		runs++;
		within += c.p99_us <= 1000;
		printf("  run %d: %8.0f %8.0f %8.0f  lost %zu\n", i + 1, c.median_us, c.p99_us,
		       c.max_us, c.sent - c.received);
		fprintf(stderr, "RESULT five %s %d %.0f %.0f %.0f %zu %zu\n", engine_name[e], i + 1,
			c.median_us, c.p99_us, c.max_us, c.sent - c.received, c.sent);
	}
	printf("  p99 within 1 ms in %u of %u runs\n", within, runs);
	engine_off(e);
}

/* The highest rate, doubling from MAXRATE_START at 10 ms, that went through
 * without loss; stops where the sender cannot keep up (*SENDER_LIMIT: the
 * rate it reached then, 0 when it always kept up). */
static unsigned max_rate(enum engine e, double seconds, unsigned *sender_limit)
{
	unsigned rate, best = 0, delay_ms = e == ENGINE_NONE ? 0 : 10;
	struct cell c;

	*sender_limit = 0;
	if (engine_set(e, delay_ms) < 0)
		return 0;
	for (rate = MAXRATE_START; rate <= MAXRATE_LIMIT; rate *= 2) {
		if (measure(rate, seconds, delay_ms, &c) < 0)
			break;
		if (c.sent_per_sec < 0.9 * rate) {
			*sender_limit = (unsigned)c.sent_per_sec;
			break;
		}
		if (c.received < c.sent)
			break;
		best = rate;
	}
	engine_off(e);
	return best;
}

/* 50 ms +- 10 ms at 1000 packets/s: how the error spreads. */
static void jitter_figures(enum engine e, double seconds)
{
	struct link_impair imp = { .delay_us = JITTER_DELAY_MS * 1000u,
				   .jitter_us = JITTER_MS * 1000u, .limit = LINE_LIMIT };
	struct cell c;

	if (engine_apply(e, &imp) < 0 || measure(1000, seconds, JITTER_DELAY_MS, &c) < 0) {
		printf("%s: jitter: measurement failed\n", engine_name[e]);
		engine_off(e);
		return;
	}
	printf("%s: jitter %u ms at %u ms: error mean %.0f us, stddev %.0f us (uniform: %.0f), "
	       "range %.0f to %.0f us (set: +-%u000), %zu lost\n", engine_name[e], JITTER_MS,
	       JITTER_DELAY_MS, c.mean_us, c.stddev_us, JITTER_MS * 1000.0 / sqrt(3.0),
	       c.min_us, c.max_us, JITTER_MS, c.sent - c.received);
	fprintf(stderr, "RESULT jitter %s %.0f %.0f %.0f %.0f\n", engine_name[e], c.mean_us,
		c.stddev_us, c.min_us, c.max_us);
	engine_off(e);
}

/* 1 and 10 mbit/s, offered twice as much: the rate that arrived. */
static void rate_figures(enum engine e, double seconds)
{
	static const uint64_t rates[] = { 1000000, 10000000 };
	struct cell c;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct link_impair imp = { .rate_bps = rates[i], .limit = LINE_LIMIT };
		unsigned pps = (unsigned)(2 * rates[i] / (IP_PACKET_BYTES * 8));

		if (engine_apply(e, &imp) < 0 || measure(pps, seconds, 0, &c) < 0) {
			printf("%s: rate %llu bit/s: measurement failed\n", engine_name[e],
			       (unsigned long long)rates[i]);
			continue;
		}
		printf("%s: rate %5.1f mbit/s set, %5.2f mbit/s arrived (%.1f %%), offered %u "
		       "pkts/s\n", engine_name[e], (double)rates[i] / 1e6, c.rx_bps / 1e6,
		       100.0 * c.rx_bps / (double)rates[i], pps);
		fprintf(stderr, "RESULT rate %s %llu %.0f\n", engine_name[e],
			(unsigned long long)rates[i], c.rx_bps);
	}
	engine_off(e);
}

static void teardown(void)
{
	delayline_stop(line);
	line = NULL;
	topology_destroy(topo);
	topo = NULL;
	run_lease_release(&lease);
}

int main(int argc, char **argv)
{
	const struct topo_host_spec hosts[] = { { .name = "h1" }, { .name = "h2" } };
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	char err[256] = "";
	unsigned line_max, bare_max, line_sender, bare_sender;
	int netem, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		fprintf(stderr, "delayline: needs root (network namespaces)\n");
		return 77;
	}
	/* The sender reads the clock, then sends: a real-time priority keeps a
	 * busy machine from putting it to sleep in between. */
	(void)sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ .sched_priority = 5 });
	if (seconds <= 0 || seconds > 60)
		seconds = 2.0;
	rc = run_lease_acquire(&lease, 0);
	if (rc == 0)
		rc = topology_build(&topo, lease.run_id, hosts, 2, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "delayline: topology: %s: %s\n", err, strerror(-rc));
		run_lease_release(&lease);
		return 1;
	}
	atexit(teardown);

	table(ENGINE_DELAYLINE, seconds);
	five_runs(ENGINE_DELAYLINE, seconds);
	netem = netem_available(false);
	if (netem == 1)
		table(ENGINE_NETEM, seconds);
	else
		printf("netem: absent on this kernel (no sch_netem): nothing to compare\n");

	jitter_figures(ENGINE_DELAYLINE, seconds);
	rate_figures(ENGINE_DELAYLINE, seconds);
	if (netem == 1) {
		jitter_figures(ENGINE_NETEM, seconds);
		rate_figures(ENGINE_NETEM, seconds);
	}

	line_max = max_rate(ENGINE_DELAYLINE, 1.0, &line_sender);
	bare_max = max_rate(ENGINE_NONE, 1.0, &bare_sender);
	printf("delay line, 10 ms: highest rate without loss %u pkts/s (doubling from %u)",
	       line_max, MAXRATE_START);
	if (line_sender)
		printf("; at the next step the sender reached only %u pkts/s", line_sender);
	else
		printf("; the next step lost packets");
	printf("\nno impairment: %u pkts/s without loss", bare_max);
	if (bare_sender)
		printf("; at the next step the sender reached only %u pkts/s", bare_sender);
	printf("\n");
	fprintf(stderr, "RESULT maxrate delayline %u\nRESULT maxrate none %u\n", line_max,
		bare_max);
	return 0;
}
