/*
 * client.c: the control socket, client side (see client.h).
 *
 * Requests go out with json_line_send and replies are framed by linebuf,
 * as on the daemon's side. Replies can be large (show sends every event of
 * a run), so lines are capped at CONN_MAX_LINE, well above what netfaultd
 * sends.
 */
#include "ctl/client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/jsonline.h"
#include "common/protocol.h"

#define CONN_MAX_LINE (64u << 20)

int conn_open(struct ctl_conn *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int err;

	*c = (struct ctl_conn){ .fd = -1 };
	linebuf_init(&c->in, CONN_MAX_LINE);
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
	linebuf_free(&c->in);
	c->fd = -1;
}

int conn_send(struct ctl_conn *c, json_t *req)
{
	int err = json_line_send(c->fd, req);

	json_decref(req);
	return err;
}

bool conn_send_refused(int err)
{
	return err == -EPIPE || err == -ECONNRESET;
}

long conn_fill(struct ctl_conn *c)
{
	long n;

	do
		n = linebuf_fill(&c->in, c->fd);
	while (n == -EINTR);
	return n;
}

json_t *conn_next(struct ctl_conn *c, bool *bad)
{
	size_t pending = linebuf_pending(&c->in);
	char *line = linebuf_next(&c->in);
	json_t *msg;

	*bad = false;
	if (!line)
		return NULL;
	/* the line's length, newline excluded: a NUL inside it stays an error */
	msg = json_loadb(line, pending - linebuf_pending(&c->in) - 1, 0, NULL);
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
