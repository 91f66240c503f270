/*
 * proto.h: the records an app process and the engine exchange over their
 * socketpair (AF_UNIX, SOCK_SEQPACKET: one record per message, never split).
 * Every record is one fixed-size struct app_msg; times are absolute
 * CLOCK_MONOTONIC microseconds (one clock for every process), the engine
 * turns them into seconds since t0.
 *
 *   app -> engine
 *     LISTENING   a server listens: result = port
 *     CONNECTION  connected: text = local, text2 = remote ("10.0.0.1:5000")
 *     STEP        a step finished: index, t_start, t_end, result, bytes
 *     VERDICT     the app's verdict so far: result = kind, t_end = when,
 *                 text = evidence (a later record replaces an earlier one)
 *     FINISHED    every step done; the app idles with its socket open
 *     ERROR       setup failed: result = errno, text = what
 *   engine -> app
 *     GO          run the steps: t_start = t0
 */
#ifndef NETFAULT_ENGINE_PROTO_H
#define NETFAULT_ENGINE_PROTO_H

#include <stdint.h>

enum app_msg_type {
	APP_MSG_LISTENING = 1,
	APP_MSG_CONNECTION,
	APP_MSG_STEP,
	APP_MSG_VERDICT,
	APP_MSG_FINISHED,
	APP_MSG_ERROR,
	APP_MSG_GO,
};

struct app_msg {
	uint32_t type;
	int32_t index;
	int32_t result;
	int32_t pad;
	int64_t t_start;
	int64_t t_end;
	uint64_t bytes;
	char text[192];
	char text2[64];
};

/* Sends one record (MSG_NOSIGNAL: a dead peer is -EPIPE, not SIGPIPE).
 * Returns 0 or negative errno. */
int app_msg_send(int fd, const struct app_msg *m);
/* Receives one record. Returns 1, 0 at end of file, or negative errno
 * (-EAGAIN on a non-blocking socket with nothing to read). */
int app_msg_recv(int fd, struct app_msg *m, int flags);

#endif
