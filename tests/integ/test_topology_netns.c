/*
 * test_topology_netns.c: netns/ against the real kernel (root): named
 * namespaces (made, listed, opened, deleted; bad names refused), running
 * code and programs in them (netns_run, netns_spawn, netns_exec with the
 * namespace's own /sys), killing every process of a namespace, and run
 * leases: two runs never share an id, a dead owner's namespaces and
 * escaped processes are reclaimed and its id freed, spawned children do
 * not hold the lease. The fixtures are tests/lib/topotest.c's.
 */
#include "netns/netns.h"
#include "tests/lib/testlib.h"
#include "tests/lib/topotest.h"

#include <errno.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- named namespaces and running code in them ------------------------- */

static int report_ns_inode(void *arg)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return errno;
	if (st.st_ino != *(ino_t *)arg)
		return EXDEV;
	if (fcntl(STDIN_FILENO, F_GETFD) < 0)
		return EBADF;
	return getchar() == EOF ? 0 : EIO; /* stdin is /dev/null */
}

static int return_enoent(void *arg)
{
	return ENOENT;
}

START_TEST(test_named_namespaces)
{
	char name[32], **names;
	int fd, n;
	ino_t ino;

	NF_REQUIRE_ROOT();
	snprintf(name, sizeof(name), NETNS_PREFIX "%u-solo", lease.run_id);
	ck_assert_int_eq(netns_create(name), 0);
	ck_assert_int_eq(netns_create(name), -EEXIST);
	ck_assert(ns_file_exists(name));
	n = netns_list(name, &names);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(names[0], name);
	netns_names_free(names);

	fd = netns_open(name);
	ck_assert_int_ge(fd, 0);
	ino = ns_inode(fd);
	ck_assert_int_eq(netns_run(fd, report_ns_inode, &ino), 0);
	ck_assert_int_eq(netns_run(fd, return_enoent, NULL), -ENOENT);
	close(fd);

	ck_assert_int_eq(netns_delete(name), 0);
	ck_assert_int_eq(netns_delete(name), -ENOENT);
	ck_assert_int_eq(netns_open(name), -ENOENT);
	ck_assert_int_eq(netns_create("a/b"), -EINVAL);
	ck_assert_int_eq(netns_create(".."), -EINVAL);
}
END_TEST

/* ---- where the namespace entries live ------------------------------------ */

/* In a forked child with a private mount namespace: /run/netns is made
 * DIR (a directory on disk), then a namespace is created. Exit status: 0
 * when /run/netns ended up a tmpfs (WANT_TMPFS) or not (!WANT_TMPFS) with
 * the namespace's entry in it and DIR's own entries still visible. */
#define CHILD_CANNOT_ISOLATE 9

/* A mount namespace of the child's own whose mounts on /run/netns reach no
 * other: "/" made private or, where "/" is no mount point (a chroot),
 * /run/netns itself (a mount point once a namespace was made there). */
