/*
 * test_pool.c: netns/pool.c against the real kernel (root): a build enters
 * the namespaces the pool made ready (and they carry packets); a pooled
 * namespace is one nobody has entered, like a new one; a forked child
 * builds with the namespaces its parent took for it; stopping the pool
 * leaves none of its namespaces open; a refill that fails (out of fds)
 * says why and tries again; bad sizes are refused.
 *
 * Which namespace is which is told by inode: a process's open namespaces
 * are the "net:[INODE]" links in /proc/self/fd.
 */
#include "netns/netns.h"
#include "tests/lib/testlib.h"
#include "tests/lib/topotest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define POOL_FILL_MS 10000   /* a deadline: filling takes milliseconds */
#define MAX_OPEN 256

/* The inodes of the network namespaces this process has open as fds. */
static size_t open_namespaces(unsigned long *inodes, size_t max)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir)) && n < max) {
		char link[64];
		ssize_t len;

		len = readlinkat(dirfd(dir), e->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "net:[%lu]", &inodes[n]) == 1)
			n++;
	}
	closedir(dir);
	return n;
}

static bool inode_in(unsigned long ino, const unsigned long *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == ino)
			return true;
	return false;
}

static void pool_fill(size_t size)
{
	ck_assert_int_eq(netns_pool_start(size), 0);
	ck_assert_int_eq(netns_pool_wait_full(POOL_FILL_MS), 0);
	ck_assert_uint_eq(netns_pool_ready(), size);
}

/* The namespace of switch K's name (opened by name, not taken from topo). */
static unsigned long switch_inode(const struct topology *t)
{
	int fd = netns_open(t->sw_name);
	unsigned long ino;

	ck_assert_int_ge(fd, 0);
	ino = (unsigned long)ns_inode(fd);
	close(fd);
	return ino;
}

START_TEST(test_builds_enter_ready_namespaces)
{
	unsigned long ready[MAX_OPEN];
	size_t nready;

	NF_REQUIRE_ROOT();
	pool_fill(6);
	nready = open_namespaces(ready, MAX_OPEN);
	topo = build_hosts(2, NULL);
	ck_assert_msg(inode_in(switch_inode(topo), ready, nready),
		      "the switch's namespace is not one the pool had ready");
	for (size_t i = 0; i < topo->nhosts; i++)
		ck_assert_msg(inode_in((unsigned long)ns_inode(topo->hosts[i].nsfd), ready, nready),
			      "host %s's namespace is not one the pool had ready",
			      topo->hosts[i].name);
	assert_full_mesh(topo, false);
	assert_full_mesh(topo, true);
	netns_pool_stop();
}
END_TEST

/* In a child inside the namespace: 0 when lo is its only link and down. */
static int only_lo_down(void *arg)
{
	struct if_nameindex *ifs = if_nameindex();
	struct ifreq ifr = { .ifr_name = "lo" };
	int sk, n = 0, rc = 0;

	(void)arg;
	if (!ifs)
		return errno;
	while (ifs[n].if_index)
		n++;
	if (n != 1 || strcmp(ifs[0].if_name, "lo") != 0)
		rc = EEXIST;
	if_freenameindex(ifs);
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return errno;
	if (rc == 0 && ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		rc = errno;
	else if (rc == 0 && (ifr.ifr_flags & IFF_UP))
		rc = EBUSY;
	close(sk);
	return rc;
}

/* A namespace made now, in a throwaway thread's stead: a forked child. */
static int new_namespace_fd(void)
{
	int home = netns_open_current(), fd;

	ck_assert_int_ge(home, 0);
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setns(home, CLONE_NEWNET), 0);
	close(home);
	return fd;
}

/* Sysctls that must read the same in a pooled namespace as in a new one. */
static const char *const same_sysctls[] = {
	"net.ipv4.ip_forward",
	"net.ipv6.conf.default.accept_dad",
	"net.ipv6.conf.default.router_solicitations",
	"net.ipv4.tcp_keepalive_time",
	"net.core.somaxconn",
};

START_TEST(test_pooled_namespace_is_new)
{
	int taken[2], fresh, named;
	char a[64], b[64], **names;
	size_t i;

	NF_REQUIRE_ROOT();
	pool_fill(2);
	ck_assert_uint_eq(netns_pool_take(taken, 2), 2);
	ck_assert_uint_ne(ns_inode(taken[0]), ns_inode(taken[1]));
	fresh = new_namespace_fd();
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(netns_run(taken[i], only_lo_down, NULL), 0);
		for (size_t k = 0; k < sizeof(same_sysctls) / sizeof(same_sysctls[0]); k++) {
			ck_assert_int_gt(netns_sysctl_read(taken[i], same_sysctls[k], a,
							   sizeof(a)), 0);
			ck_assert_int_gt(netns_sysctl_read(fresh, same_sysctls[k], b,
							   sizeof(b)), 0);
			ck_assert_msg(strcmp(a, b) == 0, "%s: pooled %s, new %s",
				      same_sysctls[k], a, b);
		}
	}
	/* no named namespace on the machine is one of them */
	ck_assert_int_ge(netns_list("", &names), 0);
	for (char **name = names; *name; name++) {
		named = netns_open(*name);
		if (named < 0)
			continue;   /* removed meanwhile by someone else */
		ck_assert_uint_ne(ns_inode(named), ns_inode(taken[0]));
		ck_assert_uint_ne(ns_inode(named), ns_inode(taken[1]));
		close(named);
	}
	netns_names_free(names);
	/* what the refill makes in their place is new again */
	ck_assert_int_eq(netns_pool_wait_full(POOL_FILL_MS), 0);
	{
		unsigned long open_now[MAX_OPEN];
		size_t n = open_namespaces(open_now, MAX_OPEN);
		int again[2];

		ck_assert_uint_eq(netns_pool_take(again, 2), 2);
		for (i = 0; i < 2; i++) {
			ck_assert(inode_in((unsigned long)ns_inode(again[i]), open_now, n));
			ck_assert_uint_ne(ns_inode(again[i]), ns_inode(taken[0]));
			ck_assert_uint_ne(ns_inode(again[i]), ns_inode(taken[1]));
			close(again[i]);
		}
	}
	close(taken[0]);
	close(taken[1]);
	close(fresh);
	netns_pool_stop();
}
END_TEST

