/*
 * nettest.c: the integration tests' network and UDP probe (see nettest.h).
 */
#include "tests/lib/nettest.h"

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
#include <time.h>
#include <unistd.h>

#define PROBE_RCVBUF   (8 * 1024 * 1024)
#define PROBE_MAX_LEN  65000
#define WARMUP_SEQ     UINT64_MAX

static struct {
	struct run_lease lease;
	struct topology *topo;
	bool atexit_set;
	char addr[NETNS_MAX_HOSTS][2][64];
} net;

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Kernel receive timestamps are on CLOCK_REALTIME: so are the send times. */
static int64_t wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void nettest_down(void)
{
	topology_destroy(net.topo);
	net.topo = NULL;
	run_lease_release(&net.lease);
}

void nettest_leftovers_clean(void)
{
	(void)run_leftovers_clean();
}

static void strip_prefix(char *dst, size_t len, const char *cidr)
{
	snprintf(dst, len, "%s", cidr);
	dst[strcspn(dst, "/")] = '\0';
}

struct topology *nettest_up(size_t nhosts, char *err, size_t errlen)
{
	struct topo_host_spec specs[NETTEST_MAX_HOSTS];
	char names[NETTEST_MAX_HOSTS][8];
	size_t i;
	int rc;

	if (nhosts == 0 || nhosts > NETTEST_MAX_HOSTS) {
		snprintf(err, errlen, "nettest_up: 1..%d hosts", NETTEST_MAX_HOSTS);
		return NULL;
	}
	if (!net.atexit_set) {
		atexit(nettest_down);
		net.atexit_set = true;
	}
	nettest_down();
	/* Check ends a failed test with _exit (no atexit): remove what such
	 * a test left, now that its owner is dead. */
	(void)run_leftovers_clean();
	rc = run_lease_acquire(&net.lease, 0);
	if (rc < 0) {
		snprintf(err, errlen, "run_lease_acquire: %s", strerror(-rc));
		return NULL;
	}
	memset(specs, 0, sizeof(specs));
	for (i = 0; i < nhosts; i++) {
		snprintf(names[i], sizeof(names[i]), "h%zu", i + 1);
		specs[i].name = names[i];
	}
	rc = topology_build(&net.topo, net.lease.run_id, specs, nhosts, err, errlen);
	if (rc < 0) {
		size_t used = strlen(err);

		snprintf(err + used, errlen - used, ": %s", strerror(-rc));
		run_lease_release(&net.lease);
		return NULL;
	}
	for (i = 0; i < nhosts; i++) {
		strip_prefix(net.addr[i][0], sizeof(net.addr[i][0]), net.topo->hosts[i].addr4);
		strip_prefix(net.addr[i][1], sizeof(net.addr[i][1]), net.topo->hosts[i].addr6);
	}
	return net.topo;
}

const char *nettest_addr(const struct topo_host *host, int family)
{
	size_t i = (size_t)(host - net.topo->hosts);

	return net.addr[i][family == AF_INET6 ? 1 : 0];
}

socklen_t nettest_sockaddr(int family, const char *addr, uint16_t port,
			   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (addr)
			inet_pton(AF_INET6, addr, &s6->sin6_addr);
		return sizeof(*s6);
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (addr)
			inet_pton(AF_INET, addr, &s4->sin_addr);
		return sizeof(*s4);
	}
}

/* What socket_here makes (netns_call_in's ARG). */
struct socket_here_args {
	int family, type;
	int fd;
};

static int socket_here(void *arg)
{
	struct socket_here_args *a = arg;

	a->fd = socket(a->family, a->type | SOCK_CLOEXEC, 0);
	return a->fd < 0 ? -errno : 0;
}

int nettest_socket(int nsfd, int family, int type, const char *addr, uint16_t port)
{
	struct socket_here_args a = { family, type, -1 };
	struct sockaddr_storage ss;
	socklen_t len;
	int rc, one = 1;

	rc = netns_call_in(nsfd, socket_here, &a);
	if (rc < 0) {
		if (a.fd >= 0)
			close(a.fd);
		return rc;
	}
	setsockopt(a.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr) {
		len = nettest_sockaddr(family, addr, port, &ss);
		if (bind(a.fd, (struct sockaddr *)&ss, len) < 0) {
			rc = -errno;
			close(a.fd);
			return rc;
		}
	}
	return a.fd;
}