static bool isolate_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return false;
	if (mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		return true;
	return mount("", NETNS_RUN_DIR, NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

static int run_dir_child(const char *dir, const char *keep, bool want_tmpfs)
{
	char name[32], path[128];
	struct statfs st;
	int rc = 0;

	if (!isolate_mounts())
		return CHILD_CANNOT_ISOLATE;
	if (mount(dir, NETNS_RUN_DIR, NULL, MS_BIND, NULL) < 0)
		return 11;
	snprintf(name, sizeof(name), NETNS_PREFIX "%u-where", lease.run_id);
	if (netns_create(name) < 0)
		return 12;
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	if (statfs(NETNS_RUN_DIR, &st) < 0 || (st.f_type == TMPFS_MAGIC) != want_tmpfs)
		rc = 13;
	else if (access(path, F_OK) < 0)
		rc = 14;
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, keep ? keep : "");
	if (!rc && keep && access(path, F_OK) < 0)
		rc = 15;
	if (netns_delete(name) < 0 && !rc)
		rc = 16;
	return rc;
}

static int run_dir_case(const char *dir, const char *keep, bool want_tmpfs)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(run_dir_child(dir, keep, want_tmpfs));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* An empty /run/netns on disk gets a tmpfs; one with entries of others
 * keeps its file system, and they stay visible. */
START_TEST(test_run_dir_on_disk)
{
	char dir[] = "build/test-rundir-XXXXXX", file[64];
	struct statfs st;
	int fd, rc_empty, rc_taken = -1;

	NF_REQUIRE_ROOT();
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(statfs(dir, &st), 0);
	if (st.f_type == TMPFS_MAGIC) {
		rmdir(dir);
		NF_SKIP("the build directory is on a tmpfs: no file system on disk to try");
	}
	/* /run/netns a mount point, as any namespace's creation makes it */
	snprintf(file, sizeof(file), NETNS_PREFIX "%u-prepare", lease.run_id);
	ck_assert_int_eq(netns_create(file), 0);
	ck_assert_int_eq(netns_delete(file), 0);
	rc_empty = run_dir_case(dir, NULL, true);
	if (rc_empty == CHILD_CANNOT_ISOLATE) {
		rmdir(dir);
		NF_SKIP("no mount namespace of its own here: neither / nor %s can be made "
			"private", NETNS_RUN_DIR);
	}
	snprintf(file, sizeof(file), "%s/someone-else", dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		rc_taken = run_dir_case(dir, "someone-else", false);
		unlink(file);
	}
	rmdir(dir);
	ck_assert_msg(rc_empty == 0, "empty /run/netns on disk: step %d", rc_empty);
	ck_assert_msg(fd >= 0, "%s: %s", file, strerror(errno));
	ck_assert_msg(rc_taken == 0, "/run/netns on disk with an entry: step %d", rc_taken);
}
END_TEST

START_TEST(test_spawn_exec_kill)
{
	char *sw_links[] = { "sh", "-c", "test -e /sys/class/net/br0 && test -e /sys/class/net/p1", NULL };
	char *missing[] = { "/nonexistent/netfault-test", NULL };
	char *sleeper[] = { "sleep", "30", NULL };
	pid_t pid, exec_pid;
	int status;

	NF_REQUIRE_ROOT();
	build_hosts(1, NULL);

	/* exec sees the namespace's own /sys, like `ip netns exec` */
	pid = netns_exec(topo->sw_fd, sw_links);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "/sys/class/net of the switch lacks br0 or p1");
	ck_assert_int_eq(netns_exec(topo->sw_fd, missing), -ENOENT);

	pid = spawn_sleeper(topo->hosts[0].nsfd);
	exec_pid = netns_exec(topo->hosts[0].nsfd, sleeper); /* in place once exec'd */
	ck_assert_int_gt(exec_pid, 0);
	ck_assert_int_eq(netns_kill_all(topo->hosts[0].ns_name, SIGTERM), 2);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ck_assert_int_eq(waitpid(exec_pid, &status, 0), exec_pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ck_assert_int_eq(netns_kill_all_fd(topo->hosts[0].nsfd, SIGTERM), 0);
}
END_TEST

START_TEST(test_kill_refuses_own_namespace)
{
	int fd;

	NF_REQUIRE_ROOT();
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netns_kill_all_fd(fd, 0), -EPERM);
	ck_assert_int_eq(netns_kill_all_wait(&fd, 1, 10), -EPERM);
	close(fd);
}
END_TEST

/* ---- leases ------------------------------------------------------------ */

START_TEST(test_leases_differ)
{
	struct run_lease a, b;
	char path[64];

	NF_REQUIRE_ROOT();
	ck_assert_int_eq(run_lease_acquire(&a, 0), 0);
	ck_assert_int_eq(run_lease_acquire(&b, 0), 0);
	ck_assert_uint_ne(a.run_id, b.run_id);
	ck_assert_uint_ne(a.run_id, lease.run_id);
	ck_assert_uint_ne(b.run_id, lease.run_id);
	/* a hint names the first id to try, not one to steal */
	run_lease_release(&b);
	ck_assert_int_eq(run_lease_acquire(&b, a.run_id), 0);
	ck_assert_uint_gt(b.run_id, a.run_id);
	snprintf(path, sizeof(path), NETNS_LEASE_DIR "/%u.lock", a.run_id);
	ck_assert_int_eq(access(path, F_OK), 0);
	run_lease_release(&a);
	/* a released lease leaves no file behind */
	ck_assert_int_ne(access(path, F_OK), 0);
	run_lease_release(&b);
	run_lease_release(NULL);
	ck_assert_int_eq(run_lease_acquire(&a, NETNS_MAX_RUN_ID + 1), -EINVAL);
}
END_TEST

