/*
 * kill.c: finding the processes of a network namespace and signalling them.
 *
 * A process belongs to a namespace when /proc/PID/ns/net is the same nsfs
 * inode (device and inode number) as the namespace's fd. One pass over /proc
 * serves any number of namespaces, so a whole run is purged in one scan per
 * round. Exited processes (zombies included) have no ns link any more and
 * drop out of the scan by themselves. A process counts by its main thread
 * (/proc/PID/ns/net): another thread of it that entered the namespace with
 * setns does not make it one of the namespace's processes.
 *
 * The caller's own namespace and PID 1's (the machine's) are refused
 * outright: a stray fd there would mean killing every process around.
 */
#include "netns/netns.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ns_ident {
	dev_t dev;
	ino_t ino;
};

static bool ns_ident_match(const struct ns_ident *ids, size_t n, const struct stat *st)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i].dev == st->st_dev && ids[i].ino == st->st_ino)
			return true;
	return false;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The namespace a /proc/PID/ns/net link names, as its inode on NSFS_DEV
 * (every namespace is on the one nsfs): the link's text "net:[INODE]"
 * costs less than a stat, which makes the kernel find the namespace's
 * dentry. */
static bool link_inode(int dirfd, const char *path, dev_t nsfs_dev, struct stat *st)
{
	char text[64];
	ssize_t n = readlinkat(dirfd, path, text, sizeof(text) - 1);
	unsigned long long ino;

	if (n <= 0)
		return false;
	text[n] = '\0';
	if (sscanf(text, "net:[%llu]", &ino) != 1)
		return fstatat(dirfd, path, st, 0) == 0;
	st->st_dev = nsfs_dev;
	st->st_ino = (ino_t)ino;
	return true;
}

/* Sends SIG to every process but the caller in one of IDS; returns how many. */
static int kill_pass(const struct ns_ident *ids, size_t n, int sig)
{
	DIR *proc;
	struct dirent *de;
	pid_t self = getpid();
	int count = 0;

	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		char path[64];
		struct stat st;
		pid_t pid;

		if (!all_digits(de->d_name))
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (pid == self)
			continue;
		snprintf(path, sizeof(path), "%d/ns/net", (int)pid);
		if (!link_inode(dirfd(proc), path, ids[0].dev, &st))
			continue; /* gone, or exited (no namespaces any more) */
		if (ns_ident_match(ids, n, &st) && kill(pid, sig) == 0)
			count++;
	}
	closedir(proc);
	return count;
}

/* The namespaces no kill may touch: the caller's own and PID 1's (when
 * this sandbox lets us see it). */
static int forbidden_idents(struct ns_ident forbidden[2], size_t *n)
{
	struct stat st;

	*n = 0;
	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	forbidden[(*n)++] = (struct ns_ident){ st.st_dev, st.st_ino };
	if (stat("/proc/1/ns/net", &st) == 0)
		forbidden[(*n)++] = (struct ns_ident){ st.st_dev, st.st_ino };
	return 0;
}

static int ns_idents_of_fds(const int *nsfds, size_t n, struct ns_ident *ids, size_t *nids)
{
	struct ns_ident forbidden[2];
	size_t i, nforbidden;
	struct stat st;
	int err;

	*nids = 0;
	err = forbidden_idents(forbidden, &nforbidden);
	if (err < 0)
		return err;
	for (i = 0; i < n; i++) {
		if (nsfds[i] < 0)
			continue;
		if (fstat(nsfds[i], &st) < 0)
			return -errno;
		if (ns_ident_match(forbidden, nforbidden, &st))
			return -EPERM;
		ids[*nids].dev = st.st_dev;
		ids[*nids].ino = st.st_ino;
		(*nids)++;
	}
	return 0;
}

int netns_kill_all_fd(int nsfd, int sig)
{
	struct ns_ident id;
	size_t nids;
	int err;

	err = ns_idents_of_fds(&nsfd, 1, &id, &nids);
	if (err < 0)
		return err;
	if (nids == 0)
		return -EBADF;
	return kill_pass(&id, 1, sig);
}

int netns_kill_all(const char *name, int sig)
{
	int fd, ret;

	fd = netns_open(name);
	if (fd < 0)
		return fd;
	ret = netns_kill_all_fd(fd, sig);
	close(fd);
	return ret;
}

static void sleep_usec(long usec)
{
	struct timespec ts = { .tv_sec = usec / 1000000, .tv_nsec = usec % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

int netns_kill_all_wait(const int *nsfds, size_t n, int timeout_ms)
{
	struct ns_ident *ids;
	size_t nids;
	long waited_us = 0, pause_us = 100;
	int err, found;

	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	err = ns_idents_of_fds(nsfds, n, ids, &nids);
	if (err < 0 || nids == 0)
		goto out;
	for (;;) {
		found = kill_pass(ids, nids, SIGKILL);
		if (found <= 0) {
			err = found;
			break;
		}
		if (waited_us >= (long)timeout_ms * 1000) {
			err = -ETIMEDOUT;
			break;
		}
		/* SIGKILLed processes need a moment to exit; forkers are caught
		 * by the next round */
		sleep_usec(pause_us);
		waited_us += pause_us;
		if (pause_us < 10000)
			pause_us *= 2;
	}
out:
	free(ids);
	return err;
}
