/*
 * wiretest.h: the observation mechanics' integration tests
 * (tests/integ/test_observe*.c): a real topology of two hosts, "client"
 * 10.0.0.1 and "server" 10.0.0.2 (topo, from topotest.h), one TCP
 * connection between them made by the test thread itself, and captures on
 * the hosts' eth0 feeding a log of decoded packets.
 *
 * The test thread enters a host's namespace just for socket(), and a
 * socket keeps that namespace; so client, server and observers all live in
 * this one thread and no process is spawned.
 *
 * Each test has a TCase of its own (add_case) whose unchecked fixture (run
 * by the runner process, not the forked test) leases a run id, builds the
 * topology and a temporary directory, and removes all of it afterwards,
 * also when the test fails or times out. It then checks that nothing of
 * the run is left and the machine's root namespace is as it was.
 */
#ifndef NETFAULT_TESTS_WIRETEST_H
#define NETFAULT_TESTS_WIRETEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "netns/capture.h"
#include "netns/endpoint.h"
#include "netns/tcpdecode.h"
#include "tests/lib/testlib.h"
#include "tests/lib/topotest.h"

#define CLIENT 0
#define SERVER 1
#define WIRE_LOG_MAX 1024
#define SAMPLE_PERIOD_MS 5
#define TEST_TIMEOUT_S 30

/* The fixture's temporary directory (pcap files go there). */
extern char tmpdir[64];
/* The address families each looped test runs with. */
extern const int families[2];

#define REQUIRE_TOPOLOGY()                                                  \
	do {                                                                \
		NF_REQUIRE_ROOT();                                          \
		ck_assert_msg(topo != NULL, "fixture: %s", fixture_error);  \
	} while (0)
extern char fixture_error[256];

/* Adds TEST as a TCase NAME of its own, with the fixture; LOOPS > 1: a
 * loop test over 0..LOOPS-1. */
void add_case(Suite *s, const char *name, const TTest *test, int loops);

/* Clocks, in nanoseconds. */
int64_t realtime_ns(void);
int64_t monotime_ns(void);
int64_t ts_ns(const struct timespec *ts);
void sleep_ms(int ms);

struct conn {
	int family;
	struct ip_endpoint server, client;  /* ends as the wire shows them */
	int listener, cfd, sfd;             /* client's and server's sockets */
	int64_t rt_connect, rt_accepted;    /* CLOCK_REALTIME around the handshake */
};

/* A listening socket of the server on PORT (FAMILY's address). */
void conn_listen(struct conn *c, int family, uint16_t port);
/* The client connects, the server accepts; the ends are filled in. */
void conn_connect(struct conn *c);
void conn_close(struct conn *c);

/* ---- the wire view: captures feeding one log ----------------------------- */

struct wire_pkt {
	struct decoded_packet p;
	struct timespec ts;
	int64_t mono_ns;
	uint64_t index;
};

struct wire_log {
	size_t n;
	unsigned undecodable, overflow;
	struct wire_pkt pkts[WIRE_LOG_MAX];
};

/* capture_config.on_packet: decodes the packet into the wire_log USER. */
void wire_log_packet(void *user, const struct capture_packet *pkt);
/* A capture on HOST's eth0 (TCP and ICMP) into W, writing tmpdir/FILE when
 * FILE is not NULL. */
struct capture *open_capture(size_t host, const char *file, struct wire_log *w);
/* One event-loop round over N captures: waits up to TIMEOUT_MS for any to
 * be readable and dispatches the readable ones. */
void capture_poll_round(struct capture **caps, size_t n, int timeout_ms);
bool is_from(const struct wire_pkt *wp, const struct ip_endpoint *src,
	     const struct ip_endpoint *dst);
/* First TCP packet at or after START from SRC to DST that has every flag
 * of ALL, and payload when WITH_DATA; -1 when none. */
long find_tcp(const struct wire_log *w, size_t start, const struct ip_endpoint *src,
	      const struct ip_endpoint *dst, uint8_t all, bool with_data);
/* Pumps CAPS until find_tcp(W, ...) finds a packet, or TIMEOUT_MS. */
long wait_tcp(struct capture **caps, size_t ncaps, struct wire_log *w, size_t start,
	      const struct ip_endpoint *src, const struct ip_endpoint *dst,
	      uint8_t all, bool with_data, int timeout_ms);
void assert_between(int64_t t, int64_t lo, int64_t hi, const char *what);

#endif