/* ---- the probe ---------------------------------------------------------- */

struct probe_payload {
	uint64_t seq;
	int64_t sent_ns;
};

struct receiver {
	int fd;
	struct probe_result *res;
	volatile bool stop;
	enum probe_clock clock;
	uint64_t highest;
	bool any;
};

/* The kernel's receive time of the datagram (SO_TIMESTAMPNS). */
static int64_t arrival_ns(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	}
	return wall_ns();
}

static void *receive_loop(void *arg)
{
	struct receiver *r = arg;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char *buf = malloc(PROBE_MAX_LEN);
	union {
		char space[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;

	/* Timed at the socket, its own wake-up counts: keep it prompt. */
	if (r->clock == PROBE_AT_SOCKET)
		(void)pthread_setschedparam(pthread_self(), SCHED_FIFO,
					    &(struct sched_param){ .sched_priority = 5 });
	while (buf && !r->stop) {
		struct iovec iov = { .iov_base = buf, .iov_len = PROBE_MAX_LEN };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = control.space,
				      .msg_controllen = sizeof(control.space) };
		struct probe_payload p;
		ssize_t n;
		int64_t now;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		n = recvmsg(r->fd, &msg, MSG_DONTWAIT);
		if (n < (ssize_t)sizeof(p))
			continue;
		now = r->clock == PROBE_AT_WIRE ? arrival_ns(&msg) : wall_ns();
		memcpy(&p, buf, sizeof(p));
		if (p.seq >= r->res->sent || r->res->owd_ns[p.seq] >= 0)
			continue;   /* a warm-up, or a duplicate */
		r->res->owd_ns[p.seq] = now - p.sent_ns;
		__atomic_add_fetch(&r->res->received, 1, __ATOMIC_RELAXED);
		r->res->bytes_received += (uint64_t)n;
		if (!r->res->first_arrival_ns)
			r->res->first_arrival_ns = now;
		r->res->last_arrival_ns = now;
		if (r->any && p.seq < r->highest)
			r->res->reordered++;
		if (!r->any || p.seq > r->highest)
			r->highest = p.seq;
		r->any = true;
	}
	free(buf);
	return NULL;
}

void probe_result_free(struct probe_result *res)
{
	free(res->owd_ns);
	res->owd_ns = NULL;
}

int udp_probe(const struct topo_host *from, const struct topo_host *to, int family,
	      enum probe_clock clock, unsigned rate, size_t count, size_t payload,
	      unsigned grace_ms, struct probe_result *res)
{
	struct receiver r = { .fd = -1, .res = res, .clock = clock };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	pthread_t thread;
	char *buf = NULL;
	int tx = -1, rc = 0, big = PROBE_RCVBUF, one = 1, i;
	int64_t start;
	size_t seq;
	struct sched_param old_param;
	int old_policy;
	cpu_set_t old_cpus, one_cpu;
	bool pinned = false;

	memset(res, 0, sizeof(*res));
	if (payload < sizeof(struct probe_payload) || payload > PROBE_MAX_LEN || !rate)
		return -EINVAL;
	res->sent = count;
	res->owd_ns = malloc(count * sizeof(*res->owd_ns));
	buf = calloc(1, payload);
	if (!res->owd_ns || !buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (seq = 0; seq < count; seq++)
		res->owd_ns[seq] = -1;
	r.fd = nettest_socket(to->nsfd, family, SOCK_DGRAM, nettest_addr(to, family), 0);
	if (r.fd < 0) {
		rc = r.fd;
		goto out;
	}
	setsockopt(r.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(r.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (getsockname(r.fd, (struct sockaddr *)&ss, &len) < 0) {
		rc = -errno;
		goto out;
	}
	tx = nettest_socket(from->nsfd, family, SOCK_DGRAM, nettest_addr(from, family), 0);
	if (tx < 0) {
		rc = tx;
		goto out;
	}
	/* held packets stay charged to the sender: room, so send() never
	 * blocks and a wait there is never counted as delay */
	setsockopt(tx, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (connect(tx, (struct sockaddr *)&ss, len) < 0) {
		rc = -errno;
		goto out;
	}
	rc = -pthread_create(&thread, NULL, receive_loop, &r);
	if (rc < 0)
		goto out;
	/* The sending thread runs at a real-time priority for the probe, so
	 * that a busy machine cannot put it to sleep between reading the
	 * clock and sending (that wait would count as delay). */
	if (pthread_getschedparam(pthread_self(), &old_policy, &old_param) == 0)
		(void)pthread_setschedparam(pthread_self(), SCHED_FIFO,
					    &(struct sched_param){ .sched_priority = 5 });
	/* And on one CPU: a datagram goes, in its send(), to the veth, which
	 * hands it to the backlog of the CPU that sends it; a sender moved to
	 * another CPU (a real-time thread is pushed away by another one
	 * waking on its CPU) could overtake its own earlier datagram still
	 * waiting in the first CPU's backlog for its ksoftirqd. The probe must
	 * reach the path under test in the order it was sent. */
	if (sched_getcpu() >= 0 &&
	    pthread_getaffinity_np(pthread_self(), sizeof(old_cpus), &old_cpus) == 0) {
		CPU_ZERO(&one_cpu);
		CPU_SET(sched_getcpu(), &one_cpu);
		pinned = pthread_setaffinity_np(pthread_self(), sizeof(one_cpu), &one_cpu) == 0;
	}
	/* Warm-ups resolve the neighbour before the measured packets. */
	for (i = 0; i < 3; i++) {
		struct probe_payload p = { .seq = WARMUP_SEQ };

		memcpy(buf, &p, sizeof(p));
		(void)!send(tx, buf, payload, 0);
	}
	start = mono_ns() + 20 * 1000000LL;
	for (seq = 0; seq < count; seq++) {
		int64_t at = start + (int64_t)((double)seq * 1e9 / rate);
		struct timespec ts = { .tv_sec = at / 1000000000, .tv_nsec = at % 1000000000 };
		struct probe_payload p = { .seq = seq };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		p.sent_ns = wall_ns();
		memcpy(buf, &p, sizeof(p));
		/* errors (a firewall's EPERM) count as sent and lost */
		(void)!send(tx, buf, payload, 0);
	}
	(void)pthread_setschedparam(pthread_self(), old_policy, &old_param);
	if (pinned)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(old_cpus), &old_cpus);
	/* stragglers: until all are in, or GRACE_MS */
	start = mono_ns() + (int64_t)grace_ms * 1000000;
	while (__atomic_load_n(&res->received, __ATOMIC_RELAXED) < count && mono_ns() < start)
		usleep(1000);
	r.stop = true;
	pthread_join(thread, NULL);
out:
	if (tx >= 0)
		close(tx);
	if (r.fd >= 0)
		close(r.fd);
	free(buf);
	if (rc < 0)
		probe_result_free(res);
	return rc;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void owd_stats(const struct probe_result *res, struct owd_stats *st)
{
	double *v = malloc((res->received + 1) * sizeof(*v)), sum = 0, sq = 0;
	size_t i, n = 0;

	memset(st, 0, sizeof(*st));
	if (!v)
		return;
	for (i = 0; i < res->sent; i++)
		if (res->owd_ns[i] >= 0)
			v[n++] = (double)res->owd_ns[i] / 1000.0;
	if (n) {
		qsort(v, n, sizeof(*v), compare_double);
		for (i = 0; i < n; i++) {
			sum += v[i];
			sq += v[i] * v[i];
		}
		st->n = n;
		st->mean_us = sum / (double)n;
		st->stddev_us = sqrt(fmax(0.0, sq / (double)n - st->mean_us * st->mean_us));
		st->min_us = v[0];
		st->max_us = v[n - 1];
		st->p50_us = v[(n - 1) / 2];
		st->p99_us = v[(size_t)ceil(0.99 * (double)n) - 1];
	}
	free(v);
}
