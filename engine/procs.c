/*
 * procs.c: the one owner of the app processes, built-in and cmd. The
 * observers only watch them; the cmd apps' mechanics (directories, fork and
 * exec, their output) are cmd/cmdapp.h's, called from here.
 *
 *   prepare  before the build: the user each process runs as
 *   setup    the hosts are up: the cmd apps' directories and files
 *   spawn    every built-in app forked into its host (netns_spawn, app.c)
 *            with a socketpair channel and a pidfd; a cmd app that listens
 *            started (cmdapp_start), any other cmd app waits for t0
 *   tick     each round before and after t0: the cmd apps' output read;
 *            before t0, a cmd server is ready once its host's kernel shows
 *            its listening socket (a built-in server says so itself)
 *   poll     the channels' records (proto.h) into the run and the event
 *            stream, deaths reaped through the pidfds
 *   go       t0: GO to the built-in apps, the other cmd apps started
 *   stop     the end: every process group killed and reaped, the last
 *            records and output read
 *   free     a temporary run directory removed
 */
#include "engine/run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/errname.h"
#include "common/monotime.h"
#include "engine/app/proto.h"
#include "engine/cmd/cmdapp.h"

static int pidfd_open_compat(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* The client's target address, from the topology's host or the literal. */
static int app_target(struct engine_run *r, struct run_app *a)
{
	const struct sc_app *sa = a->sc;
	struct app_ctx *ctx = &a->ctx;
	char addr[INET6_ADDRSTRLEN + 8];
	const char *text;

	if (!sa->is_client)
		return 0;
	if (sa->target_host >= 0) {
		/* the target's interface on a network the client shares with it */
		const struct topo_host *h = &r->topo->hosts[sa->target_host];
		int k = scenario_iface_toward(r->sc, sa->host, sa->target_host);
		const struct topo_iface *f = &h->ifaces[k >= 0 && (size_t)k < h->nifaces ? k : 0];

		text = sa->family == AF_INET6 ? f->addr6 : f->addr4;
	} else {
		text = sa->target_addr ? sa->target_addr : "";
	}
	snprintf(addr, sizeof(addr), "%s", text);
	addr[strcspn(addr, "/")] = '\0';
	memset(&ctx->target, 0, sizeof(ctx->target));
	if (sa->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ctx->target;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)sa->target_port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			goto bad;
		ctx->target_len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ctx->target;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)sa->target_port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			goto bad;
		ctx->target_len = sizeof(*s4);
	}
	return 0;
bad:
	snprintf(r->error, sizeof(r->error), "%s:%d: app %s: cannot connect to \"%s\"",
		 r->sc->file, sa->line, sa->name, addr);
	return -EINVAL;
}

/* USER's uid and gid: a login name's passwd entry, or a numeric uid (its
 * passwd entry's gid, else the same number). 0, or -errno (-ENOENT). */
static int user_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	unsigned long n;
	char *end;
	int ret;

	if (user[0] >= '0' && user[0] <= '9') {
		errno = 0;
		n = strtoul(user, &end, 10);
		if (errno || *end || n >= (uid_t)-1)
			return -ENOENT;
		ret = getpwuid_r((uid_t)n, &pw, buf, sizeof(buf), &found);
		*uid = (uid_t)n;
		*gid = !ret && found ? found->pw_gid : (gid_t)n;
		return 0;
	}
	ret = getpwnam_r(user, &pw, buf, sizeof(buf), &found);
	if (ret || !found)
		return ret ? -ret : -ENOENT;
	*uid = found->pw_uid;
	*gid = found->pw_gid;
	return 0;
}

/* As whom app A runs (app_ctx.set_user, uid, gid): engine_opts.run_as for
 * every cmd app and for a built-in one with user:, which must name it;
 * without run_as, user:'s entry; else root. */
