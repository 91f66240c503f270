/*
 * pcapdir.c: the "pcap" directory of a run request, checked by the
 * daemon and made per run by the worker (see pcapdir.h).
 */
#include "daemon/pcapdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/protocol.h"

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

const char *pcap_dir_check(const char *dir, uid_t uid, char *why, size_t len)
{
	struct stat st;
	size_t n = strlen(dir);

	if (uid != 0) {
		snprintf(why, len, "\"pcap\": only root may ask for pcap files "
			 "(netfaultd writes them as root)");
		return why;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)dir[i] < 0x20 || dir[i] == 0x7f) {
			snprintf(why, len, "\"pcap\": a directory name without control "
				 "characters, please");
			return why;
		}
	}
	if (n == 0 || n > NF_PCAP_DIR_MAX)
		snprintf(why, len, "\"pcap\": a directory of 1 to %d bytes, please",
			 NF_PCAP_DIR_MAX);
	else if (dir[0] != '/')
		snprintf(why, len, "pcap directory %s: not an absolute path", dir);
	else if (has_dot_component(dir))
		snprintf(why, len, "pcap directory %s: no \".\" or \"..\" components, "
			 "please", dir);
	else if (stat(dir, &st) < 0)
		snprintf(why, len, "pcap directory %s: %s", dir,
			 errno == ENOENT ? "no such directory" : strerror(errno));
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

int pcap_run_dir_make(const char *dir, unsigned run_id, struct pcap_run_dir *d,
		      char *why, size_t len)
{
	char name[48];
	struct stat st;
	int dfd, err;

	*d = (struct pcap_run_dir){ .fd = -1 };
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		snprintf(why, len, "pcap directory %s: %s", dir, strerror(-err));
		return err;
	}
	err = make_fresh(dfd, run_id, name, sizeof(name));
	if (err < 0) {
		snprintf(why, len, "pcap directory %s: making run-%u: %s", dir, run_id,
			 strerror(-err));
		goto out;
	}
	snprintf(d->path, sizeof(d->path), "%s%s%s", dir,
		 dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	d->fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st) < 0) {
		err = -errno;
		snprintf(why, len, "pcap directory %s: %s", d->path, strerror(-err));
		goto out;
	}
	if (st.st_uid != geteuid()) {
		/* someone put another directory in the place of ours */
		err = -EEXIST;
		snprintf(why, len, "pcap directory %s: replaced while it was made", d->path);
		goto out;
	}
	snprintf(d->handle, sizeof(d->handle), "/proc/self/fd/%d", d->fd);
out:
	if (err < 0 && d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	close(dfd);
	return err;
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
	close(d->fd);
	d->fd = -1;
}
