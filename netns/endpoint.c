/*
 * endpoint.c: comparing, printing and parsing TCP endpoints (endpoint.h).
 */
#include "netns/endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

bool ip_endpoint_same_addr(const struct ip_endpoint *a, const struct ip_endpoint *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	if (a->family == AF_INET6)
		return memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6)) == 0;
	return false;
}

bool ip_endpoint_equal(const struct ip_endpoint *a, const struct ip_endpoint *b)
{
	return a->port == b->port && ip_endpoint_same_addr(a, b);
}

int ip_endpoint_format_addr(const struct ip_endpoint *e, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	int n;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	if (e->family != AF_INET && e->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(e->family, &e->addr, text, sizeof(text)))
		return -errno;
	n = snprintf(buf, len, "%s", text);
	return (size_t)n < len ? n : -ENOSPC;
}

int ip_endpoint_format(const struct ip_endpoint *e, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	int n;

	n = ip_endpoint_format_addr(e, text, sizeof(text));
	if (n < 0) {
		if (len > 0)
			buf[0] = '\0';
		return n;
	}
	if (len == 0)
		return -ENOSPC;
	n = snprintf(buf, len, "%s.%u", text, (unsigned)e->port);
	return (size_t)n < len ? n : -ENOSPC;
}

int ip_endpoint_parse(struct ip_endpoint *e, const char *text, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->port = port;
	if (inet_pton(AF_INET, text, &e->addr.v4) == 1) {
		e->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &e->addr.v6) == 1) {
		e->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}
