/*
 * lease.c: run ids, leased with flock() so that several daemons and test
 * programs never build the same namespace names.
 *
 * The lease of id N is an exclusive flock on NETNS_LEASE_DIR/N.lock, held
 * by an O_CLOEXEC fd for the run's life. The kernel drops the lock when the
 * last holder of that open file dies, however it dies, so namespaces named
 * nf<N>-* with N not locked are a dead run's leftovers. flock conflicts
 * between open files even within one process, which is how this process's
 * own leases look taken to itself. A lease's holder unlinks the lock file
 * before it lets go, so nothing stays behind; a contender that opened the
 * file before the unlink and locks it after finds the path no longer names
 * its file (lease_lock compares inodes) and starts again, so two runs never
 * hold the same id.
 *
 * A forked child shares its parent's open files, flock included, so a
 * run's apps would keep its lease alive after the run died. This file
 * remembers the lease fds it handed out, and netns_spawn/netns_exec
 * children close them (run_leases_close_inherited).
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEASE_PARENT_DIR "/run/netfault"
#define HELD_LEASES_MAX 64 /* leases one process holds at once */

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static int held_fds[HELD_LEASES_MAX];
static size_t held_count;

static int held_add(int fd)
{
	int err = 0;

	pthread_mutex_lock(&held_lock);
	if (held_count == HELD_LEASES_MAX)
		err = -EMFILE;
	else
		held_fds[held_count++] = fd;
	pthread_mutex_unlock(&held_lock);
	return err;
}

static void held_remove(int fd)
{
	size_t i;

	pthread_mutex_lock(&held_lock);
	for (i = 0; i < held_count; i++) {
		if (held_fds[i] == fd) {
			held_fds[i] = held_fds[--held_count];
			break;
		}
	}
	pthread_mutex_unlock(&held_lock);
}

/* In a freshly forked child (one thread, so no lock: another thread of the
 * parent may have held it at fork time). */
void run_leases_close_inherited(void)
{
	size_t i;

	for (i = 0; i < held_count; i++)
		close(held_fds[i]);
	held_count = 0;
}

