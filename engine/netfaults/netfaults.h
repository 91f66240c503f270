/*
 * netfaults.h: the network faults of a run (delay, loss, rate, drop,
 * reject, partition, heal) and the hosts' `link:` impairments, on top of
 * netns/'s mechanics. Internal to the engine, like run.h:
 *
 *   netfaults.c  the faults at their time, their events, heal, and the
 *                hooks the engine calls (prepare, boot, power-off, check,
 *                end)
 *   impair.c     delay, loss and rate: the run's engine (netem qdiscs or
 *                the NFQUEUE delay line), each host's impairments per
 *                direction, and the delay lines' lives
 *   fwrules.c    drop, reject and partition: nftables rules in the hosts'
 *                own namespaces (netns/firewall.h)
 *
 * The model. Each interface of a host has, per direction (out = leaving
 * it, in = arriving at it), one impairment in force: the host's `link:`
 * (on every interface) with the delay, loss and rate faults laid over it,
 * each fault replacing the earlier one of the same kind and direction on
 * the interfaces it names (its network:'s, else every one of the host). Heal puts the `link:` back (the link is the
 * host's hardware, not a fault) and removes every firewall rule. A host
 * that powers off loses everything held in its own namespace (rules, its
 * delay line, the qdiscs of its links); when it boots it gets its `link:`
 * again and none of the earlier faults. Rules that other hosts hold about
 * it (a partition) stay with them.
 *
 * One impairment engine serves a whole run: netem where the kernel has it,
 * else the delay line; `engine:` in the scenario (a host's link or a
 * fault) or engine_opts.impair_engine forces one, and a forced netem on a
 * kernel without it is an error before anything is built.
 */
#ifndef NETFAULT_ENGINE_NETFAULTS_H
#define NETFAULT_ENGINE_NETFAULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "netns/impair.h"
#include "scenario/scenario.h"

struct engine_run;
struct delayline;
struct firewall;

/* Index of a direction in the per-direction arrays. */
enum { NF_OUT = 0, NF_IN = 1 };

enum nf_engine {
	NF_ENGINE_NONE = 0,    /* the run has no delay, loss or rate */
	NF_ENGINE_NETEM,       /* netem and tbf qdiscs */
	NF_ENGINE_QUEUE,       /* the NFQUEUE delay line */
};

/* One interface of a host (eth<K> for ifaces[K]). */
struct nf_iface {
	struct link_impair now[2];    /* in force: the link, faults laid over */
	struct delayline *line;       /* queue engine: started at first need,
				       * on the queues of slot K */
};

struct nf_host {
	struct link_impair link[2];   /* its `link:`, [NF_OUT] and [NF_IN] */
	struct nf_iface ifaces[SC_MAX_HOST_NETWORKS];
	size_t nifaces;
	struct firewall *fw;          /* opened at its first rule */
	bool *cut_out, *cut_in;       /* partition: per peer host, no packet
				       * to it / from it */
};

struct netfaults {
	enum nf_engine engine;
	size_t nhosts;
	struct nf_host *hosts;
};

/* ---- netfaults.c: what the engine calls --------------------------------- */

/* Before anything is built: the run's state and its impairment engine.
 * -ENOTSUP with r->error when a forced engine cannot serve here. */
int netfaults_prepare(struct engine_run *r);
/* Host H has booted (before t0, after a poweron): its `link:` goes on.
 * H -1: every host, at the start. */
int netfaults_host_boot(struct engine_run *r, int h);
/* Host H has just lost power: forget what its namespace held. */
void netfaults_host_down(struct engine_run *r, size_t h);
/* Host H's processes were just sent SIGSTOP (or SIGCONT): its delay line,
 * which is the network and not one of the host's programs, goes on at
 * once. Returns how many line processes were among them (0 or 1). */
int netfaults_host_frozen(struct engine_run *r, size_t h);
/* Runs the network fault F now (emits its "fault" event). */
int netfault_run(struct engine_run *r, const struct sc_fault *f);
/* Called every turn of the run loop: -ESRCH with a warning event and
 * r->error when a delay line has died. */
int netfaults_check(struct engine_run *r);
/* Stops every delay line and closes every firewall context; frees the
 * state. Accepts a run without one. */
void netfaults_end(struct engine_run *r);
/* "netem" | "queue", or NULL when the run needs no impairment engine. */
const char *netfaults_engine_name(const struct engine_run *r);

/* ---- impair.c ----------------------------------------------------------- */

/* The engine for SC (r->error says why not); NF_ENGINE_NONE when SC has no
 * delay, loss or rate. */
int impair_choose(struct engine_run *r, enum nf_engine *out);
/* The `link:` of sc_host as one impairment per direction. */
void impair_from_link(const struct sc_impair *link, struct link_impair out[2]);
/* Lays the delay, loss or rate fault F over the impairments of host H's
 * interfaces it names (F's network:, else all). */
void impair_fault_merge(struct engine_run *r, size_t h, const struct sc_fault *f);
/* Every interface of host H back to its `link:`. */
void impair_reset(struct nf_host *nh);
/* Puts host H's impairments in force for the directions in DIRS
 * (SC_DIR_*) on its interface on NETWORK (< 0: every interface), through
 * the run's engine. */
int impair_apply(struct engine_run *r, size_t h, enum sc_direction dirs, int network);
/* Stops H's delay lines (rules removed, held packets released unless the
 * host is already off). */
void impair_lines_stop(struct engine_run *r, size_t h);
/* -ESRCH (r->error, a warning) when one of H's delay lines has died. */
int impair_line_check(struct engine_run *r, size_t h);
/* Sends SIGCONT to H's delay lines; how many there were. */
int impair_lines_thaw(struct engine_run *r, size_t h);
const char *impair_engine_name(enum nf_engine e);

/* ---- fwrules.c ---------------------------------------------------------- */

int fwrules_drop(struct engine_run *r, const struct sc_fault *f);
int fwrules_reject(struct engine_run *r, const struct sc_fault *f);
int fwrules_partition(struct engine_run *r, const struct sc_fault *f);
/* Removes every rule of host HOST, and HOST from the other hosts'
 * partitions; HOST -1: every rule of every host. */
int fwrules_heal(struct engine_run *r, int host);
/* Forgets H's rules (its namespace is gone) and closes its context. */
void fwrules_host_down(struct engine_run *r, size_t h);

#endif
