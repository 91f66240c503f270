/*
 * linebuf.c: newline framing with a hard cap (see linebuf.h).
 *
 * The buffer grows in steps up to max_line plus one read chunk; consumed
 * bytes are moved out before each read. The scan for a newline resumes where
 * it stopped, so a 2 MiB line arriving in small reads is scanned once.
 */
#include "common/linebuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINEBUF_CHUNK (64u << 10)

void linebuf_init(struct linebuf *lb, size_t max_line)
{
	*lb = (struct linebuf){ .max_line = max_line };
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->start = lb->len = lb->scanned = lb->cap = 0;
	lb->overflow = 0;
}

size_t linebuf_pending(const struct linebuf *lb)
{
	return lb->len - lb->start;
}

static int linebuf_make_room(struct linebuf *lb)
{
	size_t want;
	char *grown;

	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->start = 0;
	}
	if (lb->cap - lb->len >= LINEBUF_CHUNK)
		return 0;
	want = lb->cap ? lb->cap * 2 : LINEBUF_CHUNK * 2;
	if (want < lb->len + LINEBUF_CHUNK)
		want = lb->len + LINEBUF_CHUNK;
	grown = realloc(lb->buf, want);
	if (!grown)
		return -ENOMEM;
	lb->buf = grown;
	lb->cap = want;
	return 0;
}

long linebuf_fill(struct linebuf *lb, int fd)
{
	ssize_t n;
	int err;

	if (lb->overflow)
		return -EMSGSIZE;
	err = linebuf_make_room(lb);
	if (err < 0)
		return err;
	n = read(fd, lb->buf + lb->len, lb->cap - lb->len);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	lb->len += (size_t)n;
	return n;
}

char *linebuf_next(struct linebuf *lb)
{
	char *line = lb->buf + lb->start;
	char *nl;

	if (linebuf_pending(lb) == 0)
		return NULL;
	if (lb->overflow)
		return NULL;
	nl = memchr(line + lb->scanned, '\n', linebuf_pending(lb) - lb->scanned);
	if (!nl || (size_t)(nl - line) + 1 > lb->max_line) {
		lb->scanned = linebuf_pending(lb);
		lb->overflow = nl || lb->scanned >= lb->max_line;
		return NULL;
	}
	*nl = '\0';
	lb->start += (size_t)(nl - line) + 1;
	lb->scanned = 0;
	return line;
}

int linebuf_finish(struct linebuf *lb)
{
	int err;

	if (linebuf_pending(lb) == 0 || lb->buf[lb->len - 1] == '\n')
		return 0;
	err = linebuf_make_room(lb);
	if (err < 0)
		return err;
	lb->buf[lb->len++] = '\n';
	return 0;
}
