/*
 * test_netns_names.c: the pure rules of netns/: host names, namespace names
 * and their run ids, default addresses and MACs, MAC text, address checks,
 * libnl error mapping and sysctl key checks. No privilege, no kernel object.
 */
#include "netns/netns.h"
#include "tests/lib/testlib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/errno.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- host names -------------------------------------------------------- */

static const struct {
	const char *name;
	int want;
} host_names[] = {
	{ "a", 0 },
	{ "client", 0 },
	{ "db-1", 0 },
	{ "z9-", 0 },
	{ "abcdefghijklmno", 0 },   /* 15: the longest */
	{ "sw", 0 },                /* valid as a name; topology_build refuses it */
	{ "", -EINVAL },
	{ "abcdefghijklmnop", -EINVAL }, /* 16 */
	{ "Client", -EINVAL },
	{ "1a", -EINVAL },
	{ "-a", -EINVAL },
	{ "a_b", -EINVAL },
	{ "a.b", -EINVAL },
	{ "a b", -EINVAL },
	{ "a/b", -EINVAL },
	{ "caf\xc3\xa9", -EINVAL },
};

START_TEST(test_host_name_valid)
{
	ck_assert_msg(host_name_valid(host_names[_i].name) == host_names[_i].want,
		      "host_name_valid(\"%s\") should be %d", host_names[_i].name,
		      host_names[_i].want);
}
END_TEST

START_TEST(test_host_name_null)
{
	ck_assert_int_eq(host_name_valid(NULL), -EINVAL);
}
END_TEST

/* ---- namespace names --------------------------------------------------- */

START_TEST(test_ns_names)
{
	char buf[32];

	ck_assert_int_eq(netns_host_name(buf, sizeof(buf), 12, "client"), 0);
	ck_assert_str_eq(buf, "nf12-client");
	ck_assert_int_eq(netns_switch_name(buf, sizeof(buf), 12), 0);
	ck_assert_str_eq(buf, "nf12-sw");
	ck_assert_int_eq(netns_host_name(buf, sizeof(buf), 65535, "abcdefghijklmno"), 0);
	ck_assert_str_eq(buf, "nf65535-abcdefghijklmno");

	/* exactly fitting, one short */
	ck_assert_int_eq(netns_host_name(buf, 12, 12, "client"), 0);
	ck_assert_int_eq(netns_host_name(buf, 11, 12, "client"), -ENAMETOOLONG);
	ck_assert_int_eq(netns_switch_name(buf, 7, 12), -ENAMETOOLONG);

	ck_assert_int_eq(netns_host_name(buf, sizeof(buf), 65536, "a"), -EINVAL);
	ck_assert_int_eq(netns_host_name(buf, sizeof(buf), 1, "Bad"), -EINVAL);
	ck_assert_int_eq(netns_switch_name(buf, sizeof(buf), 65536), -EINVAL);
}
END_TEST

