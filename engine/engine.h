/*
 * engine.h: one run of a scenario, from topology to verdicts.
 *
 * engine_run() builds the scenario's hosts (netns/), starts the server apps
 * and waits until they listen, takes t0 as the first client app starts, runs
 * the fault schedule on the monotonic clock, decides each app's verdict and
 * checks the expectations, and tears everything down, also on error or
 * cancel. It is a library: the daemon calls it in a forked worker process,
 * tests call it directly. It does not log; it reports through events.
 *
 * Events are JSON objects (jansson) handed to the callback as they happen.
 * Every event has "event" (its kind) and "t" (seconds since t0, a number,
 * negative before t0). Kinds and their other members:
 *
 *   "topology"  "run": id, "hosts": [{"name","ns","addr","addr6","mac"}]
 *   "app"       "app", "host", "state": "listening" | "started" | "exited"
 *               | "killed"; "pid"; "port" (listening); "status" (exited)
 *   "t0"        (t is 0)
 *   "step"      "app", "index" (0-based), "step" (name), "arg" (text, e.g.
 *               "26" or "2s"), "result" ("ok" | "eof" | errno name),
 *               "bytes" (done), "expect" (if any), "expect_ok" (bool, if any),
 *               "started" (seconds since t0)
 *   "connection" "app", "local", "remote" ("10.0.0.2:5000" / "[fd00::2]:5000")
 *   "fault"     "fault" (kind), "host" (if any), "app" (if any), details
 *               (e.g. "down", "signal"), "phase": "begin" | "end";
 *               network faults (below) also "engine"
 *   "ending"    the moment a built-in app's kernel saw its connection end,
 *               as it happens: "app", "verdict", "evidence" (the app's own
 *               view; the "verdict" event at the end is the final word)
 *   "verdict"   "app", "verdict" ("fin" | "rst" | "timeout" | "unreachable"
 *               | "refused" | "nothing"), "evidence" (text), "from" (who
 *               sent the packet, below; only when known); one per app, at
 *               the end of the run, "t" when it happened
 *   "warning"   "message"; a disagreement of the views (below) also "app"
 *               and "views"
 *   "packet"    a TCP segment of a watched connection, or an ICMP error
 *               about one, at a host's interface ("t": the kernel's timestamp):
 *               "host", "app" (whose connection), "dir": "in" | "out",
 *               "line" (as `tcpdump -n` prints it after "IP ", relative
 *               sequence numbers, no options), "flags" (TCP: "S.", "F.",
 *               "R"...), "src" and "dst" (the IP ends, "addr:port" for TCP),
 *               "from" (the host that sent it as the wire saw it: the
 *               owner of its source address, or a host that answered in
 *               its name) and "to" (the host that has the destination
 *               address; null for none of the run's), TCP's raw "seq" and "ack" and its
 *               payload bytes "len", and "mark": "retransmit" or "probe"
 *               for a segment going out that carries nothing new (null
 *               otherwise); at most 5000 per run (a warning says when
 *               capped; the pcap files have every packet)
 *   "socket"    the kernel's view of a watched connection changed (sock_diag,
 *               sampled every 5ms): "host", "app", "local", "remote",
 *               "change": "new" | "state" | "retransmit" | "probe" | "gone"
 *               | "host-off", "state" ("ESTABLISHED", "CLOSE_WAIT"...; the
 *               last one seen for gone), "timer" ("none" | "retransmit" |
 *               "keepalive" | "probe" | "timewait"), "retransmits",
 *               "probes", "backoff", "rto_ms", "unacked", "total_retrans",
 *               "send_queue", "recv_queue"; at most 2000 per run
 *   "output"    a line a cmd app wrote: "app", "host", "stream": "stdout" |
 *               "stderr", "line" (at most 1024 bytes; 500 lines per app)
 *   "end"       "reason": "duration" | "finished" | "cancelled" | "error"
 *
 * A watched connection is an app's at its host (observe.h says how it is
 * found). Its views, decided at the end: "app" (the built-in app's own
 * verdict), "wire" (a FIN, RST or ICMP error arrived; our retransmissions
 * or probes went unanswered), "kernel" (sock_diag: CLOSE_WAIT; the socket
 * gone at once, or after retransmissions or probes), each cut when the app
 * closed its socket or died. A built-in app's three must agree, else a
 * "warning". A cmd app's verdict comes from the wire and the kernel: the
 * first end over its connections (those of its listen: port and connect:
 * target, else every TCP connection of its host).
 *
 * Who sent it: an rst, refused or unreachable verdict that a packet caused
 * names the packet's sender, as the wire saw it (a capture at the app's
 * host): "from" is the name of the host that has the RST's or ICMP
 * error's IP source among its interfaces' addresses (the peer for its own
 * RST; the host whose firewall rejected; a router; a NAT gateway, which
 * owns the address it masquerades to), or the address itself when no host
 * of the run has it. A host that answered in another's name (a router's
 * or load balancer's reset of a packet it would forward carries the
 * destination's address) is named by the frame: it came from that host's
 * interface with the TTL it was made with, not forwarded. The evidence
 * ends with the packet in words ("RST from server 10.0.0.1", "ICMP host
 * unreachable from gw 10.2.0.1", "RST from 192.0.2.7", "RST from lb, sent
 * as server 10.2.0.3"). Unknown (null, no "from" in the verdict event) for
 * the other verdicts, for an error the app's own kernel made (no route)
 * and when the wire did not see the packet. The app's and the kernel's
 * views cannot tell the sender; the views' agreement is on the verdicts.
 *
 * The result (engine_run's *result) is one JSON object:
 *   { "name", "file", "run", "passed": bool, "reason": text | null,
 *     "duration": seconds run, "error": text | null,
 *     "apps": [ { "app", "host", "verdict", "t" (null for nothing),
 *                 "evidence", "from" (who sent it, below) | null,
 *                 "expect": { "sees", "after", "before" } | null,
 *                 "expect_ok": bool | null,
 *                 "steps_failed": [ { "index", "step", "result", "expect" } ],
 *                 "views": { "app", "wire", "kernel" } | null, each null
 *                   (no connection seen) or { "verdict", "t", "evidence" },
 *                   the wire's also "from" when a packet decided it,
 *                 "agree": bool | null,
 *                 "wire": { "retransmissions", "keepalive_probes" } | null:
 *                   what the app's host sent again on its connections, as
 *                   its capture saw it (null when nothing was observed),
 *                 cmd apps also: "cmd": [argv as run],
 *                   "output": { "stdout", "stderr", "truncated" } (the
 *                   first 64 KiB of each), "output_tail": [ { "stream",
 *                   "line" } ] (the last 20 lines), "dir": its directory
 *                   (gone after the run unless opts.run_dir) } ],
 *     "captures": [ { "host", "interface", "boot", "file" | null, "packets",
 *                     "written", "not_written", "kernel_dropped", "error" | null } ],
 *     "run_dir": the cmd apps' run directory or null, "run_dir_kept": bool,
 *     "impair_engine": "netem" | "queue" | null,
 *     "middleboxes": [ { "host", "created", "expired", "forgotten",
 *                        "events_lost": true (only when so) } ] }
 * "passed" is true when every expectation and every step expect: held.
 *
 * Middleboxes (scenario middlebox:, netns/middlebox.h): one item per
 * router with one, in hosts order (empty when none): the connections its
 * conntrack table tracked during the run, from conntrack's own events.
 * "created": entries made (a connection through it, or one picked up
 * again mid-stream by expired: pickup); "expired": entries it dropped by
 * itself (idle longer than idle_timeout, or closed); "forgotten": entries
 * a forget: fault flushed. What a powered-off router held is in none of
 * them; the counts go on across its reboots. "events_lost": the event
 * socket overran, the counts are lower bounds. A forget: fault's event
 * has "forgotten", how many entries that flush removed.
 *
 * Network faults (engine/netfaults/netfaults.h has the model). Their "fault"
 * events carry "engine", what served them: "netem" (qdiscs) or "queue" (the
 * NFQUEUE delay line) for delay, loss and rate, "nftables" for drop, reject
 * and partition; heal says "nftables" and, when the run has one, its
 * "impair_engine" too. Details: "direction"; "time", "jitter" (seconds),
 * "percent", "rate" (bits/s); "proto", "port", "with"; "groups" or "from"
 * and "to" (host names); heal of every host has "all": true and no "host".
 * A host's `link:` impairments emit a "fault" event "link" (same details)
 * each time the host boots: before t0 and after every poweron.
 * "impair_engine" is the engine of delay, loss and rate for the whole run
 * (null when the scenario has none): netem where the kernel has it, else
 * the delay line; `engine:` in the scenario or engine_opts.impair_engine
 * forces one. A forced netem on a kernel without sch_netem is an error
 * before anything is built ("kernel lacks sch_netem"), never a silent
 * fallback.
 *
 * The delay line fails closed: if its process dies during a run, the
 * host's impaired traffic is dropped from then on (a blackhole, not a
 * silently healed link); the engine emits a "warning" and ends the run with
 * an error ("end" reason "error", the result's "error" says which host's
 * line died and how). The lines are processes of the engine, started from
 * the thread that calls engine_run (they die with it: PR_SET_PDEATHSIG);
 * they and their iptables rules are stopped explicitly at the end of every
 * run, whatever ended it.
 */
