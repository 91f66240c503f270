/*
 * sysctl.c: per-namespace sysctls through /proc/sys.
 *
 * /proc/sys/net resolves to the network namespace of the thread that opens
 * the file, so a value is read or written from inside the namespace (setns
 * in the calling thread, then back). Only keys under "net." are accepted:
 * everything else is machine-wide and a host's settings must never reach it.
 * Keys are dotted like sysctl(8) writes them; as there, a '/' in a key
 * stands for a '.' inside one component ("net.ipv4.conf.eth0/7.rp_filter").
 *
 * A build writes several keys in each new namespace through one open
 * /proc/sys/net (sysctl_write_at): the kernel keeps a "net" entry per
 * namespace under /proc/sys, all of one name, so every lookup from
 * /proc/sys compares against each live namespace's, which with a thousand
 * namespaces cost a build more than the writes themselves.
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SYSCTL_ROOT "/proc/sys/"

static int sysctl_path(char *buf, size_t len, const char *key)
{
	size_t i, klen, comp = 0;

	if (!key || strncmp(key, "net.", 4) != 0)
		return -EPERM;
	klen = strlen(key);
	if (sizeof(SYSCTL_ROOT) + klen > len)
		return -ENAMETOOLONG;
	memcpy(buf, SYSCTL_ROOT, sizeof(SYSCTL_ROOT) - 1);
	buf += sizeof(SYSCTL_ROOT) - 1;
	for (i = 0; i <= klen; i++) {
		char c = key[i];

		if (c == '.' || c == '\0') {
			/* components "", "." and ".." would leave net/ */
			if (comp == 0 || (comp == 1 && buf[i - 1] == '.') ||
			    (comp == 2 && buf[i - 1] == '.' && buf[i - 2] == '.'))
				return -EINVAL;
			buf[i] = c ? '/' : '\0';
			comp = 0;
			continue;
		}
		buf[i] = c == '/' ? '.' : c;
		comp++;
	}
	return 0;
}

/* Writes VALUE to PATH, relative to DIRFD (AT_FDCWD: absolute). */
static int path_write_at(int dirfd, const char *path, const char *value)
{
	size_t len;
	ssize_t n;
	int fd, err = 0;

	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = strlen(value);
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

/* Reads the value without its newline; returns its length. */
static int path_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	err = (int)n;
out:
	close(fd);
	return err;
}

int sysctl_write_here(const char *key, const char *value)
{
	return sysctl_write_at(AT_FDCWD, key, value);
}

int sysctl_net_dir_open_here(void)
{
	int fd = open(SYSCTL_ROOT "net", O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int sysctl_write_at(int net_dir, const char *key, const char *value)
{
	char path[PATH_MAX];
	int err;

	if (!value)
		return -EINVAL;
	err = sysctl_path(path, sizeof(path), key);
	if (err < 0)
		return err;
	/* "/proc/sys/net/ipv4/..." as "ipv4/..." under NET_DIR */
	if (net_dir != AT_FDCWD)
		return path_write_at(net_dir, path + sizeof(SYSCTL_ROOT "net/") - 1, value);
	return path_write_at(AT_FDCWD, path, value);
}

/* One sysctl access inside a namespace (netns_call_in's ARG). */
struct sysctl_access {
	char path[PATH_MAX];
	const char *value;   /* write it; NULL: read into buf */
	char *buf;
	size_t len;
};

static int access_here(void *arg)
{
	struct sysctl_access *a = arg;

	return a->value ? path_write_at(AT_FDCWD, a->path, a->value) : path_read(a->path, a->buf, a->len);
}

/* Writes VALUE to, or (VALUE NULL) reads into BUF from KEY inside NSFD.
 * The key is checked before any namespace switch. */
static int in_namespace(int nsfd, const char *key, const char *value, char *buf, size_t len)
{
	struct sysctl_access a = { .value = value, .buf = buf, .len = len };
	int err;

	err = sysctl_path(a.path, sizeof(a.path), key);
	if (err < 0)
		return err;
	if (nsfd < 0)
		return -EBADF;   /* a host's namespace, never the caller's own */
	return netns_call_in(nsfd, access_here, &a);
}

int netns_sysctl_write(int nsfd, const char *key, const char *value)
{
	if (!value)
		return -EINVAL;
	return in_namespace(nsfd, key, value, NULL, 0);
}

int netns_sysctl_read(int nsfd, const char *key, char *buf, size_t len)
{
	if (!buf || len == 0)
		return -EINVAL;
	return in_namespace(nsfd, key, NULL, buf, len);
}
