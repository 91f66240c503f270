/*
 * mbtest.h: a routed little network for the middlebox tests
 * (tests/integ/test_middlebox*.c), built in the test process by the
 * topology (topology_build_networks, through routedtest.h), without the
 * engine:
 *
 *   client 10.1.0.2 -- lan -- eth0 10.1.0.1 gw eth1 10.2.0.1 -- wan -- server 10.2.0.2
 *
 * It is the tests' topo (topotest.h): run_tcase's fixtures remove it
 * whatever happens. The gateway forwards; the client's and the server's
 * default routes go through it.
 *
 * The socket helpers assert what must be true with generous deadlines and
 * return what was seen, for the tests to check what the spec measured.
 */
#ifndef NETFAULT_TESTS_MBTEST_H
#define NETFAULT_TESTS_MBTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "netns/netns.h"
#include "tests/lib/topotest.h"

#define MB_CLIENT_ADDR "10.1.0.2/24"
#define MB_GW_LAN_ADDR "10.1.0.1/24"
#define MB_GW_WAN_ADDR "10.2.0.1/24"
#define MB_SERVER_ADDR "10.2.0.2/24"
#define MB_GW_LAN_IF   "eth0"
#define MB_GW_WAN_IF   "eth1"   /* toward the server: the NAT side */

struct mb_topo {
	struct topo_host *client, *gw, *server;   /* in topo */
};

/* Builds the topology (asserted). */
void mbtopo_build(struct mb_topo *t);
void mbtopo_destroy(struct mb_topo *t);

/* A connection client -> server:TEST_PORT through the gateway; *CLIENT and
 * *SERVER get the two ends (nonblocking). The server sees the connection
 * from PEER_CIDR (the gateway's wan address behind a NAT). */
void mb_connect(struct mb_topo *t, const char *peer_cidr, int *client, int *server);
/* Sets TCP_USER_TIMEOUT on FD. */
void mb_user_timeout(int fd, unsigned ms);
/* Sends N bytes on FD (asserted to be queued). */
void mb_send(int fd, size_t n);
/* Waits up to DEADLINE_MS for FD's pending error; returns it (0: none by
 * then) and the milliseconds waited into *WAITED_MS (may be NULL). */
int mb_wait_error(int fd, int deadline_ms, int64_t *waited_ms);
/* Waits up to DEADLINE_MS for N bytes on FD; returns how many arrived
 * (or -errno when the connection failed). */
int mb_wait_bytes(int fd, size_t n, int deadline_ms);
/* FD saw nothing: no byte, no error, no FIN (asserted). */
void mb_assert_quiet(int fd, const char *who);
/* The TCP OutRsts counter of the namespace NSFD (/proc/net/snmp there). */
int64_t mb_tcp_out_rsts(int nsfd);
/* Sleeps MS milliseconds. */
void mb_sleep_ms(int ms);
/* A root namespace sysctl's value (read, never written), into BUF. */
void mb_root_sysctl(const char *path, char *buf, size_t len);

#endif
