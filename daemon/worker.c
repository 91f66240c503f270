/*
 * worker.c: one forked process per run (see worker.h).
 *
 * The event channel is a socketpair, not a pipe, so the worker writes with
 * MSG_NOSIGNAL (json_line_send): if the daemon is gone, a write fails
 * instead of killing the worker with SIGPIPE before it has torn its
 * namespaces down, and SIGPIPE stays at its default for the apps the engine
 * starts.
 *
 * A worker ends when waitpid() says so. Everything it wrote before exiting
 * is then in the socket buffer, so the daemon reads until the buffer is
 * empty rather than until end of file: a built-in app forked by the engine
 * may still hold the other end for a moment.
 *
 * A run that asked for pcap files gets its own directory in the one its
 * client named, made by the worker when the run starts (pcapdir.h); if it
 * cannot be made, the run ends with an error before anything is built.
 *
 * The run's apps are given the identity of the client that asked for it
 * (identity.h): a client that is not root has its cmd apps run as itself.
 */
#include "daemon/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/jsonline.h"
#include "common/linebuf.h"
#include "common/log.h"
#include "daemon/identity.h"
#include "daemon/loop.h"
#include "daemon/netfaultd.h"
#include "daemon/pcapdir.h"
#include "daemon/runs.h"
#include "engine/engine.h"
#include "scenario/scenario.h"

/* Namespaces of the pool a worker gets at most: a small run's worth; a
 * bigger run makes the rest itself. */
#define WORKER_MAX_POOLED 16

struct worker {
	TAILQ_ENTRY(worker) entry;
	pid_t pid;
	int fd;                    /* -1 once drained */
	struct watch *watch;
	struct linebuf in;
	struct run *run;           /* NULL once its result was handed on */
	unsigned run_id;
	void (*on_exit)(struct run *r, json_t *result);
	json_t *result;            /* the engine's, once it came */
	int rc;                    /* engine_run's return */
};

static TAILQ_HEAD(, worker) workers = TAILQ_HEAD_INITIALIZER(workers);

/* ---- the child ---------------------------------------------------------- */

static volatile sig_atomic_t worker_cancel;
static pthread_mutex_t worker_write_lock = PTHREAD_MUTEX_INITIALIZER;

static void worker_on_signal(int sig)
{
	worker_cancel = 1;
}

/* One JSON line (MSG taken) to the daemon; the engine may call from several
 * threads. If the daemon is gone the send fails, and the run goes on to its
 * teardown. */
static void worker_write(int fd, json_t *msg)
{
	pthread_mutex_lock(&worker_write_lock);
	json_line_send(fd, msg);
	pthread_mutex_unlock(&worker_write_lock);
	json_decref(msg);
}

/* The engine's callbacks' context in the worker. */
struct worker_out {
	int fd;
	struct pcap_run_dir *pcap;
	bool result_sent;
};

static void worker_emit(json_t *event, void *ctx)
{
	const struct worker_out *out = ctx;

	worker_write(out->fd, json_pack("{s:O}", "event", event));
}

/* The result goes to the daemon before the teardown: the client has it
 * while the namespaces are still being removed. */
static void worker_result(json_t *result, int rc, void *ctx)
{
	struct worker_out *out = ctx;

	if (!result)
		return;   /* no memory: sent after engine_run, if it can be */
	pcap_run_dir_report(out->pcap, result);
	worker_write(out->fd, json_pack("{s:O, s:i}", "result", result, "rc", rc));
	out->result_sent = true;
}

static int compare_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Closes every fd from 3 up but the N in KEEP (sorted here). */
static void close_all_but(int *keep, size_t n)
{
	unsigned from = 3;

	qsort(keep, n, sizeof(*keep), compare_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
}

/* In the worker: the daemon's handlers, signals and fds let go of, but for
 * the channel KEEP_FD and the N namespaces of the pool in NS_FDS. */
static void worker_detach_from_daemon(int keep_fd, const int *ns_fds, size_t n,
				      pid_t daemon_pid)
{
	int keep[1 + WORKER_MAX_POOLED];
	struct sigaction sa = { .sa_handler = worker_on_signal, .sa_flags = SA_RESTART };
	sigset_t none;
	int null_fd;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);   /* the daemon blocks for signalfd */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != daemon_pid)
		worker_cancel = 1;
	setpgid(0, 0);
	prctl(PR_SET_NAME, "netfaultd-run");   /* pgrep -x netfaultd: daemons only */
	/* the listener, the clients, the other workers' channels, syslog,
	 * the daemon's pool */
	keep[0] = keep_fd;
	memcpy(keep + 1, ns_fds, n * sizeof(*ns_fds));
	close_all_but(keep, 1 + n);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		close(null_fd);
	}
}

