/*
 * client.h: one connection to the control socket.
 *
 * The protocol is newline-delimited JSON (common/protocol.h). Each run
 * request that did not detach opens a stream: the runs' events and results,
 * then "done". A client may have several streams open and send further
 * requests meanwhile; the request's "tag" marks every line of its replies.
 *
 * A client knows nothing of what its requests mean: its lines and its end
 * go to the handlers it was made with (netfaultd.c hands requests.c's to
 * control.c), and a stream reaches the runs as a run_sink (runs.h).
 */
#ifndef NETFAULTD_CLIENT_H
#define NETFAULTD_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/socket.h>

struct client;
struct identity;
struct run_sink;

/* What is done with a client: LINE gets each complete request line, without
 * its newline (the replies go out through client_send); CLOSE is told once,
 * just before the client is freed, while its streams' sinks are still its
 * own (client_owns_sink), so that what it started can let go of it. */
struct client_handlers {
	void (*line)(struct client *c, const char *line);
	void (*close)(struct client *c);
};

/* For control.c: a new connection, FD taken, served by HANDLERS (kept, not
 * copied); false when it cannot be had (the caller refuses the peer). */
bool client_new(int fd, const struct ucred *cred, const struct client_handlers *handlers);
unsigned clients_count(void);

/* Handles the complete requests of clients that are not streaming, and
 * closes the clients that are done. Called once per loop round. */
void clients_process(void);
/* True while some client still has unsent replies. */
bool clients_output_pending(void);
/* At exit. */
void clients_close_all(void);

/* For the line handler: replies, tagged with the current request's tag.
 * client_send takes MSG. */
void client_send(struct client *c, json_t *msg);
/* The tag (borrowed; NULL: none) of the request being handled. */
void client_reply_tag(struct client *c, json_t *tag);
void client_send_error(struct client *c, json_t *errors, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A stream of NRUNS runs for the current request: *SINK is set to what
 * each of them takes, so the client gets their events and results, tagged,
 * then "done" after the NRUNS-th result. 0, or -ENOMEM. */
int client_stream_begin(struct client *c, unsigned nruns, struct run_sink *sink);
/* True when SINK is one of C's streams (for its close handler). */
bool client_owns_sink(const struct client *c, const struct run_sink *sink);
const struct ucred *client_cred(const struct client *c);
/* Its uid, gid and groups as it connected, for what it may ask. */
const struct identity *client_identity(const struct client *c);

#endif
