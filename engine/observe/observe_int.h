/*
 * observe_int.h: the observer's state, shared by its files and not by the
 * rest of the engine (which sees observe.h):
 *
 *   observe.c         life cycle: per-host capture and sock_diag handles,
 *                     opened at the start, closed at a power-off, reopened
 *                     after a power-on; the tick the engine calls
 *   observe_wire.c    each captured frame: decoded, matched to a connection,
 *                     a "packet" event, and a fact in the connection's log
 *   observe_kernel.c  each connection sampled through sock_diag: "socket"
 *                     events on change, and facts in the connection's log
 *   observe_views.c   at the end: the wire's and the kernel's view of each
 *                     app, the cmd apps' verdicts, the cross-check
 *   observe_from.c    who sent an RST or ICMP error: every address of the
 *                     run's hosts, mapped to its host
 *   observe_report.c  their members of the result
 *
 * A connection is one TCP connection as one host sees it (its end), named
 * by (host, boot, local end, remote end). Facts are kept with their times in
 * small bounded logs, so the views can be cut at any instant afterwards (the
 * moment an app closed its socket or died), whatever the order in which
 * packets, samples and the apps' records reached the engine.
 */
#ifndef NETFAULT_ENGINE_OBSERVE_INT_H
#define NETFAULT_ENGINE_OBSERVE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/run.h"
#include "netns/capture.h"
#include "netns/endpoint.h"
#include "netns/sockdiag.h"
#include "netns/tcpdecode.h"

#define OBS_SAMPLE_US        5000     /* sock_diag lookups of each connection */
#define OBS_OPEN_THREADS     16       /* hosts whose handles open or close at once */
#define OBS_MAX_CONNS        256      /* connections followed per run */
#define OBS_LOG_MAX          48       /* facts per connection and view */
#define OBS_MAX_PACKET_EVENTS 5000    /* per run; the pcap files have all */
#define OBS_MAX_SOCKET_EVENTS 2000
#define OBS_UNSEEN_GIVEUP_US (2LL * 1000000) /* lookups of a socket never found */
#define OBS_MAX_BOOTS        16       /* capture stats kept per host (one per
				       * interface and boot) */
#define OBS_DIR_MAX          256      /* pcap_dir: longer is refused */
#define OBS_FROM_MAX         VERDICT_FROM_MAX /* a host name or an address */
#define OBS_SENT_MAX         112      /* "ICMP host unreachable from gw 10.2.0.1" */

/* What one fact in a connection's wire log is. */
enum obs_wire_fact {
	OW_FIN_IN = 1,
	OW_RST_IN,
	OW_ICMP_IN,        /* a destination-unreachable about our packet */
	OW_SYNACK_IN,      /* the handshake was answered (client side) */
	OW_SYN_OUT,        /* we opened it (the first SYN) */
	OW_RETRY_OUT,      /* a retransmission or a probe went out */
	OW_ANSWER_IN,      /* the first packet in after a retry */
	OW_FIN_OUT,
	OW_RST_OUT,
};

struct obs_wire_ev {
	int64_t t;         /* absolute monotonic us */
	uint8_t fact;      /* enum obs_wire_fact */
	uint8_t icmp_kind; /* OW_ICMP_IN: SC_VERDICT_REFUSED or _UNREACHABLE */
	uint8_t icmp_proto, icmp_code; /* OW_ICMP_IN: IPPROTO_ICMP(V6), its code */
	uint16_t count;    /* OW_RETRY_OUT: retransmissions in this series */
	uint16_t probes;   /* OW_RETRY_OUT: keepalive/zero-window probes */
	struct ip_endpoint from; /* OW_RST_IN, OW_ICMP_IN: the IP source (no port), */
	uint8_t ttl;             /* its TTL or hop limit as it arrived */
	uint8_t mac[6];          /* and the frame's source: the last hop */
};

