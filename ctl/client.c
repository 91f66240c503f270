/*
 * client.c: the control socket, client side (see client.h).
 *
 * Replies can be large (show sends every event of a run), so lines are
 * capped at CONN_MAX_LINE, well above what netfaultd sends.
 */
#include "ctl/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/protocol.h"

#define CONN_MAX_LINE (64u << 20)
#define CONN_CHUNK    (64u << 10)

int conn_open(struct ctl_conn *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int err;

	*c = (struct ctl_conn){ .fd = -1 };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "netfaultctl: %s: socket path too long\n", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return 0;
fail:
	err = errno;
	fprintf(stderr, "netfaultctl: cannot connect to %s: %s\n", path, strerror(err));
	if (err == ENOENT || err == ECONNREFUSED)
		fprintf(stderr, "is netfaultd running? start it with: netfaultd "
			"(or make run)\n");
	else if (err == EACCES || err == EPERM)
		fprintf(stderr, "netfaultd serves root and the group given to "
			"netfaultd -g only\n");
	conn_close(c);
	return -err;
}

void conn_close(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	*c = (struct ctl_conn){ .fd = -1 };
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int conn_send(struct ctl_conn *c, json_t *req)
{
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	size_t len;
	int err = -ENOMEM;

	if (text) {
		len = strlen(text);
		text[len++] = '\n';    /* json_dumps' NUL becomes the newline */
		err = write_all(c->fd, text, len);
	}
	free(text);
	json_decref(req);
	return err;
}

bool conn_send_refused(int err)
{
	return err == -EPIPE || err == -ECONNRESET;
}

long conn_fill(struct ctl_conn *c)
{
	ssize_t n;

	if (c->cap - c->len < CONN_CHUNK) {
		size_t want = c->cap ? c->cap * 2 : CONN_CHUNK * 2;
		char *grown;

		if (c->len > CONN_MAX_LINE)
			return -EMSGSIZE;
		grown = realloc(c->buf, want);
		if (!grown)
			return -ENOMEM;
		c->buf = grown;
		c->cap = want;
	}
	do
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c->len += (size_t)n;
	return n;
}

json_t *conn_next(struct ctl_conn *c, bool *bad)
{
	char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
	size_t used;
	json_t *msg;

	*bad = false;
	if (!nl)
		return NULL;
	used = (size_t)(nl - c->buf) + 1;
	msg = json_loadb(c->buf, used - 1, 0, NULL);
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
	*bad = !json_is_object(msg);
	if (*bad) {
		json_decref(msg);
		return NULL;
	}
	return msg;
}

json_t *conn_request(struct ctl_conn *c, json_t *req)
{
	json_t *reply;
	bool bad;
	long n;
	int err = conn_send(c, req);

	if (err < 0 && !conn_send_refused(err)) {
		fprintf(stderr, "netfaultctl: sending the request: %s\n", strerror(-err));
		return NULL;
	}
	while (!(reply = conn_next(c, &bad)) && !bad) {
		n = conn_fill(c);
		if (n <= 0) {
			fprintf(stderr, "netfaultctl: netfaultd closed the connection "
				"without a reply%s%s\n", n < 0 ? ": " : "",
				n < 0 ? strerror((int)-n) : "");
			return NULL;
		}
	}
	if (bad)
		fprintf(stderr, "netfaultctl: netfaultd sent a reply that is not JSON\n");
	return reply;
}

void reply_print_error(const json_t *reply, const char *context)
{
	const char *error = json_string_value(json_object_get(reply, NF_ERROR));
	json_t *errors = json_object_get(reply, NF_ERRORS);
	json_t *line;
	size_t i;

	json_array_foreach(errors, i, line)
		fprintf(stderr, "%s\n", json_string_value(line));
	if (!errors || !error || !json_array_size(errors))
		fprintf(stderr, "netfaultctl: %s%s%s\n", context ? context : "",
			context ? ": " : "", error ? error : "unknown error");
}