START_TEST(test_child_builds_with_what_its_parent_took)
{
	unsigned long given[3];
	int fds[3], status;
	pid_t pid;

	NF_REQUIRE_ROOT();
	pool_fill(5);
	ck_assert_uint_eq(netns_pool_take(fds, 3), 3);
	for (size_t i = 0; i < 3; i++)
		given[i] = (unsigned long)ns_inode(fds[i]);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct topo_host_spec hosts[2] = { { .name = "h1" }, { .name = "h2" } };
		struct topology *t = NULL;
		bool ok;

		netns_pool_adopt(fds, 3);
		if (netns_pool_ready() != 3 || topology_build(&t, lease.run_id, hosts, 2,
							      NULL, 0) < 0)
			_exit(2);
		ok = inode_in(switch_inode(t), given, 3) &&
		     inode_in((unsigned long)ns_inode(t->hosts[0].nsfd), given, 3) &&
		     inode_in((unsigned long)ns_inode(t->hosts[1].nsfd), given, 3) &&
		     netns_pool_ready() == 0;
		topology_destroy(t);
		_exit(ok ? 0 : 1);
	}
	for (size_t i = 0; i < 3; i++)
		close(fds[i]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the child did not build with the 3 namespaces given (status %#x)",
		      status);
	/* the parent's pool made new ones for what it gave away */
	ck_assert_int_eq(netns_pool_wait_full(POOL_FILL_MS), 0);
	netns_pool_stop();
}
END_TEST

START_TEST(test_stop_leaves_none_open)
{
	unsigned long before[MAX_OPEN], during[MAX_OPEN], after[MAX_OPEN];
	size_t nbefore, nduring, nafter;

	NF_REQUIRE_ROOT();
	nbefore = open_namespaces(before, MAX_OPEN);
	pool_fill(4);
	nduring = open_namespaces(during, MAX_OPEN);
	ck_assert_uint_ge(nduring, nbefore + 4);
	netns_pool_stop();
	ck_assert_uint_eq(netns_pool_ready(), 0);
	nafter = open_namespaces(after, MAX_OPEN);
	ck_assert_uint_eq(nafter, nbefore);
	for (size_t i = 0; i < nafter; i++)
		ck_assert(inode_in(after[i], before, nbefore));
	/* and it starts again */
	pool_fill(1);
	netns_pool_stop();
}
END_TEST

/* Out of fds, the refill fails and says why; once fds are free again it
 * fills the pool on its own. */
START_TEST(test_refill_recovers)
{
	struct rlimit lim, none;
	int fds[2];

	NF_REQUIRE_ROOT();
	pool_fill(2);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
	none = (struct rlimit){ .rlim_cur = 3, .rlim_max = lim.rlim_max };
	/* only 0, 1 and 2 may be open: every new fd fails */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	ck_assert_uint_eq(netns_pool_take(fds, 2), 2);
	close(fds[0]);
	close(fds[1]);
	ck_assert_int_eq(netns_pool_wait_full(POOL_FILL_MS), -EMFILE);
	ck_assert_uint_eq(netns_pool_ready(), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	for (int tries = 0; tries < 100 && netns_pool_ready() < 2; tries++)
		usleep(100 * 1000);
	ck_assert_uint_eq(netns_pool_ready(), 2);
	ck_assert_int_eq(netns_pool_wait_full(POOL_FILL_MS), 0);
	netns_pool_stop();
}
END_TEST

START_TEST(test_bad_sizes)
{
	NF_REQUIRE_ROOT();
	ck_assert_int_eq(netns_pool_start(NETNS_POOL_MAX + 1), -EINVAL);
	ck_assert_int_eq(netns_pool_start(0), 0);
	ck_assert_uint_eq(netns_pool_ready(), 0);
	ck_assert_int_eq(netns_pool_start(1), 0);
	ck_assert_int_eq(netns_pool_start(1), -EBUSY);
	netns_pool_stop();
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = run_tcase("pool", 30);

	tcase_add_test(tc, test_builds_enter_ready_namespaces);
	tcase_add_test(tc, test_pooled_namespace_is_new);
	tcase_add_test(tc, test_child_builds_with_what_its_parent_took);
	tcase_add_test(tc, test_stop_leaves_none_open);
	tcase_add_test(tc, test_refill_recovers);
	tcase_add_test(tc, test_bad_sizes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(pool_suite());
}
