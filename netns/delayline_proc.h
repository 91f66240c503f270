/*
 * delayline_proc.h: the delay line process (what runs in the child that
 * delayline_start spawns inside the host's namespace) and the messages on
 * its control socket. Only delayline.c and the process itself use this.
 *
 * Control socket: an AF_UNIX SOCK_SEQPACKET pair, one message per request
 * and per reply, fixed sizes. The process first sends one reply whose status
 * says whether its queues are bound (0) or why not (-errno); then it answers
 * each request with one reply, in order. EOF on either side means the other
 * is gone: the process then releases everything it holds and exits.
 */
#ifndef NETFAULT_DELAYLINE_PROC_H
#define NETFAULT_DELAYLINE_PROC_H

#include <stdint.h>

#include "netns/delayline_sched.h"
#include "netns/impair.h"

enum dl_ctl_op {
	DL_CTL_CONFIGURE = 1,   /* dir (LINK_*), imp */
	DL_CTL_STATS = 2,       /* the reply carries the counters */
	DL_CTL_STOP = 3,        /* release all held packets, reply, exit */
};

struct dl_ctl_request {
	uint32_t op;
	uint32_t dir;
	struct link_impair imp;
};

struct dl_ctl_reply {
	int32_t status;         /* 0 or -errno */
	uint32_t pad;
	struct delayline_counters out, in;
};

struct delayline_proc_args {
	int ctl_fd;
	uint16_t queue_out, queue_in;
	uint64_t seed;
};

/* The child's body for netns_spawn (ARG: struct delayline_proc_args).
 * Returns 0 after a stop or EOF, else a positive errno. */
int delayline_proc_main(void *arg);

#endif
