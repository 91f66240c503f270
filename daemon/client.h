/*
 * client.h: one connection to the control socket.
 *
 * The protocol is newline-delimited JSON (common/protocol.h). Each run
 * request that did not detach opens a stream: the runs' events and results,
 * then "done". A client may have several streams open and send further
 * requests meanwhile; the request's "tag" marks every line of its replies.
 */
#ifndef NETFAULTD_CLIENT_H
#define NETFAULTD_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/socket.h>

struct client;
struct identity;
struct run;
struct stream;

/* For control.c: a new connection, FD taken; false when it cannot be had
 * (the caller refuses the peer). */
bool client_new(int fd, const struct ucred *cred);
unsigned clients_count(void);

/* Handles the complete requests of clients that are not streaming, and
 * closes the clients that are done. Called once per loop round. */
void clients_process(void);
/* True while some client still has unsent replies. */
bool clients_output_pending(void);
/* At exit. */
void clients_close_all(void);

/* For requests.c: replies, tagged with the current request's tag.
 * client_send takes MSG. */
void client_send(struct client *c, json_t *msg);
/* The tag (borrowed; NULL: none) of the request being handled. */
void client_reply_tag(struct client *c, json_t *tag);
void client_send_error(struct client *c, json_t *errors, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A stream of NRUNS runs for the current request: the client gets their
 * events and results, then "done". NULL when out of memory. */
struct stream *client_stream_begin(struct client *c, unsigned nruns);
const struct ucred *client_cred(const struct client *c);
/* Its uid, gid and groups as it connected, for what it may ask. */
const struct identity *client_identity(const struct client *c);

/* For runs.c: a run's event or result goes to its client, if it has one. */
void client_relay_event(struct run *r, json_t *event);
void client_relay_result(struct run *r);

#endif
