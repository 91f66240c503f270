/*
 * tcpopt.c: the scenario's tcp: options as socket options. Durations are
 * rounded up to the unit the kernel takes (seconds for keepalive and
 * linger, milliseconds for the user timeout), never down to zero.
 */
#include "engine/app/app.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int ceil_div(int64_t us, int64_t unit)
{
	int64_t v = (us + unit - 1) / unit;

	if (v < 1)
		v = 1;
	return v > INT32_MAX ? INT32_MAX : (int)v;
}

static int set_int(int fd, int level, int opt, int v, const char *name, const char **what)
{
	if (setsockopt(fd, level, opt, &v, sizeof(v)) == 0)
		return 0;
	*what = name;
	return errno;
}

static int apply_buffers(int fd, const struct sc_tcp *t, const char **what)
{
	int err = 0;

	if (t->sndbuf > 0)
		err = set_int(fd, SOL_SOCKET, SO_SNDBUF, t->sndbuf, "SO_SNDBUF", what);
	if (!err && t->rcvbuf > 0)
		err = set_int(fd, SOL_SOCKET, SO_RCVBUF, t->rcvbuf, "SO_RCVBUF", what);
	return err;
}

static int apply_keepalive(int fd, const struct sc_tcp *t, const char **what)
{
	int err;

	if (t->keepalive < 0)
		return 0;
	err = set_int(fd, SOL_SOCKET, SO_KEEPALIVE, t->keepalive ? 1 : 0, "SO_KEEPALIVE", what);
	if (err || !t->keepalive)
		return err;
	if (t->ka_idle_us > 0)
		err = set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, ceil_div(t->ka_idle_us, 1000000),
			      "TCP_KEEPIDLE", what);
	if (!err && t->ka_interval_us > 0)
		err = set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL,
			      ceil_div(t->ka_interval_us, 1000000), "TCP_KEEPINTVL", what);
	if (!err && t->ka_count > 0)
		err = set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, t->ka_count, "TCP_KEEPCNT", what);
	return err;
}

int tcpopt_apply(int fd, const struct sc_tcp *t, enum tcpopt_role role,
		 const char **what)
{
	struct linger lg;
	int err;

	err = apply_buffers(fd, t, what);
	if (err || role == TCPOPT_LISTENING)
		return err;
	err = apply_keepalive(fd, t, what);
	if (!err && t->user_timeout_us >= 0)
		err = set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
			      t->user_timeout_us ? ceil_div(t->user_timeout_us, 1000) : 0,
			      "TCP_USER_TIMEOUT", what);
	if (!err && t->nodelay >= 0)
		err = set_int(fd, IPPROTO_TCP, TCP_NODELAY, t->nodelay, "TCP_NODELAY", what);
	if (!err && role == TCPOPT_CONNECTING && t->syn_retries >= 0)
		err = set_int(fd, IPPROTO_TCP, TCP_SYNCNT, t->syn_retries, "TCP_SYNCNT", what);
	if (!err && t->linger >= 0) {
		lg.l_onoff = t->linger ? 1 : 0;
		lg.l_linger = t->linger && t->linger_us > 0 ? ceil_div(t->linger_us, 1000000) : 0;
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
			err = errno;
			*what = "SO_LINGER";
		}
	}
	return err;
}
