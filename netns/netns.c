/*
 * netns.c: named network namespaces, made the way iproute2's `ip netns add`
 * makes them, so `ip netns list` and `ip netns exec` see netfault's too.
 *
 * A named namespace is a file /run/netns/NAME with the namespace bind-mounted
 * on it; the mount keeps the namespace alive without any process in it.
 * /run/netns itself is a shared mount so that removing a namespace reaches
 * every mount namespace (those of `ip netns exec` children included), and
 * a tmpfs where it would otherwise be on disk (run_dir_tmpfs).
 *
 * Creation unshares in the calling thread and switches back, with no fork:
 * the unshare itself (about 0.5 ms) is then nearly all a creation costs,
 * and where a pool (pool.c) has a namespace ready, it is entered instead.
 * netns_call_in is the one way into a namespace and back for the rest of
 * netns/: whatever runs inside, the thread comes back, or the caller is
 * told it did not.
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#define THREAD_NET_NS "/proc/thread-self/ns/net"

/* A name is one path component under /run/netns, like iproute2 requires. */
static int ns_path(char *buf, size_t len, const char *name)
{
	int n;

	if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Whether /run/netns has no entry at all (nothing a tmpfs would hide). */
static bool run_dir_empty(void)
{
	DIR *dir = opendir(NETNS_RUN_DIR);
	struct dirent *e;
	bool empty = true;

	if (!dir)
		return false;
	while (empty && (e = readdir(dir)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(dir);
	return empty;
}

/*
 * Where /run/netns is not on a tmpfs (a /run on disk, as in some container
 * and VM images) and holds nothing, mounts one there: each namespace's
 * entry is then a memory inode, not a disk inode allocation, which on ext4
 * costs more than the namespace itself once many have come and gone.
 * Checked by path, so a creator that waited for the flock of the directory
 * underneath sees the tmpfs and mounts no second one.
 */
static void run_dir_tmpfs(void)
{
	struct statfs st;

	if (statfs(NETNS_RUN_DIR, &st) < 0 || st.f_type == TMPFS_MAGIC || !run_dir_empty())
		return;
	/* only faster: where a tmpfs may not be mounted, the disk serves */
	(void)mount("tmpfs", NETNS_RUN_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		    "mode=0755");
}

/*
 * Makes /run/netns exist and be a shared mount point (a tmpfs where
 * run_dir_tmpfs mounts one), under an flock of the directory so that two
 * creators never stack two mounts on it.
 */
static int run_dir_prepare(void)
{
	int dirfd, err = 0;
	bool bound = false;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	dirfd = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	if (flock(dirfd, LOCK_EX) < 0) {
		err = -errno;
		goto out;
	}
	run_dir_tmpfs();
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet; make it one, once */
		if (errno != EINVAL || bound) {
			err = -errno;
			goto out;
		}
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0) {
			err = -errno;
			goto out;
		}
		bound = true;
	}
out:
	close(dirfd); /* drops the flock */
	return err;
}

int netns_create_here(const char *name)
{
	char path[PATH_MAX];
	int home = -1, nsfd = -1, fd, err;
	bool entered = false, mounted = false;

	err = ns_path(path, sizeof(path), name);
	if (err < 0)
		return err;
	err = run_dir_prepare();
	if (err < 0)
		return err;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);

	/* from here on a failure removes the file again */
	home = open(THREAD_NET_NS, O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		err = -errno;
		goto out;
	}
	/* a namespace made ahead of time (pool.c), else a new one now */
	nsfd = netns_pool_take_one();
	if (nsfd >= 0 ? setns(nsfd, CLONE_NEWNET) < 0 : unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		goto out;
	}
	entered = true;
	if (mount(THREAD_NET_NS, path, "none", MS_BIND, NULL) < 0) {
		err = -errno;
		goto out;
	}
	mounted = true;
	if (nsfd < 0) {
		nsfd = open(THREAD_NET_NS, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			err = -errno;
	}
out:
	if (err < 0) {
		if (entered && setns(home, CLONE_NEWNET) < 0)
			err = -errno; /* cannot happen with the privilege to unshare */
		if (mounted)
			umount2(path, MNT_DETACH);
		unlink(path);
		if (nsfd >= 0)
			close(nsfd);
		nsfd = -1;
	}
	if (home >= 0)
		close(home);
	return err < 0 ? err : nsfd;
}

/* netns_create_here for netns_call_in: ARG points to the name. */
static int create_here(void *arg)
{
	int nsfd = netns_create_here(*(const char **)arg);

	if (nsfd < 0)
		return nsfd;
	close(nsfd);
	return 0;
}

int netns_create(const char *name)
{
	return netns_call_in(-1, create_here, &name);
}

int netns_delete(const char *name)
{
	char path[PATH_MAX];
	int err;

	err = ns_path(path, sizeof(path), name);
	if (err < 0)
		return err;
	/* EINVAL: not mounted (a half-made file); the unlink still removes it */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		return -errno;
	if (unlink(path) < 0)
		return -errno;
	return 0;
}

int netns_open(const char *name)
{
	char path[PATH_MAX];
	int err, fd;

	err = ns_path(path, sizeof(path), name);
	if (err < 0)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_call_in(int nsfd, int (*fn)(void *arg), void *arg)
{
	int home, rc;

	home = netns_open_current();
	if (home < 0)
		return home;
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0) {
		rc = -errno;
		goto out;
	}
	rc = fn(arg);
	/* the thread must be back where it was, or the caller hears of it */
	if (setns(home, CLONE_NEWNET) < 0)
		rc = -errno;
out:
	close(home);
	return rc;
}

int netns_open_current(void)
{
	int fd = open(THREAD_NET_NS, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int netns_list(const char *prefix, char ***names)
{
	DIR *dir;
	struct dirent *de;
	char **list = NULL, **grown;
	size_t n = 0, cap = 0, plen = prefix ? strlen(prefix) : 0;
	int err = 0;

	*names = NULL;
	dir = opendir(NETNS_RUN_DIR);
	if (!dir && errno != ENOENT)
		return -errno;
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix ? prefix : "", plen))
			continue;
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				err = -ENOMEM;
				goto out;
			}
			list = grown;
		}
		list[n] = strdup(de->d_name);
		if (!list[n]) {
			err = -ENOMEM;
			goto out;
		}
		list[++n] = NULL;
	}
	if (!list) /* none: an empty list, not NULL */
		list = calloc(1, sizeof(*list));
	if (!list)
		err = -ENOMEM;
	else
		qsort(list, n, sizeof(*list), name_compare);
out:
	if (dir)
		closedir(dir);
	if (err < 0) {
		netns_names_free(list);
		return err;
	}
	*names = list;
	return (int)n;
}

void netns_names_free(char **names)
{
	char **p;

	if (!names)
		return;
	for (p = names; *p; p++)
		free(*p);
	free(names);
}
