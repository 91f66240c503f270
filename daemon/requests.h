/*
 * requests.h: what each control request does. client.c frames the lines;
 * request_handle() decodes one, acts on the run table and the scheduler,
 * and replies through client_send (common/protocol.h has the members).
 * Both functions here are a client's handlers (client.h), which netfaultd.c
 * gives the control socket for every client.
 */
#ifndef NETFAULTD_REQUESTS_H
#define NETFAULTD_REQUESTS_H

struct client;

/* LINE is one request line without its newline. */
void request_handle(struct client *c, const char *line);
/* C is closing: its runs stop streaming to it, and those it did not detach
 * are cancelled. */
void request_client_closed(struct client *c);

#endif
