/*
 * pcapdir.c: the "pcap" directory of a run request, checked by the
 * daemon and made per run by the worker (see pcapdir.h); for a client that
 * is not root, both as the client, and the run's directory handed to it
 * when the run is over.
 */
#include "daemon/pcapdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/protocol.h"
#include "daemon/identity.h"

#define RUN_DIR_TRIES 100

/* True when a component of the absolute path DIR is "." or "..". */
static bool has_dot_component(const char *dir)
{
	for (const char *p = dir; *p; p++) {
		if (p[0] != '/' || p[1] != '.')
			continue;
		if (p[2] == '/' || p[2] == '\0' ||
		    (p[2] == '.' && (p[3] == '/' || p[3] == '\0')))
			return true;
	}
	return false;
}

/* Stats DIR and, for a client that is not root, checks that it may make
 * directories there: both as the client (its fsuid, fsgid and groups), so
 * that a path it cannot reach or write is refused as the kernel would
 * refuse the client itself. 0, or -errno; *DENIED when the write check
 * failed. */
static int stat_as_client(const char *dir, const struct identity *id, struct stat *st,
			  bool *denied)
{
	struct identity_fs_saved saved;
	int err = 0;

	*denied = false;
	if (!identity_is_root(id))
		err = identity_fs_enter(id, &saved);
	if (err < 0)
		return err;
	if (stat(dir, st) < 0) {
		err = -errno;
	} else if (!identity_is_root(id) && S_ISDIR(st->st_mode) &&
		   faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0) {
		err = -errno;
		*denied = true;
	}
	if (!identity_is_root(id))
		identity_fs_leave(&saved);
	return err;
}

const char *pcap_dir_check(const char *dir, const struct identity *id, char *why,
			   size_t len)
{
	struct stat st;
	size_t n = strlen(dir);
	bool denied;
	int err;

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)dir[i] < 0x20 || dir[i] == 0x7f) {
			snprintf(why, len, "\"pcap\": a directory name without control "
				 "characters, please");
			return why;
		}
	}
	if (n == 0 || n > NF_PCAP_DIR_MAX) {
		snprintf(why, len, "\"pcap\": a directory of 1 to %d bytes, please",
			 NF_PCAP_DIR_MAX);
		return why;
	}
	if (dir[0] != '/') {
		snprintf(why, len, "pcap directory %s: not an absolute path", dir);
		return why;
	}
	if (has_dot_component(dir)) {
		snprintf(why, len, "pcap directory %s: no \".\" or \"..\" components, "
			 "please", dir);
		return why;
	}
	err = stat_as_client(dir, id, &st, &denied);
	if (err < 0 && denied)
		snprintf(why, len, "pcap directory %s: uid %u may not write there (%s)",
			 dir, (unsigned)id->uid, strerror(-err));
	else if (err < 0)
		snprintf(why, len, "pcap directory %s: %s", dir,
			 err == -ENOENT ? "no such directory" : strerror(-err));
	else if (!S_ISDIR(st.st_mode))
		snprintf(why, len, "pcap directory %s: not a directory", dir);
	else
		return NULL;
	return why;
}

