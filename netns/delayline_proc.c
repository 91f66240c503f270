/*
 * delayline_proc.c: the delay line process, one per host namespace, both
 * directions (protocol and roles: delayline_proc.h; the schedule:
 * delayline_sched.h).
 *
 * One thread, one poll loop over three descriptors:
 *   - the NFQUEUE socket: each queued packet is admitted to its direction's
 *     schedule at the time it is read (or dropped at once: loss, full),
 *     except IPv6 neighbour discovery, accepted at once (impair.h);
 *   - a timerfd armed, absolute on CLOCK_MONOTONIC, at the earliest release
 *     time of both directions (timerfds carry no timer slack, so releases
 *     happen within a few microseconds of their time on an idle machine);
 *   - the control socket.
 * After each wake-up every packet that is due gets its NF_ACCEPT, all
 * verdicts of one wake-up going out in one sendto.
 *
 * The process stays on the CPU it started on. A packet it lets go on its
 * way out continues, in its verdict's system call, to the veth, which hands
 * it to the backlog of the CPU that runs the call; the backlogs of two CPUs
 * drain independently (on a busy machine one waits for its ksoftirqd while
 * the other drains at once), so a line that moved from one CPU to another
 * between two releases could let the later packet overtake the earlier
 * one: a reordering with a constant delay. On one CPU, they keep the order
 * the schedule gives them.
 *
 * The packets themselves stay in the kernel; the process keeps 16 bytes per
 * held packet, at most `limit` per direction.
 */
#include "netns/delayline_proc.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>

#include "netns/nfqueue.h"

#define READS_PER_WAKEUP 64
#define DELAYLINE_RT_PRIORITY 10
#define DIR_OUT 0
#define DIR_IN  1

