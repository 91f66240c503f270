/*
 * control.h: the control socket: opening it (a stale file removed, a live
 * daemon's refused), accepting connections (root and the -g group only,
 * SO_PEERCRED checked; at most NFD_MAX_CLIENTS), and removing it at exit.
 * What each connection then says is client.c's business, and what it means
 * that of the handlers the daemon gives control_open.
 */
#ifndef NETFAULTD_CONTROL_H
#define NETFAULTD_CONTROL_H

#include <stdint.h>

struct client_handlers;

/* Removes a stale socket file (not when a daemon answers on it), binds,
 * listens and starts accepting; every client accepted is served by HANDLERS
 * (kept, not copied). Returns 0 or -errno; *why says what failed. */
int control_open(const char *path, const struct client_handlers *handlers,
		 const char **why);
/* Stops accepting new connections (at shutdown); clients stay. */
void control_stop_accepting(void);
/* Closes the socket and removes its file, if it is still ours. */
void control_close(void);

/* Milliseconds until control_tick has work (accept backoff), or -1. */
int control_next_timeout(int64_t now_us);
void control_tick(int64_t now_us);

#endif
