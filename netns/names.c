/*
 * names.c: the names, addresses and MACs netfault derives from a run id and
 * a host's 1-based index. Pure string work, no kernel objects, so the unit
 * tests pin every rule here (see netns.h for the formats).
 */
#include "netns/netns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest host index a /24 of 10.0.0.N and fd00::N can hold. */
#define HOST_INDEX_MAX 254u

/* The result of snprintf(buf, LEN, ...) that returned N. */
static int format_checked(size_t len, int n)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int host_name_valid(const char *name)
{
	size_t i;

	if (!name || name[0] < 'a' || name[0] > 'z')
		return -EINVAL;
	for (i = 1; name[i]; i++) {
		char c = name[i];

		if (i >= NETNS_HOST_NAME_MAX)
			return -EINVAL;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return -EINVAL;
	}
	return 0;
}

int netns_host_name(char *buf, size_t len, unsigned run_id, const char *host)
{
	if (run_id > NETNS_MAX_RUN_ID || host_name_valid(host) < 0)
		return -EINVAL;
	return format_checked(len, snprintf(buf, len, NETNS_PREFIX "%u-%s", run_id, host));
}

int netns_switch_name(char *buf, size_t len, unsigned run_id)
{
	if (run_id > NETNS_MAX_RUN_ID)
		return -EINVAL;
	return format_checked(len, snprintf(buf, len, NETNS_PREFIX "%u-sw", run_id));
}

int netns_network_switch_name(char *buf, size_t len, unsigned run_id, const char *network)
{
	if (run_id > NETNS_MAX_RUN_ID || host_name_valid(network) < 0)
		return -EINVAL;
	return format_checked(len, snprintf(buf, len, NETNS_PREFIX "%u-sw-%s", run_id, network));
}

/* Accepts only the canonical form: "nf", decimal id without leading zeros,
 * '-', a non-empty rest. "nf012-x" or "nf12" are not netfault's names. */
int netns_name_run_id(const char *ns_name, unsigned *run_id)
{
	const char *p;
	unsigned long id = 0;

	if (!ns_name || strncmp(ns_name, NETNS_PREFIX, strlen(NETNS_PREFIX)) != 0)
		return -EINVAL;
	p = ns_name + strlen(NETNS_PREFIX);
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '-'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		id = id * 10 + (unsigned long)(*p - '0');
		if (id > NETNS_MAX_RUN_ID)
			return -EINVAL;
	}
	if (p[0] != '-' || p[1] == '\0')
		return -EINVAL;
	*run_id = (unsigned)id;
	return 0;
}

int host_default_addr4(char *buf, size_t len, unsigned index)
{
	if (index < 1 || index > HOST_INDEX_MAX)
		return -EINVAL;
	return format_checked(len, snprintf(buf, len, "10.0.0.%u/24", index));
}

/* N is written in decimal digits: host 12 is fd00::12, as people read it. */
int host_default_addr6(char *buf, size_t len, unsigned index)
{
	if (index < 1 || index > HOST_INDEX_MAX)
		return -EINVAL;
	return format_checked(len, snprintf(buf, len, "fd00::%u/64", index));
}

void host_default_mac(uint8_t mac[6], unsigned run_id, unsigned index)
{
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x6e; /* 'n' */
	mac[2] = (uint8_t)(run_id >> 8);
	mac[3] = (uint8_t)run_id;
	mac[4] = (uint8_t)(index >> 8);
	mac[5] = (uint8_t)index;
}

void host_iface_mac(uint8_t mac[6], const uint8_t eth0[6], unsigned iface)
{
	memcpy(mac, eth0, 6);
	if (iface > 0)
		mac[0] = (uint8_t)(0x02 | (iface & 0x3f) << 2);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly six two-digit groups separated by ':'. */
int mac_parse(const char *text, uint8_t mac[6])
{
	uint8_t out[6];
	int i;

	if (!text)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *g = text + 3 * i;
		int hi = hex_digit(g[0]), lo = hi < 0 ? -1 : hex_digit(g[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (g[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, out, sizeof(out));
	return 0;
}

void mac_format(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
