/*
 * watcher.h: the verdict watcher, a thread in the app process that sees the
 * first connection-ending event at the app's end as the kernel saw it,
 * whether or not the app reads it.
 *
 * It polls the connected socket for POLLRDHUP (POLLERR and POLLHUP come
 * anyway) and never for POLLIN; it never reads and never asks SO_ERROR,
 * which would consume sk_err and change what the app's next call returns
 * (ECONNRESET vs EPIPE). On a wakeup it reads TCP_INFO and the namespace's
 * counters (counters.h) and decides with verdict_classify(); the app's
 * steps report their errors so the first one refines the kind. Every
 * decision or refinement goes to the engine as an APP_MSG_VERDICT record.
 */
#ifndef NETFAULT_ENGINE_WATCHER_H
#define NETFAULT_ENGINE_WATCHER_H

struct watcher;

/* Starts watching FD (FAMILY for the ICMP counter), reporting on CHAN; reads
 * the counters' baseline first. Returns 0 or negative errno. */
int watcher_start(struct watcher **out, int fd, int family, int chan);
/* The app is about to shut down its write side (its FIN goes out). */
void watcher_own_fin(struct watcher *w);
/* A step STEP of the app failed with ERR (> 0). */
void watcher_step_error(struct watcher *w, const char *step, int err);
/* When the socket shows an event the watcher has not decided yet, waits up
 * to MAX_MS for the decision (before the app says it is finished). */
void watcher_settle(struct watcher *w, int max_ms);
/* Stops the thread and frees W (NULL is fine). Call before the app closes
 * the socket itself. */
void watcher_stop(struct watcher *w);

#endif
