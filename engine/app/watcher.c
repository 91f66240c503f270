/*
 * watcher.c: the verdict watcher thread (see watcher.h).
 *
 * A wakeup that is not a connection-ending event (the app shut down its own
 * read side, which raises POLLRDHUP for good) switches the thread to a
 * degraded mode: it polls for POLLERR/POLLHUP only and looks at TCP_INFO
 * every WATCH_DEGRADED_MS to catch the peer's FIN.
 */
#include "engine/app/watcher.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/monotime.h"
#include "engine/app/counters.h"
#include "engine/app/proto.h"
#include "engine/verdict.h"

#define WATCH_DEGRADED_MS 5
/* TCPAbortOnTimeout is bumped just after the socket's waiters are woken:
 * re-read it this many times, this far apart. */
#define WATCH_COUNTER_RETRIES 6
#define WATCH_COUNTER_GAP_US 3000

struct watcher {
	int fd, family, chan, stop_fd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct ns_counters base;
	bool own_fin;
	bool finished;          /* the thread decided (or gave up) */
	struct verdict v;
	int pending_err;        /* a step's sk_err-class errno before the decision */
	char pending_step[16];
};

static void sleep_us(int64_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Sends the current verdict; called with mu held. */
static void watch_report(struct watcher *w)
{
	struct app_msg m;

	memset(&m, 0, sizeof(m));
	m.type = APP_MSG_VERDICT;
	m.result = (int32_t)w->v.kind;
	m.t_end = w->v.t_us;
	snprintf(m.text, sizeof(m.text), "%s", w->v.evidence);
	app_msg_send(w->chan, &m);
}

static int tcp_state(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) < 0)
		return -errno;
	return ti->tcpi_state;
}

/* Fills the counters' growth since the connection started into O. */
static void watch_counters(struct watcher *w, const struct tcp_info *ti,
			   struct watch_obs *o)
{
	struct ns_counters now;

	for (int i = 0; i <= WATCH_COUNTER_RETRIES; i++) {
		if (counters_read(w->family, &now) < 0)
			return;
		o->abort_on_timeout = now.abort_on_timeout - w->base.abort_on_timeout;
		o->dest_unreach = now.dest_unreach - w->base.dest_unreach;
		if (o->abort_on_timeout > 0 || (!ti->tcpi_retransmits && !ti->tcpi_probes))
			return;
		sleep_us(WATCH_COUNTER_GAP_US);
	}
}

static void *watch_thread(void *arg)
{
	struct watcher *w = arg;
	struct pollfd p[2] = {
		{ .fd = w->fd, .events = POLLRDHUP },
		{ .fd = w->stop_fd, .events = POLLIN },
	};
	bool degraded = false;

	for (;;) {
		struct watch_obs o = { 0 };
		struct verdict v = { 0 };
		struct tcp_info ti;
		int64_t now;
		int n;

		n = poll(p, 2, degraded ? WATCH_DEGRADED_MS : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || p[1].revents)
			break;
		now = mono_usec();
		o.tcp_state = tcp_state(w->fd, &ti);
		if (o.tcp_state < 0)
			break;
		o.pollerr = (p[0].revents & POLLERR) != 0;
		pthread_mutex_lock(&w->mu);
		o.own_fin = w->own_fin;
		pthread_mutex_unlock(&w->mu);
		if (verdict_needs_counters(&o))
			watch_counters(w, &ti, &o);
		if (!verdict_classify(&o, &v)) {
			degraded = true;
			p[0].events = 0;
			continue;
		}
		v.t_us = now;
		pthread_mutex_lock(&w->mu);
		w->v = v;
		if (w->pending_err)
			verdict_refine(&w->v, w->pending_step, w->pending_err);
		watch_report(w);
		pthread_mutex_unlock(&w->mu);
		break;
	}
	pthread_mutex_lock(&w->mu);
	w->finished = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int watcher_start(struct watcher **out, int fd, int family, int chan)
{
	struct watcher *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int ret;

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->family = family;
	w->chan = chan;
	w->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (w->stop_fd < 0) {
		ret = -errno;
		free(w);
		return ret;
	}
	/* A missing counter only makes timeouts look like RSTs: go on. */
	counters_read(family, &w->base);
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	ret = -pthread_create(&w->thread, NULL, watch_thread, w);
	if (ret < 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->mu);
		close(w->stop_fd);
		free(w);
		return ret;
	}
	*out = w;
	return 0;
}

void watcher_own_fin(struct watcher *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->own_fin = true;
	pthread_mutex_unlock(&w->mu);
}

void watcher_step_error(struct watcher *w, const char *step, int err)
{
	if (!w || err <= 0)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->v.decided) {
		if (verdict_refine(&w->v, step, err))
			watch_report(w);
	} else if (!w->pending_err && verdict_from_errno(err) >= 0) {
		w->pending_err = err;
		strncpy(w->pending_step, step, sizeof(w->pending_step) - 1);
	}
	pthread_mutex_unlock(&w->mu);
}

void watcher_settle(struct watcher *w, int max_ms)
{
	struct tcp_info ti;
	struct timespec until;
	int state;

	if (!w)
		return;
	state = tcp_state(w->fd, &ti);
	if (state != TCP_CLOSE && state != TCP_CLOSE_WAIT && state != TCP_LAST_ACK &&
	    state != TCP_CLOSING && state != TCP_TIME_WAIT)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += max_ms / 1000;
	until.tv_nsec += (long)(max_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (!w->finished)
		if (pthread_cond_timedwait(&w->cond, &w->mu, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&w->mu);
}

void watcher_stop(struct watcher *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	if (write(w->stop_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write cannot fail short of overflow: join anyway */
	}
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->mu);
	close(w->stop_fd);
	free(w);
}
