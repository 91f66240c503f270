/*
 * cmdapp.c: real programs as apps (cmd:). Before anything starts, each cmd
 * app gets a directory of its own in the run directory (opts->run_dir, or a
 * private temporary one removed at the end): its files: are written there,
 * and "${APPDIR}" in their texts and in cmd's arguments becomes its path.
 * The program must be found now (a typo fails the run before t0, not at
 * it). It is started like `ip netns exec` starts one (its host's network
 * namespace, a private mount namespace with that host's /sys), in its own
 * process group (the engine kills the group at the end), in its directory,
 * with stdin /dev/null and stdout and stderr on pipes the engine reads
 * (cmdapp_output.c), as the app's user when it has one (groups, gid, uid,
 * resolved before the fork: engine_opts.run_as, the identity of the client
 * that asked for the run, when given; else user:'s passwd entry). The
 * directory and everything the engine writes in it are made by root, then
 * handed to that user.
 *
 * When each one starts is procs.c's to say: a cmd app with listen: (a
 * server, or a proxy with connect: too) before t0, and t0 waits until its
 * host's kernel shows a socket listening on that port (cmdapp_listening, a
 * sock_diag dump each tick, RUN_LISTEN_TIMEOUT_US at most); any other cmd
 * app at t0. The result's members of a cmd app are made here too.
 */
#include "engine/cmd/cmdapp.h"
#include "engine/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/errname.h"
#include "netns/sockdiag.h"

#define APPDIR_VAR "${APPDIR}"
#define RUNDIR_TEMPLATE "/tmp/netfault-run-XXXXXX"

/* TEXT with every ${APPDIR} replaced by DIR, allocated (NULL: no memory). */
static char *substitute(const char *text, const char *dir)
{
	size_t var = strlen(APPDIR_VAR), dlen = strlen(dir), n = 0, len;
	const char *p;
	char *out, *q;

	for (p = text; (p = strstr(p, APPDIR_VAR)) != NULL; p += var)
		n++;
	len = strlen(text) + n * dlen + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	for (q = out, p = text; *p;) {
		if (strncmp(p, APPDIR_VAR, var) == 0) {
			memcpy(q, dir, dlen);
			q += dlen;
			p += var;
		} else {
			*q++ = *p++;
		}
	}
	*q = '\0';
	return out;
}

