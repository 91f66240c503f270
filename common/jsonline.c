/*
 * jsonline.c: one JSON value as one line on a socket (see jsonline.h).
 *
 * The value is dumped whole first, so the line goes out in as few sends as
 * the socket allows, and two writers holding one lock never interleave
 * their lines.
 */
#include "common/jsonline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int json_line_send(int fd, const json_t *msg)
{
	char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	size_t len, done = 0;
	int err = 0;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	text[len++] = '\n';        /* json_dumps' NUL becomes the newline */
	while (done < len) {
		ssize_t n = send(fd, text + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		done += (size_t)n;
	}
	free(text);
	return err;
}