static _Noreturn void worker_main(struct run *r, int fd, const int *ns_fds, size_t n,
				  pid_t daemon_pid)
{
	struct pcap_run_dir pcap = { .fd = -1 };
	struct worker_out out = { .fd = fd, .pcap = &pcap };
	struct engine_opts opts = {
		/* namespaces nf<ID>-* match the daemon's run id when that is free */
		.run_id_hint = (r->id - 1) % ENGINE_MAX_RUN_ID + 1,
		.on_event = worker_emit,
		.on_result = worker_result,
		.ctx = &out,
		.cancel = &worker_cancel,
		.impair_engine = nfd_conf.impair_engine,
	};
	struct engine_identity run_as;
	json_t *result = NULL;
	char why[512];
	int rc;

	worker_detach_from_daemon(fd, ns_fds, n, daemon_pid);
	engine_pool_adopt(ns_fds, n);
	if (r->pcap_dir) {
		rc = pcap_run_dir_make(r->pcap_dir, r->id, &r->owner, &pcap, why,
				       sizeof(why));
		if (rc < 0) {
			worker_write(fd, json_pack("{s:o?, s:i}", "result",
						   run_error_result(r, why), "rc", rc));
			_exit(0);
		}
		opts.pcap_dir = pcap.handle;
	}
	/* a client that is not root: its cmd apps run as it, not as root */
	if (identity_run_as(&r->owner, &run_as))
		opts.run_as = &run_as;
	rc = engine_run(r->sc, &opts, &result);
	if (!out.result_sent) {
		pcap_run_dir_report(&pcap, result);
		worker_write(fd, json_pack("{s:o?, s:i}", "result", result, "rc", rc));
	} else {
		/* the teardown's time, which the result went without */
		json_t *t = json_object_get(json_object_get(result, "phases"), "teardown");

		if (json_is_number(t))
			worker_write(fd, json_pack("{s:f}", "teardown", json_number_value(t)));
		json_decref(result);
	}
	_exit(0);
}

/* ---- the daemon's side ------------------------------------------------- */

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

static void worker_io(int fd, short revents, void *ctx);

int worker_start(struct run *r, void (*on_exit)(struct run *r, json_t *result))
{
	struct worker *w = calloc(1, sizeof(*w));
	pid_t daemon_pid = getpid();
	int sv[2] = { -1, -1 };
	int ns_fds[WORKER_MAX_POOLED];
	size_t nns = 0;
	int err;

	if (!w)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail_errno;
	w->fd = sv[0];
	w->run = r;
	w->run_id = r->id;
	w->on_exit = on_exit;
	linebuf_init(&w->in, NFD_MAX_WORKER_LINE);
	if (fcntl(w->fd, F_SETFL, O_NONBLOCK) < 0)
		goto fail_errno;
	w->watch = loop_watch(w->fd, POLLIN, worker_io, w);
	if (!w->watch) {
		errno = EMFILE;
		goto fail_errno;
	}
	/* the namespaces its build makes, where the pool has them ready */
	nns = engine_pool_take(r->sc, ns_fds, WORKER_MAX_POOLED);
	w->pid = fork();
	if (w->pid < 0)
		goto fail_errno;
	if (w->pid == 0) {
		close(sv[0]);
		worker_main(r, sv[1], ns_fds, nns, daemon_pid);
	}
	close_fds(ns_fds, nns);   /* the worker's now */
	setpgid(w->pid, w->pid);   /* the child does the same: no race either way */
	close(sv[1]);
	scenario_free(r->sc);      /* the worker has its copy */
	r->sc = NULL;
	TAILQ_INSERT_TAIL(&workers, w, entry);
	r->worker = w;
	log_info("run %u: started, worker pid %d", r->id, (int)w->pid);
	return 0;
fail_errno:
	err = -errno;
	close_fds(ns_fds, nns);
	loop_unwatch(w->watch);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	linebuf_free(&w->in);
	free(w);
	return err;
}

void worker_signal(struct run *r, int sig)
{
	struct worker *w = r->worker;

	if (!w)
		return;
	/* SIGKILL takes the worker's whole process group: its apps too */
	if (kill(sig == SIGKILL ? -w->pid : w->pid, sig) < 0 && errno != ESRCH)
		log_warn("run %u: kill worker %d", r->id, (int)w->pid);
}