/* Writes NAME in the app's directory DIRFD, owned by CTX's user if any. */
static int write_file(int dirfd, const char *name, const char *text,
		      const struct app_ctx *ctx)
{
	size_t len = strlen(text), done = 0;
	int fd, ret = 0;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (ret == 0 && ctx->set_user && fchown(fd, ctx->uid, ctx->gid) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* 0 when the program ARGV0 can be run (PATH searched like execvp). */
static int program_found(const char *argv0)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(argv0, '/'))
		return access(argv0, X_OK) == 0 ? 0 : -errno;
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, argv0);
		if (access(buf, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

static int rundir_make(struct engine_run *r)
{
	struct cmdapps *o = r->cmd;
	const char *dir = r->opts ? r->opts->run_dir : NULL;

	if (dir && strlen(dir) >= sizeof(o->rundir)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (dir) {
		struct stat st;

		snprintf(o->rundir, sizeof(o->rundir), "%s", dir);
		if (mkdir(dir, 0711) < 0 && errno != EEXIST)
			goto fail;
		/* an app's user must reach its own directory inside */
		if (stat(dir, &st) < 0 || chmod(dir, (st.st_mode & 07777) | 0111) < 0)
			goto fail;
	} else {
		snprintf(o->rundir, sizeof(o->rundir), RUNDIR_TEMPLATE);
		if (!mkdtemp(o->rundir))
			goto fail;
		o->rundir_temp = true;
		/* the apps' users must reach their own directories */
		if (chmod(o->rundir, 0711) < 0)
			goto fail;
	}
	o->rundir_made = true;
	return 0;
fail:
	snprintf(r->error, sizeof(r->error), "run directory %.200s: %s", o->rundir,
		 errno_name(errno));
	return -errno;
}

/* The groups app A runs with when it has a user: the run's run_as groups
 * exactly, else the passwd entry's (getgrouplist), else its gid alone. */
static void app_groups(const struct engine_run *r, const struct run_app *a, struct cmd_proc *c)
{
	const struct engine_identity *as = r->opts ? r->opts->run_as : NULL;
	const int max = (int)(sizeof(c->groups) / sizeof(c->groups[0]));
	struct passwd *pw;

	if (as) {
		c->ngroups = as->ngroups < (size_t)max ? (int)as->ngroups : max;
		memcpy(c->groups, as->groups, (size_t)c->ngroups * sizeof(gid_t));
		return;
	}
	c->ngroups = max;
	pw = getpwuid(a->ctx.uid);
	if (!pw || getgrouplist(pw->pw_name, a->ctx.gid, c->groups, &c->ngroups) < 0) {
		c->groups[0] = a->ctx.gid;
		c->ngroups = 1;
	}
}

/*
 * The app's directory, its files: and its output files are made by root in
 * a directory only root writes, and handed to the app's user (when it has
 * one) last: nothing the user could put in the directory meanwhile can
 * make the engine write elsewhere.
 */
static int app_prepare(struct engine_run *r, struct run_app *a)
{
	struct cmd_proc *c = &r->cmd->procs[a->index];
	const struct sc_app *sa = a->sc;
	const char *what = "directory";
	int dfd = -1, ret = 0;

	snprintf(c->dir, sizeof(c->dir), "%s/%s", r->cmd->rundir, sa->name);
	if (mkdir(c->dir, 0755) < 0 && errno != EEXIST)
		goto fail_errno;
	dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		goto fail_errno;
	c->argv = calloc(sa->ncmd + 1, sizeof(*c->argv));
	if (!c->argv) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < sa->ncmd; i++) {
		if (!(c->argv[i] = substitute(sa->cmd[i], c->dir))) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < sa->nfiles; i++) {
		char *text = substitute(sa->files[i].text, c->dir);

		ret = text ? write_file(dfd, sa->files[i].name, text, &a->ctx) : -ENOMEM;
		free(text);
		if (ret < 0) {
			snprintf(r->error, sizeof(r->error), "%s:%d: app %s: writing %.200s/%s: %s",
				 r->sc->file, sa->files[i].line, sa->name, c->dir,
				 sa->files[i].name, errno_name(-ret));
			goto out;
		}
	}
	what = "output files in";
	ret = cmdapp_output_files(c, dfd, &a->ctx);
	if (ret < 0)
		goto fail;
	if (a->ctx.set_user) {
		what = "handing over";
		if (fchown(dfd, a->ctx.uid, a->ctx.gid) < 0)
			goto fail_errno;
		app_groups(r, a, c);
	}
	ret = program_found(c->argv[0]);
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "%s:%d: app %s: cannot run %s: %s",
			 r->sc->file, sa->line, sa->name, c->argv[0], errno_name(-ret));
	goto out;
fail_errno:
	ret = -errno;
fail:
	snprintf(r->error, sizeof(r->error), "app %s: %s directory %.200s: %s", sa->name,
		 what, c->dir, errno_name(-ret));
out:
	if (dfd >= 0)
		close(dfd);
	return ret;
}

static int cmdapps_alloc(struct engine_run *r)
{
	struct cmdapps *o = calloc(1, sizeof(*o));
	size_t napps = r->napps ? r->napps : 1;

	if (o)
		o->procs = calloc(napps, sizeof(*o->procs));
	if (!o || !o->procs) {
		free(o);
		return -ENOMEM;
	}
	r->cmd = o;
	for (size_t i = 0; i < napps; i++)
		for (int s = 0; s < 2; s++)
			o->procs[i].pipes[s][0] = o->procs[i].pipes[s][1] =
				o->procs[i].out[s].fd = o->procs[i].out[s].file = -1;
	return 0;
}

int cmdapp_prepare(struct engine_run *r)
{
	int ret = cmdapps_alloc(r);

	if (ret == 0)
		ret = rundir_make(r);
	for (size_t i = 0; ret == 0 && i < r->napps; i++)
		if (r->apps[i].sc->cmd)
			ret = app_prepare(r, &r->apps[i]);
	return ret;
}

/* ---- the child ------------------------------------------------------------- */

struct cmd_child {
	const struct cmd_proc *c;
	const struct app_ctx *ctx;
	int status;             /* write end of the exec status pipe */
};

static int child_user(const struct cmd_child *cc)
{
	pid_t parent = getppid();

	if (!cc->ctx->set_user)
		return 0;
	if (setgroups((size_t)cc->c->ngroups, cc->c->groups) < 0 || setgid(cc->ctx->gid) < 0 ||
	    setuid(cc->ctx->uid) < 0)
		return -errno;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return -ESRCH;
	return 0;
}

static int cmd_child_main(void *arg)
{
	struct cmd_child *cc = arg;
	int err = 0;

	setpgid(0, 0);
	if (dup2(cc->c->pipes[0][1], STDOUT_FILENO) < 0 ||
	    dup2(cc->c->pipes[1][1], STDERR_FILENO) < 0)
		err = -errno;
	if (!err)
		err = -netns_exec_mounts();
	if (!err && chdir(cc->c->dir) < 0)
		err = -errno;
	if (!err)
		err = child_user(cc);
	if (!err && syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0)
		err = -errno;
	if (!err) {
		execvp(cc->c->argv[0], cc->c->argv);
		err = -errno;
	}
	err = -err;
	(void)!write(cc->status, &err, sizeof(err));
	return 127;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int cmdapp_start(struct engine_run *r, struct run_app *a)
{
	struct cmd_proc *c = &r->cmd->procs[a->index];
	struct cmd_child cc = { .c = c, .ctx = &a->ctx, .status = -1 };
	int status[2] = { -1, -1 }, err = 0, ret = 0;
	ssize_t n;
	pid_t pid;

	for (int s = 0; s < 2 && ret == 0; s++)
		if (pipe2(c->pipes[s], O_CLOEXEC) < 0)
			ret = -errno;
	if (ret == 0 && pipe2(status, O_CLOEXEC) < 0)
		ret = -errno;
	if (ret < 0)
		goto out;
	cc.status = status[1];
	ret = cmdapp_output_open(r, a);
	if (ret < 0)
		goto out;
	pid = netns_spawn(r->topo->hosts[a->sc->host].nsfd, cmd_child_main, &cc);
	if (pid < 0) {
		ret = pid;
		goto out;
	}
	a->pid = pid;
	setpgid(pid, pid);   /* the child does it too; whoever is first */
	c->spawned = true;
	close_fd(&status[1]);
	do
		n = read(status[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(err))
		ret = -err;     /* the exec failed: the child exits 127, reaped later */
	a->state = RUN_APP_STARTING;
	a->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (a->pidfd < 0 && ret == 0)
		ret = -errno;
out:
	for (int s = 0; s < 2; s++)
		close_fd(&c->pipes[s][1]);
	close_fd(&status[0]);
	close_fd(&status[1]);
	if (ret < 0 && !r->error[0])
		snprintf(r->error, sizeof(r->error), "app %s: starting %s failed: %s",
			 a->sc->name, c->argv[0], errno_name(-ret));
	return ret;
}

bool cmdapp_listening(struct engine_run *r, struct run_app *a)
{
	struct sockdiag_filter f = { .states = SOCKDIAG_STATE(TCP_LISTEN),
				     .local_port = (uint16_t)a->sc->listen_port };
	struct cmd_proc *c = &r->cmd->procs[a->index];
	int nsfd = r->topo->hosts[a->sc->host].nsfd;
	struct tcp_sock_sample s;

	/* never the engine's own namespace (sockdiag_open's nsfd < 0) */
	if (!c->sd && (nsfd < 0 || sockdiag_open(&c->sd, nsfd) < 0))
		return false;   /* tried again at the next tick */
	if (sockdiag_tcp_sample(c->sd, &f, &s, 1, NULL) <= 0)
		return false;
	sockdiag_close(c->sd);
	c->sd = NULL;
	return true;
}

/* ---- the result ------------------------------------------------------------- */

void cmdapp_report_app(const struct engine_run *r, const struct run_app *a, json_t *o)
{
	const struct cmd_proc *c = r->cmd ? &r->cmd->procs[a->index] : NULL;
	json_t *argv;

	if (!c)
		return;
	argv = json_array();
	for (size_t k = 0; argv && c->argv && c->argv[k]; k++)
		json_array_append_new(argv, json_string(c->argv[k]));
	json_object_set_new(o, "cmd", argv ? argv : json_null());
	json_object_set_new(o, "output", cmdapp_output_json(r, a));
	json_object_set_new(o, "output_tail", cmdapp_tail_json(r, a));
	json_object_set_new(o, "dir", json_string(c->dir));
}

void cmdapp_report(const struct engine_run *r, json_t *res)
{
	const struct cmdapps *o = r->cmd;

	json_object_set_new(res, "run_dir", o && o->rundir[0] ? json_string(o->rundir)
			    : json_null());
	json_object_set_new(res, "run_dir_kept", json_boolean(o && o->rundir[0] &&
							       !o->rundir_temp));
}

/* ---- the end ---------------------------------------------------------------- */

/* Removes NAME in PARENT (a directory fd): its entries, and those of its
 * subdirectories DEPTH levels down (the run directory, the apps'
 * directories, what an app made in its own), then NAME. Every step goes
 * through directory fds and never follows a symlink, so an app's user
 * cannot turn the removal, done as root, towards anything else. */
static void remove_tree(int parent, const char *name, int depth)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (fd >= 0 && !d)
		close(fd);
	while (d && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno == EISDIR && depth > 0)
			remove_tree(dirfd(d), de->d_name, depth - 1);
	}
	if (d)
		closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

void cmdapp_free(struct engine_run *r)
{
	struct cmdapps *o = r->cmd;

	if (!o)
		return;
	for (size_t i = 0; i < r->napps; i++) {
		struct cmd_proc *c = &o->procs[i];

		for (int s = 0; s < 2; s++) {
			close_fd(&c->pipes[s][0]);
			close_fd(&c->pipes[s][1]);
		}
		cmdapp_output_close(c);
		for (size_t k = 0; c->argv && c->argv[k]; k++)
			free(c->argv[k]);
		free(c->argv);
		c->argv = NULL;
		sockdiag_close(c->sd);
		c->sd = NULL;
	}
	if (o->rundir_made && o->rundir_temp)
		remove_tree(AT_FDCWD, o->rundir, 2);
	free(o->procs);
	free(o);
	r->cmd = NULL;
}
