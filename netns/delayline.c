/*
 * delayline.c: the engine's side of the delay line (design: delayline.h):
 * spawning the process, its control socket, the NFQUEUE rules, the death
 * watch and the stop.
 */
#include "netns/delayline.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns/delayline_proc.h"
#include "netns/netns.h"
#include "netns/nfqueue_rules.h"

struct delayline {
	pid_t pid;
	int ctl_fd;
	int nsfd;                 /* our own copy of the host's namespace fd */
	char ifname[IF_NAMESIZE];
	uint16_t queue_out, queue_in;
	bool rule_out, rule_in;   /* NFQUEUE rules in place */
	bool reaped;
	char error[512];
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void describe_exit(struct delayline *dl, int status)
{
	if (WIFSIGNALED(status))
		snprintf(dl->error, sizeof(dl->error),
			 "delay line process %d killed by signal %d", (int)dl->pid,
			 WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(dl->error, sizeof(dl->error),
			 "delay line process %d exited with status %d (%s)", (int)dl->pid,
			 WEXITSTATUS(status), strerror(WEXITSTATUS(status)));
	else
		snprintf(dl->error, sizeof(dl->error),
			 "delay line process %d exited", (int)dl->pid);
}

/* Waits up to WAIT_MS for the process to end, then kills it. */
static void reap(struct delayline *dl, int wait_ms)
{
	int64_t deadline = mono_ms() + wait_ms;
	int status = 0;
	pid_t r;

	if (dl->reaped || dl->pid <= 0)
		return;
	for (;;) {
		r = waitpid(dl->pid, &status, WNOHANG);
		if (r == dl->pid || (r < 0 && errno != EINTR))
			break;
		if (mono_ms() >= deadline) {
			kill(dl->pid, SIGKILL);
			while (waitpid(dl->pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		usleep(1000);
	}
	dl->reaped = true;
	if (!dl->error[0])
		describe_exit(dl, status);
}

/* Waits for the next reply. -ESRCH when the process is gone. */
static int read_reply(struct delayline *dl, struct dl_ctl_reply *reply, int wait_ms)
{
	struct pollfd pfd = { .fd = dl->ctl_fd, .events = POLLIN };
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, wait_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0) {
		snprintf(dl->error, sizeof(dl->error),
			 "delay line process %d did not answer within %d ms",
			 (int)dl->pid, wait_ms);
		return -ETIMEDOUT;
	}
	n = recv(dl->ctl_fd, reply, sizeof(*reply), 0);
	if (n <= 0) {
		reap(dl, DELAYLINE_STOP_MS);
		return -ESRCH;
	}
	if ((size_t)n != sizeof(*reply))
		return -EBADMSG;
	return 0;
}

static int request(struct delayline *dl, const struct dl_ctl_request *req,
		   struct dl_ctl_reply *reply)
{
	int rc;

	if (dl->reaped)
		return -ESRCH;
	if (send(dl->ctl_fd, req, sizeof(*req), MSG_NOSIGNAL) < 0) {
		if (errno != EPIPE && errno != ECONNRESET)
			return -errno;
		reap(dl, DELAYLINE_STOP_MS);
		return -ESRCH;
	}
	rc = read_reply(dl, reply, DELAYLINE_REPLY_MS);
	return rc < 0 ? rc : reply->status;
}

static uint64_t random_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)mono_ms() ^ ((uint64_t)getpid() << 32);
	return seed;
}

int delayline_start(int nsfd, const char *ifname, struct delayline **out)
{
	return delayline_start_slot(nsfd, ifname, 0, out);
}

int delayline_start_slot(int nsfd, const char *ifname, unsigned slot,
			 struct delayline **out)
{
	struct delayline_proc_args args = { .queue_out = DELAYLINE_QUEUE_OUT + 2 * slot,
					    .queue_in = DELAYLINE_QUEUE_IN + 2 * slot };
	struct dl_ctl_reply ready;
	struct delayline *dl;
	int sv[2] = { -1, -1 }, rc;

	*out = NULL;
	if (!ifname || !ifname[0] || strlen(ifname) >= IF_NAMESIZE ||
	    slot >= DELAYLINE_MAX_SLOTS)
		return -EINVAL;
	dl = calloc(1, sizeof(*dl));
	if (!dl)
		return -ENOMEM;
	dl->ctl_fd = -1;
	dl->pid = -1;
	dl->queue_out = args.queue_out;
	dl->queue_in = args.queue_in;
	snprintf(dl->ifname, sizeof(dl->ifname), "%s", ifname);
	dl->nsfd = fcntl(nsfd, F_DUPFD_CLOEXEC, 3);
	if (dl->nsfd < 0) {
		rc = -errno;
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		goto fail;
	}
	dl->ctl_fd = sv[0];
	args.ctl_fd = sv[1];
	args.seed = random_seed();
	dl->pid = netns_spawn(nsfd, delayline_proc_main, &args);
	close(sv[1]);
	if (dl->pid < 0) {
		rc = dl->pid;
		goto fail;
	}
	rc = read_reply(dl, &ready, DELAYLINE_REPLY_MS);
	if (rc == 0)
		rc = ready.status;
	if (rc < 0)
		goto fail;
	*out = dl;
	return 0;
fail:
	(void)delayline_stop(dl);
	return rc;
}

/* Puts the rule of one direction in place when an impairment needs it. */
static int rule_ensure(struct delayline *dl, enum link_dir one, bool *in_place)
{
	uint16_t queue = one == LINK_OUT ? dl->queue_out : dl->queue_in;
	int rc;

	if (*in_place)
		return 0;
	rc = nfqueue_rules(dl->nsfd, true, one, dl->ifname, queue, dl->error,
			   sizeof(dl->error));
	if (rc == 0)
		*in_place = true;
	return rc;
}

int delayline_configure(struct delayline *dl, enum link_dir dir,
			const struct link_impair *imp)
{
	struct dl_ctl_request req = { .op = DL_CTL_CONFIGURE, .dir = dir };
	struct dl_ctl_reply reply;
	int rc;

	if (!dl || !imp || dir < LINK_OUT || dir > LINK_BOTH)
		return -EINVAL;
	rc = link_impair_check(imp);
	if (rc < 0)
		return rc;
	req.imp = *imp;
	/* The process knows the parameters before the first packet comes. */
	rc = request(dl, &req, &reply);
	if (rc < 0 || link_impair_is_off(imp))
		return rc;
	if (dir & LINK_OUT)
		rc = rule_ensure(dl, LINK_OUT, &dl->rule_out);
	if (rc == 0 && (dir & LINK_IN))
		rc = rule_ensure(dl, LINK_IN, &dl->rule_in);
	return rc;
}

int delayline_stats(struct delayline *dl, struct delayline_stats *st)
{
	struct dl_ctl_request req = { .op = DL_CTL_STATS };
	struct dl_ctl_reply reply;
	int rc;

	if (!dl || !st)
		return -EINVAL;
	rc = request(dl, &req, &reply);
	if (rc < 0)
		return rc;
	st->out = reply.out;
	st->in = reply.in;
	return 0;
}

int delayline_check(struct delayline *dl)
{
	struct pollfd pfd = { .fd = dl->ctl_fd, .events = POLLIN };
	char byte;

	if (dl->reaped)
		return -ESRCH;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	/* Nothing is ever sent unasked: readable means EOF. */
	if (recv(dl->ctl_fd, &byte, sizeof(byte), MSG_DONTWAIT | MSG_PEEK) > 0)
		return 0;
	reap(dl, DELAYLINE_STOP_MS);
	return -ESRCH;
}

int delayline_event_fd(const struct delayline *dl)
{
	return dl->ctl_fd;
}

pid_t delayline_pid(const struct delayline *dl)
{
	return dl->pid;
}

const char *delayline_error(const struct delayline *dl)
{
	return dl ? dl->error : "";
}

static int rule_remove(struct delayline *dl, enum link_dir one, bool *in_place)
{
	uint16_t queue = one == LINK_OUT ? dl->queue_out : dl->queue_in;
	char err[256];
	int rc;

	if (!*in_place)
		return 0;
	rc = nfqueue_rules(dl->nsfd, false, one, dl->ifname, queue, err, sizeof(err));
	if (rc < 0)
		snprintf(dl->error, sizeof(dl->error), "%s", err);
	*in_place = false;
	return rc;
}

int delayline_stop(struct delayline *dl)
{
	struct dl_ctl_request req = { .op = DL_CTL_STOP };
	struct dl_ctl_reply reply;
	int rc, first = 0;

	if (!dl)
		return 0;
	/* First no new packet enters the queues, then the held ones go. */
	rc = rule_remove(dl, LINK_OUT, &dl->rule_out);
	first = first ? first : rc;
	rc = rule_remove(dl, LINK_IN, &dl->rule_in);
	first = first ? first : rc;
	if (dl->pid > 0 && !dl->reaped) {
		rc = request(dl, &req, &reply);
		if (rc != -ESRCH)
			first = first ? first : rc;
		reap(dl, DELAYLINE_STOP_MS);
	}
	if (dl->ctl_fd >= 0)
		close(dl->ctl_fd);
	if (dl->nsfd >= 0)
		close(dl->nsfd);
	free(dl);
	return first;
}
