/*
 * topotest.h: a run's topology inside the test process, for the
 * integration tests of netns/ (tests/integ/test_topology*.c, test_observe*.c
 * through wiretest.h), and TCP connections between its hosts.
 *
 * Cleanup when a test fails: Check runs each test in a forked child and
 * does not run a checked teardown after a failed assertion, so every tcase
 * leases its run id in the parent (unchecked fixture, lease_setup) and
 * removes whatever is left of that run before each test (run_clean_setup)
 * and after the tcase (lease_teardown); run_tcase() makes such a tcase.
 * Processes the tests start die with their test (PR_SET_PDEATHSIG) or with
 * the purge.
 *
 * Sockets are made by the test itself inside each host (socket_in: enter
 * the namespace, socket, come back): a socket stays in the namespace it was
 * created in, so one process can play every host without forking.
 */
#ifndef NETFAULT_TESTS_TOPOTEST_H
#define NETFAULT_TESTS_TOPOTEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "netns/netns.h"

#define TEST_PORT 7000
#define CONNECT_OK_MS 10000  /* a deadline, not a bound: see assert_first_try */
#define CONNECT_CUT_MS 300   /* how long an unreachable host is given */

/* The tcase's run id, and the test's topology (NULL when none). */
extern struct run_lease lease;
extern struct topology *topo;

/* A tcase with the fixtures above and TIMEOUT seconds per test. */
TCase *run_tcase(const char *name, int timeout);
/* Unchecked teardown: removes dead runs' leftovers (see lease.c). */
void dead_runs_teardown(void);

/* Builds N hosts h1..hN (or GIVEN's) as topo, asserted to succeed. */
struct topology *build_hosts(size_t n, const struct topo_host_spec *given);

/* "10.0.0.1/24" -> sockaddr with PORT */
socklen_t sockaddr_of(const char *cidr, int port, struct sockaddr_storage *ss);
/* A socket created inside NSFD (it stays there), nonblocking. */
int socket_in(int nsfd, int family);
/* A listening socket of host H on CIDR:PORT. */
int listen_on(const struct topo_host *h, const char *cidr, int port);
/* Connects from host FROM to CIDR:PORT; returns the connected socket, or
 * -errno (-ETIMEDOUT when nothing happened within TIMEOUT_MS). */
int connect_from(const struct topo_host *from, const char *cidr, int port, int timeout_ms);
/* Accepts one connection on LISTENER and checks it came from FROM_CIDR. */
int accept_from(int listener, const char *from_cidr);
/* The connection on FD never retransmitted (see topotest.c). */
void assert_first_try(int fd, const char *what);
/* Host FROM reaches host TO (over IPv6 when V6): connect and accept, the
 * first SYN answered. */
void assert_reaches(const struct topo_host *from, const struct topo_host *to,
		    int listener, bool v6);
void assert_cut_off(const struct topo_host *from, const struct topo_host *to);
/* Every ordered pair of hosts connects. */
void assert_full_mesh(struct topology *t, bool v6);

bool ns_file_exists(const char *name);
ino_t ns_inode(int nsfd);
/* True while PID is a live process (not gone, not a zombie) */
bool process_alive(pid_t pid);
void mac_of_eth0(int nsfd, uint8_t mac[6]);
/* How many veth links the machine's own namespace (this process's) has. */
int root_veth_count(void);
/* A spawned sleeper that is inside NSFD when this returns. */
pid_t spawn_sleeper(int nsfd);
/* A process that escaped into NSFD: forked twice, orphaned, no death
 * signal, not holding the run's lease. Returns its pid. This test process
 * becomes its subreaper, to reap it once killed. */
pid_t escapee_in(int nsfd);

#endif
