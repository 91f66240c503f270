/*
 * requests.h: what each control request does. control.c frames the lines;
 * request_handle() decodes one, acts on the run table and the scheduler,
 * and replies through client_send (common/protocol.h has the members).
 */
#ifndef NETFAULTD_REQUESTS_H
#define NETFAULTD_REQUESTS_H

struct client;

/* LINE is one request line without its newline. */
void request_handle(struct client *c, const char *line);

#endif