int procs_prepare(struct engine_run *r, struct run_app *a)
{
	const struct engine_identity *as = r->opts ? r->opts->run_as : NULL;
	const struct sc_app *sa = a->sc;
	uid_t uid = 0;
	gid_t gid = 0;
	int ret;

	if (sa->user) {
		ret = user_lookup(sa->user, &uid, &gid);
		if (ret < 0) {
			snprintf(r->error, sizeof(r->error), "%s:%d: app %s: no user \"%s\"",
				 r->sc->file, sa->line, sa->name, sa->user);
			return ret;
		}
		if (as && uid != as->uid) {
			snprintf(r->error, sizeof(r->error), "%s:%d:%d: app %s: user \"%s\": "
				 "this run's apps may run only as uid %u", r->sc->file,
				 sa->user_line, sa->user_col, sa->name, sa->user,
				 (unsigned)as->uid);
			return -EPERM;
		}
	}
	if (as && (sa->user || sa->cmd)) {
		uid = as->uid;
		gid = as->gid;
	} else if (!sa->user) {
		return 0;
	}
	a->ctx.set_user = true;
	a->ctx.uid = uid;
	a->ctx.gid = gid;
	return 0;
}

int procs_setup(struct engine_run *r)
{
	bool any_cmd = false;

	for (size_t i = 0; i < r->napps; i++)
		if (r->apps[i].sc->cmd)
			any_cmd = true;
	if (!any_cmd)
		return 0;
	if (r->opts && r->opts->no_observe) {
		snprintf(r->error, sizeof(r->error), "cmd apps need packet capture and socket "
			 "sampling: their verdicts come from them");
		return -EINVAL;
	}
	return cmdapp_prepare(r);
}

int procs_spawn(struct engine_run *r)
{
	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];
		int sv[2], ret;

		ret = app_target(r, a);
		if (ret < 0)
			return ret;
		if (a->sc->cmd) {   /* a real program: a client starts at t0 */
			ret = a->sc->is_server ? cmdapp_start(r, a) : 0;
			if (ret < 0)
				return ret;
			continue;
		}
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		a->chan = sv[0];
		a->ctx.chan = sv[1];
		a->pid = netns_spawn(r->topo->hosts[a->sc->host].nsfd, app_main, &a->ctx);
		close(sv[1]);
		a->ctx.chan = -1;
		if (a->pid < 0) {
			ret = a->pid;
			a->pid = 0;
			snprintf(r->error, sizeof(r->error), "starting app %s failed: %s",
				 a->sc->name, errno_name(-ret));
			return ret;
		}
		setpgid(a->pid, a->pid);  /* the child does it too; whoever is first */
		a->state = RUN_APP_STARTING;
		a->pidfd = pidfd_open_compat(a->pid);
		if (a->pidfd < 0)
			return -errno;
	}
	return 0;
}

void procs_tick(struct engine_run *r)
{
	if (!r->cmd)
		return;
	cmdapp_output_drain(r, false);
	for (size_t i = 0; !r->t0_set && i < r->napps; i++) {
		struct run_app *a = &r->apps[i];

		if (a->sc->cmd && a->sc->is_server && a->state == RUN_APP_STARTING &&
		    cmdapp_listening(r, a)) {
			a->state = RUN_APP_LISTENING;
			run_emit_app(r, a, "listening", 0, mono_usec());
		}
	}
}

void procs_go(struct engine_run *r)
{
	struct app_msg go = { .type = APP_MSG_GO, .t_start = r->t0 };

	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];

		if (a->chan >= 0 && app_msg_send(a->chan, &go) == 0) {
			a->state = RUN_APP_RUNNING;
			run_emit_app(r, a, "started", 0, mono_usec());
		}
	}
	for (size_t i = 0; r->cmd && i < r->napps; i++) {
		struct run_app *a = &r->apps[i];

		if (!a->sc->cmd)
			continue;
		if (a->state == RUN_APP_NONE) {   /* not started before t0 */
			r->error[0] = '\0';
			if (cmdapp_start(r, a) < 0) {
				run_warning(r, "%s", r->error);
				r->error[0] = '\0';
				continue;
			}
		}
		if (a->state == RUN_APP_DEAD)
			continue;
		a->state = RUN_APP_RUNNING;
		run_emit_app(r, a, "started", 0, mono_usec());
	}
}

