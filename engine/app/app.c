/*
 * app.c: the life of a built-in app process (see app.h): its own process
 * group, only its channel kept open, the listening socket made before t0,
 * the user dropped, then GO, the steps, and an implicit hold that keeps the
 * socket open until the engine kills the group (so that finishing sends no
 * FIN the peer would see).
 */
#include "engine/app/app.h"

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/errname.h"

#define APP_CHAN_FD 3
#define APP_BACKLOG 16

void app_send(const struct app_conn *c, struct app_msg *m)
{
	app_msg_send(c->ctx->chan, m);
}

void app_send_error(const struct app_conn *c, const char *what, int err)
{
	struct app_msg m = { .type = APP_MSG_ERROR, .result = err };

	snprintf(m.text, sizeof(m.text), "%s: %s", what, errno_name(err));
	app_send(c, &m);
}

/* Keeps stdin/out/err and the channel (moved to APP_CHAN_FD); closes every
 * other descriptor inherited from the engine, among them other hosts'
 * namespaces, which would otherwise outlive a power-off. */
static int app_fds(struct app_ctx *ctx)
{
	if (ctx->chan != APP_CHAN_FD) {
		if (dup2(ctx->chan, APP_CHAN_FD) < 0)
			return -errno;
		ctx->chan = APP_CHAN_FD;
	}
	if (close_range(APP_CHAN_FD + 1, ~0U, 0) < 0)
		return -errno;
	return 0;
}

static int app_listen(struct app_conn *c)
{
	const struct sc_app *a = c->ctx->app;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	const char *what = "socket";
	int one = 1, err;

	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons((uint16_t)a->listen_port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons((uint16_t)a->listen_port);
		len = sizeof(*s4);
	}
	c->lfd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		goto fail;
	what = "SO_REUSEADDR";
	if (setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	err = tcpopt_apply(c->lfd, &a->tcp, TCPOPT_LISTENING, &what);
	if (err) {
		errno = err;
		goto fail;
	}
	what = "bind";
	if (bind(c->lfd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	what = "listen";
	if (listen(c->lfd, APP_BACKLOG) < 0)
		goto fail;
	return 0;
fail:
	err = errno;
	app_send_error(c, what, err);
	return -err;
}

static int app_drop_user(const struct app_ctx *ctx)
{
	pid_t parent = getppid();

	if (!ctx->set_user)
		return 0;
	if (setgroups(1, &ctx->gid) < 0 || setgid(ctx->gid) < 0 || setuid(ctx->uid) < 0)
		return -errno;
	/* A credential change clears the parent-death signal: set it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return -ESRCH;
	return 0;
}

int app_main(void *arg)
{
	struct app_ctx *ctx = arg;
	struct app_conn c = { .ctx = ctx, .lfd = -1, .fd = -1 };
	struct rlimit no_core = { 0, 0 };
	struct app_msg m;
	char title[SC_NAME_MAX + 8];  /* the kernel keeps 15 bytes */
	int ret;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_IGN);
	setrlimit(RLIMIT_CORE, &no_core);
	snprintf(title, sizeof(title), "nf:%s", ctx->app->name);
	prctl(PR_SET_NAME, title);
	ret = app_fds(ctx);
	if (ret < 0) {
		app_send_error(&c, "descriptors", -ret);
		return 1;
	}
	if (ctx->app->is_server) {
		if (app_listen(&c) < 0)
			return 1;
		m = (struct app_msg){ .type = APP_MSG_LISTENING,
				      .result = ctx->app->listen_port };
		app_send(&c, &m);
	}
	ret = app_drop_user(ctx);
	if (ret < 0) {
		app_send_error(&c, "user", -ret);
		return 1;
	}
	do
		ret = app_msg_recv(ctx->chan, &m, 0);
	while (ret > 0 && m.type != APP_MSG_GO);
	if (ret <= 0)
		return 1;
	steps_run(&c);
	m = (struct app_msg){ .type = APP_MSG_FINISHED };
	app_send(&c, &m);
	for (;;)
		pause();
}
