/*
 * client.c: the control socket's clients, one per connection (see
 * client.h).
 *
 * Input is framed by linebuf with the NF_MAX_LINE cap; an overlong request
 * gets an error and the connection closes once the error is sent. Output is
 * buffered (at most NFD_MAX_CLIENT_OUTPUT; a client that does not read is
 * dropped) and written as the socket takes it. A peer that shuts only its
 * sending side still gets its replies and its runs to the end; a peer that
 * closes the connection is gone, and its close handler cancels its runs
 * unless they were detached. Clients are closed only in clients_process(),
 * never inside a relay, so nobody holds a freed client.
 *
 * Requests are handled as they come, also while earlier run requests still
 * stream: each accepted run request that did not detach opens a stream (its
 * runs' events and results, then its own "done"), and any number of streams
 * may be open on one connection; the daemon's queue bounds them. Every reply
 * to a request, and every line of its stream, carries the request's "tag"
 * when it had one, so a client can tell the streams apart. A stream is the
 * run_sink of its runs: stream_event and stream_result relay to the client.
 */
#include "daemon/client.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "common/linebuf.h"
#include "common/log.h"
#include "common/protocol.h"
#include "daemon/identity.h"
#include "daemon/loop.h"
#include "daemon/netfaultd.h"
#include "daemon/runs.h"

/* One accepted run request's runs, until the last result and "done". */
struct stream {
	TAILQ_ENTRY(stream) entry;
	struct client *client;
	json_t *tag;               /* the request's "tag", or NULL */
	unsigned remaining;        /* results still to come before "done" */
	bool failed;               /* some run of the stream did not pass */
};

struct client {
	TAILQ_ENTRY(client) entry;
	int fd;
	struct watch *watch;
	struct ucred cred;
	const struct client_handlers *handlers;
	struct identity id;        /* read as it connected (identity.h) */
	struct linebuf in;
	char *out;
	size_t out_len, out_sent, out_cap;
	TAILQ_HEAD(, stream) streams;
	json_t *reply_tag;         /* the tag of the request being handled */
	bool input_closed;         /* the peer shut its sending side */
	bool gone;                 /* closed by the peer, or broken: close now */
	bool close_when_sent;      /* after an error that ends the connection */
};

static TAILQ_HEAD(, client) clients = TAILQ_HEAD_INITIALIZER(clients);
static unsigned nclients;

static void client_io(int fd, short revents, void *ctx);

/* Takes FD; false when out of memory or watches (the caller refuses). */
bool client_new(int fd, const struct ucred *cred, const struct client_handlers *handlers)
{
	struct client *c = calloc(1, sizeof(*c));

	if (c && identity_read(fd, &c->id) == 0)
		c->watch = loop_watch(fd, POLLIN, client_io, c);
	if (!c || !c->watch) {
		free(c);
		return false;
	}
	c->fd = fd;
	c->cred = *cred;
	c->handlers = handlers;
	TAILQ_INIT(&c->streams);
	linebuf_init(&c->in, NF_MAX_LINE);
	TAILQ_INSERT_TAIL(&clients, c, entry);
	nclients++;
	log_debug("client connected: uid %u pid %d", (unsigned)cred->uid, (int)cred->pid);
	return true;
}

/* ---- client I/O --------------------------------------------------------- */

static size_t client_unsent(const struct client *c)
{
	return c->out_len - c->out_sent;
}

static void client_update_events(struct client *c)
{
	short events = 0;

	if (!c->input_closed && !c->close_when_sent && !c->gone)
		events |= POLLIN;
	if (client_unsent(c) > 0 && !c->gone)
		events |= POLLOUT;
	loop_set_events(c->watch, events);
}

static void client_flush(struct client *c)
{
	while (client_unsent(c) > 0 && !c->gone) {
		ssize_t n = write(c->fd, c->out + c->out_sent, client_unsent(c));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			log_debug("client pid %d: write: %s", (int)c->cred.pid, strerror(errno));
			c->gone = true;
			break;
		}
		c->out_sent += (size_t)n;
	}
	if (c->out_sent == c->out_len)
		c->out_sent = c->out_len = 0;
	client_update_events(c);
}