/* ---- records and deaths ------------------------------------------------ */

static int64_t since_t0(const struct engine_run *r, int64_t at)
{
	return r->t0_set ? at - r->t0 : 0;
}

static int app_record(struct engine_run *r, struct run_app *a, const struct app_msg *m)
{
	struct run_step *rs;

	switch (m->type) {
	case APP_MSG_LISTENING:
		if (a->state == RUN_APP_STARTING)
			a->state = RUN_APP_LISTENING;
		run_emit_app(r, a, "listening", 0, mono_usec());
		return 0;
	case APP_MSG_CONNECTION:
		a->connected = true;
		observe_connection(r, a, m->text, m->text2);
		run_emit_connection(r, a, m->text, m->text2, mono_usec());
		return 0;
	case APP_MSG_STEP:
		if (m->index < 0 || (size_t)m->index >= a->sc->nsteps)
			return 0;
		rs = &a->steps[m->index];
		if ((a->sc->steps[m->index].kind == SC_STEP_CLOSE ||
		     a->sc->steps[m->index].kind == SC_STEP_ABORT) && m->result == SC_RESULT_OK)
			a->closed = true;
		*rs = (struct run_step){ .done = true, .result = m->result, .bytes = m->bytes,
			.started_us = since_t0(r, m->t_start), .ended_us = since_t0(r, m->t_end) };
		run_emit_step(r, a, (size_t)m->index);
		return 0;
	case APP_MSG_VERDICT:
		/* The teardown kills every app: the FIN one app's death sends
		 * reaches the others in the last microseconds. That is not an
		 * event of the scenario: verdicts timed after the end are not. */
		if (r->ended && m->t_end >= r->ended)
			return 0;
		if (!a->v.decided)
			run_emit_ending(r, a, sc_verdict_name((enum sc_verdict)m->result),
					m->text, m->t_end);
		a->v.kind = (enum sc_verdict)m->result;
		a->v.decided = true;
		a->v.t_us = since_t0(r, m->t_end);
		snprintf(a->v.evidence, sizeof(a->v.evidence), "%s", m->text);
		return 0;
	case APP_MSG_FINISHED:
		if (a->state != RUN_APP_DEAD)
			a->state = RUN_APP_FINISHED;
		r->last_change = mono_usec();
		return 0;
	case APP_MSG_ERROR:
		if (r->t0_set) {
			run_warning(r, "app %s: %s", a->sc->name, m->text);
			return 0;
		}
		snprintf(r->error, sizeof(r->error), "app %s: %s", a->sc->name, m->text);
		return m->result > 0 ? -m->result : -EIO;
	default:
		return 0;
	}
}

