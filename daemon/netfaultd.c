/*
 * netfaultd.c: the netfault daemon's main: options, start-up, the event
 * loop, and an orderly exit.
 *
 * Start-up: -n checks scenario files and exits (no root needed). Otherwise:
 * root check, signals to a signalfd (the handlers are the loop's), the
 * control socket (a stale file removed, a live daemon refused), then the
 * namespaces a crashed predecessor left (run_leftovers_clean), then, unless
 * -d, into the background with syslog.
 *
 * main() also wires the rooms, which do not call each other in a circle:
 * a client's request lines and its end go to requests.c (client_handlers),
 * the scheduler starts runs with worker.c's workers (run_starter), a run's
 * events and result reach its client through the sink client.c made for it.
 *
 * Exit, on SIGTERM or SIGINT: stop accepting, end queued runs, cancel the
 * running ones and keep relaying their events until their workers are gone
 * or NFD_SHUTDOWN_GRACE_MS has passed (a second signal cuts it short), then
 * SIGKILL what is left, clean leftovers, send the last replies, remove the
 * socket and exit 0.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/monotime.h"
#include "common/protocol.h"
#include "daemon/client.h"
#include "daemon/control.h"
#include "daemon/history.h"
#include "daemon/loop.h"
#include "daemon/netfaultd.h"
#include "daemon/requests.h"
#include "daemon/runs.h"
#include "daemon/scheduler.h"
#include "daemon/worker.h"
#include "engine/engine.h"
#include "scenario/check.h"
#include "scenario/scenario.h"

#define FLUSH_AT_EXIT_MS 1000

struct nfd_config nfd_conf;

static bool quitting, quit_now;
static int64_t quit_deadline;

static const struct client_handlers request_handlers = {
	.line = request_handle,
	.close = request_client_closed,
};

static const struct run_starter worker_starter = {
	.start = worker_start,
	.signal = worker_signal,
};

static _Noreturn void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: netfaultd [-Cdv] [-e engine] [-g group] [-j runs] [-m size] [-p namespaces]\n"
		"                 [-s socket]\n"
		"       netfaultd -n file ...\n"
		"       netfaultd -h | -V\n");
	exit(status);
}

/* -e: the engine of delay, loss and rate for every run (a scenario's own
 * `engine:` must agree with it). */
static enum sc_engine parse_engine(const char *text)
{
	if (strcmp(text, "auto") == 0)
		return SC_ENGINE_AUTO;
	if (strcmp(text, "netem") == 0)
		return SC_ENGINE_NETEM;
	if (strcmp(text, "queue") == 0)
		return SC_ENGINE_QUEUE;
	fatalx("-e %s: expected auto, netem or queue", text);
}

/* -n: check scenario files the way a run request would (and as
 * netfaultctl validate does). */
static int check_scenarios(int argc, char **argv)
{
	int bad = 0;

	if (argc == 0)
		usage(1);
	for (int i = 0; i < argc; i++)
		bad |= scenario_check_file(argv[i], stdout, stderr) < 0;
	return bad ? 1 : 0;
}

/* -j and -p: a whole number from MIN to MAX, or exit saying what WHAT is. */
static unsigned parse_count(char flag, const char *text, unsigned min, unsigned max,
			    const char *what)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || end == text || n < min || n > max) {
		fprintf(stderr, "netfaultd: -%c %s: %s must be %u to %u\n", flag, text, what,
			min, max);
		exit(1);
	}
	return (unsigned)n;
}

/* ---- signals ------------------------------------------------------------ */

static void quit_begin(void)
{
	if (quitting) {
		log_info("second signal: stopping the runs now");
		quit_now = true;
		return;
	}
	log_info("shutting down: %u runs to cancel", scheduler_running() + scheduler_queued());
	quitting = true;
	quit_deadline = mono_usec() + NFD_SHUTDOWN_GRACE_MS * 1000LL;
	control_stop_accepting();
	scheduler_shutdown();
}

static void on_signal(int fd, short revents, void *ctx)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			workers_reap();
			break;
		case SIGTERM:
		case SIGINT:
			quit_begin();
			break;
		case SIGHUP:
			log_info("SIGHUP: netfaultd has no configuration to reload");
			break;
		}
	}
}

static int signals_open(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!loop_watch(fd, POLLIN, on_signal, NULL)) {
		close(fd);
		return -EMFILE;
	}
	return fd;
}

/* ---- start, loop, exit -------------------------------------------------- */

static void socket_dir_make(const char *socket_path)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", socket_path);
	if (mkdir(dirname(copy), 0755) < 0 && errno != EEXIST)
		log_warn("mkdir %s", copy);
}

