/*
 * networktest.h: the texts the networks tests (tests/unit/test_networks*.c)
 * build their scenarios from, with the lines and columns they count on.
 * Builds on the blocks of scenariotest.h (NAME, APPS, HOSTS, FAULT).
 *
 * TOPO: lan and wan, a client on lan, a router gw on both, a server on
 * wan, and the usual apps. Lines: networks: 2, lan 3, wan 4, hosts: 5,
 * client 6, gw 7, server 8, apps 9-13; TOPO_FAULT's faults: 14,
 * "- at: 1s" 15, BODY from 16. A host's value starts at column 11
 * (client), 7 (gw), 11 (server).
 */
#ifndef NETFAULT_TESTS_NETWORKTEST_H
#define NETFAULT_TESTS_NETWORKTEST_H

#include "tests/lib/scenariotest.h"

#define NETS2 NAME "networks:\n  lan: {}\n  wan: {}\n"
#define TOPO(client, gw, server) \
	NETS2 "hosts:\n  client: " client "\n  gw: " gw "\n  server: " server "\n" APPS
#define ON_LAN "{ network: lan }"
#define ROUTER "{ network: [lan, wan] }"
#define ON_WAN "{ network: wan }"
#define TOPO_OK TOPO(ON_LAN, ROUTER, ON_WAN)
#define TOPO_FAULT(body) TOPO_OK "faults:\n  - at: 1s\n" body

/* NETS: NAME, "networks:" line 2, NETS from line 3 (then the caller's hosts, apps). */
#define NETS(nets) NAME "networks:\n" nets
#define SUBNET(x) NETS("  lan: { subnet: " x " }\n") APPS          /* value at 3:18 */
#define SUBNET6(x) NETS("  lan: { subnet6: \"" x "\" }\n") APPS    /* value at 3:19 */
/* three networks: lan 3, wan 4, dmz 5, hosts: 6, client 7, gw 8, server 9 */
#define TOPO3(client, gw, server) \
	NETS("  lan: {}\n  wan: {}\n  dmz: {}\n") "hosts:\n  client: " client "\n  gw: " gw \
	"\n  server: " server "\n" APPS
#define GW_MB(mb) TOPO(ON_LAN, "{ network: [lan, wan], middlebox: " mb " }", ON_WAN)

#endif