static int client_append(const char *text, size_t len, void *ctx)
{
	struct client *c = ctx;
	size_t want;
	char *grown;

	if (client_unsent(c) + len > NFD_MAX_CLIENT_OUTPUT)
		return -1;
	if (c->out_len + len > c->out_cap && c->out_sent > 0) {
		memmove(c->out, c->out + c->out_sent, client_unsent(c));
		c->out_len -= c->out_sent;
		c->out_sent = 0;
	}
	if (c->out_len + len > c->out_cap) {
		want = c->out_cap ? c->out_cap * 2 : 4096;
		while (want < c->out_len + len)
			want *= 2;
		grown = realloc(c->out, want);
		if (!grown)
			return -1;
		c->out = grown;
		c->out_cap = want;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
	return 0;
}

/* Sends MSG (taken) with TAG (borrowed, may be NULL) as its "tag". */
static void client_send_tagged(struct client *c, json_t *msg, json_t *tag)
{
	size_t before = c->out_len;

	if (c->gone)
		goto done;
	if (!msg || (tag && json_object_set(msg, NF_TAG, tag) < 0)) {
		log_warnx("client pid %d: a reply could not be built", (int)c->cred.pid);
		goto done;
	}
	if (json_dump_callback(msg, client_append, c, JSON_COMPACT) < 0 ||
	    client_append("\n", 1, c) < 0) {
		log_warnx("client pid %d does not read its replies (%zu bytes waiting): "
			  "disconnecting", (int)c->cred.pid, client_unsent(c));
		c->out_len = before;
		c->gone = true;
		goto done;
	}
	client_flush(c);
done:
	json_decref(msg);
}

void client_send(struct client *c, json_t *msg)
{
	client_send_tagged(c, msg, c->reply_tag);
}

void client_reply_tag(struct client *c, json_t *tag)
{
	json_decref(c->reply_tag);
	c->reply_tag = json_incref(tag);
}

void client_send_error(struct client *c, json_t *errors, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	client_send(c, json_pack("{s:s, s:b, s:s, s:o?}", NF_TYPE, NF_TYPE_ERROR,
				 NF_OK, 0, NF_ERROR, text, NF_ERRORS, errors));
}

static void stream_event(void *ctx, struct run *r, json_t *event);
static void stream_result(void *ctx, struct run *r);

int client_stream_begin(struct client *c, unsigned nruns, struct run_sink *sink)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->client = c;
	s->tag = json_incref(c->reply_tag);
	s->remaining = nruns;
	TAILQ_INSERT_TAIL(&c->streams, s, entry);
	*sink = (struct run_sink){ .event = stream_event, .result = stream_result, .ctx = s };
	return 0;
}

bool client_owns_sink(const struct client *c, const struct run_sink *sink)
{
	const struct stream *s = sink->ctx;

	return sink->event == stream_event && s && s->client == c;
}

static void stream_free(struct stream *s)
{
	TAILQ_REMOVE(&s->client->streams, s, entry);
	json_decref(s->tag);
	free(s);
}

const struct ucred *client_cred(const struct client *c)
{
	return &c->cred;
}

const struct identity *client_identity(const struct client *c)
{
	return &c->id;
}

static void client_read(struct client *c)
{
	long n = linebuf_fill(&c->in, c->fd);

	if (n == 0) {
		c->input_closed = true;
		if (linebuf_finish(&c->in) < 0)
			c->gone = true;
	} else if (n < 0 && n != -EAGAIN && n != -EMSGSIZE) {
		log_debug("client pid %d: read: %s", (int)c->cred.pid, strerror((int)-n));
		c->gone = true;
	}
	/* input waiting behind a stream counts against the same cap */
	if (linebuf_pending(&c->in) > NF_MAX_LINE)
		c->in.overflow = 1;
}

