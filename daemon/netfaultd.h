/*
 * netfaultd.h: what the daemon's files share: its configuration, set once
 * by main() from the command line, and the limits on everything a client
 * can make the daemon hold (netfaultd(8), LIMITS).
 *
 * The daemon is one process with one poll() loop (loop.c). Its rooms:
 *   netfaultd.c  main: options, start, the loop, exit; wires the rooms
 *   control.c    the control socket: opening, accepting, permissions
 *   client.c     one connection: framing, replies, streams of runs
 *   reqdecode.c  a request line checked and decoded, touching nothing
 *   requests.c   what each request op does, and the replies
 *   runs.c       the run table: live runs and a bounded history
 *   history.c    the history's byte budget (-m), a running run's share
 *   scheduler.c  the queue and how many runs go at once
 *   worker.c     the process that runs one scenario, and its event pipe
 *   pcapdir.c    a run's "pcap" directory: checked, then made per run
 *   identity.c   who a client is, what it may ask for, as whom its apps run
 *
 * Calls go one way, never in a circle:
 *   netfaultd.c -> every room: start, the loop, exit
 *   control.c   -> client.c
 *   requests.c  -> client.c, scheduler.c, runs.c, reqdecode.c, ...
 *   client.c    -> runs.c (a run's state, for its result line)
 *   scheduler.c -> runs.c
 *   worker.c    -> runs.c
 *   runs.c      -> history.c
 * A run request's cells (its --set values and matrix:) come from the
 * parser's scenario/sweep.h, which netfaultctl predict uses as well.
 * What must go the other way goes through a callback that netfaultd.c or
 * the caller hands down: a client's request lines and its end
 * (client_handlers: requests.c's), a run's events and result (run_sink: the
 * stream client.c made for the request), starting and signalling a run
 * (run_starter: worker.c's), and a worker's exit (the scheduler's). So the
 * run table and the scheduler can be tested alone (tests/unit/).
 */
#ifndef NETFAULTD_H
#define NETFAULTD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "scenario/scenario.h"

#define NFD_DEFAULT_PARALLEL   16       /* a 12-cell sweep at once: runs mostly wait on timers */
#define NFD_MAX_PARALLEL       64       /* -j at most */
#define NFD_DEFAULT_POOL       8        /* -p: namespaces kept ready (a switch and 2 hosts, twice, and some) */
#define NFD_MAX_CLIENTS        64       /* connections at once */
#define NFD_MAX_QUEUED         256      /* runs waiting for a slot */
#define NFD_MAX_HISTORY        200      /* finished runs kept for list/show */
#define NFD_MAX_RUN_EVENTS     10000    /* events kept per run for show */
#define NFD_DEFAULT_HISTORY_BYTES (64ull << 20) /* -m: kept events and results */
#define NFD_MIN_HISTORY_BYTES  (32ull << 10) /* -m at least */
#define NFD_MAX_HISTORY_BYTES  (4ull << 30)  /* -m at most */
#define NFD_RUN_SHARE_DIVISOR  4        /* a running run's events: budget / max(this, -j) */
#define NFD_MAX_CLIENT_OUTPUT  (16u << 20) /* unsent bytes to one client */
#define NFD_MAX_WORKER_LINE    (8u << 20)  /* one line from a worker */
#define NFD_CANCEL_GRACE_MS    10000    /* a cancelled worker's time to tear down */
#define NFD_SHUTDOWN_GRACE_MS  15000    /* all workers' time at exit */
#define NFD_ACCEPT_BACKOFF_MS  1000     /* pause accepting after EMFILE */
#define NFD_MAX_PEER_GROUPS    64       /* a client's groups kept for its cmd apps */

struct nfd_config {
	const char *socket_path;
	const char *group_name;      /* -g; NULL: root only */
	gid_t group;
	unsigned parallel;           /* -j */
	unsigned pool;               /* -p: namespaces kept ready, 0 to ENGINE_POOL_MAX */
	size_t history_budget;       /* -m; 0: NFD_DEFAULT_HISTORY_BYTES */
	enum sc_engine impair_engine; /* -e; SC_ENGINE_AUTO: probe the kernel */
	bool foreground;             /* -d */
	bool no_cmd_apps;            /* -C: no cmd apps for clients not root */
	int64_t started_mono;        /* for status: uptime */
};

extern struct nfd_config nfd_conf;

#endif
