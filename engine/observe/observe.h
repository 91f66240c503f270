/*
 * observe.h: the engine's own eyes on a run, beside the apps' view. The
 * observers only watch and report: the app processes, built-in and cmd,
 * are procs.c's.
 *
 * For the whole run every host's eth0 is captured (netns/capture.h:
 * nanosecond pcap files in opts->pcap_dir, <host>.pcap, then <host>.2.pcap
 * after the host's first power-on and so on; decoding in memory always), and
 * the TCP sockets of the watched connections are sampled in the host's
 * kernel every OBS_SAMPLE_US through sock_diag (netns/sockdiag.h, by exact
 * lookup). A watched connection is one of an app at its host: a built-in
 * app's (its own record names it; before that, and for cmd apps, its listen
 * port or its connect target tells, and a cmd app with neither owns every
 * TCP connection of its host). Their packets become "packet" events, the
 * kernel's changes "socket" events (engine.h lists both).
 *
 * At the end each app gets three views of what ended its connection: the
 * app's own (the watcher, built-in apps), the wire's (a FIN, RST or ICMP
 * error arrived; our retransmissions or probes went unanswered) and the
 * kernel's (CLOSE_WAIT; the socket gone at once or after retransmissions
 * or probes), each cut at the moment the app closed its socket or died. A
 * built-in app's views must agree, else a "warning" event says how; a cmd
 * app's verdict is made from the wire and the kernel.
 *
 * Hooks, in the order the engine calls them; none of them prints. Those
 * returning int give 0 or a negative errno with r->error set.
 */
#ifndef NETFAULT_ENGINE_OBSERVE_H
#define NETFAULT_ENGINE_OBSERVE_H

#include <jansson.h>
#include <stdbool.h>

struct engine_run;
struct run_app;

/* The hosts are up: opens every host's capture and sock_diag socket. */
int observe_start(struct engine_run *r);
/* Every round of the engine's loops, before t0 too: captures, samples,
 * the apps that died, power-offs and power-ons. */
void observe_tick(struct engine_run *r);
/* A built-in app's own record of its connection ("10.0.0.1:43210"). */
void observe_connection(struct engine_run *r, const struct run_app *a, const char *local,
			const char *remote);
/* Whether nothing more can happen on the watched connections, read now
 * (captures drained, sockets sampled): no packet in flight between the
 * hosts (every one seen leaving one host was seen arriving at the other),
 * every socket at rest (gone, TIME_WAIT, or ESTABLISHED, CLOSE_WAIT,
 * FIN_WAIT2 with nothing unacknowledged and no retransmission or probe
 * timer), and every live app whose socket saw its end has recorded it.
 * False whenever it cannot be told (no observer, a connection whose other
 * end is not a host of the run). */
bool observe_quiet(struct engine_run *r);
/* The run ended (r->ended set), before the apps are killed: the last
 * packets and samples, the captures closed (the teardown's packets are not
 * in the files). */
void observe_finish(struct engine_run *r);
/* After the apps were killed and their last records and output read,
 * before the verdicts are emitted: the views and the cmd apps' verdicts
 * decided, disagreements warned about. */
void observe_collect(struct engine_run *r);
/* The app's members of the result: "views", "agree". */
void observe_report_app(const struct engine_run *r, const struct run_app *a, json_t *o);
/* The run's members of the result: "captures". */
void observe_report(const struct engine_run *r, json_t *res);
/* Closes everything. Accepts a run whose observer never started. */
void observe_free(struct engine_run *r);

#endif
