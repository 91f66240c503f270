/*
 * counters.h: the namespace-wide kernel counters the watcher compares to
 * tell a timeout from an RST and an ICMP error from a timeout: TcpExt
 * TCPAbortOnTimeout (/proc/net/netstat) and Icmp InDestUnreachs
 * (/proc/net/snmp; Icmp6InDestUnreachs in /proc/net/snmp6 for IPv6).
 * They are per network namespace, so the app process reads them in its host.
 */
#ifndef NETFAULT_ENGINE_COUNTERS_H
#define NETFAULT_ENGINE_COUNTERS_H

#include <stddef.h>

struct ns_counters {
	long long abort_on_timeout;
	long long dest_unreach;
};

/* Reads the calling thread's namespace's counters (FAMILY AF_INET or
 * AF_INET6 chooses the ICMP counter). Returns 0 or negative errno. */
int counters_read(int family, struct ns_counters *c);

/* Pure parsers, unit-tested. "Section: names..." / "Section: values..."
 * line pairs (netstat, snmp): the value of FIELD in SECTION. Returns 0, or
 * -ENOENT when absent. */
int counters_pair_value(const char *text, const char *section, const char *field,
			long long *out);
/* "Name   value" lines (snmp6). */
int counters_line_value(const char *text, const char *field, long long *out);

#endif
