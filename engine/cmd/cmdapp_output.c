/*
 * cmdapp_output.c: what a cmd app writes to stdout and stderr. The engine
 * holds the read ends of its two pipes (non-blocking) and drains them every
 * tick, at most CMD_OUT_READ_MAX bytes per stream, so a chatty program
 * cannot stall the run; a pipe the engine does not drain fast enough only
 * makes the program wait on its write, as a terminal would.
 *
 * Each stream goes to a file in the app's directory (stdout.log,
 * stderr.log; the first CMD_OUT_FILE_MAX bytes), into the result (the first
 * CMD_OUT_KEEP_MAX bytes, "truncated" past that), and line by line into
 * "output" events (CMD_OUT_MAX_EVENTS per app, lines cut at
 * CMD_OUT_LINE_MAX). The last CMD_OUT_TAIL lines are kept for the result.
 * Text that is not UTF-8 has its bad bytes replaced by '?' (JSON needs
 * UTF-8).
 */
#include "engine/cmd/cmdapp.h"
#include "engine/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD_OUT_FINAL_MAX (4u << 20)   /* bytes read per stream at the end */

static const char *const stream_names[2] = { "stdout", "stderr" };
static const char *const stream_files[2] = { "stdout.log", "stderr.log" };

/* Length of the valid UTF-8 sequence at S (N bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Replaces every byte not part of valid UTF-8 (and NUL) by '?', in place. */
static void utf8_clean(char *text, size_t n)
{
	unsigned char *s = (unsigned char *)text;
	size_t i = 0, len;

	while (i < n) {
		len = utf8_seq(s + i, n - i);
		if (len == 0) {
			s[i++] = '?';
			continue;
		}
		i += len;
	}
}

/* Made before the directory is handed to the app's user (cmdapp.c), so
 * that nothing the user puts there can redirect them. */
int cmdapp_output_files(struct cmd_proc *c, int dirfd, const struct app_ctx *ctx)
{
	for (int s = 0; s < 2; s++) {
		struct cmd_stream *st = &c->out[s];

		st->file = openat(dirfd, stream_files[s],
				  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (st->file < 0)
			return -errno;
		if (ctx->set_user && fchown(st->file, ctx->uid, ctx->gid) < 0)
			return -errno;
	}
	return 0;
}

int cmdapp_output_open(struct engine_run *r, struct run_app *a)
{
	struct cmd_proc *c = &r->cmd->procs[a->index];

	for (int s = 0; s < 2; s++) {
		struct cmd_stream *st = &c->out[s];

		st->fd = c->pipes[s][0];
		c->pipes[s][0] = -1;
		if (fcntl(st->fd, F_SETFL, O_NONBLOCK) < 0)
			return -errno;
		st->keep = malloc(CMD_OUT_KEEP_MAX + 1);
		if (!st->keep)
			return -ENOMEM;
	}
	return 0;
}

static void tail_add(struct cmd_proc *c, int s, const char *line)
{
	struct cmd_tail_line *t = &c->tail[c->tail_next];
	char *copy = strdup(line);

	if (!copy)
		return;
	free(t->text);
	t->text = copy;
	t->stream = s;
	c->tail_next = (c->tail_next + 1) % CMD_OUT_TAIL;
	if (c->ntail < CMD_OUT_TAIL)
		c->ntail++;
}

static void line_done(struct engine_run *r, struct run_app *a, int s)
{
	struct cmd_proc *c = &r->cmd->procs[a->index];
	struct cmd_stream *st = &c->out[s];

	st->line[st->nline] = '\0';
	utf8_clean(st->line, st->nline);
	st->nline = 0;
	tail_add(c, s, st->line);
	if (c->events >= CMD_OUT_MAX_EVENTS) {
		if (!c->events_capped)
			run_warning(r, "app %s: more than %d lines of output: the rest is in the "
				    "result and the output files", a->sc->name, CMD_OUT_MAX_EVENTS);
		c->events_capped = true;
		return;
	}
	c->events++;
	run_emit_output(r, a, stream_names[s], st->line);
}

static void consume(struct engine_run *r, struct run_app *a, int s, const char *buf, size_t n)
{
	struct cmd_stream *st = &r->cmd->procs[a->index].out[s];
	size_t room;

	if (st->file >= 0 && !st->file_full) {
		room = CMD_OUT_FILE_MAX - st->file_bytes;
		if (n > room)
			st->file_full = true;
		if (write(st->file, buf, n < room ? n : room) < 0)
			st->file_full = true;
		st->file_bytes += n < room ? n : room;
	}
	room = CMD_OUT_KEEP_MAX - st->nkeep;
	if (n > room)
		st->keep_full = true;
	memcpy(st->keep + st->nkeep, buf, n < room ? n : room);
	st->nkeep += n < room ? n : room;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			line_done(r, a, s);
			continue;
		}
		st->line[st->nline++] = buf[i];
		if (st->nline == CMD_OUT_LINE_MAX)
			line_done(r, a, s);
	}
}

