/*
 * loop.c: the poll() event loop (see loop.h).
 *
 * The pollfd array is rebuilt from the watch table before every poll(); at
 * a hundred-odd fds that costs nothing and keeps the table the only state.
 * A watch removed during a round is marked dead and freed after the round,
 * so a callback never sees a slot that changed owner under it.
 */
#include "daemon/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/netfaultd.h"

/* listener, signalfd, clients, one pipe per running worker, and spare */
#define LOOP_MAX_WATCHES (NFD_MAX_CLIENTS + NFD_MAX_PARALLEL + 8)

struct watch {
	bool used;
	bool dead;
	int fd;
	short events;
	loop_fn fn;
	void *ctx;
};

static struct watch watches[LOOP_MAX_WATCHES];

struct watch *loop_watch(int fd, short events, loop_fn fn, void *ctx)
{
	for (size_t i = 0; i < LOOP_MAX_WATCHES; i++) {
		struct watch *w = &watches[i];

		if (w->used)
			continue;
		*w = (struct watch){ .used = true, .fd = fd, .events = events,
				     .fn = fn, .ctx = ctx };
		return w;
	}
	return NULL;
}

void loop_set_events(struct watch *w, short events)
{
	w->events = events;
}

void loop_unwatch(struct watch *w)
{
	if (w)
		w->dead = true;
}

int loop_run_once(int timeout_ms)
{
	struct pollfd pfd[LOOP_MAX_WATCHES];
	struct watch *owner[LOOP_MAX_WATCHES];
	size_t n = 0;
	int ready;

	for (size_t i = 0; i < LOOP_MAX_WATCHES; i++) {
		if (!watches[i].used || watches[i].dead)
			continue;
		pfd[n] = (struct pollfd){ .fd = watches[i].fd,
					  .events = watches[i].events };
		owner[n++] = &watches[i];
	}
	ready = poll(pfd, n, timeout_ms);
	if (ready < 0)
		return errno == EINTR ? 0 : -errno;
	for (size_t i = 0; i < n && ready > 0; i++) {
		if (pfd[i].revents == 0 || owner[i]->dead)
			continue;
		owner[i]->fn(pfd[i].fd, pfd[i].revents, owner[i]->ctx);
	}
	for (size_t i = 0; i < LOOP_MAX_WATCHES; i++) {
		if (watches[i].dead)
			watches[i] = (struct watch){ 0 };
	}
	return ready;
}