/* The run's result came (or the worker exited without one: an error
 * result): the run ends for its clients now, while the worker may still be
 * tearing its namespaces down; the worker is reaped later on its own. */
static void worker_hand_on(struct worker *w)
{
	struct run *r = w->run;
	json_t *result = w->result;

	if (!r)
		return;
	if (w->rc < 0) {
		const char *error = json_string_value(json_object_get(result, "error"));

		log_warnx("run %u: the engine could not run it: %s", r->id,
			  error ? error : strerror(-w->rc));
	}
	w->run = NULL;
	w->result = NULL;
	w->on_exit(r, result);
}

static void worker_handle_line(struct worker *w, const char *line)
{
	json_error_t jerr;
	json_t *msg = json_loads(line, 0, &jerr);
	json_t *event = json_object_get(msg, "event");
	json_t *result = json_object_get(msg, "result");
	json_t *teardown = json_object_get(msg, "teardown");

	if (json_is_number(teardown)) {
		log_info("run %u: torn down in %.1f ms", w->run_id,
			 json_number_value(teardown) * 1e3);
	} else if (json_is_object(event)) {
		if (w->run)
			run_record_event(w->run, event);
	} else if (json_is_object(result) && w->run) {
		w->result = json_incref(result);
		w->rc = (int)json_integer_value(json_object_get(msg, "rc"));
		worker_hand_on(w);
	} else {
		log_warnx("run %u: worker sent a line that is no event: %s", w->run_id,
			  msg ? "unknown member" : jerr.text);
	}
	json_decref(msg);
}

/* Reads once and handles the lines: > 0 bytes read, 0 end of file,
 * -EAGAIN nothing there, or -errno (-EMSGSIZE: an overlong line). */
static long worker_read(struct worker *w)
{
	long n = linebuf_fill(&w->in, w->fd);
	char *line;

	while ((line = linebuf_next(&w->in)))
		worker_handle_line(w, line);
	if (w->in.overflow) {
		log_warnx("run %u: worker sent a line over %u bytes", w->run->id,
			  NFD_MAX_WORKER_LINE);
		return -EMSGSIZE;
	}
	return n;
}

static void worker_close_channel(struct worker *w)
{
	if (w->fd < 0)
		return;
	loop_unwatch(w->watch);
	w->watch = NULL;
	close(w->fd);
	w->fd = -1;
	linebuf_free(&w->in);
}

static void worker_io(int fd, short revents, void *ctx)
{
	struct worker *w = ctx;
	long n = worker_read(w);

	if (n == 0 || (n < 0 && n != -EAGAIN))
		worker_close_channel(w);
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "the worker died by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "the worker exited with status %d without a result",
			 WEXITSTATUS(status));
}

/* The worker has exited: drain its channel and hand its run's result on,
 * unless that was done when the result came. A worker that did not end
 * well may have left namespaces behind: they are removed. */
static void worker_finish(struct worker *w, int status)
{
	bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	char why[160];
	int removed;

	while (w->fd >= 0 && worker_read(w) > 0)
		;
	worker_close_channel(w);
	if (!clean || w->run) {
		describe_exit(status, why, sizeof(why));
		log_warnx("run %u: %s: removing what it left", w->run_id, why);
		removed = engine_leftovers_clean();
		if (removed < 0)
			log_warnx("run %u: cleaning leftovers: %s", w->run_id, strerror(-removed));
		else if (removed > 0)
			log_info("run %u: removed %d leftover namespaces", w->run_id, removed);
	}
	if (w->run) {
		w->result = run_error_result(w->run, why);
		worker_hand_on(w);
	}
	TAILQ_REMOVE(&workers, w, entry);
	free(w);
}

unsigned workers_alive(void)
{
	struct worker *w;
	unsigned n = 0;

	TAILQ_FOREACH(w, &workers, entry)
		n++;
	return n;
}

static struct worker *worker_by_pid(pid_t pid)
{
	struct worker *w;

	TAILQ_FOREACH(w, &workers, entry) {
		if (w->pid == pid)
			return w;
	}
	return NULL;
}

void workers_reap(void)
{
	struct worker *w;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		w = worker_by_pid(pid);
		if (w)
			worker_finish(w, status);
	}
}

void workers_kill_all(void)
{
	struct worker *w;
	int status;

	while ((w = TAILQ_FIRST(&workers))) {
		log_warnx("run %u: the worker did not stop: killing it", w->run_id);
		kill(-w->pid, SIGKILL);
		kill(w->pid, SIGKILL);
		while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
			;
		worker_finish(w, status);
	}
}