static void start(void)
{
	const char *why;
	int err;

	if (signals_open() < 0)
		fatal("signalfd");
	scheduler_init(&worker_starter);
	socket_dir_make(nfd_conf.socket_path);
	err = control_open(nfd_conf.socket_path, &request_handlers, &why);
	if (err < 0) {
		errno = -err;
		fatal("control socket %s: %s", nfd_conf.socket_path, why);
	}
	err = engine_leftovers_clean();
	if (err < 0)
		log_warnx("cleaning leftover namespaces: %s", strerror(-err));
	else if (err > 0)
		log_info("removed %d namespaces a previous netfaultd left", err);
	if (!nfd_conf.foreground) {
		if (daemon(0, 0) < 0)
			fatal("daemon");
		log_init(0, "netfaultd");
	}
	/* after daemon(): the pool's thread would not survive its fork */
	err = engine_pool_start(nfd_conf.pool);
	if (err < 0)
		log_warnx("namespace pool: %s; runs make their own", strerror(-err));
	nfd_conf.started_mono = mono_usec();
	log_info("netfaultd %s started: pid %d, socket %s, %u runs at once",
		 NETFAULT_VERSION, (int)getpid(), nfd_conf.socket_path, nfd_conf.parallel);
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static void serve(void)
{
	while (!(quitting && scheduler_running() == 0 && workers_alive() == 0)) {
		int64_t now;
		int timeout, err;

		clients_process();
		runs_trim_history();
		scheduler_start_ready();
		now = mono_usec();
		timeout = min_timeout(control_next_timeout(now), scheduler_next_timeout(now));
		if (quitting)
			timeout = min_timeout(timeout, quit_deadline <= now ? 0 :
					      (int)((quit_deadline - now + 999) / 1000));
		err = loop_run_once(timeout);
		if (err < 0) {
			errno = -err;
			fatal("poll");
		}
		now = mono_usec();
		control_tick(now);
		scheduler_tick(now);
		if (quitting && (quit_now || now >= quit_deadline))
			workers_kill_all();
	}
}

static void stop(void)
{
	int64_t flush_until = mono_usec() + FLUSH_AT_EXIT_MS * 1000LL;
	int err;

	/* the last results to clients that still read */
	clients_process();
	while (clients_output_pending() && mono_usec() < flush_until) {
		loop_run_once(100);
		clients_process();
	}
	engine_pool_stop();
	err = engine_leftovers_clean();
	if (err < 0)
		log_warnx("cleaning leftover namespaces: %s", strerror(-err));
	clients_close_all();
	control_close();
	runs_free_all();
	log_info("netfaultd exiting");
}

int main(int argc, char *argv[])
{
	bool check_only = false;
	struct group *gr;
	int ch;

	nfd_conf = (struct nfd_config){ .socket_path = NF_SOCKET_PATH,
					.parallel = NFD_DEFAULT_PARALLEL,
					.pool = NFD_DEFAULT_POOL };
	log_init(1, "netfaultd");
	while ((ch = getopt(argc, argv, "Cde:g:hj:m:np:s:vV")) != -1) {
		switch (ch) {
		case 'C':
			nfd_conf.no_cmd_apps = true;
			break;
		case 'd':
			nfd_conf.foreground = true;
			break;
		case 'e':
			nfd_conf.impair_engine = parse_engine(optarg);
			break;
		case 'g':
			nfd_conf.group_name = optarg;
			break;
		case 'h':
			usage(0);
		case 'j':
			nfd_conf.parallel = parse_count('j', optarg, 1, NFD_MAX_PARALLEL,
							 "runs at once");
			break;
		case 'm':
			if (history_budget_parse(optarg, &nfd_conf.history_budget) < 0)
				fatalx("-m %s: the history budget is bytes with an optional K, M or G"
				       " suffix, %lluK to %lluG", optarg, NFD_MIN_HISTORY_BYTES >> 10,
				       NFD_MAX_HISTORY_BYTES >> 30);
			break;
		case 'n':
			check_only = true;
			break;
		case 'p':
			nfd_conf.pool = parse_count('p', optarg, 0, ENGINE_POOL_MAX,
						    "namespaces kept ready");
			break;
		case 's':
			nfd_conf.socket_path = optarg;
			break;
		case 'v':
			log_set_verbose(1);
			break;
		case 'V':
			printf("netfaultd %s (protocol %d)\n", NETFAULT_VERSION,
			       NF_PROTOCOL_VERSION);
			return 0;
		default:
			usage(1);
		}
	}
	argc -= optind;
	argv += optind;
	if (check_only)
		return check_scenarios(argc, argv);
	if (argc > 0)
		usage(1);
	if (geteuid() != 0)
		fatalx("need root privileges (network namespaces); -n checks files without");
	if (nfd_conf.group_name) {
		gr = getgrnam(nfd_conf.group_name);
		if (!gr)
			fatalx("-g %s: no such group", nfd_conf.group_name);
		nfd_conf.group = gr->gr_gid;
	}
	start();
	serve();
	stop();
	return 0;
}
