/*
 * nfqueue_rules.c: iptables/ip6tables -j NFQUEUE inside a host's namespace
 * (why a command at all: nfqueue_rules.h).
 *
 * The command runs in a netns_spawn child whose stdout and stderr go to a
 * pipe the parent reads, so that the library never prints and the caller
 * gets iptables' own message. (netns_exec would do the exec, but leaves the
 * child's output on the daemon's stderr; nor does iptables need the private
 * /sys mount that netns_exec prepares.)
 */
#include "netns/nfqueue_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns/netns.h"

#define EXEC_FAILED 127

struct captured_exec {
	char *const *argv;
	int out_fd;             /* write end of the pipe */
};

/* In the child (already inside the namespace). */
static int exec_captured(void *arg)
{
	const struct captured_exec *c = arg;

	if (dup2(c->out_fd, STDOUT_FILENO) < 0 || dup2(c->out_fd, STDERR_FILENO) < 0)
		return EXEC_FAILED;
	execvp(c->argv[0], c->argv);
	dprintf(STDERR_FILENO, "%s: %s", c->argv[0], strerror(errno));
	return EXEC_FAILED;
}

/* Runs ARGV in NSFD; 0 when it exits 0, else -EIO / -ENOENT with its
 * output in ERR. */
static int run_captured(int nsfd, char *const argv[], char *err, size_t errlen)
{
	struct captured_exec c = { .argv = argv };
	int pipefd[2], status = 0, rc = 0;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	c.out_fd = pipefd[1];
	pid = netns_spawn(nsfd, exec_captured, &c);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return pid;
	}
	/* Read to EOF; keep what fits. */
	for (;;) {
		char chunk[256];

		n = read(pipefd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (err && errlen > used + 1) {
			size_t take = (size_t)n < errlen - used - 1 ? (size_t)n : errlen - used - 1;

			memcpy(err + used, chunk, take);
			used += take;
		}
	}
	close(pipefd[0]);
	if (err && errlen) {
		while (used > 0 && (err[used - 1] == '\n' || err[used - 1] == ' '))
			used--;
		err[used] = '\0';
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == EXEC_FAILED)
		rc = -ENOENT;
	else
		rc = -EIO;
	return rc;
}

static int rule_one_family(int nsfd, const char *prog, bool add, enum link_dir one,
			   const char *ifname, uint16_t queue_num,
			   char *err, size_t errlen)
{
	char qnum[8];
	/* iptables takes char *const argv[]: give it writable copies. */
	char p_prog[16], p_ifname[IF_NAMESIZE];
	char a_wait[] = "-w", a_table[] = "-t", a_op[] = "-A", a_iface[] = "-o";
	char a_jump[] = "-j", a_target[] = "NFQUEUE", a_qnum[] = "--queue-num";
	char t_mangle[] = "mangle", t_raw[] = "raw";
	char c_post[] = "POSTROUTING", c_pre[] = "PREROUTING";
	char *argv[] = { p_prog, a_wait, a_table, NULL, a_op, NULL, a_iface, p_ifname,
			 a_jump, a_target, a_qnum, qnum, NULL };

	snprintf(p_prog, sizeof(p_prog), "%s", prog);
	snprintf(p_ifname, sizeof(p_ifname), "%s", ifname);
	snprintf(qnum, sizeof(qnum), "%u", (unsigned)queue_num);
	a_op[1] = add ? 'A' : 'D';
	if (one == LINK_OUT) {
		argv[3] = t_mangle;
		argv[5] = c_post;
	} else {
		argv[3] = t_raw;
		argv[5] = c_pre;
		a_iface[1] = 'i';
	}
	return run_captured(nsfd, argv, err, errlen);
}

int nfqueue_rules(int nsfd, bool add, enum link_dir one, const char *ifname,
		  uint16_t queue_num, char *err, size_t errlen)
{
	int rc4, rc6;

	if (err && errlen)
		err[0] = '\0';
	if ((one != LINK_OUT && one != LINK_IN) || !ifname || !ifname[0] ||
	    strlen(ifname) >= IF_NAMESIZE)
		return -EINVAL;
	rc4 = rule_one_family(nsfd, "iptables", add, one, ifname, queue_num, err, errlen);
	if (rc4 < 0 && add)
		return rc4;
	/* A delete goes on with IPv6 after an IPv4 failure, keeping the
	 * first message. */
	rc6 = rule_one_family(nsfd, "ip6tables", add, one, ifname, queue_num,
			      rc4 < 0 ? NULL : err, rc4 < 0 ? 0 : errlen);
	if (rc6 < 0 && add)   /* leave nothing half-added */
		(void)rule_one_family(nsfd, "iptables", false, one, ifname,
				      queue_num, NULL, 0);
	return rc4 < 0 ? rc4 : rc6;
}
