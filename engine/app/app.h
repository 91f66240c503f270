/*
 * app.h: the built-in app, a process of its own in its host's namespace
 * (forked by the engine through netns_spawn). It listens (server) before t0,
 * waits for the engine's GO, runs its steps (steps.c) on one TCP connection,
 * watches that connection for the verdict (watcher.c) and reports every
 * step, the connection and the verdict over its channel (proto.h).
 *
 * Everything the process needs is resolved by the engine before the fork
 * and handed over in struct app_ctx, so the app never looks up names.
 */
#ifndef NETFAULT_ENGINE_APP_H
#define NETFAULT_ENGINE_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "engine/app/proto.h"
#include "scenario/scenario.h"

struct watcher;

struct app_ctx {
	const struct sc_app *app;
	int chan;                       /* the app's end of the channel */
	struct sockaddr_storage target; /* client: the server's address */
	socklen_t target_len;
	bool set_user;                  /* run as uid/gid (user:) */
	uid_t uid;
	gid_t gid;
};

/* The app process's connection, shared by its steps. */
struct app_conn {
	const struct app_ctx *ctx;
	int lfd;                /* listening socket (server), -1 */
	int fd;                 /* the connection, -1 before/after */
	bool connected_once;
	struct watcher *w;      /* NULL when not watching */
};

/* netns_spawn's function: the whole life of an app process. Returns (exit
 * status 1) only when setup failed; otherwise it idles until killed. */
int app_main(void *arg);

/* Runs every step of the app in order (steps.c); returns when the last one
 * is done (a hold never returns, nor do exit and crash). */
void steps_run(struct app_conn *c);

/* Sends a record on the app's channel; errors are ignored (the engine is
 * gone or killing us). */
void app_send(const struct app_conn *c, struct app_msg *m);
/* Trouble that is not a step result: WHAT failed with the errno ERR, in an
 * ERROR record ("WHAT: ENAME"). Before t0 the engine fails the run with
 * it, after t0 it shows a warning. */
void app_send_error(const struct app_conn *c, const char *what, int err);

/* Socket options of the scenario's tcp: (tcpopt.c). */
enum tcpopt_role { TCPOPT_LISTENING, TCPOPT_CONNECTING, TCPOPT_ACCEPTED };
/* Returns 0 or a positive errno naming the option that failed in *what. */
int tcpopt_apply(int fd, const struct sc_tcp *t, enum tcpopt_role role,
		 const char **what);

#endif
