/*
 * linebuf.h: newline framing of a non-blocking byte stream, with a hard cap
 * on the length of one line. The control socket's clients and the workers'
 * event pipes both speak one JSON object per line.
 */
#ifndef NETFAULTD_LINEBUF_H
#define NETFAULTD_LINEBUF_H

#include <stddef.h>

struct linebuf {
	char *buf;
	size_t start;      /* first byte not yet handed out */
	size_t len;        /* bytes held, from buf[0] */
	size_t scanned;    /* bytes from start known to hold no newline */
	size_t cap;
	size_t max_line;   /* newline included */
	int overflow;      /* a line longer than max_line came */
};

void linebuf_init(struct linebuf *lb, size_t max_line);
/* Accepts a zeroed or half-used buffer. */
void linebuf_free(struct linebuf *lb);
/*
 * Reads once from FD. Returns the bytes read (> 0), 0 at end of file,
 * -EAGAIN when nothing was there, -EMSGSIZE after an overlong line (the
 * buffer never holds much more than one max_line), or another -errno.
 */
long linebuf_fill(struct linebuf *lb, int fd);
/* The next complete line, its newline replaced by NUL, or NULL (then
 * lb->overflow tells whether a line went over the cap). The text stays
 * valid until the next linebuf_fill or linebuf_free. */
char *linebuf_next(struct linebuf *lb);
/* At end of file: makes a last line that lacks its newline complete. */
int linebuf_finish(struct linebuf *lb);
/* Bytes received and not yet returned as a line. */
size_t linebuf_pending(const struct linebuf *lb);

#endif