struct dl_proc {
	const struct delayline_proc_args *args;
	struct nfqueue *q;
	struct dl_sched sched[2];
	int timer_fd;
	int err;                 /* first verdict error, ends the loop */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint16_t queue_of(const struct dl_proc *p, int dir)
{
	return dir == DIR_OUT ? p->args->queue_out : p->args->queue_in;
}

static void verdict(struct dl_proc *p, int dir, uint32_t id, int v)
{
	int rc = nfqueue_verdict(p->q, queue_of(p, dir), id, v);

	if (rc < 0 && !p->err)
		p->err = rc;
}

static void on_packet(void *ctx, uint16_t queue_num, uint32_t id, uint32_t len,
		      const uint8_t *head, size_t headlen)
{
	struct dl_proc *p = ctx;
	int dir = queue_num == p->args->queue_out ? DIR_OUT : DIR_IN;

	/* address resolution passes at once, as through netem's tree (impair.h) */
	if (head && impair_is_resolution(head, headlen))
		verdict(p, dir, id, NF_ACCEPT);
	else if (dl_sched_admit(&p->sched[dir], id, len, now_ns()) != DL_HOLD)
		verdict(p, dir, id, NF_DROP);
}

static void release_due(struct dl_proc *p)
{
	int64_t now = now_ns();
	uint32_t id;
	int dir;

	for (dir = 0; dir < 2; dir++)
		while (dl_sched_pop_due(&p->sched[dir], now, &id))
			verdict(p, dir, id, NF_ACCEPT);
}

static void release_all(struct dl_proc *p)
{
	uint32_t id;
	int dir;

	for (dir = 0; dir < 2; dir++)
		while (dl_sched_pop_any(&p->sched[dir], &id))
			verdict(p, dir, id, NF_ACCEPT);
}

static int timer_arm(struct dl_proc *p)
{
	int64_t a = dl_sched_next_release(&p->sched[DIR_OUT]);
	int64_t b = dl_sched_next_release(&p->sched[DIR_IN]);
	int64_t next = a < b ? a : b;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (next != INT64_MAX) {
		if (next <= 0)
			next = 1;   /* zero would disarm */
		its.it_value.tv_sec = next / 1000000000;
		its.it_value.tv_nsec = next % 1000000000;
	}
	if (timerfd_settime(p->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	return 0;
}

static int send_reply(struct dl_proc *p, int32_t status)
{
	struct dl_ctl_reply reply = { .status = status };

	reply.out = p->sched[DIR_OUT].count;
	reply.in = p->sched[DIR_IN].count;
	if (send(p->args->ctl_fd, &reply, sizeof(reply), MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

static int32_t configure(struct dl_proc *p, const struct dl_ctl_request *req)
{
	int dir, rc;

	if (req->dir < LINK_OUT || req->dir > LINK_BOTH)
		return -EINVAL;
	rc = link_impair_check(&req->imp);
	for (dir = 0; dir < 2 && rc == 0; dir++) {
		if (!(req->dir & (dir == DIR_OUT ? LINK_OUT : LINK_IN)))
			continue;
		rc = dl_sched_configure(&p->sched[dir], &req->imp);
		if (rc == 0)
			rc = nfqueue_set_maxlen(p->q, queue_of(p, dir), p->sched[dir].limit);
	}
	return rc;
}

/* Returns 1 to go on, 0 to stop (after replying), negative errno. */
static int on_control(struct dl_proc *p)
{
	struct dl_ctl_request req;
	ssize_t n = recv(p->args->ctl_fd, &req, sizeof(req), 0);
	int rc;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;                 /* the owner is gone */
	if ((size_t)n != sizeof(req))
		return send_reply(p, -EBADMSG) < 0 ? -EPIPE : 1;
	switch (req.op) {
	case DL_CTL_CONFIGURE:
		rc = send_reply(p, configure(p, &req));
		break;
	case DL_CTL_STATS:
		rc = send_reply(p, 0);
		break;
	case DL_CTL_STOP:
		/* Take what the kernel queued meanwhile, let everything go. */
		(void)nfqueue_receive(p->q, READS_PER_WAKEUP, on_packet, p);
		release_all(p);
		rc = nfqueue_flush(p->q);
		(void)send_reply(p, p->err ? p->err : rc);
		return 0;
	default:
		rc = send_reply(p, -EOPNOTSUPP);
		break;
	}
	return rc < 0 ? rc : 1;
}

static int serve(struct dl_proc *p)
{
	struct pollfd fds[3] = {
		{ .fd = nfqueue_fd(p->q), .events = POLLIN },
		{ .fd = p->timer_fd, .events = POLLIN },
		{ .fd = p->args->ctl_fd, .events = POLLIN },
	};
	int rc;

	for (;;) {
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (fds[2].revents) {
			rc = on_control(p);
			if (rc <= 0)
				return rc;
		}
		if (fds[0].revents) {
			rc = nfqueue_receive(p->q, READS_PER_WAKEUP, on_packet, p);
			if (rc < 0)
				return rc;
		}
		if (fds[1].revents) {
			uint64_t expirations;

			(void)!read(p->timer_fd, &expirations, sizeof(expirations));
		}
		release_due(p);
		rc = nfqueue_flush(p->q);
		if (rc < 0)
			return rc;
		if (p->err)
			return p->err;
		rc = timer_arm(p);
		if (rc < 0)
			return rc;
	}
}

/* Keeps only stdio and the control socket: the process must not hold the
 * parent's other descriptors (another line's control socket would then
 * never see EOF). */
static void close_inherited_fds(int keep)
{
	if (keep > 3)
		close_range(3, (unsigned)keep - 1, 0);
	close_range((unsigned)keep + 1, ~0u, 0);
}

/* Stays on the CPU it runs on (see the top); left free if that fails. */
static void stay_on_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t one;

	if (cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	(void)sched_setaffinity(0, sizeof(one), &one);
}

int delayline_proc_main(void *arg)
{
	const struct delayline_proc_args *args = arg;
	struct dl_proc p = { .args = args, .timer_fd = -1 };
	int rc, dir;

	close_inherited_fds(args->ctl_fd);
	prctl(PR_SET_NAME, "nf-delayline");
	/* A real-time priority keeps the releases on time when the machine is
	 * busy (the kernel's netem runs in softirq context, ahead of any
	 * process). The loop only sleeps in poll, so it cannot hog a CPU; if
	 * the priority is refused, the line runs as an ordinary process. */
	(void)sched_setscheduler(0, SCHED_FIFO,
				 &(struct sched_param){ .sched_priority = DELAYLINE_RT_PRIORITY });
	stay_on_this_cpu();
	dl_sched_init(&p.sched[DIR_OUT], args->seed);
	dl_sched_init(&p.sched[DIR_IN], args->seed ^ 0x5bd1e995u);
	rc = nfqueue_open(&p.q);
	for (dir = 0; dir < 2 && rc == 0; dir++) {
		const struct link_impair off = { 0 };

		rc = dl_sched_configure(&p.sched[dir], &off);
		if (rc == 0)
			rc = nfqueue_bind(p.q, queue_of(&p, dir), p.sched[dir].limit);
	}
	if (rc == 0) {
		p.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (p.timer_fd < 0)
			rc = -errno;
	}
	if (send_reply(&p, rc) < 0 && rc == 0)
		rc = -EPIPE;
	if (rc == 0)
		rc = serve(&p);
	/* On an error or EOF, whatever is still held goes out undelayed
	 * rather than lost; after a kill the kernel drops it instead. */
	if (p.q) {
		release_all(&p);
		(void)nfqueue_flush(p.q);
	}
	if (p.timer_fd >= 0)
		close(p.timer_fd);
	nfqueue_close(p.q);
	dl_sched_free(&p.sched[DIR_OUT]);
	dl_sched_free(&p.sched[DIR_IN]);
	return rc < 0 ? -rc : 0;
}