/* A change seen by sock_diag. */
struct obs_kern_ev {
	int64_t t;
	int64_t t_lo;      /* the sample before: the change happened after it */
	uint8_t state;     /* TCP_*; TCP_CLOSE for gone */
	bool gone;
	uint8_t retransmits, probes;  /* of the last sample before (for gone) */
};

struct obs_conn {
	size_t host;
	unsigned boot;
	struct ip_endpoint local, remote;
	int app;                     /* owner app, -1 none */
	bool exact;                  /* owner named by the app's own record */
	int64_t first_t;             /* made (absolute monotonic us) */
	/* wire */
	int64_t first_pkt;           /* first packet, 0 = none yet */
	int64_t last_pkt;            /* latest packet */
	bool snd_valid, una_valid;
	uint32_t snd_max, snd_una;   /* raw sequence numbers, ours */
	int64_t last_retry, last_in;
	int64_t last_in_alive;       /* latest packet in but an RST (theory.c) */
	uint64_t pkts_out, pkts_in;  /* TCP and ICMP errors of it, captured */
	struct obs_wire_ev wire[OBS_LOG_MAX];
	size_t nwire;
	/* kernel */
	bool k_seen, k_done;         /* done: gone, TIME_WAIT, or given up */
	int64_t k_last_t;            /* when it was last found */
	struct tcp_sock_sample k_last;
	uint32_t k_rto_us;           /* its RTO before any backoff (theory.c) */
	struct obs_kern_ev kern[OBS_LOG_MAX];
	size_t nkern;
};

struct obs_capstat {
	unsigned boot;
	char ifname[16];             /* eth0, eth1, ... */
	char file[OBS_DIR_MAX + 32]; /* "" when no file */
	uint64_t packets, written, not_written;
	uint32_t kernel_dropped;
	int error;                   /* negative errno of opening or writing */
};

struct obs_host {
	struct engine_run *r;
	size_t index;
	struct capture *cap[NETNS_MAX_IFACES];  /* one per interface */
	int capstat[NETNS_MAX_IFACES];  /* its entry in caps, -1: none kept */
	size_t ncap;
	struct sockdiag *sd;
	dev_t ns_dev;
	ino_t ns_ino;                /* the namespace the handles live in */
	unsigned boot;               /* 1, then +1 per power-on */
	bool open;
	struct ip_endpoint addr4, addr6;
	struct tcp_relseq rel;
	struct obs_capstat caps[OBS_MAX_BOOTS];
	size_t ncaps;
};

/* An address of a host of the run (any of its interfaces, IPv4 or IPv6). */
struct obs_addr {
	struct ip_endpoint addr;     /* port 0 */
	size_t host;
};

/* One view of an app: what ended its connection, by one observer. */
struct obs_view {
	bool has;                    /* the observer saw a connection of it */
	enum sc_verdict kind;        /* NOTHING when nothing ended it */
	bool pending;                /* wire: retries unanswered, nothing arrived */
	int64_t last_pkt;            /* wire: its connections' latest packet */
	int64_t t;                   /* absolute; 0 for nothing */
	char evidence[224];
	/* the RST or ICMP error that decided it (rst, refused, unreachable;
	 * "" otherwise): its sender's host name, or its address when no host of
	 * the run has it, and the packet in words ("RST from server 10.0.0.2") */
	char from[OBS_FROM_MAX];
	char sent[OBS_SENT_MAX];
};

struct observer {
	bool on;                     /* capture and sampling (opts->no_observe) */
	bool finished;               /* views decided: no more facts */
	struct obs_host *hosts;
	size_t nhosts;
	struct obs_addr *addrs;      /* every address of every host (observe_from.c) */
	size_t naddrs;
	struct obs_conn *conns;
	size_t nconns;
	bool conns_full;
	int64_t last_sample;
	unsigned packet_events, socket_events;
	bool packet_capped, socket_capped;
	int64_t *died;               /* per app: when the engine saw it dead */
	struct obs_view (*views)[3]; /* per app: app, wire, kernel */
	bool *agree;                 /* per app */
	bool *has_views;
};

