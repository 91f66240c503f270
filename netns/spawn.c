/*
 * spawn.c: running code inside a network namespace, in a forked child.
 *
 * Every child starts clean: default signal dispositions and an empty signal
 * mask (a daemon that ignores SIGPIPE must not pass that on to the apps whose
 * "Broken pipe" netfault studies), stdio buffers inherited from the parent
 * dropped, the parent's run leases closed (see lease.c), and
 * PR_SET_PDEATHSIG(SIGKILL) so that no child outlives its parent. Linux ties
 * that death signal to the forking *thread*: fork from a thread that lives
 * as long as the children should.
 *
 * netns_exec reports a failed setup or exec through a close-on-exec pipe, so
 * the caller gets -ENOENT for a missing program instead of an exit status.
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child right after fork: 0 or a positive errno. */
static int child_prepare(pid_t parent, int nsfd)
{
	sigset_t none;
	int sig;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return errno;
	if (getppid() != parent) /* the parent died before the prctl */
		return ESRCH;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL); /* fails harmlessly for libc's own */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	__fpurge(stdout);
	__fpurge(stderr);
	run_leases_close_inherited();
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return errno;
	return 0;
}

static int stdin_from_dev_null(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	if (dup2(fd, STDIN_FILENO) < 0) {
		close(fd);
		return errno;
	}
	close(fd);
	return 0;
}

pid_t netns_spawn(int nsfd, int (*fn)(void *arg), void *arg)
{
	pid_t parent = getpid(), pid;
	int err, status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;

	err = child_prepare(parent, nsfd);
	if (!err)
		err = stdin_from_dev_null();
	if (err)
		_exit(err & 0xff);
	status = fn(arg);
	fflush(stdout);
	fflush(stderr);
	_exit(status & 0xff);
}

int netns_run(int nsfd, int (*fn)(void *arg), void *arg)
{
	pid_t pid;
	int status;

	pid = netns_spawn(nsfd, fn, arg);
	if (pid < 0)
		return pid;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return -WEXITSTATUS(status);
	return -ECHILD;
}

/*
 * What `ip netns exec` does besides setns: a private mount namespace that
 * still receives the machine's mounts (slave), and a /sys of the target
 * network namespace so /sys/class/net lists its links.
 */
static int exec_mounts_prepare(void)
{
	struct statvfs sv;
	unsigned long flags = 0;

	if (unshare(CLONE_NEWNS) < 0)
		return errno;
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
		/* EINVAL: "/" is no mount point (a chroot). Make /sys alone a
		 * slave so the new sysfs cannot propagate back; where even that
		 * fails, leave /sys as it is rather than risk it. */
		if (errno != EINVAL)
			return errno;
		if (mount("", "/sys", "none", MS_SLAVE | MS_REC, NULL) < 0)
			return 0;
	}
	if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
		flags = MS_RDONLY;
	umount2("/sys", MNT_DETACH); /* fails when nothing was mounted: fine */
	if (mount("sysfs", "/sys", "sysfs", flags, NULL) < 0)
		return errno;
	return 0;
}

int netns_exec_mounts(void)
{
	return exec_mounts_prepare();
}

pid_t netns_exec(int nsfd, char *const argv[])
{
	pid_t parent = getpid(), pid;
	int status_pipe[2], err = 0, status;
	ssize_t n;

	if (!argv || !argv[0])
		return -EINVAL;
	if (pipe2(status_pipe, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(status_pipe[0]);
		close(status_pipe[1]);
		return err;
	}
	if (pid == 0) {
		close(status_pipe[0]);
		err = child_prepare(parent, nsfd);
		if (!err)
			err = exec_mounts_prepare();
		if (!err) {
			execvp(argv[0], argv);
			err = errno;
		}
		(void)!write(status_pipe[1], &err, sizeof(err));
		_exit(127);
	}

	close(status_pipe[1]);
	do
		n = read(status_pipe[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(status_pipe[0]);
	if (n != (ssize_t)sizeof(err))
		return pid; /* EOF: the exec closed the pipe */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -err;
}
