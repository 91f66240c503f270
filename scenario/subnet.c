/*
 * subnet.c: IPv4 and IPv6 subnets and addresses as numbers, for networks.c
 * and addresses.c: parsing "10.1.0.0/24", containment and overlap, the
 * address of the N-th host of a subnet and how many hosts a subnet holds.
 * Pure functions: nothing here reports errors or allocates.
 *
 * An address is 16 bytes in network order; IPv4 uses the first 4. The
 * N-th host (1-based) of a subnet is at its base + N in IPv4, and at base +
 * N's decimal digits read as hexadecimal in IPv6, so that host 12 of
 * fd00:1::/64 is fd00:1::12, as people read it (and as host 12 of the
 * implicit network has always been fd00::12). IPv4 keeps the base and the
 * broadcast address off hosts; IPv6 the base (the subnet-router anycast
 * address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scenario/internal.h"

#define ADDR_TEXT_MAX 64

unsigned sc_addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

int sc_addr_parse(const char *text, int family, unsigned char addr[16], int *len)
{
	char buf[ADDR_TEXT_MAX];
	const char *slash = strchr(text, '/');
	uint64_t prefix;

	*len = -1;
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - text) : (int)strlen(text), text);
	memset(addr, 0, 16);
	if (inet_pton(family, buf, addr) != 1)
		return -EINVAL;
	if (!slash)
		return 0;
	if (sc_parse_uint(slash + 1, &prefix) < 0)
		return -EINVAL;
	if (prefix > sc_addr_bits(family))
		return -ERANGE;
	*len = (int)prefix;
	return 0;
}

static bool bit(const unsigned char a[16], unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* The first N bits of A and B are the same. */
static bool same_bits(const unsigned char a[16], const unsigned char b[16], unsigned n)
{
	if (memcmp(a, b, n / 8) != 0)
		return false;
	for (unsigned i = n / 8 * 8; i < n; i++)
		if (bit(a, i) != bit(b, i))
			return false;
	return true;
}

bool sc_prefix_contains(const struct sc_prefix *p, const unsigned char addr[16])
{
	return same_bits(p->addr, addr, p->len);
}

bool sc_prefix_overlap(const struct sc_prefix *a, const struct sc_prefix *b)
{
	return a->family == b->family &&
	       same_bits(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

bool sc_prefix_clear_host(struct sc_prefix *p)
{
	bool was_set = false;

	for (unsigned i = p->len; i < sc_addr_bits(p->family); i++) {
		unsigned char mask = (unsigned char)(1u << (7 - i % 8));

		if (p->addr[i / 8] & mask)
			was_set = true;
		p->addr[i / 8] &= (unsigned char)~mask;
	}
	return was_set;
}

/* The host bits of ADDR in P as a number; false when they need 64 bits or more. */
static bool host_part(const struct sc_prefix *p, const unsigned char addr[16], uint64_t *out)
{
	unsigned total = sc_addr_bits(p->family);
	unsigned start = total - p->len > 63 ? total - 63 : p->len;
	uint64_t v = 0;

	for (unsigned i = p->len; i < start; i++)
		if (bit(addr, i))
			return false;
	for (unsigned i = start; i < total; i++)
		v = v << 1 | bit(addr, i);
	*out = v;
	return true;
}

/* How many addresses P spans, or UINT64_MAX for 2^64 and more. */
static uint64_t span(const struct sc_prefix *p)
{
	unsigned bits = sc_addr_bits(p->family) - p->len;

	return bits >= 64 ? UINT64_MAX : (uint64_t)1 << bits;
}

bool sc_prefix_is_base(const struct sc_prefix *p, const unsigned char addr[16])
{
	uint64_t v;

	return sc_prefix_contains(p, addr) && host_part(p, addr, &v) && v == 0;
}

bool sc_prefix_is_broadcast(const struct sc_prefix *p, const unsigned char addr[16])
{
	uint64_t v;

	return p->family == AF_INET && sc_prefix_contains(p, addr) &&
	       host_part(p, addr, &v) && v == span(p) - 1;
}

uint64_t sc_host_offset(int family, unsigned n)
{
	char digits[16];
	uint64_t v = 0;

	if (family == AF_INET)
		return n;
	snprintf(digits, sizeof(digits), "%u", n);
	for (const char *d = digits; *d; d++)
		v = v * 16 + (uint64_t)(*d - '0');
	return v;
}

bool sc_prefix_nth(const struct sc_prefix *p, unsigned n, unsigned char out[16])
{
	uint64_t offset = sc_host_offset(p->family, n);
	unsigned last = sc_addr_bits(p->family) / 8 - 1;
	unsigned carry = 0;

	if (offset >= span(p) || (p->family == AF_INET && offset == span(p) - 1))
		return false;
	memcpy(out, p->addr, 16);
	for (int i = (int)last; i >= 0 && (offset || carry); i--) {
		unsigned sum = out[i] + (unsigned)(offset & 0xff) + carry;

		out[i] = (unsigned char)sum;
		carry = sum >> 8;
		offset >>= 8;
	}
	return true;
}

unsigned sc_prefix_hosts(const struct sc_prefix *p)
{
	unsigned n = 0;
	unsigned char scratch[16];

	if (sc_host_offset(p->family, SC_MAX_HOSTS + 1) < span(p) - 1)
		return SC_MAX_HOSTS + 1;
	/* the offsets only grow with n, so the first that does not fit ends it */
	while (n <= SC_MAX_HOSTS && sc_prefix_nth(p, n + 1, scratch))
		n++;
	return n;
}

const char *sc_addr_format(int family, const unsigned char addr[16], int len,
			   char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, text, sizeof(text)))
		snprintf(text, sizeof(text), "?");
	if (len >= 0)
		snprintf(buf, size, "%s/%d", text, len);
	else
		snprintf(buf, size, "%s", text);
	return buf;
}
