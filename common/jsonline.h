/*
 * jsonline.h: one JSON value written as one compact line, the framing of
 * the control protocol (common/protocol.h) and of the workers' event
 * channels. linebuf.h reads such lines back.
 */
#ifndef NETFAULT_JSONLINE_H
#define NETFAULT_JSONLINE_H

#include <jansson.h>

/* Writes MSG (borrowed) as compact JSON and a newline to the socket FD, all
 * of it, retrying after a signal. MSG_NOSIGNAL: a peer that is gone makes
 * -EPIPE, never SIGPIPE. Returns 0, -ENOMEM (MSG NULL, or no memory to dump
 * it), or the send's -errno (-EAGAIN on a full non-blocking socket). */
int json_line_send(int fd, const json_t *msg);

#endif