START_TEST(test_dead_owner_reclaimed)
{
	char name[32], live_name[32];
	int pipefd[2], status;
	unsigned dead_id;
	pid_t child, orphan;
	int nsfd;
	struct run_lease again;

	NF_REQUIRE_ROOT();
	/* our own live run's namespace must survive the clean-up */
	snprintf(live_name, sizeof(live_name), NETNS_PREFIX "%u-live", lease.run_id);
	ck_assert_int_eq(netns_create(live_name), 0);

	ck_assert_int_eq(pipe(pipefd), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		struct run_lease mine;

		close(pipefd[0]);
		if (run_lease_acquire(&mine, 0) < 0)
			_exit(1);
		snprintf(name, sizeof(name), NETNS_PREFIX "%u-orphan", mine.run_id);
		if (netns_create(name) < 0)
			_exit(2);
		if (write(pipefd[1], &mine.run_id, sizeof(mine.run_id)) != sizeof(mine.run_id))
			_exit(3);
		_exit(0); /* dies holding the lease: the kernel drops it */
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &dead_id, sizeof(dead_id)), sizeof(dead_id));
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	snprintf(name, sizeof(name), NETNS_PREFIX "%u-orphan", dead_id);
	ck_assert(ns_file_exists(name));
	nsfd = netns_open(name);
	ck_assert_int_ge(nsfd, 0);
	orphan = escapee_in(nsfd);
	close(nsfd);

	ck_assert_int_ge(run_leftovers_clean(), 1);
	ck_assert(!ns_file_exists(name));
	ck_assert(ns_file_exists(live_name));
	ck_assert(!process_alive(orphan));
	ck_assert_int_eq(waitpid(orphan, NULL, 0), orphan);
	/* and the id is free again */
	ck_assert_int_eq(run_lease_acquire(&again, dead_id), 0);
	ck_assert_uint_eq(again.run_id, dead_id);
	run_lease_release(&again);
	ck_assert_int_eq(netns_delete(live_name), 0);
}
END_TEST

static int lease_is_closed(void *arg)
{
	return fcntl(*(int *)arg, F_GETFD) < 0 && errno == EBADF ? 0 : EEXIST;
}

START_TEST(test_spawned_children_drop_the_lease)
{
	char name[32];
	int fd;

	NF_REQUIRE_ROOT();
	snprintf(name, sizeof(name), NETNS_PREFIX "%u-kid", lease.run_id);
	ck_assert_int_eq(netns_create(name), 0);
	fd = netns_open(name);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netns_run(fd, lease_is_closed, &lease.lock_fd), 0);
	close(fd);
	ck_assert_int_eq(netns_delete(name), 0);
}
END_TEST

static Suite *topology_netns_suite(void)
{
	Suite *s = suite_create("topology_netns");
	TCase *tc;

	tc = run_tcase("namespaces", 10);
	tcase_add_test(tc, test_named_namespaces);
	tcase_add_test(tc, test_run_dir_on_disk);
	tcase_add_test(tc, test_spawn_exec_kill);
	tcase_add_test(tc, test_kill_refuses_own_namespace);
	suite_add_tcase(s, tc);

	tc = run_tcase("leases", 10);
	tcase_add_unchecked_fixture(tc, NULL, dead_runs_teardown);
	tcase_add_test(tc, test_leases_differ);
	tcase_add_test(tc, test_dead_owner_reclaimed);
	tcase_add_test(tc, test_spawned_children_drop_the_lease);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(topology_netns_suite());
}
