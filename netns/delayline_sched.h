/*
 * delayline_sched.h: the delay line's schedule for one direction, without
 * any I/O: which packet to lose, when each held packet is released, in which
 * order. The delay line process (delayline_proc.c) feeds it the packets the
 * kernel queues and asks it which are due; a unit test can drive it with
 * made-up times.
 *
 * A packet arriving at time t (ns, CLOCK_MONOTONIC):
 *   1. is lost with probability loss_percent / 100;
 *   2. is lost when `limit` packets are held already (tail drop);
 *   3. is due at t + delay + U(-jitter, +jitter), not before t;
 *      without jitter, not before the previous packet's due time either, so
 *      the order never changes (also when the delay is lowered at run time);
 *   4. with a rate, is released at max(due, previous release + len*8/rate),
 *      and lost instead when that is more than the backlog allowance
 *      (max(IMPAIR_RATE_BACKLOG_US, two full frames' time)) after its due
 *      time. (With a rate the release order is the arrival order even with
 *      jitter: the link sends one packet after the other.)
 * Held packets come out in release order, ties in arrival order.
 *
 * Memory: a binary heap of at most `limit` entries (16 bytes each), grown
 * when the limit grows, never shrunk below what it holds.
 */
#ifndef NETFAULT_DELAYLINE_SCHED_H
#define NETFAULT_DELAYLINE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns/impair.h"

/* What happened to the packets of one direction since the line started. */
struct delayline_counters {
	uint64_t arrived;
	uint64_t released;
	uint64_t lost_random;   /* loss_percent */
	uint64_t lost_full;     /* limit reached */
	uint64_t lost_backlog;  /* rate backlog allowance exceeded */
	uint64_t held;          /* now */
};

struct dl_held {
	int64_t release_ns;
	uint32_t seq;           /* arrival order, wraps harmlessly */
	uint32_t id;            /* the kernel's packet id */
};

struct dl_sched {
	struct link_impair imp;
	uint32_t limit;         /* imp.limit, default applied */
	uint64_t rng;
	struct dl_held *heap;
	size_t n, cap;
	uint32_t seq;
	int64_t last_due_ns;      /* of the last packet held without jitter */
	int64_t last_release_ns;  /* of the last packet held */
	struct delayline_counters count;
};

enum dl_admit { DL_HOLD, DL_LOST_RANDOM, DL_LOST_FULL, DL_LOST_BACKLOG };

/* An empty schedule that passes packets at once; SEED for the PRNG. */
void dl_sched_init(struct dl_sched *s, uint64_t seed);
void dl_sched_free(struct dl_sched *s);
/* New parameters for packets from now on; held ones keep their times.
 * -EINVAL/-ERANGE (link_impair_check), -ENOMEM. */
int dl_sched_configure(struct dl_sched *s, const struct link_impair *imp);
/* Decides packet ID of LEN bytes arriving at NOW_NS. */
enum dl_admit dl_sched_admit(struct dl_sched *s, uint32_t id, uint32_t len,
			     int64_t now_ns);
/* Release time of the first held packet; INT64_MAX when none is held. */
int64_t dl_sched_next_release(const struct dl_sched *s);
/* Takes the first held packet due at NOW_NS (release <= now) into *ID;
 * false when none is due. */
bool dl_sched_pop_due(struct dl_sched *s, int64_t now_ns, uint32_t *id);
/* Takes the first held packet whatever its time (for a stop). */
bool dl_sched_pop_any(struct dl_sched *s, uint32_t *id);

#endif