static void client_io(int fd, short revents, void *ctx)
{
	struct client *c = ctx;

	if (revents & POLLIN)
		client_read(c);
	if (revents & POLLOUT)
		client_flush(c);
	if (revents & (POLLHUP | POLLERR))
		c->gone = true;
	client_update_events(c);
}

/* ---- requests, relays, closing ----------------------------------------- */

static void client_close(struct client *c)
{
	struct stream *s;

	c->handlers->close(c);
	while ((s = TAILQ_FIRST(&c->streams)))
		stream_free(s);
	json_decref(c->reply_tag);
	log_debug("client pid %d closed", (int)c->cred.pid);
	TAILQ_REMOVE(&clients, c, entry);
	nclients--;
	loop_unwatch(c->watch);
	close(c->fd);
	linebuf_free(&c->in);
	free(c->out);
	free(c);
}

static bool client_finished(const struct client *c)
{
	if (c->gone)
		return true;
	if (client_unsent(c) > 0)
		return false;
	return c->close_when_sent || (c->input_closed && TAILQ_EMPTY(&c->streams));
}

/* Handles what C has asked; true when a request was handled. */
static bool client_handle_requests(struct client *c)
{
	bool handled = false;
	char *line;

	while (!c->gone && !c->close_when_sent && (line = linebuf_next(&c->in))) {
		if (line[0] != '\0')
			c->handlers->line(c, line);
		client_reply_tag(c, NULL);
		handled = true;
	}
	if (c->in.overflow && !c->close_when_sent && !c->gone) {
		client_send_error(c, NULL, "request longer than %u bytes: closing the connection",
				  NF_MAX_LINE);
		log_warnx("client pid %d sent a request over %u bytes: disconnected",
			  (int)c->cred.pid, NF_MAX_LINE);
		c->close_when_sent = true;
	}
	client_update_events(c);
	return handled;
}

void clients_process(void)
{
	struct client *c, *next;
	bool handled;

	do {
		handled = false;
		for (c = TAILQ_FIRST(&clients); c; c = next) {
			next = TAILQ_NEXT(c, entry);
			handled |= client_handle_requests(c);
		}
	} while (handled);
	for (c = TAILQ_FIRST(&clients); c; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (client_finished(c))
			client_close(c);
	}
}

/* The run_sink of a stream (client_stream_begin). */
static void stream_event(void *ctx, struct run *r, json_t *event)
{
	struct stream *s = ctx;

	client_send_tagged(s->client, json_pack("{s:s, s:b, s:I, s:O}", NF_TYPE,
						NF_TYPE_EVENT, NF_OK, 1, NF_RUN,
						(json_int_t)r->id, NF_EVENT, event), s->tag);
}

static void stream_result(void *ctx, struct run *r)
{
	struct stream *s = ctx;

	client_send_tagged(s->client, json_pack("{s:s, s:b, s:I, s:s, s:O?}", NF_TYPE,
						NF_TYPE_RESULT, NF_OK, 1, NF_RUN,
						(json_int_t)r->id, NF_STATE,
						run_state_name(r->state), NF_RESULT,
						r->result), s->tag);
	if (r->state != RUN_PASSED)
		s->failed = true;
	if (--s->remaining == 0) {
		client_send_tagged(s->client, json_pack("{s:s, s:b, s:b}", NF_TYPE,
							NF_TYPE_DONE, NF_OK, 1, NF_PASSED,
							!s->failed), s->tag);
		stream_free(s);
	}
}

bool clients_output_pending(void)
{
	const struct client *c;

	TAILQ_FOREACH(c, &clients, entry) {
		if (client_unsent(c) > 0 && !c->gone)
			return true;
	}
	return false;
}

unsigned clients_count(void)
{
	return nclients;
}

void clients_close_all(void)
{
	struct client *c;

	while ((c = TAILQ_FIRST(&clients)))
		client_close(c);
}
