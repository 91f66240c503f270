/*
 * control.c: the control socket (see control.h), in the manner of OpenBSD's
 * bgpd control.c.
 *
 * Opening: a socket file nobody answers on is a dead daemon's and is
 * removed; one that answers belongs to a live daemon and stops us. The
 * socket is bound under umask 0117, then set to 0660 root:GROUP explicitly.
 *
 * Accepting: non-blocking; on EMFILE/ENFILE the listener is left out of
 * poll() for NFD_ACCEPT_BACKOFF_MS instead of spinning. Each connection's
 * SO_PEERCRED (and SO_PEERGROUPS) is checked: root or the -g group, anyone
 * else gets one error line and is closed. Past NFD_MAX_CLIENTS, the same.
 */
#include "daemon/control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/jsonline.h"
#include "common/log.h"
#include "common/monotime.h"
#include "common/protocol.h"
#include "daemon/client.h"
#include "daemon/loop.h"
#include "daemon/netfaultd.h"

static int listen_fd = -1;
static struct watch *listen_watch;
static const struct client_handlers *client_handlers;
static int64_t accept_paused_until;   /* 0: accepting */
static char *socket_path;
static struct stat socket_stat;       /* ours, to never remove another's */

/* ---- opening ------------------------------------------------------------ */

static int socket_address(const char *path, struct sockaddr_un *sun)
{
	*sun = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

static int remove_stale_socket(const struct sockaddr_un *sun, const char **why)
{
	struct stat st;
	int probe, err = 0;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		*why = "exists and is not a socket";
		return -EEXIST;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	if (connect(probe, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		*why = "another netfaultd answers on it";
		err = -EADDRINUSE;
	} else if (errno == ECONNREFUSED) {
		if (unlink(sun->sun_path) < 0 && errno != ENOENT)
			err = -errno;
		else
			log_info("removed stale socket %s", sun->sun_path);
	} else {
		err = -errno;
	}
	close(probe);
	return err;
}

static void control_accept(int fd, short revents, void *ctx);

int control_open(const char *path, const struct client_handlers *handlers,
		 const char **why)
{
	struct sockaddr_un sun;
	mode_t old_umask;
	int fd = -1, err;

	*why = "bad path";
	err = socket_address(path, &sun);
	if (err < 0)
		goto fail;
	err = remove_stale_socket(&sun, why);
	if (err < 0)
		goto fail;
	*why = "socket";
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail_errno;
	*why = "bind";
	old_umask = umask(0117);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (err < 0)
		goto fail_errno;
	*why = "chmod/chown";
	if (chmod(path, 0660) < 0 || chown(path, 0, nfd_conf.group) < 0 ||
	    lstat(path, &socket_stat) < 0)
		goto fail_unlink;
	*why = "listen";
	if (listen(fd, NFD_MAX_CLIENTS) < 0)
		goto fail_unlink;
	*why = "out of memory";
	socket_path = strdup(path);
	if (!socket_path || !(listen_watch = loop_watch(fd, POLLIN, control_accept, NULL))) {
		errno = ENOMEM;
		goto fail_unlink;
	}
	listen_fd = fd;
	client_handlers = handlers;
	return 0;
fail_unlink:
	err = -errno;
	unlink(path);
	goto fail;
fail_errno:
	err = -errno;
fail:
	free(socket_path);
	socket_path = NULL;
	if (fd >= 0)
		close(fd);
	return err;
}

void control_stop_accepting(void)
{
	if (listen_fd < 0)
		return;
	loop_unwatch(listen_watch);
	listen_watch = NULL;
	close(listen_fd);
	listen_fd = -1;
}

/* ---- accepting ---------------------------------------------------------- */

static bool peer_in_group(int fd, const struct ucred *cred)
{
	gid_t some[64], *gids = some;
	socklen_t len = sizeof(some);
	bool member = false;

	if (cred->gid == nfd_conf.group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len) < 0) {
		if (errno != ERANGE || !(gids = malloc(len)))
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len) < 0)
			len = 0;
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		member = member || gids[i] == nfd_conf.group;
	if (gids != some)
		free(gids);
	return member;
}

static bool peer_allowed(int fd, const struct ucred *cred)
{
	if (cred->uid == 0)
		return true;
	return nfd_conf.group_name && peer_in_group(fd, cred);
}

/* One error line, written as far as the socket takes it, then close. */
static void refuse(int fd, const char *error)
{
	json_t *msg = json_pack("{s:s, s:b, s:s}", NF_TYPE, NF_TYPE_ERROR,
				NF_OK, 0, NF_ERROR, error);
	int err = json_line_send(fd, msg);

	if (err < 0)
		log_debug("refused client: %s", strerror(-err));
	json_decref(msg);
	close(fd);
}

static void client_accept(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char error[160];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warn("getsockopt SO_PEERCRED");
		close(fd);
		return;
	}
	if (!peer_allowed(fd, &cred)) {
		log_warnx("refused connection from uid %u gid %u pid %d: not root%s%s",
			  (unsigned)cred.uid, (unsigned)cred.gid, (int)cred.pid,
			  nfd_conf.group_name ? " nor in group " : "",
			  nfd_conf.group_name ? nfd_conf.group_name : "");
		snprintf(error, sizeof(error),
			 "permission denied: netfaultd serves root%s%s only",
			 nfd_conf.group_name ? " and group " : "",
			 nfd_conf.group_name ? nfd_conf.group_name : "");
		refuse(fd, error);
		return;
	}
	if (clients_count() >= NFD_MAX_CLIENTS || !client_new(fd, &cred, client_handlers)) {
		log_warnx("refused connection from pid %d: %u clients already",
			  (int)cred.pid, clients_count());
		snprintf(error, sizeof(error), "too many clients (at most %u): try again later",
			 NFD_MAX_CLIENTS);
		refuse(fd, error);
	}
}

static void control_accept(int fd, short revents, void *ctx)
{
	for (int i = 0; i < 16; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd >= 0) {
			client_accept(cfd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			log_warn("accept: pausing for %d ms", NFD_ACCEPT_BACKOFF_MS);
			loop_set_events(listen_watch, 0);
			accept_paused_until = mono_usec() + NFD_ACCEPT_BACKOFF_MS * 1000LL;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			   errno != EINTR && errno != ECONNABORTED) {
			log_warn("accept");
		}
		return;
	}
}

int control_next_timeout(int64_t now_us)
{
	if (!accept_paused_until)
		return -1;
	if (now_us >= accept_paused_until)
		return 0;
	return (int)((accept_paused_until - now_us + 999) / 1000);
}

void control_tick(int64_t now_us)
{
	if (!accept_paused_until || now_us < accept_paused_until)
		return;
	accept_paused_until = 0;
	if (listen_watch)
		loop_set_events(listen_watch, POLLIN);
}

void control_close(void)
{
	struct stat st;

	control_stop_accepting();
	/* remove the socket file only if it is still the one we made */
	if (socket_path && lstat(socket_path, &st) == 0 &&
	    st.st_ino == socket_stat.st_ino && st.st_dev == socket_stat.st_dev)
		unlink(socket_path);
	free(socket_path);
	socket_path = NULL;
}