static void drain_stream(struct engine_run *r, struct run_app *a, int s, bool final)
{
	struct cmd_stream *st = &r->cmd->procs[a->index].out[s];
	size_t total = 0, max = final ? CMD_OUT_FINAL_MAX : CMD_OUT_READ_MAX;
	char buf[4096];

	while (st->fd >= 0 && total < max) {
		ssize_t n = read(st->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(st->fd);
			st->fd = -1;
			break;
		}
		consume(r, a, s, buf, (size_t)n);
		total += (size_t)n;
	}
	if (final && st->nline > 0)
		line_done(r, a, s);
}

void cmdapp_output_drain(struct engine_run *r, bool final)
{
	for (size_t i = 0; r->cmd && i < r->napps; i++)
		if (r->apps[i].sc->cmd && r->cmd->procs[i].spawned)
			for (int s = 0; s < 2; s++)
				drain_stream(r, &r->apps[i], s, final);
}

json_t *cmdapp_output_json(const struct engine_run *r, const struct run_app *a)
{
	const struct cmd_proc *c = &r->cmd->procs[a->index];
	json_t *o = json_object();
	bool truncated = false;

	if (!o)
		return NULL;
	for (int s = 0; s < 2; s++) {
		const struct cmd_stream *st = &c->out[s];
		char *text = malloc(st->nkeep + 1);

		if (!text)
			continue;
		if (st->nkeep)
			memcpy(text, st->keep, st->nkeep);
		utf8_clean(text, st->nkeep);
		json_object_set_new(o, stream_names[s], json_stringn(text, st->nkeep));
		free(text);
		truncated = truncated || st->keep_full;
	}
	json_object_set_new(o, "truncated", json_boolean(truncated));
	return o;
}

json_t *cmdapp_tail_json(const struct engine_run *r, const struct run_app *a)
{
	const struct cmd_proc *c = &r->cmd->procs[a->index];
	json_t *arr = json_array();
	size_t first = (c->tail_next + CMD_OUT_TAIL - c->ntail) % CMD_OUT_TAIL;

	for (size_t k = 0; arr && k < c->ntail; k++) {
		const struct cmd_tail_line *t = &c->tail[(first + k) % CMD_OUT_TAIL];

		json_array_append_new(arr, json_pack("{s:s, s:s}", "stream",
						     stream_names[t->stream], "line", t->text));
	}
	return arr;
}

const char *cmdapp_last_line(const struct engine_run *r, const struct run_app *a)
{
	const struct cmd_proc *c = &r->cmd->procs[a->index];

	if (!c->ntail)
		return "";
	return c->tail[(c->tail_next + CMD_OUT_TAIL - 1) % CMD_OUT_TAIL].text;
}

void cmdapp_output_close(struct cmd_proc *c)
{
	for (int s = 0; s < 2; s++) {
		struct cmd_stream *st = &c->out[s];

		if (st->fd >= 0)
			close(st->fd);
		if (st->file >= 0)
			close(st->file);
		st->fd = st->file = -1;
		free(st->keep);
		st->keep = NULL;
		st->nkeep = 0;
	}
	for (size_t k = 0; k < CMD_OUT_TAIL; k++) {
		free(c->tail[k].text);
		c->tail[k].text = NULL;
	}
	c->ntail = 0;
}
