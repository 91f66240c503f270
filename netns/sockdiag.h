/*
 * sockdiag.h: the kernel's view of TCP sockets in one network namespace,
 * through sock_diag (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY) over libmnl.
 *
 * A struct sockdiag is a netlink socket opened inside the namespace (a
 * socket keeps the namespace it was made in), plus a receive buffer; it is
 * reused for every sample, so a sample costs one dump request per address
 * family (or one lookup request per watched connection) and no allocation. Each sample
 * lists the TCP sockets of that namespace with their state, ends, timer
 * (retransmit, keepalive, zero-window probe) and the fields of struct
 * tcp_info that tell what TCP is going through: retransmits, probes,
 * backoff, rto, unacked, last_data_recv, last_ack_recv, total_retrans.
 *
 * The state values are the kernel's TCP states, the same numbers as
 * TCP_ESTABLISHED... in <netinet/tcp.h>; tcp_state_name() names them.
 * Functions return 0 or a count, or a negative errno; nothing prints.
 * A struct sockdiag is used by one thread at a time.
 */
#ifndef NETFAULT_SOCKDIAG_H
#define NETFAULT_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns/endpoint.h"

/* idiag_timer: which timer runs on the socket. */
#define SOCKDIAG_TIMER_NONE      0
#define SOCKDIAG_TIMER_RETRANS   1   /* retransmission (also SYN, loss probe) */
#define SOCKDIAG_TIMER_KEEPALIVE 2   /* keepalive, also SYN-RECV / FIN-WAIT2 */
#define SOCKDIAG_TIMER_TIMEWAIT  3
#define SOCKDIAG_TIMER_PROBE     4   /* zero-window probe */

/* INET_DIAG_SHUTDOWN bits: what was shut down on this socket. */
#define SOCKDIAG_SHUT_RCV  1        /* no more to receive: the peer's FIN came */
#define SOCKDIAG_SHUT_SEND 2        /* no more to send: our FIN is queued */

/* Bit for a state in sockdiag_filter.states: SOCKDIAG_STATE(TCP_LISTEN). */
#define SOCKDIAG_STATE(s)  (1u << (s))
#define SOCKDIAG_ALL_STATES 0xfffu

struct tcp_sock_sample {
	uint8_t state;             /* TCP_ESTABLISHED... (idiag_state) */
	struct ip_endpoint local, remote;
	uint64_t cookie;           /* the kernel's id of the socket: stable for
	                              its lifetime, never reused while it lives */
	uint32_t inode;            /* 0 once no process holds it (orphan) */
	uint32_t uid;
	uint32_t recv_queue;       /* bytes not yet read by the app (listeners:
	                              the accept queue length) */
	uint32_t send_queue;       /* bytes not yet acknowledged by the peer */
	uint8_t timer;             /* SOCKDIAG_TIMER_* */
	uint8_t timer_retrans;     /* retransmits, or keepalive/zero-window
	                              probes sent, for the running timer */
	uint32_t timer_expires_ms; /* until the timer fires */
	bool has_shutdown;
	uint8_t shutdown;          /* SOCKDIAG_SHUT_* */

	bool has_info;             /* the tcp_info fields below are valid */
	struct {
		uint8_t state;
		uint8_t ca_state;
		uint8_t retransmits;   /* consecutive RTO expiries, now */
		uint8_t probes;        /* unanswered keepalive/zero-window probes */
		uint8_t backoff;       /* exponential backoff of the RTO */
		uint32_t rto_us;
		uint32_t rtt_us, rttvar_us;
		uint32_t unacked;      /* segments sent, not acknowledged */
		uint32_t lost;
		uint32_t retrans;      /* retransmitted segments in flight */
		uint32_t total_retrans;
		uint32_t snd_cwnd;
		uint32_t last_data_sent_ms, last_data_recv_ms, last_ack_recv_ms;
		uint64_t bytes_acked, bytes_received; /* 0 on old kernels */
	} info;
};

struct sockdiag_filter {
	int family;                /* AF_INET, AF_INET6, or AF_UNSPEC (0) for
	                              both: two dump requests */
	uint32_t states;           /* SOCKDIAG_STATE() bits; 0: all states */
	uint16_t port;             /* local OR remote port equals; 0: any */
	uint16_t local_port;       /* 0: any */
	uint16_t remote_port;      /* 0: any */
};

struct sockdiag;

/* Opens a sock_diag socket inside the namespace NSFD (netns_open), or in
 * the calling thread's current one when NSFD < 0. */
int sockdiag_open(struct sockdiag **out, int nsfd);
/* Accepts NULL. */
void sockdiag_close(struct sockdiag *sd);

/*
 * One sample: the TCP sockets passing FILTER (NULL: all), up to CAP of them
 * stored in OUT in the kernel's order (IPv4 first). Returns how many were
 * stored; when TOTAL is not NULL it gets how many matched, which is more
 * than CAP when some did not fit. Errors: a negative errno from netlink
 * (the kernel's answer to the request, e.g. -EINVAL), -EPROTO for a reply
 * that fails validation, -ENOBUFS when the kernel dropped part of the reply.
 */
int sockdiag_tcp_sample(struct sockdiag *sd, const struct sockdiag_filter *filter,
			struct tcp_sock_sample *out, size_t cap, size_t *total);

/*
 * The one TCP socket whose ends are LOCAL and REMOTE (same family), by the
 * kernel's hash lookup instead of a dump, into OUT. Returns 0, or -ENOENT
 * when there is no such connection (any more; a listener on LOCAL does not
 * count), or a negative errno as sockdiag_tcp_sample.
 *
 * Cost: a dump walks every bucket of the TCP hash table its namespace uses,
 * and a namespace shares the machine's big global table (262144 buckets
 * here, about 1.1 ms per dump) unless it was created from a namespace with
 * net.ipv4.tcp_child_ehash_entries set (then about 10 us). A lookup costs
 * the same few microseconds either way: use it to watch known connections
 * every few milliseconds, and a dump to find them.
 */
int sockdiag_tcp_lookup(struct sockdiag *sd, const struct ip_endpoint *local,
			const struct ip_endpoint *remote, struct tcp_sock_sample *out);

/* "ESTABLISHED", "CLOSE_WAIT"... as ss prints them ("ESTAB" is spelled out);
 * "UNKNOWN" for other values. */
const char *tcp_state_name(int state);

#endif
