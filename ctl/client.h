/*
 * client.h: netfaultctl's side of the control socket: connect, send one
 * JSON request line, read JSON reply lines (common/protocol.h).
 */
#ifndef NETFAULTCTL_CLIENT_H
#define NETFAULTCTL_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/linebuf.h"

struct ctl_conn {
	int fd;
	struct linebuf in;         /* replies, framed (CONN_MAX_LINE) */
};

/* Connects to the daemon at PATH. On failure says why on stderr (and how
 * to start the daemon) and returns -errno. */
int conn_open(struct ctl_conn *c, const char *path);
void conn_close(struct ctl_conn *c);
/* Writes REQ (taken) as one line. 0 or -errno. */
int conn_send(struct ctl_conn *c, json_t *req);
/* True for a send error after which the daemon's reply, saying why it
 * closed (a refused peer, too many clients), may still be read. */
bool conn_send_refused(int err);
/* Reads what the socket has: > 0 bytes, 0 end of file, -errno. Blocks
 * unless the caller polled first. */
long conn_fill(struct ctl_conn *c);
/* The next complete reply, or NULL (then *bad is set when the line was not
 * JSON). */
json_t *conn_next(struct ctl_conn *c, bool *bad);
/* Sends REQ (taken) and waits for one reply. NULL after saying why. */
json_t *conn_request(struct ctl_conn *c, json_t *req);
/* Prints a daemon error reply ("error" and every "errors" line) to stderr. */
void reply_print_error(const json_t *reply, const char *context);

#endif
