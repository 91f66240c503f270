/*
 * testlib.c: shared helpers of the Check tests (see testlib.h).
 */
#include "tests/lib/testlib.h"

#include "netns/netns.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * The snapshot uses the iproute2 and nft commands on purpose: the tests
 * check netfault's library code against an independent view of the kernel.
 */
char *nf_root_snapshot(void)
{
	static const char cmd[] =
		"ip -o link show 2>&1 | sed -E 's/ qlen [0-9]+//'; ip -o addr show 2>&1; "
		"ip route show table all 2>&1; ip -6 route show table all 2>&1; "
		"ip rule show 2>&1; ip -6 rule show 2>&1; "
		"tc qdisc show 2>&1; (nft list ruleset 2>&1 || true)";
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;

	if (!p)
		return strdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	pclose(p);
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	return buf;
}

void nf_assert_root_unchanged(const char *before)
{
	char *after = nf_root_snapshot();

	ck_assert_msg(strcmp(before, after) == 0, "the root namespace changed:\n%s\n---\n%s",
		      before, after);
	free(after);
}

int nf_run_namespaces(unsigned run_id, char *first, size_t len)
{
	char prefix[32], **names = NULL;
	int n;

	snprintf(prefix, sizeof(prefix), "%s%u-", NETNS_PREFIX, run_id);
	n = netns_list(prefix, &names);
	if (n > 0 && first)
		snprintf(first, len, "%s", names[0]);
	netns_names_free(names);
	return n < 0 ? 0 : n;
}

/* Whether a live run holds the lease of run id ID now (netns/lease.c): its
 * lock file exists and cannot be locked. A run that ended released its id,
 * so another run (of this process or another one) may have taken it since. */
static bool run_id_leased(unsigned id)
{
	char path[64];
	bool held = false;
	int fd;

	snprintf(path, sizeof(path), NETNS_LEASE_DIR "/%u.lock", id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		held = true;
	close(fd);
	return held;
}

void nf_assert_nothing_left(unsigned run_id, const char *root_before, const char *when)
{
	char left[64] = "";

	/* Namespaces of a run id that a live run holds again are that run's,
	 * not leftovers of the one that ended (which could not have built its
	 * names over them: a lease's first act removes what is there). */
	if (run_id && nf_run_namespaces(run_id, left, sizeof(left)) != 0)
		ck_assert_msg(run_id_leased(run_id), "namespace %s left after %s", left, when);
	nf_assert_root_unchanged(root_before);
}

int nf_children(const char *comm, pid_t *first)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[300], buf[512], *close_paren;
		int ppid = 0;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf[0] = '\0';
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		close_paren = strrchr(buf, ')');
		if (!close_paren || sscanf(close_paren + 2, "%*c %d", &ppid) != 1 ||
		    ppid != getpid())
			continue;
		if (comm) {
			char *open_paren = strchr(buf, '(');

			*close_paren = '\0';
			if (!open_paren || strcmp(open_paren + 1, comm) != 0)
				continue;
		}
		if (n++ == 0 && first)
			*first = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return n;
}

bool nf_group_alive(pid_t pgid)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	bool alive = false;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && !alive && (de = readdir(d))) {
		char state;
		int pgrp;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.200s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* pid (comm) state ppid pgrp: comm may hold spaces */
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = true;
		fclose(f);
	}
	if (d)
		closedir(d);
	return alive;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int nf_scenario_files(char **dir, char **files, int max)
{
	const char *env = getenv("NF_SCENARIO_DIR");
	struct dirent *de;
	int n = 0;
	DIR *d;

	*dir = strdup(env && *env ? env : "scenarios");
	d = opendir(*dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		size_t len = strlen(de->d_name);

		if (len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0)
			files[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(files, (size_t)n, sizeof(files[0]), cmp_names);
	return n;
}

const char *nf_json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s != NULL, "no \"%s\" text", key);
	return s;
}

double nf_json_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_number(v), "no \"%s\" number", key);
	return json_number_value(v);
}

int nf_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
