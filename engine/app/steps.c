/*
 * steps.c: the built-in app's step executor. Each step runs to its end and
 * is reported to the engine with its start and end time, result (ok, eof or
 * the errno) and byte count; a failed step does not stop the app. Sockets
 * are blocking, as in the simple programs netfault stands in for; sends use
 * MSG_NOSIGNAL (and SIGPIPE is ignored) so an EPIPE is a result, not a death.
 */
#include "engine/app/app.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/errname.h"
#include "common/monotime.h"
#include "engine/verdict.h"
#include "engine/app/watcher.h"

#define STEP_CHUNK 65536
#define SETTLE_MS 100

static void addr_format(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

/* The connection is up: report it and start watching it. */
static void conn_up(struct app_conn *c)
{
	struct sockaddr_storage local, remote;
	socklen_t llen = sizeof(local), rlen = sizeof(remote);
	struct app_msg m = { .type = APP_MSG_CONNECTION };
	int ret;

	c->connected_once = true;
	if (getsockname(c->fd, (struct sockaddr *)&local, &llen) == 0)
		addr_format(&local, m.text, sizeof(m.text));
	if (getpeername(c->fd, (struct sockaddr *)&remote, &rlen) == 0)
		addr_format(&remote, m.text2, sizeof(m.text2));
	app_send(c, &m);
	ret = watcher_start(&c->w, c->fd, c->ctx->app->family, c->ctx->chan);
	if (ret < 0)
		app_send_error(c, "verdict watcher", -ret);
}

static int step_accept(struct app_conn *c)
{
	const char *what = NULL;
	int fd, err;

	if (c->fd >= 0 || c->connected_once)
		return EISCONN;
	if (c->lfd < 0)
		return EINVAL;
	do
		fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return errno;
	err = tcpopt_apply(fd, &c->ctx->app->tcp, TCPOPT_ACCEPTED, &what);
	if (err)
		app_send_error(c, what, err);
	c->fd = fd;
	conn_up(c);
	return SC_RESULT_OK;
}

/* A failed connect decides the verdict at once. */
static void connect_failed(const struct app_conn *c, int err, int64_t when)
{
	struct app_msg m = { .type = APP_MSG_VERDICT, .t_end = when };
	int kind = verdict_from_errno(err);

	if (kind < 0 || kind == SC_VERDICT_RST)
		return;
	m.result = kind;
	snprintf(m.text, sizeof(m.text), "connect: %s", errno_name(err));
	app_send(c, &m);
}

static int step_connect(struct app_conn *c)
{
	const struct app_ctx *ctx = c->ctx;
	const char *what = NULL;
	int fd, err, ret;

	if (c->fd >= 0 || c->connected_once)
		return EISCONN;
	fd = socket(ctx->target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	err = tcpopt_apply(fd, &ctx->app->tcp, TCPOPT_CONNECTING, &what);
	if (err)
		app_send_error(c, what, err);
	ret = connect(fd, (const struct sockaddr *)&ctx->target, ctx->target_len);
	if (ret < 0) {
		err = errno;
		close(fd);
		connect_failed(c, err, mono_usec());
		return err;
	}
	c->fd = fd;
	conn_up(c);
	return SC_RESULT_OK;
}

static int step_send(struct app_conn *c, const struct sc_step *st, uint64_t *done)
{
	static char pattern[STEP_CHUNK];
	const char *src = st->text;
	uint64_t total = st->text ? strlen(st->text) : st->bytes;

	if (c->fd < 0)
		return ENOTCONN;
	if (!src) {
		for (size_t i = 0; i < sizeof(pattern); i++)
			pattern[i] = "netfault\n"[i % 9];
	}
	while (*done < total) {
		uint64_t left = total - *done;
		size_t n = left > STEP_CHUNK ? STEP_CHUNK : (size_t)left;
		ssize_t w;

		w = send(c->fd, src ? src + *done : pattern, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		*done += (uint64_t)w;
	}
	return SC_RESULT_OK;
}

static int step_recv(struct app_conn *c, const struct sc_step *st, uint64_t *done)
{
	static char buf[STEP_CHUNK];

	if (c->fd < 0)
		return ENOTCONN;
	for (;;) {
		size_t want = sizeof(buf);
		ssize_t r;

		if (st->bytes) {
			if (*done >= st->bytes)
				return SC_RESULT_OK;
			if (st->bytes - *done < want)
				want = (size_t)(st->bytes - *done);
		}
		r = recv(c->fd, buf, want, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return SC_RESULT_EOF;
		*done += (uint64_t)r;
	}
}

/* Like an event loop: readable, peer closed, or failed; reads nothing. */
static int step_wait(struct app_conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLRDHUP };
	socklen_t len = sizeof(int);
	int err = 0, n, unread = 0;

	if (c->fd < 0)
		return ENOTCONN;
	do
		n = poll(&p, 1, -1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno;
	if (p.revents & POLLERR) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return errno;
		if (err)
			return err;
	}
	/* data that came before the FIN is what the app would read first */
	if ((p.revents & POLLIN) && ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0)
		return SC_RESULT_OK;
	if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return SC_RESULT_EOF;
	return SC_RESULT_OK;
}

static void sleep_until(int64_t until_us)
{
	struct timespec ts = { .tv_sec = until_us / 1000000,
			       .tv_nsec = (until_us % 1000000) * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int step_shutdown(struct app_conn *c, const struct sc_step *st)
{
	if (c->fd < 0)
		return ENOTCONN;
	if (st->shutdown_how != SHUT_RD)
		watcher_own_fin(c->w);
	return shutdown(c->fd, st->shutdown_how) < 0 ? errno : SC_RESULT_OK;
}

static int step_close(struct app_conn *c, bool abort_conn)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int ret = SC_RESULT_OK;

	if (c->fd < 0)
		return ENOTCONN;
	/* an ending the kernel has seen (e.g. the peer's FIN that a recv just
	 * returned as eof) is decided by the watcher before it is stopped */
	watcher_settle(c->w, SETTLE_MS);
	watcher_stop(c->w);
	c->w = NULL;
	if (abort_conn && setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		ret = errno;
	if (close(c->fd) < 0 && ret == SC_RESULT_OK && errno != EINTR)
		ret = errno;
	c->fd = -1;
	return ret;
}

static _Noreturn void crash_now(void)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;

	setrlimit(RLIMIT_CORE, &no_core);
	signal(SIGSEGV, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGSEGV);
	_exit(128 + SIGSEGV);
}

static _Noreturn void hold_forever(void)
{
	for (;;)
		pause();
}

static int step_exec(struct app_conn *c, const struct sc_step *st, uint64_t *bytes)
{
	switch (st->kind) {
	case SC_STEP_ACCEPT:
		return step_accept(c);
	case SC_STEP_CONNECT:
		return step_connect(c);
	case SC_STEP_SEND:
		return step_send(c, st, bytes);
	case SC_STEP_RECV:
		return step_recv(c, st, bytes);
	case SC_STEP_WAIT:
		return step_wait(c);
	case SC_STEP_SLEEP:
		sleep_until(mono_usec() + st->sleep_us);
		return SC_RESULT_OK;
	case SC_STEP_SHUTDOWN:
		return step_shutdown(c, st);
	case SC_STEP_CLOSE:
		return step_close(c, false);
	case SC_STEP_ABORT:
		return step_close(c, true);
	case SC_STEP_HOLD:
	case SC_STEP_EXIT:
	case SC_STEP_CRASH:
		break;
	}
	return SC_RESULT_OK;
}

void steps_run(struct app_conn *c)
{
	const struct sc_app *a = c->ctx->app;

	for (size_t i = 0; i < a->nsteps; i++) {
		const struct sc_step *st = &a->steps[i];
		struct app_msg m = { .type = APP_MSG_STEP, .index = (int32_t)i };
		uint64_t bytes = 0;

		if (st->kind == SC_STEP_HOLD)
			hold_forever();
		if (st->kind == SC_STEP_EXIT || st->kind == SC_STEP_CRASH)
			watcher_settle(c->w, SETTLE_MS);
		m.t_start = mono_usec();
		m.result = step_exec(c, st, &bytes);
		m.t_end = mono_usec();
		m.bytes = bytes;
		if (m.result > 0)
			watcher_step_error(c->w, sc_step_name(st->kind), m.result);
		app_send(c, &m);
		if (st->kind == SC_STEP_EXIT)
			_exit(0);
		if (st->kind == SC_STEP_CRASH)
			crash_now();
	}
	watcher_settle(c->w, SETTLE_MS);
}