/* mkdir run-ID (or run-ID.2 ... when taken) in DFD; its name into NAME. */
static int make_fresh(int dfd, unsigned run_id, char *name, size_t len)
{
	for (unsigned n = 1; n <= RUN_DIR_TRIES; n++) {
		if (n == 1)
			snprintf(name, len, "run-%u", run_id);
		else
			snprintf(name, len, "run-%u.%u", run_id, n);
		if (mkdirat(dfd, name, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* 0 when the directory FD holds nothing, -EEXIST when it holds something,
 * or -errno. */
static int dir_empty(int fd)
{
	int own = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp = own >= 0 ? fdopendir(own) : NULL;
	struct dirent *de;
	int err = 0;

	if (!dp) {
		err = -errno;
		if (own >= 0)
			close(own);
		return err;
	}
	while (err == 0 && (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			err = -EEXIST;
	}
	closedir(dp);
	return err;
}

/*
 * For a client that is not root: the directory was made as the client, so
 * it may write DIR; now root takes it for the run (the capture writes its
 * files as root, by name: a symlink the client put there would be
 * followed), and it must still be empty: nothing the client put in before
 * root took it is used.
 */
static int take_for_run(struct pcap_run_dir *d)
{
	if (fchown(d->fd, 0, 0) < 0 || fchmod(d->fd, 0755) < 0)
		return -errno;
	return dir_empty(d->fd);
}

int pcap_run_dir_make(const char *dir, unsigned run_id, const struct identity *owner,
		      struct pcap_run_dir *d, char *why, size_t len)
{
	struct identity_fs_saved saved;
	bool as_client = false;
	char name[48];
	struct stat st;
	int dfd = -1, err = 0;

	*d = (struct pcap_run_dir){ .fd = -1, .uid = owner->uid, .gid = owner->gid,
				    .hand_over = !identity_is_root(owner) };
	/* as the client: its reach, its permission to write DIR */
	if (d->hand_over) {
		err = identity_fs_enter(owner, &saved);
		if (err < 0) {
			snprintf(why, len, "pcap directory %s: acting as uid %u: %s", dir,
				 (unsigned)owner->uid, strerror(-err));
			return err;
		}
		as_client = true;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		snprintf(why, len, "pcap directory %s: %s", dir, strerror(-err));
		goto out;
	}
	err = make_fresh(dfd, run_id, name, sizeof(name));
	if (err < 0) {
		snprintf(why, len, "pcap directory %s: making run-%u%s: %s", dir, run_id,
			 as_client ? " as the client" : "", strerror(-err));
		goto out;
	}
	snprintf(d->path, sizeof(d->path), "%s%s%s", dir,
		 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	d->fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (as_client) {
		identity_fs_leave(&saved);
		as_client = false;
	}
	if (d->fd < 0 || fstat(d->fd, &st) < 0) {
		err = -errno;
		snprintf(why, len, "pcap directory %s: %s", d->path, strerror(-err));
		goto out;
	}
	if (st.st_uid != (d->hand_over ? owner->uid : geteuid()) ||
	    (d->hand_over && take_for_run(d) < 0)) {
		/* someone put another directory in the place of ours */
		err = -EEXIST;
		snprintf(why, len, "pcap directory %s: replaced while it was made", d->path);
		goto out;
	}
	snprintf(d->handle, sizeof(d->handle), "/proc/self/fd/%d", d->fd);
out:
	if (as_client)
		identity_fs_leave(&saved);
	if (err < 0 && d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	if (dfd >= 0)
		close(dfd);
	return err;
}

/* The run is over: the directory and the files the capture made in it
 * (nothing else could make any: it was root's) become the client's. */
static void hand_over(const struct pcap_run_dir *d)
{
	int own = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp = own >= 0 ? fdopendir(own) : NULL;
	struct dirent *de;

	if (own >= 0 && !dp)
		close(own);
	while (dp && (de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fchownat(dirfd(dp), de->d_name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW);
	}
	if (dp)
		closedir(dp);
	if (fchown(d->fd, d->uid, d->gid) < 0) {
		/* the result still names the directory; it stays root's */
	}
}

/* OBJ's text member KEY with D->handle, where it appears, as D->path. */
static void unhandle(const struct pcap_run_dir *d, json_t *obj, const char *key)
{
	const char *text = json_string_value(json_object_get(obj, key));
	const char *at = text ? strstr(text, d->handle) : NULL;
	char buf[1024];

	if (!at)
		return;
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - text), text, d->path,
		 at + strlen(d->handle));
	json_object_set_new(obj, key, json_string(buf));
}

void pcap_run_dir_report(struct pcap_run_dir *d, json_t *result)
{
	json_t *cap;
	size_t i;

	if (d->fd < 0)
		return;
	if (json_is_object(result)) {
		json_object_set_new(result, NF_PCAP_DIR, json_string(d->path));
		unhandle(d, result, "error");
		unhandle(d, result, "reason");
		json_array_foreach(json_object_get(result, "captures"), i, cap)
			unhandle(d, cap, "file");
	}
	if (d->hand_over)
		hand_over(d);
	close(d->fd);
	d->fd = -1;
}
