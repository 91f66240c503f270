/*
 * counters.c: reading TcpExt and ICMP counters of the calling thread's
 * network namespace from /proc/thread-self/net (see counters.h).
 */
#include "engine/app/counters.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define COUNTERS_FILE_MAX 16384

/* Reads PATH into BUF (NUL-terminated). */
static int read_text(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got + 1 < len) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return ret;
}

/* The line after P's end, or NULL. */
static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p ? p + 1 : NULL;
}

int counters_pair_value(const char *text, const char *section, const char *field,
			long long *out)
{
	size_t slen = strlen(section), flen = strlen(field);
	const char *names, *values;

	for (names = text; names && *names; names = next_line(names)) {
		if (strncmp(names, section, slen) != 0 || names[slen] != ':')
			continue;
		values = next_line(names);
		if (!values || strncmp(values, section, slen) != 0 || values[slen] != ':')
			return -ENOENT;
		names += slen + 1;
		values += slen + 1;
		for (;;) {
			const char *ne, *ve;
			char *end;

			while (*names == ' ')
				names++;
			while (*values == ' ')
				values++;
			if (*names == '\n' || !*names || *values == '\n' || !*values)
				return -ENOENT;
			ne = names + strcspn(names, " \n");
			ve = values + strcspn(values, " \n");
			if ((size_t)(ne - names) == flen && strncmp(names, field, flen) == 0) {
				*out = strtoll(values, &end, 10);
				return end == ve ? 0 : -ENOENT;
			}
			names = ne;
			values = ve;
		}
	}
	return -ENOENT;
}

int counters_line_value(const char *text, const char *field, long long *out)
{
	size_t flen = strlen(field);
	const char *p;

	for (p = text; p && *p; p = next_line(p)) {
		if (strncmp(p, field, flen) == 0 && (p[flen] == ' ' || p[flen] == '\t')) {
			*out = strtoll(p + flen, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

int counters_read(int family, struct ns_counters *c)
{
	char *buf = malloc(COUNTERS_FILE_MAX);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = read_text("/proc/thread-self/net/netstat", buf, COUNTERS_FILE_MAX);
	if (ret == 0)
		ret = counters_pair_value(buf, "TcpExt", "TCPAbortOnTimeout",
					  &c->abort_on_timeout);
	if (ret < 0)
		goto out;
	if (family == AF_INET6) {
		ret = read_text("/proc/thread-self/net/snmp6", buf, COUNTERS_FILE_MAX);
		if (ret == 0)
			ret = counters_line_value(buf, "Icmp6InDestUnreachs", &c->dest_unreach);
	} else {
		ret = read_text("/proc/thread-self/net/snmp", buf, COUNTERS_FILE_MAX);
		if (ret == 0)
			ret = counters_pair_value(buf, "Icmp", "InDestUnreachs", &c->dest_unreach);
	}
out:
	free(buf);
	return ret;
}