/* Reads every record waiting on A's channel. */
static int procs_drain(struct engine_run *r, struct run_app *a)
{
	struct app_msg m;
	int ret;

	while (a->chan >= 0) {
		ret = app_msg_recv(a->chan, &m, MSG_DONTWAIT);
		if (ret == -EAGAIN)
			return 0;
		if (ret <= 0) {
			close(a->chan);
			a->chan = -1;
			return 0;
		}
		ret = app_record(r, a, &m);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Reaps A when it has died; emits "exited" or "killed" when EMIT. */
static void app_reap(struct engine_run *r, struct run_app *a, bool emit)
{
	int status;
	pid_t p;

	if (a->pid <= 0 || a->state == RUN_APP_DEAD)
		return;
	p = waitpid(a->pid, &status, WNOHANG);
	if (p < 0 && errno == ECHILD)  /* reaped by someone else (SIGCHLD ignored) */
		status = 0;
	else if (p != a->pid)
		return;
	a->state = RUN_APP_DEAD;
	r->last_change = mono_usec();
	if (a->pidfd >= 0)
		close(a->pidfd);
	a->pidfd = -1;
	if (!emit)
		return;
	a->died = true;
	if (WIFSIGNALED(status))
		run_emit_app(r, a, "killed", WTERMSIG(status), mono_usec());
	else if (a->killed_by_fault)
		run_emit_app(r, a, "killed", 0, mono_usec());
	else
		run_emit_app(r, a, "exited", WEXITSTATUS(status), mono_usec());
}

/* Polls the apps for up to TIMEOUT_MS (and the timerfd). Returns 0 or a
 * negative errno from a record (setup errors). */
int procs_poll(struct engine_run *r, int timeout_ms)
{
	struct pollfd *p = calloc(2 * r->napps + 1, sizeof(*p));
	size_t *who = calloc(2 * r->napps + 1, sizeof(*who));
	size_t n = 0;
	int ret = 0;

	if (!p || !who) {
		ret = -ENOMEM;
		goto out;
	}
	p[n++] = (struct pollfd){ .fd = r->tfd, .events = POLLIN };
	for (size_t i = 0; i < r->napps; i++) {
		if (r->apps[i].chan >= 0) {
			who[n] = i;
			p[n++] = (struct pollfd){ .fd = r->apps[i].chan, .events = POLLIN };
		}
		if (r->apps[i].pidfd >= 0) {
			who[n] = i;
			p[n++] = (struct pollfd){ .fd = r->apps[i].pidfd, .events = POLLIN };
		}
	}
	if (poll(p, n, timeout_ms) < 0) {
		ret = errno == EINTR ? 0 : -errno;
		goto out;
	}
	if (p[0].revents) {
		uint64_t ticks;

		if (read(r->tfd, &ticks, sizeof(ticks)) < 0) {
			/* EAGAIN: a stale wakeup */
		}
	}
	for (size_t k = 1; k < n && ret == 0; k++) {
		struct run_app *a = &r->apps[who[k]];

		if (!p[k].revents)
			continue;
		ret = procs_drain(r, a);
		if (ret == 0 && p[k].fd == a->pidfd)
			app_reap(r, a, true);
	}
out:
	free(p);
	free(who);
	return ret;
}

/* ---- the end ------------------------------------------------------------ */

/* Kills every app's process group and reaps it; the built-in apps' last
 * records are read when the run went past t0. */
static void procs_kill(struct engine_run *r)
{
	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];

		if (a->pid <= 0 || a->state == RUN_APP_DEAD)
			continue;
		kill(-a->pid, SIGKILL);
		kill(a->pid, SIGKILL);
	}
	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];

		if (r->went)
			procs_drain(r, a);
		if (a->pid > 0 && a->state != RUN_APP_DEAD) {
			while (waitpid(a->pid, NULL, 0) < 0 && errno == EINTR)
				;
			a->state = RUN_APP_DEAD;
		}
		if (a->pidfd >= 0)
			close(a->pidfd);
		if (a->chan >= 0)
			close(a->chan);
		a->pidfd = a->chan = -1;
	}
}

/* A run that failed before t0 because a cmd app died: its last words. */
static void explain_early_death(struct engine_run *r)
{
	size_t n = strlen(r->error);

	for (size_t i = 0; i < r->napps && n + 16 < sizeof(r->error); i++) {
		const struct run_app *a = &r->apps[i];
		const char *line;

		if (!a->sc->cmd || a->state != RUN_APP_DEAD)
			continue;
		line = cmdapp_last_line(r, a);
		if (line[0]) {
			snprintf(r->error + n, sizeof(r->error) - n, " (%s said: %s)",
				 a->sc->name, line);
			return;
		}
	}
}

void procs_stop(struct engine_run *r)
{
	if (r->cmd)
		cmdapp_output_drain(r, false);   /* what they wrote until the end */
	procs_kill(r);
	if (!r->cmd)
		return;
	/* a program that died during the run may have left children in its
	 * group (procs_kill skips a dead leader) */
	for (size_t i = 0; i < r->napps; i++)
		if (r->apps[i].sc->cmd && r->apps[i].pid > 0)
			kill(-r->apps[i].pid, SIGKILL);
	cmdapp_output_drain(r, true);
	if (!r->went)
		explain_early_death(r);
}

void procs_free(struct engine_run *r)
{
	cmdapp_free(r);
}
