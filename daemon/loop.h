/*
 * loop.h: the daemon's single poll() event loop.
 *
 * A room watches a file descriptor with loop_watch() and gets its callback
 * when poll() reports it. The table of watches is fixed in size (the daemon's
 * limits bound how many fds it can have), so watching never allocates.
 * Unwatching inside a callback is safe: the slot is only reused after the
 * round of callbacks ends.
 */
#ifndef NETFAULTD_LOOP_H
#define NETFAULTD_LOOP_H

typedef void (*loop_fn)(int fd, short revents, void *ctx);

struct watch;

/* NULL when the table is full. */
struct watch *loop_watch(int fd, short events, loop_fn fn, void *ctx);
void loop_set_events(struct watch *w, short events);
/* Accepts NULL. Does not close the fd. */
void loop_unwatch(struct watch *w);
/* One poll() (TIMEOUT_MS -1: no timeout) and its callbacks. Returns the
 * number of fds that were ready, or -errno (-EINTR is not an error). */
int loop_run_once(int timeout_ms);

#endif
