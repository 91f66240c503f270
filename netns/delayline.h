/*
 * delayline.h: delay, jitter, loss and rate without netem: a userspace delay
 * line on NFQUEUE for one host, both directions. The engine uses it where
 * netem_available() says 0, with the same struct link_impair it would give
 * qdisc_apply(), and reports that the delay line served.
 *
 * How: the host's packets are sent to two queues (out: DELAYLINE_QUEUE_OUT,
 * in: DELAYLINE_QUEUE_IN) by xt NFQUEUE rules (nfqueue_rules.h); a process
 * in the host's namespace holds each packet in the kernel and gives its
 * verdict at the packet's release time (delayline_sched.h has the rules;
 * delayline_proc.c the process).
 *
 * A process, not a thread: it lives in the host's namespace from the start
 * (no setns juggling in a thread of the engine), it has its own poll loop
 * that no engine work can delay, a crash of either side leaves the other
 * standing, and "the line died" is a plain, observable event (EOF on the
 * control socket, a reapable child) that a test can provoke with kill().
 * It is spawned with netns_spawn, so it dies with the thread that started
 * it (PR_SET_PDEATHSIG): start it from a thread that outlives the run.
 *
 * Rules go in lazily: a direction's rule is added the first time that
 * direction is configured with a real impairment, and stays until
 * delayline_stop. A direction configured "off" (all zero) passes packets
 * through the process at once (tens of microseconds); stop the line to take
 * it out of the path entirely.
 *
 * When the queue is full (limit packets held) the kernel drops the arriving
 * packet: a tail drop, like netem's limit. Counted as lost_full.
 *
 * When the process dies, netfault fails CLOSED: the rules have no
 * --queue-bypass, so from then on the host's packets in the impaired
 * directions are dropped, and the packets it held are dropped by the kernel.
 * A fault injector that silently stopped injecting would let a run pass that
 * should not; a blackhole is loud. The engine learns of the death from
 * delayline_event_fd() (readable, with EOF) or delayline_check(), reports it
 * as an error of the run, and delayline_stop() removes the rules, which
 * restores the link.
 *
 * Functions return 0 or a negative errno; delayline_error() then has a
 * text. Nothing prints. One thread at a time per object.
 */
#ifndef NETFAULT_DELAYLINE_H
#define NETFAULT_DELAYLINE_H

#include <sys/types.h>

#include "netns/delayline_sched.h"   /* struct delayline_counters */
#include "netns/impair.h"

/* Queue numbers are per network namespace: one line per interface of a
 * host, the line of interface slot K on DELAYLINE_QUEUE_OUT + 2 K and
 * DELAYLINE_QUEUE_IN + 2 K. */
#define DELAYLINE_QUEUE_OUT 7100
#define DELAYLINE_QUEUE_IN  7101
#define DELAYLINE_MAX_SLOTS 8        /* eth0 .. eth7, NETNS_MAX_IFACES */

struct delayline;

struct delayline_stats {
	struct delayline_counters out, in;
};

/* Spawns the line's process in NSFD for the host interface IFNAME (eth0)
 * and waits until its queues are bound. No rule is added yet, nothing is
 * delayed; the rules match IFNAME only (-o IFNAME out, -i IFNAME in).
 * -EBUSY when a line already serves that namespace's slot 0. */
int delayline_start(int nsfd, const char *ifname, struct delayline **out);
/* The same on the queues of SLOT (0 to DELAYLINE_MAX_SLOTS - 1): one line
 * per interface of a multi-homed host, each with its own impairment.
 * -EBUSY when a line already serves that slot of the namespace. */
int delayline_start_slot(int nsfd, const char *ifname, unsigned slot,
			 struct delayline **out);
/* New impairment for DIR (LINK_OUT, LINK_IN or LINK_BOTH), replacing the
 * previous one; held packets keep their release times. An all-zero IMP
 * means off. */
int delayline_configure(struct delayline *dl, enum link_dir dir,
			const struct link_impair *imp);
int delayline_stats(struct delayline *dl, struct delayline_stats *st);
/* 0 while the process lives; -ESRCH once it has died (delayline_error
 * says how: "killed by signal 9", "exited with status N"). */
int delayline_check(struct delayline *dl);
/* Becomes readable (EOF) when the process dies; for the engine's poll.
 * Never read from it. */
int delayline_event_fd(const struct delayline *dl);
pid_t delayline_pid(const struct delayline *dl);
const char *delayline_error(const struct delayline *dl);
/* Removes the rules, lets every held packet go at once, ends the process
 * (SIGKILL after DELAYLINE_STOP_MS), frees DL. Returns the first error
 * met; DL is gone in any case. Accepts NULL. */
int delayline_stop(struct delayline *dl);

#define DELAYLINE_STOP_MS  1000
#define DELAYLINE_REPLY_MS 2000

#endif