/* observe_wire.c */
void obs_wire_packet(void *user, const struct capture_packet *pkt);
/* The connection (HOST's current boot, LOCAL, REMOTE), made when absent and
 * CREATE; NULL when absent or the table is full. */
/* Every packet one host's capture saw leave for another host's connection
 * was seen arriving there too (none in flight); false when it cannot be
 * told (a connection without its other end among the hosts). */
bool obs_wire_quiet(const struct engine_run *r);
/* observe_kernel.c: every watched socket is at rest: gone, in TIME_WAIT,
 * or ESTABLISHED, CLOSE_WAIT or FIN_WAIT2 with nothing unacknowledged and
 * no retransmission or probe timer; and a live app whose socket saw its
 * end has recorded it. */
bool obs_kernel_quiet(const struct engine_run *r);
struct obs_conn *obs_conn_get(struct engine_run *r, size_t host, const struct ip_endpoint *local,
			      const struct ip_endpoint *remote, bool create);
/* "10.0.0.2:5000" / "[fd00::2]:5000", as the "connection" event writes. */
const char *obs_endpoint_text(const struct ip_endpoint *e, char *buf, size_t len);
/* Parses that text back; -EINVAL. */
int obs_endpoint_parse(const char *text, struct ip_endpoint *e);

/* observe_from.c */
/* Collects every address of the run's hosts: each interface's of the
 * scenario, and the topology's. 0 or -ENOMEM. */
int obs_addrs_build(struct engine_run *r);
/* The host that has ADDR (its port ignored), or -1. */
int obs_addr_host(const struct engine_run *r, const struct ip_endpoint *addr);
/* The host that sent the packet P arriving in FRAME (which holds at least
 * an Ethernet header), by the rules above: the owner of its source
 * address, or the host that answered in its name; -1 for none. */
int obs_packet_sender(const struct engine_run *r, const struct decoded_packet *p,
		      const uint8_t *frame);
/* The packet E (an OW_RST_IN or OW_ICMP_IN) in words, with its sender:
 * "RST from server 10.0.0.2", "ICMP host unreachable from gw 10.2.0.1",
 * "RST from 192.0.2.7" (no host of the run has it), "RST from lb, sent
 * as server 10.2.0.3" (a host that answered in another's name). FROM gets
 * the sender as "from" says it: its host's name, else the address. */
void obs_sent_text(const struct engine_run *r, const struct obs_wire_ev *e, char *from,
		   size_t from_len, char *sent, size_t sent_len);

/* observe_kernel.c */
/* Every followed connection looked up: its changes logged and "socket"
 * events. */
void obs_kernel_sample(struct engine_run *r);
/* One lookup of C's socket in SD: a change logged in C's kernel log, timed
 * by the clock after the lookup (*AT); the change's name ("new", "state",
 * "retransmit", "probe", "gone") or NULL, S the sample (the last one for
 * "gone"). */
const char *obs_kernel_observe(struct sockdiag *sd, struct obs_conn *c,
			       struct tcp_sock_sample *s, int64_t *at);
/* The host's connections are gone with it (power-off). */
void obs_kernel_host_off(struct engine_run *r, size_t host, int64_t now);

/* observe_views.c */
void obs_views_decide(struct engine_run *r);
/* The kernel's view of connection C cut at CUT (absolute; INT64_MAX: none):
 * what its kernel log says ended it before then (R: its t0 for the words). */
void obs_kernel_view(const struct engine_run *r, const struct obs_conn *c, int64_t cut,
		     struct obs_view *v);
/* App I's views: {"app", "wire", "kernel"}, each null or {"verdict", "t",
 * "evidence"}. */
json_t *obs_views_json(const struct engine_run *r, size_t i);

#endif
