/*
 * delayline_sched.c: the delay line's per-direction schedule (rules in
 * delayline_sched.h): a min-heap on (release time, arrival sequence) and a
 * small PRNG (splitmix64) for loss and jitter.
 */
#include "netns/delayline_sched.h"

#include <errno.h>
#include <stdlib.h>

#define NSEC_PER_USEC 1000LL
#define NSEC_PER_SEC  1000000000LL
#define FRAME_BYTES   1514u

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

static bool held_before(const struct dl_held *a, const struct dl_held *b)
{
	if (a->release_ns != b->release_ns)
		return a->release_ns < b->release_ns;
	return (int32_t)(a->seq - b->seq) < 0;
}

static void heap_push(struct dl_sched *s, struct dl_held h)
{
	size_t i = s->n++;

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!held_before(&h, &s->heap[parent]))
			break;
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i] = h;
}

static struct dl_held heap_pop(struct dl_sched *s)
{
	struct dl_held top = s->heap[0], last = s->heap[--s->n];
	size_t i = 0;

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= s->n)
			break;
		if (child + 1 < s->n && held_before(&s->heap[child + 1], &s->heap[child]))
			child++;
		if (!held_before(&s->heap[child], &last))
			break;
		s->heap[i] = s->heap[child];
		i = child;
	}
	if (s->n > 0)
		s->heap[i] = last;
	return top;
}

void dl_sched_init(struct dl_sched *s, uint64_t seed)
{
	*s = (struct dl_sched){ .rng = seed, .limit = IMPAIR_DEFAULT_LIMIT };
}

void dl_sched_free(struct dl_sched *s)
{
	free(s->heap);
	s->heap = NULL;
	s->n = s->cap = 0;
}

int dl_sched_configure(struct dl_sched *s, const struct link_impair *imp)
{
	uint32_t limit = imp->limit ? imp->limit : IMPAIR_DEFAULT_LIMIT;
	int rc = link_impair_check(imp);

	if (rc < 0)
		return rc;
	if (limit > s->cap) {
		struct dl_held *grown = realloc(s->heap, limit * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->heap = grown;
		s->cap = limit;
	}
	s->imp = *imp;
	s->limit = limit;
	return 0;
}

static int64_t backlog_allowance_ns(uint64_t rate_bps)
{
	int64_t allowance = (int64_t)IMPAIR_RATE_BACKLOG_US * NSEC_PER_USEC;
	int64_t two_frames = (int64_t)(2.0 * FRAME_BYTES * 8 * NSEC_PER_SEC / (double)rate_bps);

	return two_frames > allowance ? two_frames : allowance;
}

enum dl_admit dl_sched_admit(struct dl_sched *s, uint32_t id, uint32_t len,
			     int64_t now_ns)
{
	const struct link_impair *imp = &s->imp;
	int64_t due, release;

	s->count.arrived++;
	if (imp->loss_percent > 0.0 && rng_unit(&s->rng) * 100.0 < imp->loss_percent) {
		s->count.lost_random++;
		return DL_LOST_RANDOM;
	}
	if (s->n >= s->limit || s->n >= s->cap) {
		s->count.lost_full++;
		return DL_LOST_FULL;
	}
	due = now_ns + (int64_t)imp->delay_us * NSEC_PER_USEC;
	if (imp->jitter_us) {
		double offset = (2.0 * rng_unit(&s->rng) - 1.0) * imp->jitter_us;

		due += (int64_t)(offset * NSEC_PER_USEC);
		if (due < now_ns)
			due = now_ns;
	} else if (due < s->last_due_ns) {
		due = s->last_due_ns;            /* keep the order */
	}
	release = due;
	if (imp->rate_bps) {
		int64_t wire = (int64_t)((double)len * 8 * NSEC_PER_SEC / (double)imp->rate_bps);

		if (s->last_release_ns + wire > release)
			release = s->last_release_ns + wire;
		if (release - due > backlog_allowance_ns(imp->rate_bps)) {
			s->count.lost_backlog++;
			return DL_LOST_BACKLOG;
		}
	}
	if (!imp->jitter_us) {
		if (release < s->last_release_ns)
			release = s->last_release_ns;   /* the rate was just lifted */
		s->last_due_ns = due;
	}
	s->last_release_ns = release;
	heap_push(s, (struct dl_held){ .release_ns = release, .seq = s->seq++, .id = id });
	s->count.held = s->n;
	return DL_HOLD;
}

int64_t dl_sched_next_release(const struct dl_sched *s)
{
	return s->n ? s->heap[0].release_ns : INT64_MAX;
}

bool dl_sched_pop_due(struct dl_sched *s, int64_t now_ns, uint32_t *id)
{
	if (!s->n || s->heap[0].release_ns > now_ns)
		return false;
	return dl_sched_pop_any(s, id);
}

bool dl_sched_pop_any(struct dl_sched *s, uint32_t *id)
{
	if (!s->n)
		return false;
	*id = heap_pop(s).id;
	s->count.released++;
	s->count.held = s->n;
	return true;
}
