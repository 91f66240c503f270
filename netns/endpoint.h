/*
 * endpoint.h: one TCP endpoint (IPv4 or IPv6 address and port), the common
 * currency of the observation code. A packet decoded from the wire
 * (tcpdecode.h) and a socket read from the kernel (sockdiag.h) name their
 * ends with it, so the engine can match what it saw on the wire against what
 * the kernel reports for the same connection.
 *
 * Pure code, no allocation, nothing prints.
 */
#ifndef NETFAULT_ENDPOINT_H
#define NETFAULT_ENDPOINT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ip_endpoint {
	int family;           /* AF_INET or AF_INET6; 0 when unset */
	uint16_t port;        /* host byte order */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

/* Longest text of ip_endpoint_format: an IPv6 address, '.', 5 digits. */
#define IP_ENDPOINT_TEXT_MAX (INET6_ADDRSTRLEN + 7)

/* Same family, address and port. */
bool ip_endpoint_equal(const struct ip_endpoint *a, const struct ip_endpoint *b);
/* Same family and address (ports ignored). */
bool ip_endpoint_same_addr(const struct ip_endpoint *a, const struct ip_endpoint *b);
/* The way tcpdump -n prints an end: "10.0.0.1.5000", "fd00::1.5000".
 * Returns the text length, -ENOSPC when BUF is too short (BUF then holds a
 * truncated, terminated text), -EAFNOSUPPORT for an unset family. */
int ip_endpoint_format(const struct ip_endpoint *e, char *buf, size_t len);
/* Only the address: "10.0.0.1", "fd00::1". Same returns. */
int ip_endpoint_format_addr(const struct ip_endpoint *e, char *buf, size_t len);
/* Parses an address text ("10.0.0.1" or "fd00::1") and a port into E;
 * -EINVAL when TEXT is neither. */
int ip_endpoint_parse(struct ip_endpoint *e, const char *text, uint16_t port);

#endif
