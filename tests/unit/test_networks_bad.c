/*
 * test_networks_bad.c: unit tests of the scenario parser's networks,
 * routers and middleboxes: a table of bad files, each with the exact first
 * error the user must see ("bad.yaml:LINE:COLUMN: message"), one or more
 * for every error the networks add. The texts are built from the blocks of
 * tests/lib/networktest.h, whose lines they count on. No privileges, no
 * kernel objects.
 */
#include <string.h>

#include "scenario/scenario.h"
#include "tests/lib/networktest.h"
#include "tests/lib/scenariotest.h"
#include "tests/lib/testlib.h"

static const struct bad_case {
	const char *what;
	const char *text;
	const char *error;    /* the first error, exactly */
} bad_cases[] = {
	/* networks: */
	{ "networks_list", NAME "networks: [lan]\n" APPS,
	  "bad.yaml:2:11: expected a mapping of network names to networks, not a list" },
	{ "network_value", NETS("  lan: 5\n") APPS,
	  "bad.yaml:3:8: expected a mapping of network settings (subnet, subnet6, mtu), or nothing, not a single value" },
	{ "network_name", NETS("  Lan: {}\n") APPS,
	  "bad.yaml:3:3: invalid network name \"Lan\" (expected a lowercase letter, then up to 14 lowercase letters, digits or dashes)" },
	{ "network_twice", NETS("  lan: {}\n  lan: {}\n") APPS,
	  "bad.yaml:4:3: duplicate network \"lan\" (first at 3:3)" },
	{ "network_key", NETS("  lan: { subnt: 10.1.0.0/24 }\n") APPS,
	  "bad.yaml:3:10: unknown key \"subnt\" (did you mean subnet?)" },
	{ "subnet_bad", SUBNET("10.1.0/24"),
	  "bad.yaml:3:18: 10.1.0/24: not an IPv4 subnet (expected one like 10.1.0.0/24)" },
	{ "subnet_no_prefix", SUBNET("10.1.0.0"),
	  "bad.yaml:3:18: 10.1.0.0: a subnet needs a prefix length (10.1.0.0/24?)" },
	{ "subnet_prefix_long", SUBNET("10.1.0.0/31"),
	  "bad.yaml:3:18: 10.1.0.0/31: prefix length out of range (/8 to /30)" },
	{ "subnet_prefix_short", SUBNET("10.0.0.0/7"),
	  "bad.yaml:3:18: 10.0.0.0/7: prefix length out of range (/8 to /30)" },
	{ "subnet_host_bits", SUBNET("10.1.0.5/24"),
	  "bad.yaml:3:18: 10.1.0.5/24 has host bits set (did you mean 10.1.0.0/24?)" },
	{ "subnet_loopback", SUBNET("127.0.0.0/8"),
	  "bad.yaml:3:18: 127.0.0.0/8 cannot be a network's subnet (it holds unspecified, loopback, link-local or multicast addresses)" },
	{ "subnet6_link_local", SUBNET6("fe80::/64"),
	  "bad.yaml:3:19: fe80::/64 cannot be a network's subnet (it holds unspecified, loopback, link-local or multicast addresses)" },
	{ "subnet6_prefix", SUBNET6("fd00:1::/127"),
	  "bad.yaml:3:19: fd00:1::/127: prefix length out of range (/8 to /126)" },
	{ "mtu_low", NETS("  lan: { mtu: 500 }\n") APPS,
	  "bad.yaml:3:15: mtu 500 is out of range (576 to 9000)" },
	{ "mtu_high", NETS("  lan: { mtu: 9001 }\n") APPS,
	  "bad.yaml:3:15: mtu 9001 is out of range (576 to 9000)" },
	{ "overlap", NETS("  lan: { subnet: 10.0.0.0/8 }\n  wan: {}\n") "hosts:\n  client: " ON_LAN
	  "\n  gw: " ROUTER "\n  server: " ON_WAN "\n" APPS,
	  "bad.yaml:3:18: networks \"lan\" and \"wan\" overlap: 10.0.0.0/8 and 10.2.0.0/24 (a default subnet is 10.K.0.0/24 or fd00:K::/64, K the network's position)" },
	{ "overlap_written", NETS("  lan: { subnet: 10.1.0.0/16 }\n  wan: { subnet: 10.1.2.0/24 }\n")
	  "hosts:\n  client: " ON_LAN "\n  gw: " ROUTER "\n  server: " ON_WAN "\n" APPS,
	  "bad.yaml:4:18: networks \"lan\" and \"wan\" overlap: 10.1.0.0/16 and 10.1.2.0/24" },
	{ "overlap6", NETS("  lan: {}\n  wan: { subnet6: \"fd00:1::/48\" }\n")
	  "hosts:\n  client: " ON_LAN "\n  gw: " ROUTER "\n  server: " ON_WAN "\n" APPS,
	  "bad.yaml:4:19: networks \"lan\" and \"wan\" overlap: fd00:1::/64 and fd00:1::/48 (a default subnet is 10.K.0.0/24 or fd00:K::/64, K the network's position)" },
	{ "subnet_small", NETS("  lan: { subnet: 10.1.0.0/30 }\n")
	  "hosts:\n  client: {}\n  server: {}\n  box: {}\n" APPS,
	  "bad.yaml:3:18: subnet 10.1.0.0/30 of network \"lan\" holds 2 hosts, not 3 (a /29 holds them)" },
	{ "subnet6_small", NETS("  lan: { subnet6: \"fd00:1::/126\" }\n")
	  "hosts:\n  client: {}\n  server: {}\n  b: {}\n  c: {}\n" APPS,
	  "bad.yaml:3:19: subnet6 fd00:1::/126 of network \"lan\" holds 3 hosts, not 4 (a /125 holds them)" },
	/* a host's network: */
	{ "host_network_unknown", TOPO("{ network: lann }", ROUTER, ON_WAN),
	  "bad.yaml:6:22: unknown network \"lann\" (did you mean lan?)" },
	{ "host_network_no_networks", HOSTS("  server: { network: lan }\n  client: {}\n"),
	  "bad.yaml:3:22: unknown network \"lan\": the file has no networks: (declare it there)" },
	{ "host_network_missing", TOPO("{}", ROUTER, ON_WAN),
	  "bad.yaml:6:3: missing key \"network\" (with several networks, every host names its own: lan or wan)" },
	{ "host_network_implicit", NETS2 APPS,
	  "bad.yaml:2:1: with several networks every host names its network:, so hosts: is needed (the hosts made for apps have none)" },
	{ "host_network_empty", TOPO("{ network: [] }", ROUTER, ON_WAN),
	  "bad.yaml:6:22: expected a network name or a list of them, not an empty list" },
	{ "host_network_twice", TOPO(ON_LAN, "{ network: [lan, lan] }", ON_WAN),
	  "bad.yaml:7:24: duplicate network \"lan\" (first at 7:19)" },
	{ "host_sw_prefix", HOSTS("  sw-lan: {}\n"),
	  "bad.yaml:3:3: \"sw-lan\" is reserved and cannot name a host (names that start with sw- are the switches')" },
	{ "app_sw_prefix", NAME "apps:\n  sw-x: { listen: 1 }\n",
	  "bad.yaml:3:3: app \"sw-x\" would run on a host named \"sw-x\", a reserved name: add hosts: or rename the app" },
	/* addresses */
	{ "addr_outside", TOPO("{ network: lan, addr: 10.2.0.5 }", ROUTER, ON_WAN),
	  "bad.yaml:6:33: 10.2.0.5 is outside network \"lan\" (10.1.0.0/24)" },
	{ "addr_prefix", TOPO("{ network: lan, addr: 10.1.0.5/16 }", ROUTER, ON_WAN),
	  "bad.yaml:6:33: 10.1.0.5/16: network \"lan\" is a /24 (write the address alone)" },
	{ "addr_base", TOPO("{ network: lan, addr: 10.1.0.0 }", ROUTER, ON_WAN),
	  "bad.yaml:6:33: 10.1.0.0 is the address of network \"lan\" itself, not a host's" },
	{ "addr_broadcast", TOPO("{ network: lan, addr: 10.1.0.255 }", ROUTER, ON_WAN),
	  "bad.yaml:6:33: 10.1.0.255 is the broadcast address of network \"lan\"" },
	{ "addr6_outside", TOPO("{ network: lan, addr6: \"fd00:9::1\" }", ROUTER, ON_WAN),
	  "bad.yaml:6:34: fd00:9::1 is outside network \"lan\" (fd00:1::/64)" },
	{ "addr_router_one", TOPO(ON_LAN, "{ network: [lan, wan], addr: 10.1.0.9 }", ON_WAN),
	  "bad.yaml:7:36: host \"gw\" is on 2 networks (lan and wan): write addr as a mapping of network to address, like { lan: ... }" },
	{ "addr_map_not_on", TOPO("{ network: lan, addr: { wan: 10.2.0.9 } }", ROUTER, ON_WAN),
	  "bad.yaml:6:35: host \"client\" is not on network \"wan\" (it is on lan)" },
	{ "addr_map_unknown", TOPO("{ network: lan, addr: { lam: 10.1.0.9 } }", ROUTER, ON_WAN),
	  "bad.yaml:6:35: unknown network \"lam\" (did you mean lan?)" },
	{ "addr_map_no_networks", HOSTS("  server: { addr: { lan: 10.0.0.9 } }\n  client: {}\n"),
	  "bad.yaml:3:19: expected an IPv4 address, not a mapping (a mapping of networks to addresses needs networks:)" },
	{ "addr_same_default", TOPO("{ network: lan, addr: 10.1.0.2 }", ROUTER, ON_WAN),
	  "bad.yaml:6:33: hosts \"client\" and \"gw\" have the same address 10.1.0.2 (a default address is the subnet's base + N, N the host's position on the network)" },
	{ "addr_same", TOPO("{ network: lan, addr: 10.1.0.7 }",
			    "{ network: [lan, wan], addr: { lan: 10.1.0.7 } }", ON_WAN),
	  "bad.yaml:7:43: hosts \"client\" and \"gw\" have the same address 10.1.0.7" },
	/* middlebox: */
	{ "middlebox_one_network", TOPO("{ network: lan, middlebox: {} }", ROUTER, ON_WAN),
	  "bad.yaml:6:27: a middlebox needs a router: host \"client\" is on one network, a router on two or more" },
	{ "middlebox_no_networks", HOSTS("  server: { middlebox: {} }\n  client: {}\n"),
	  "bad.yaml:3:13: a middlebox needs a router: host \"server\" is on one network, a router on two or more" },
	{ "middlebox_nat_not_on", TOPO3(ON_LAN, "{ network: [lan, wan], middlebox: { nat: dmz } }", ON_WAN),
	  "bad.yaml:8:48: nat: host \"gw\" is not on network \"dmz\" (it is on lan and wan)" },
	{ "middlebox_nat_unknown", GW_MB("{ nat: wam }"),
	  "bad.yaml:7:48: unknown network \"wam\" (did you mean wan?)" },
	{ "middlebox_idle_fraction", GW_MB("{ idle_timeout: 1500ms }"),
	  "bad.yaml:7:57: idle_timeout 1500ms is not whole seconds (the kernel counts seconds: 1s or 2s?)" },
	{ "middlebox_idle_zero", GW_MB("{ idle_timeout: 0s }"),
	  "bad.yaml:7:57: idle_timeout 0s is out of range (1s to 168h)" },
	{ "middlebox_idle_long", GW_MB("{ idle_timeout: 169h }"),
	  "bad.yaml:7:57: idle_timeout 169h is out of range (1s to 168h)" },
	{ "middlebox_expired", GW_MB("{ expired: dorp }"),
	  "bad.yaml:7:52: unknown expired \"dorp\" (did you mean drop?)" },
	{ "middlebox_key", GW_MB("{ nta: wan }"),
	  "bad.yaml:7:43: unknown key \"nta\" (did you mean nat?)" },
	{ "middlebox_value", GW_MB("on"),
	  "bad.yaml:7:41: expected a mapping of middlebox settings (nat, idle_timeout, expired), or {}, not a single value" },
	/* gateway: */
	{ "gateway_not_router", TOPO("{ network: lan, gateway: server }", ROUTER, ON_WAN),
	  "bad.yaml:6:36: gateway \"server\" is not a router (a router is a host on two or more networks)" },
	{ "gateway_elsewhere", NETS("  lan: {}\n  wan: {}\n  dmz: {}\n") "hosts:\n"
	  "  client: { network: lan, gateway: r2 }\n  server: { network: wan }\n"
	  "  r2: { network: [wan, dmz] }\n" APPS,
	  "bad.yaml:7:36: gateway \"r2\" is not on a network of host \"client\" (lan)" },
	{ "gateway_self", TOPO(ON_LAN, "{ network: [lan, wan], gateway: gw }", ON_WAN),
	  "bad.yaml:7:39: host \"gw\" cannot be its own gateway" },
	{ "gateway_unknown", TOPO("{ network: lan, gateway: gww }", ROUTER, ON_WAN),
	  "bad.yaml:6:36: unknown host \"gww\" (did you mean gw?)" },
	/* faults */
	{ "fault_network_not_on", TOPO_FAULT("    unplug: { host: client, network: wan }\n"),
	  "bad.yaml:16:38: host \"client\" is not on network \"wan\" (it is on lan)" },
	{ "delay_network_not_on", TOPO_FAULT("    delay: { host: client, time: 1ms, network: wan }\n"),
	  "bad.yaml:16:48: host \"client\" is not on network \"wan\" (it is on lan)" },
	{ "loss_network_not_on", TOPO_FAULT("    loss: { host: client, percent: 5, network: wan }\n"),
	  "bad.yaml:16:48: host \"client\" is not on network \"wan\" (it is on lan)" },
	{ "rate_network_not_on", TOPO_FAULT("    rate: { host: server, rate: 1mbit, network: lan }\n"),
	  "bad.yaml:16:49: host \"server\" is not on network \"lan\" (it is on wan)" },
	{ "fault_network_unknown", TOPO_FAULT("    delay: { host: gw, time: 1ms, network: lna }\n"),
	  "bad.yaml:16:44: unknown network \"lna\" (did you mean lan?)" },
	{ "fault_network_no_networks", FAULT("    drop: { host: server, network: lan }\n"),
	  "bad.yaml:9:36: unknown network \"lan\": the file has no networks: (declare it there)" },
	{ "fault_plug_key", TOPO_FAULT("    plug: { host: gw, net: wan }\n"),
	  "bad.yaml:16:23: unknown key \"net\" (expected host or network)" },
	{ "forget_no_middlebox", TOPO_FAULT("    forget: gw\n"),
	  "bad.yaml:16:13: host \"gw\" has no middlebox to forget its connections (forget is for a router with middlebox:)" },
	{ "forget_no_networks", FAULT("    forget: client\n"),
	  "bad.yaml:9:13: host \"client\" has no middlebox to forget its connections (forget is for a router with middlebox:)" },
	{ "forget_unknown", TOPO_FAULT("    forget: { host: gww }\n"),
	  "bad.yaml:16:21: unknown host \"gww\" (did you mean gw?)" },
};

START_TEST(test_bad_file)
{
	const struct bad_case *c = &bad_cases[_i];
	char buf[512];

	ck_assert_msg(strcmp(first_error(c->text, NULL, 0, buf, sizeof(buf)), c->error) == 0,
		      "%s:\n  got      %s\n  expected %s", c->what, buf, c->error);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("networks_bad");
	TCase *errors = tcase_create("errors");

	tcase_add_loop_test(errors, test_bad_file, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, errors);
	return nf_run_suite(s);
}