#ifndef NETFAULT_ENGINE_H
#define NETFAULT_ENGINE_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "scenario/scenario.h"

typedef void (*engine_event_fn)(json_t *event, void *ctx);

#define ENGINE_MAX_GROUPS 64         /* supplementary groups of run_as */
#define ENGINE_MAX_RUN_ID 65535u     /* run ids (run_id_hint) are 1 to this */

/* Whom cmd apps run as (engine_opts.run_as): a uid, its gid and its
 * supplementary groups (at most ENGINE_MAX_GROUPS). */
struct engine_identity {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

struct engine_opts {
	unsigned run_id_hint;        /* 0: the lowest free run id; at most
	                              * ENGINE_MAX_RUN_ID */
	engine_event_fn on_event;    /* may be NULL */
	void *ctx;
	/* Set asynchronously (signal handler) to cancel the run: the engine
	 * notices within a few milliseconds, tears down, and returns. */
	volatile sig_atomic_t *cancel;
	/* The engine of delay, loss and rate faults and link: impairments.
	 * SC_ENGINE_AUTO (0): the scenario's `engine:` if it says, else netem
	 * where the kernel has it, else the delay line. SC_ENGINE_NETEM or
	 * SC_ENGINE_QUEUE force one for every run (a scenario forcing the
	 * other is an error). */
	enum sc_engine impair_engine;
	/* Directory for the pcap files (made if missing): <host>.pcap for each
	 * host, then <host>.2.pcap, <host>.3.pcap... after each power-on (a
	 * booted host is a new capture). Nanosecond pcap, all of eth0's frames,
	 * the first 256 bytes of each, 64 MiB per file at most. NULL: packets
	 * are captured and decoded in memory only, no files. */
	const char *pcap_dir;
	/* Directory for the cmd apps' own directories (<run_dir>/<app>/: their
	 * files:, stdout.log, stderr.log), kept after the run; made if missing,
	 * and given o+x so that an app's user: reaches its own directory. NULL:
	 * a private temporary directory, removed at the end of the run. */
	const char *run_dir;
	/* Whom the run's apps may run as. NULL: root; an app runs as root, or
	 * as its user: (the passwd entry's uid, gid and groups). Given: every
	 * cmd app runs as it (its uid, gid and groups exactly), user: or not;
	 * a user: must name its uid (else the run is refused before anything
	 * is built) and a built-in app with user: drops to it. The cmd apps'
	 * directories and files: are then owned by it. The daemon gives the
	 * identity of a client that is not root. */
	const struct engine_identity *run_as;
	/* true: no capture and no socket sampling (no packet or socket events,
	 * no views; a scenario with cmd apps is refused). For benchmarks. */
	bool no_observe;
	/* Called once with the result (still engine_run's to return) as soon
	 * as it is decided, before the teardown (captures closed, delay lines
	 * stopped, namespaces removed), so a caller can hand it on at once;
	 * RC is the value engine_run will return, and the result's "phases"
	 * has "teardown" null until engine_run returns. May be NULL. */
	void (*on_result)(json_t *result, int rc, void *ctx);
};

/*
 * Runs SC. Returns 0 when the run went to its end (passed or not: see
 * *result's "passed"), or a negative errno when it could not run (then
 * *result still says why in "error"). *result is always set on return and
 * owned by the caller.
 */
int engine_run(const struct scenario *sc, const struct engine_opts *opts,
	       json_t **result);

/*
 * Namespaces made ahead of time (netns/pool.c), for a process that starts
 * runs: start keeps SIZE ready (0: none; -EINVAL above ENGINE_POOL_MAX).
 * Before forking a run's process, engine_pool_take moves into FDS (up to
 * MAX) as many as SC's build makes; the child makes them its own with
 * engine_pool_adopt (and keeps those fds open), the parent closes its
 * copies. A run that finds none ready makes its namespaces as it goes.
 */
#define ENGINE_POOL_MAX 64
int engine_pool_start(size_t size);
void engine_pool_stop(void);
size_t engine_pool_take(const struct scenario *sc, int *fds, size_t max);
void engine_pool_adopt(const int *fds, size_t n);

/*
 * Removes what runs of processes no longer alive left behind: their
 * namespaces and the processes in them (a runner killed mid-run). Returns
 * how many namespaces went, or a negative errno.
 */
int engine_leftovers_clean(void);

#endif