static int lease_dir_prepare(void)
{
	if (mkdir(LEASE_PARENT_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(NETNS_LEASE_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void lease_path(char *buf, size_t len, unsigned id)
{
	snprintf(buf, len, NETNS_LEASE_DIR "/%u.lock", id);
}

/* The locked fd of ID's lease, or -EWOULDBLOCK when a live process has it. */
static int lease_lock(unsigned id)
{
	char path[64];
	struct stat held, named;
	int fd, err;

	lease_path(path, sizeof(path), id);
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			err = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
			close(fd);
			return err;
		}
		/* still the file the path names? (its holder unlinks it) */
		if (fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
		    held.st_ino == named.st_ino && held.st_dev == named.st_dev)
			return fd;
		close(fd);
	}
}

/* Lets go of a lease held by FD: the lock file goes first (see above). */
static void lease_unlock(unsigned id, int fd)
{
	char path[64];

	lease_path(path, sizeof(path), id);
	unlink(path);
	close(fd);
}

int run_namespaces_remove(unsigned id)
{
	char prefix[32], **names = NULL;
	int *fds = NULL, n, i, removed = 0, err;

	snprintf(prefix, sizeof(prefix), NETNS_PREFIX "%u-", id);
	n = netns_list(prefix, &names);
	if (n <= 0) {
		netns_names_free(names);
		return n;
	}
	fds = malloc((size_t)n * sizeof(*fds));
	if (!fds) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		fds[i] = netns_open(names[i]); /* a failed open is simply skipped */
	err = netns_kill_all_wait(fds, (size_t)n, NETNS_KILL_TIMEOUT_MS);
	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		/* with survivors the names stay, for a later clean-up to find:
		 * a process in a nameless namespace would be lost for good */
		if (err == 0 && netns_delete(names[i]) == 0)
			removed++;
	}
out:
	free(fds);
	netns_names_free(names);
	return err < 0 ? err : removed;
}

int run_lease_acquire(struct run_lease *lease, unsigned hint)
{
	unsigned id;
	int fd, err;

	lease->run_id = 0;
	lease->lock_fd = -1;
	if (hint > NETNS_MAX_RUN_ID)
		return -EINVAL;
	err = lease_dir_prepare();
	if (err < 0)
		return err;
	for (id = hint ? hint : 1; id <= NETNS_MAX_RUN_ID; id++) {
		fd = lease_lock(id);
		if (fd == -EWOULDBLOCK)
			continue;
		if (fd < 0)
			return fd;
		err = run_namespaces_remove(id);
		if (err >= 0)
			err = held_add(fd);
		if (err < 0) {
			lease_unlock(id, fd);
			return err;
		}
		lease->run_id = id;
		lease->lock_fd = fd;
		return 0;
	}
	return -EAGAIN;
}

void run_lease_release(struct run_lease *lease)
{
	if (!lease)
		return;
	if (lease->lock_fd >= 0) {
		held_remove(lease->lock_fd);
		lease_unlock(lease->run_id, lease->lock_fd);
	}
	lease->lock_fd = -1;
	lease->run_id = 0;
}

static int id_compare(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* Appends the ids of the lock files in the lease directory to IDS (room for
 * CAP), for leases whose holder died before it could unlink them. */
static int lease_file_ids(unsigned **ids, int nids, int *cap)
{
	DIR *d = opendir(NETNS_LEASE_DIR);
	struct dirent *e;
	unsigned long id;
	char *end;

	if (!d)
		return errno == ENOENT ? nids : -errno;
	while ((e = readdir(d))) {
		id = strtoul(e->d_name, &end, 10);
		if (end == e->d_name || strcmp(end, ".lock") || id < 1 || id > NETNS_MAX_RUN_ID)
			continue;
		if (nids == *cap) {
			unsigned *more = realloc(*ids, (size_t)*cap * 2 * sizeof(**ids));

			if (!more) {
				closedir(d);
				return -ENOMEM;
			}
			*ids = more;
			*cap *= 2;
		}
		(*ids)[nids++] = (unsigned)id;
	}
	closedir(d);
	return nids;
}

/* The distinct run ids of netfault's namespaces and lock files, sorted. */
static int leftover_run_ids(unsigned **ids_out)
{
	char **names = NULL;
	unsigned *ids;
	int n, i, nids = 0, cap;

	*ids_out = NULL;
	n = netns_list(NETNS_PREFIX, &names);
	if (n < 0)
		return n;
	cap = n + 16;
	ids = malloc((size_t)cap * sizeof(*ids));
	if (!ids) {
		netns_names_free(names);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (netns_name_run_id(names[i], &ids[nids]) == 0)
			nids++;
	netns_names_free(names);
	nids = lease_file_ids(&ids, nids, &cap);
	if (nids < 0) {
		free(ids);
		return nids;
	}
	qsort(ids, (size_t)nids, sizeof(*ids), id_compare);
	for (i = 1, n = nids ? 1 : 0; i < nids; i++)
		if (ids[i] != ids[n - 1])
			ids[n++] = ids[i];
	*ids_out = ids;
	return n;
}

int run_leftovers_clean(void)
{
	unsigned *ids = NULL;
	int nids, i, fd, removed = 0, err = 0;

	err = lease_dir_prepare();
	if (err < 0)
		return err;
	nids = leftover_run_ids(&ids);
	if (nids < 0)
		return nids;
	for (i = 0; i < nids; i++) {
		/* hold the lease while cleaning, so nobody acquires it halfway */
		fd = lease_lock(ids[i]);
		if (fd == -EWOULDBLOCK)
			continue; /* a live run's */
		if (fd < 0) {
			err = fd;
			break;
		}
		err = run_namespaces_remove(ids[i]);
		lease_unlock(ids[i], fd);
		if (err < 0)
			break;
		removed += err;
		err = 0;
	}
	free(ids);
	return err < 0 ? err : removed;
}
