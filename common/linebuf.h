/*
 * linebuf.h: newline framing of a byte stream, with a hard cap on the
 * length of one line. Both ends of the control socket (netfaultd's clients,
 * netfaultctl's connection) and the workers' event channels speak one JSON
 * object per line (jsonline.h writes them).
 */
#ifndef NETFAULT_LINEBUF_H
#define NETFAULT_LINEBUF_H

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
 * -EAGAIN when nothing was there (a non-blocking FD), -EINTR when a signal
 * came first, -EMSGSIZE after an overlong line (the buffer never holds much
 * more than one max_line), or another -errno.
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