static const struct {
	const char *ns;
	int want;
	unsigned id;
} run_ids[] = {
	{ "nf12-client", 0, 12 },
	{ "nf12-sw", 0, 12 },
	{ "nf0-sw", 0, 0 },
	{ "nf65535-x", 0, 65535 },
	{ "nf1-a-b", 0, 1 },
	{ "nf65536-x", -EINVAL, 0 },
	{ "nf99999999999-x", -EINVAL, 0 },
	{ "nf012-x", -EINVAL, 0 },   /* only the canonical spelling */
	{ "nf12", -EINVAL, 0 },
	{ "nf12-", -EINVAL, 0 },
	{ "nf-12", -EINVAL, 0 },
	{ "nfx-a", -EINVAL, 0 },
	{ "nf1a-b", -EINVAL, 0 },
	{ "xf12-a", -EINVAL, 0 },
	{ "nf", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

START_TEST(test_ns_name_run_id)
{
	unsigned id = 4242;

	ck_assert_msg(netns_name_run_id(run_ids[_i].ns, &id) == run_ids[_i].want,
		      "netns_name_run_id(\"%s\") should be %d", run_ids[_i].ns, run_ids[_i].want);
	if (run_ids[_i].want == 0)
		ck_assert_uint_eq(id, run_ids[_i].id);
	else
		ck_assert_uint_eq(id, 4242); /* untouched on failure */
}
END_TEST

START_TEST(test_ns_name_round_trip)
{
	char buf[32];
	unsigned id;

	ck_assert_int_eq(netns_host_name(buf, sizeof(buf), 777, "web"), 0);
	ck_assert_int_eq(netns_name_run_id(buf, &id), 0);
	ck_assert_uint_eq(id, 777);
	ck_assert_int_eq(netns_name_run_id(NULL, &id), -EINVAL);
}
END_TEST

/* ---- addresses --------------------------------------------------------- */

START_TEST(test_default_addresses)
{
	char buf[64];

	ck_assert_int_eq(host_default_addr4(buf, sizeof(buf), 1), 0);
	ck_assert_str_eq(buf, "10.0.0.1/24");
	ck_assert_int_eq(host_default_addr4(buf, sizeof(buf), 254), 0);
	ck_assert_str_eq(buf, "10.0.0.254/24");
	ck_assert_int_eq(host_default_addr6(buf, sizeof(buf), 1), 0);
	ck_assert_str_eq(buf, "fd00::1/64");
	/* N in decimal digits, as people read it */
	ck_assert_int_eq(host_default_addr6(buf, sizeof(buf), 12), 0);
	ck_assert_str_eq(buf, "fd00::12/64");
	ck_assert_int_eq(host_default_addr6(buf, sizeof(buf), 250), 0);
	ck_assert_str_eq(buf, "fd00::250/64");

	ck_assert_int_eq(host_default_addr4(buf, sizeof(buf), 0), -EINVAL);
	ck_assert_int_eq(host_default_addr4(buf, sizeof(buf), 255), -EINVAL);
	ck_assert_int_eq(host_default_addr6(buf, sizeof(buf), 0), -EINVAL);
	ck_assert_int_eq(host_default_addr6(buf, sizeof(buf), 255), -EINVAL);
	ck_assert_int_eq(host_default_addr4(buf, 12, 1), 0);  /* "10.0.0.1/24" just fits */
	ck_assert_int_eq(host_default_addr4(buf, 11, 1), -ENAMETOOLONG);
	ck_assert_int_eq(host_default_addr6(buf, 4, 1), -ENAMETOOLONG);
}
END_TEST

static const struct {
	const char *cidr;
	int want;
} cidrs[] = {
	{ "10.0.0.1/24", AF_INET },
	{ "192.168.7.9/32", AF_INET },
	{ "fd00::1/64", AF_INET6 },
	{ "2001:db8::5/128", AF_INET6 },
	{ "10.0.0.1", -EINVAL },       /* no prefix */
	{ "fd00::1", -EINVAL },
	{ "10.0.0.1/33", -EINVAL },
	{ "fd00::1/129", -EINVAL },
	{ "10.0.0.256/24", -EINVAL },
	{ "0.0.0.0/0", -EINVAL },
	{ "::/0", -EINVAL },
	{ "default", -EINVAL },
	{ "02:6e:00:0c:00:01/48", -EINVAL },
	{ "host/24", -EINVAL },
	{ "", -EINVAL },
};

START_TEST(test_addr_cidr_family)
{
	ck_assert_msg(addr_cidr_family(cidrs[_i].cidr) == cidrs[_i].want,
		      "addr_cidr_family(\"%s\") should be %d", cidrs[_i].cidr, cidrs[_i].want);
}
END_TEST

/* ---- MACs -------------------------------------------------------------- */

START_TEST(test_default_mac)
{
	uint8_t mac[6];
	char text[18];

	host_default_mac(mac, 12, 1);
	mac_format(mac, text);
	ck_assert_str_eq(text, "02:6e:00:0c:00:01");
	host_default_mac(mac, 0x1234, 250);
	mac_format(mac, text);
	ck_assert_str_eq(text, "02:6e:12:34:00:fa");
	host_default_mac(mac, 65535, 1);
	mac_format(mac, text);
	ck_assert_str_eq(text, "02:6e:ff:ff:00:01");
	/* locally administered unicast, whatever the ids */
	ck_assert_uint_eq(mac[0] & 0x03, 0x02);
}
END_TEST

static int mac_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

/* 1000 hosts of one run, each with up to 8 interfaces: every MAC unique,
 * every one locally administered unicast; eth0's is the host's own. */
START_TEST(test_iface_macs_unique)
{
	static uint8_t seen[1000 * 8][6];
	size_t n = 0;
	uint8_t eth0[6], mac[6];
	char text[18];

	host_default_mac(eth0, 12, 700);
	host_iface_mac(mac, eth0, 0);
	ck_assert_mem_eq(mac, eth0, 6);
	host_iface_mac(mac, eth0, 1);
	mac_format(mac, text);
	ck_assert_str_eq(text, "06:6e:00:0c:02:bc");
	for (unsigned h = 1; h <= 1000; h++) {
		host_default_mac(eth0, 12, h);
		for (unsigned k = 0; k < 8; k++) {
			host_iface_mac(seen[n], eth0, k);
			ck_assert_uint_eq(seen[n][0] & 0x03, 0x02);
			n++;
		}
	}
	qsort(seen, n, sizeof(seen[0]), mac_cmp);
	for (size_t j = 1; j < n; j++)
		ck_assert(memcmp(seen[j - 1], seen[j], 6) != 0);
}
END_TEST

START_TEST(test_network_switch_name)
{
	char buf[32];

	ck_assert_int_eq(netns_network_switch_name(buf, sizeof(buf), 12, "wan"), 0);
	ck_assert_str_eq(buf, "nf12-sw-wan");
	ck_assert_int_eq(netns_network_switch_name(buf, sizeof(buf), 65535,
						   "abcdefghijklmno"), 0);
	ck_assert_str_eq(buf, "nf65535-sw-abcdefghijklmno");
	ck_assert_int_eq(netns_network_switch_name(buf, 8, 12, "wan"), -ENAMETOOLONG);
	ck_assert_int_eq(netns_network_switch_name(buf, sizeof(buf), 12, "Wan"), -EINVAL);
	ck_assert_int_eq(netns_network_switch_name(buf, sizeof(buf), 65536, "wan"), -EINVAL);
}
END_TEST

static const struct {
	const char *text;
	int want;
} macs[] = {
	{ "02:6e:00:0c:00:01", 0 },
	{ "AA:bb:CC:dd:EE:ff", 0 },
	{ "00:00:00:00:00:00", 0 },
	{ "", -EINVAL },
	{ "02:6e:00:0c:00", -EINVAL },
	{ "02:6e:00:0c:00:01:", -EINVAL },
	{ "02:6e:00:0c:00:011", -EINVAL },
	{ "02-6e-00-0c-00-01", -EINVAL },
	{ "2:6e:00:0c:00:01", -EINVAL },
	{ "02:6e:00:0c:00:0g", -EINVAL },
	{ "02:6e:00:0c:00:01 ", -EINVAL },
	{ "02:6e::0c:00:01", -EINVAL },
};

START_TEST(test_mac_parse)
{
	uint8_t mac[6] = { 1, 2, 3, 4, 5, 6 };
	static const uint8_t untouched[6] = { 1, 2, 3, 4, 5, 6 };
	int rc = mac_parse(macs[_i].text, mac);

	ck_assert_msg(rc == macs[_i].want, "mac_parse(\"%s\") = %d, want %d", macs[_i].text,
		      rc, macs[_i].want);
	if (rc < 0)
		ck_assert_mem_eq(mac, untouched, sizeof(mac));
}
END_TEST

START_TEST(test_mac_round_trip)
{
	uint8_t mac[6];
	char text[18];

	ck_assert_int_eq(mac_parse("02:6E:00:0C:00:01", mac), 0);
	ck_assert_uint_eq(mac[1], 0x6e);
	ck_assert_uint_eq(mac[3], 0x0c);
	mac_format(mac, text);
	ck_assert_str_eq(text, "02:6e:00:0c:00:01");
	ck_assert_int_eq(mac_parse(NULL, mac), -EINVAL);
}
END_TEST

/* ---- error mapping and sysctl keys ------------------------------------- */

START_TEST(test_nlerr_to_errno)
{
	ck_assert_int_eq(nlerr_to_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	ck_assert_int_eq(nlerr_to_errno(NLE_OBJ_NOTFOUND), -ENOENT);
	ck_assert_int_eq(nlerr_to_errno(-NLE_EXIST), -EEXIST);
	ck_assert_int_eq(nlerr_to_errno(-NLE_NOMEM), -ENOMEM);
	ck_assert_int_eq(nlerr_to_errno(-NLE_PERM), -EPERM);
	ck_assert_int_eq(nlerr_to_errno(-NLE_BUSY), -EBUSY);
	ck_assert_int_eq(nlerr_to_errno(-NLE_OPNOTSUPP), -EOPNOTSUPP);
	ck_assert_int_eq(nlerr_to_errno(-NLE_NODEV), -ENODEV);
	ck_assert_int_eq(nlerr_to_errno(0), 0);
	ck_assert_int_eq(nlerr_to_errno(-NLE_FAILURE), -EIO);
	ck_assert_int_eq(nlerr_to_errno(-(NLE_MAX + 1)), -EIO);
	ck_assert_int_eq(nlerr_to_errno(-100000), -EIO);
}
END_TEST

/* A bad key is refused before any namespace switch, so no fd is needed. */
START_TEST(test_sysctl_key_refused)
{
	char buf[16];

	ck_assert_int_eq(netns_sysctl_write(-1, "kernel.hostname", "x"), -EPERM);
	ck_assert_int_eq(netns_sysctl_write(-1, "netx.a", "1"), -EPERM);
	ck_assert_int_eq(netns_sysctl_write(-1, "net", "1"), -EPERM);
	ck_assert_int_eq(netns_sysctl_write(-1, "vm.swappiness", "1"), -EPERM);
	ck_assert_int_eq(netns_sysctl_write(-1, NULL, "1"), -EPERM);
	ck_assert_int_eq(netns_sysctl_write(-1, "net..ipv4", "1"), -EINVAL);
	ck_assert_int_eq(netns_sysctl_write(-1, "net.ipv4.", "1"), -EINVAL);
	ck_assert_int_eq(netns_sysctl_write(-1, "net.//.kernel", "1"), -EINVAL);
	ck_assert_int_eq(netns_sysctl_write(-1, "net./.x", "1"), -EINVAL);
	ck_assert_int_eq(netns_sysctl_read(-1, "kernel.hostname", buf, sizeof(buf)), -EPERM);
	ck_assert_int_eq(netns_sysctl_read(-1, "net..x", buf, sizeof(buf)), -EINVAL);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("netns_names");
	TCase *tc;

	tc = tcase_create("host names");
	tcase_add_loop_test(tc, test_host_name_valid, 0, (int)ARRAY_LEN(host_names));
	tcase_add_test(tc, test_host_name_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("namespace names");
	tcase_add_test(tc, test_ns_names);
	tcase_add_loop_test(tc, test_ns_name_run_id, 0, (int)ARRAY_LEN(run_ids));
	tcase_add_test(tc, test_ns_name_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("addresses");
	tcase_add_test(tc, test_default_addresses);
	tcase_add_loop_test(tc, test_addr_cidr_family, 0, (int)ARRAY_LEN(cidrs));
	suite_add_tcase(s, tc);

	tc = tcase_create("macs");
	tcase_add_test(tc, test_default_mac);
	tcase_add_test(tc, test_iface_macs_unique);
	tcase_add_test(tc, test_network_switch_name);
	tcase_add_loop_test(tc, test_mac_parse, 0, (int)ARRAY_LEN(macs));
	tcase_add_test(tc, test_mac_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors and keys");
	tcase_add_test(tc, test_nlerr_to_errno);
	tcase_add_test(tc, test_sysctl_key_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(names_suite());
}
