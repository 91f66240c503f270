/*
 * steps.c: a built-in app's steps: list. A step is a bare word (accept,
 * recv, hold) or a one-key mapping whose value is the step's argument
 * (send: 26, sleep: 2s) or a mapping of its options with an optional
 * expect: (send: { bytes: 26, expect: EPIPE }, close: { expect: ok }).
 *
 * After the list is read, the rules that concern the whole list are
 * checked: accept belongs to servers and connect to clients, once each, and
 * before any step that uses the connection; nothing follows hold, exit or
 * crash. An app without steps: gets its role's default ([accept, recv] or
 * [connect, hold]); a list without its accept/connect gets one implied at
 * the start (implied = true).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/internal.h"

enum step_arg { ARG_NONE, ARG_SEND, ARG_RECV, ARG_SLEEP, ARG_SHUTDOWN };

static const struct step_word {
	const char *name;
	enum sc_step_kind kind;
	enum step_arg arg;
} step_words[] = {
	{ "accept", SC_STEP_ACCEPT, ARG_NONE },
	{ "connect", SC_STEP_CONNECT, ARG_NONE },
	{ "send", SC_STEP_SEND, ARG_SEND },
	{ "recv", SC_STEP_RECV, ARG_RECV },
	{ "wait", SC_STEP_WAIT, ARG_NONE },
	{ "sleep", SC_STEP_SLEEP, ARG_SLEEP },
	{ "hold", SC_STEP_HOLD, ARG_NONE },
	{ "shutdown", SC_STEP_SHUTDOWN, ARG_SHUTDOWN },
	{ "close", SC_STEP_CLOSE, ARG_NONE },
	{ "abort", SC_STEP_ABORT, ARG_NONE },
	{ "exit", SC_STEP_EXIT, ARG_NONE },
	{ "crash", SC_STEP_CRASH, ARG_NONE },
};

#define NWORDS (sizeof(step_words) / sizeof(step_words[0]))

static const struct step_word *find_word(struct sc_ctx *ctx, const yaml_node_t *n)
{
	const char *names[NWORDS];
	const char *text = sc_scalar(n);
	struct sc_quoted q;
	char msg[256];

	for (size_t i = 0; i < NWORDS; i++) {
		names[i] = step_words[i].name;
		if (text && strcmp(text, names[i]) == 0)
			return &step_words[i];
	}
	snprintf(msg, sizeof(msg), "unknown step \"%s\"", sc_quote(&q, text));
	sc_hint(msg, sizeof(msg), text ? text : "", names, NWORDS);
	sc_error(ctx, n, "%s", msg);
	return NULL;
}

/* The error for a step word written without the value it needs. */
static void report_missing_arg(struct sc_ctx *ctx, const yaml_node_t *n,
			       enum step_arg arg)
{
	switch (arg) {
	case ARG_SEND:
		sc_error(ctx, n, "send needs what to send: send: 26 (bytes) or "
			 "send: \"text\"");
		break;
	case ARG_SLEEP:
		sc_error(ctx, n, "sleep needs a time: sleep: 2s");
		break;
	case ARG_SHUTDOWN:
		sc_error(ctx, n, "shutdown needs a direction: shutdown: write, read or both");
		break;
	default:
		break;
	}
}

static bool read_bytes(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		       uint64_t *out)
{
	return sc_read_uint(ctx, n, what, 1, SC_MAX_SEND, out);
}

/* send: 26 sends 26 bytes; send: "26" or send: hello sends the text. */
static void read_send_value(struct sc_ctx *ctx, struct sc_step *step, const yaml_node_t *n)
{
	const char *text = sc_scalar(n);
	struct sc_quoted q;

	if (!sc_is_quoted(n) && text && strchr("0123456789+-.", text[0])) {
		if (sc_parse_uint(text, &step->bytes) < 0 && text[0] != '-' && text[0] != '+') {
			sc_error(ctx, n, "%s: expected a number of bytes, or a text in quotes",
				 sc_quote(&q, text));
			return;
		}
		read_bytes(ctx, n, "send", &step->bytes);
		return;
	}
	if (!sc_read_text(ctx, n, "a number of bytes or a text", false, &step->text))
		return;
	if (!step->text[0]) {
		sc_error(ctx, n, "send needs at least one byte, not an empty text");
		return;
	}
	step->bytes = strlen(step->text);
}

static void read_shutdown_how(struct sc_ctx *ctx, struct sc_step *step, const yaml_node_t *n)
{
	static const char *const words[] = { "write", "read", "both", NULL };
	static const int hows[] = { SHUT_WR, SHUT_RD, SHUT_RDWR };
	int i;

	if (sc_read_word(ctx, n, "shutdown direction", words, &i))
		step->shutdown_how = hows[i];
}

/* The step's value when it is a single value: send: 26, sleep: 2s ... */
static void read_scalar_arg(struct sc_ctx *ctx, struct sc_step *step,
			    const struct step_word *w, const yaml_node_t *n)
{
	switch (w->arg) {
	case ARG_SEND:
		read_send_value(ctx, step, n);
		break;
	case ARG_RECV:
		read_bytes(ctx, n, "recv", &step->bytes);
		break;
	case ARG_SLEEP:
		sc_read_duration(ctx, n, "sleep", &step->sleep_us);
		break;
	case ARG_SHUTDOWN:
		read_shutdown_how(ctx, step, n);
		break;
	case ARG_NONE:
	default:
		sc_error(ctx, n, "%s takes no value (write %s, or %s: { expect: RESULT })",
			 w->name, w->name, w->name);
		break;
	}
}

/* The step's value when it is a mapping of options: send: { bytes: 26 } ... */
static void read_options(struct sc_ctx *ctx, struct sc_step *step,
			 const struct step_word *w, const yaml_node_t *map)
{
	const struct sc_schema *s = sc_schema_child(&sc_schema_step, w->name);
	const yaml_node_t *n, *bytes, *text;
	char expected[96];

	snprintf(expected, sizeof(expected), "expected %s's value or a mapping of its options",
		 w->name);
	if (!sc_check_keys(ctx, map, s, expected))
		return;
	if ((n = sc_get(ctx, map, "expect")) && sc_read_result(ctx, n, &step->expect))
		step->has_expect = true;
	switch (w->arg) {
	case ARG_SEND:
		bytes = sc_get(ctx, map, "bytes");
		text = sc_get(ctx, map, "text");
		if (bytes && text)
			sc_error(ctx, sc_get_key(ctx, map, "text"), "send takes bytes: or text:, "
				 "not both");
		else if (bytes)
			read_bytes(ctx, bytes, "send", &step->bytes);
		else if (text && sc_read_text(ctx, text, "a text", false, &step->text))
			step->bytes = strlen(step->text);
		else if (!text)
			sc_missing(ctx, map, "bytes", "how many bytes to send, or text: to send");
		break;
	case ARG_RECV:
		if ((n = sc_get(ctx, map, "bytes")))
			read_bytes(ctx, n, "recv", &step->bytes);
		break;
	case ARG_SLEEP:
		if ((n = sc_get(ctx, map, "time")))
			sc_read_duration(ctx, n, "sleep", &step->sleep_us);
		else
			sc_missing(ctx, map, "time", "how long to sleep, like time: 2s");
		break;
	case ARG_SHUTDOWN:
		if ((n = sc_get(ctx, map, "how")))
			read_shutdown_how(ctx, step, n);
		else
			sc_missing(ctx, map, "how", "write, read or both");
		break;
	case ARG_NONE:
	default:
		break;
	}
}

/* One list item into STEP; false when it is no step at all. */
static bool read_step(struct sc_ctx *ctx, struct sc_step *step, const yaml_node_t *item)
{
	const struct step_word *w;
	const yaml_node_t *key, *value;

	step->line = sc_line(item);
	step->col = sc_col(item);
	if (sc_is_scalar(item) && !sc_is_null(item)) {
		if (!(w = find_word(ctx, item)))
			return false;
		step->kind = w->kind;
		report_missing_arg(ctx, item, w->arg);
		return true;
	}
	if (!sc_is_map(item) || sc_map_len(item) == 0) {
		sc_error(ctx, item, "expected a step (like accept, or send: 26), not %s",
			 sc_is_map(item) ? "an empty mapping" : sc_node_kind(item));
		return false;
	}
	if (sc_map_len(item) > 1) {
		const yaml_node_t *second = sc_node(ctx, item->data.mapping.pairs.start[1].key);

		if (sc_get_key(ctx, item, "expect"))
			sc_error(ctx, sc_get_key(ctx, item, "expect"), "a step is one key: put "
				 "expect: inside it, like send: { bytes: 26, expect: EPIPE }");
		else
			sc_error(ctx, second, "one step per list item (start a new item with -)");
		return false;
	}
	key = sc_node(ctx, item->data.mapping.pairs.start[0].key);
	value = sc_node(ctx, item->data.mapping.pairs.start[0].value);
	if (sc_scalar(key) && strcmp(sc_scalar(key), "expect") == 0) {
		sc_error(ctx, key, "expect: goes inside a step, like recv: { expect: eof }");
		return false;
	}
	if (!(w = find_word(ctx, key)))
		return false;
	step->kind = w->kind;
	if (sc_is_null(value))
		report_missing_arg(ctx, value, w->arg);
	else if (sc_is_map(value))
		read_options(ctx, step, w, value);
	else if (sc_is_scalar(value))
		read_scalar_arg(ctx, step, w, value);
	else
		sc_error(ctx, value, "expected %s's value or a mapping of its options, not a list",
			 w->name);
	return true;
}

static bool uses_connection(enum sc_step_kind k)
{
	return k == SC_STEP_SEND || k == SC_STEP_RECV || k == SC_STEP_WAIT ||
	       k == SC_STEP_SHUTDOWN || k == SC_STEP_CLOSE || k == SC_STEP_ABORT;
}

/* The rules of the list as a whole; NODES[i] is the item of steps[i]. */
static void check_order(struct sc_ctx *ctx, const struct sc_app *app,
			const yaml_node_t *const *nodes, size_t n)
{
	const enum sc_step_kind opener = app->is_server ? SC_STEP_ACCEPT : SC_STEP_CONNECT;
	const enum sc_step_kind wrong = app->is_server ? SC_STEP_CONNECT : SC_STEP_ACCEPT;
	const struct sc_step *first_open = NULL, *end = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct sc_step *s = &app->steps[i];
		const char *name = sc_step_name(s->kind);

		if (end) {
			sc_error(ctx, nodes[i], "nothing runs after %s (%s)", sc_step_name(end->kind),
				 end->kind == SC_STEP_HOLD ? "it lasts until the run ends"
							   : "the process is gone");
			return;
		}
		if (s->kind == wrong)
			sc_error(ctx, nodes[i], "%s is for %s", name, app->is_server ?
				 "clients (apps with connect:)" : "servers (apps with listen:)");
		else if (s->kind == opener && first_open)
			sc_error(ctx, nodes[i], "%s is here twice (first at %d:%d): an app has one "
				 "connection", name, first_open->line, first_open->col);
		else if (s->kind == opener)
			first_open = s;
		else if (uses_connection(s->kind) && !first_open)
			sc_error(ctx, nodes[i], "%s comes before %s: there is no connection yet",
				 name, sc_step_name(opener));
		if (s->kind == SC_STEP_HOLD || s->kind == SC_STEP_EXIT || s->kind == SC_STEP_CRASH)
			end = s;
	}
}

static bool has_opener(const struct sc_app *app, size_t from, size_t n)
{
	const enum sc_step_kind opener = app->is_server ? SC_STEP_ACCEPT : SC_STEP_CONNECT;

	for (size_t i = from; i < n; i++)
		if (app->steps[i].kind == opener)
			return true;
	return false;
}

static void set_defaults(struct sc_ctx *ctx, struct sc_app *app)
{
	app->steps = sc_calloc(ctx, 2, sizeof(*app->steps));
	if (!app->steps)
		return;
	app->steps[0].kind = app->is_server ? SC_STEP_ACCEPT : SC_STEP_CONNECT;
	app->steps[1].kind = app->is_server ? SC_STEP_RECV : SC_STEP_HOLD;
	for (int i = 0; i < 2; i++) {
		app->steps[i].line = app->line;
		app->steps[i].col = app->col;
	}
	app->nsteps = 2;
	app->default_steps = true;
}

void sc_read_steps(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *steps)
{
	const yaml_node_t **nodes;
	size_t count = sc_list_len(steps);
	size_t n = 0;

	if (!steps || sc_is_null(steps)) {
		set_defaults(ctx, app);
		return;
	}
	if (!sc_is_list(steps)) {
		sc_error(ctx, steps, "expected a list of steps, not %s", sc_node_kind(steps));
		return;
	}
	if (count > SC_MAX_STEPS) {
		sc_error(ctx, steps, "too many steps: %zu (at most %d)", count, SC_MAX_STEPS);
		return;
	}
	/* slot 0 is kept for an implied accept/connect */
	app->steps = sc_calloc(ctx, count + 1, sizeof(*app->steps));
	nodes = sc_calloc(ctx, count + 1, sizeof(*nodes));
	if (!app->steps || !nodes)
		goto out;
	SC_FOR_ITEMS(it, steps) {
		const yaml_node_t *item = sc_node(ctx, *it);

		if (read_step(ctx, &app->steps[1 + n], item)) {
			nodes[1 + n] = item;
			n++;
		} else {
			free(app->steps[1 + n].text);
			memset(&app->steps[1 + n], 0, sizeof(app->steps[0]));
		}
	}
	if (has_opener(app, 1, 1 + n)) {
		memmove(app->steps, app->steps + 1, n * sizeof(*app->steps));
		memset(&app->steps[n], 0, sizeof(app->steps[0]));
		memmove(nodes, nodes + 1, n * sizeof(*nodes));
	} else {
		struct sc_step *implied = &app->steps[0];

		implied->kind = app->is_server ? SC_STEP_ACCEPT : SC_STEP_CONNECT;
		implied->implied = true;
		implied->line = sc_line(steps);
		implied->col = sc_col(steps);
		nodes[0] = steps;
		n++;
		if (n > SC_MAX_STEPS)
			sc_error(ctx, steps, "too many steps: %zu with the implied %s (at most %d)",
				 n, sc_step_name(implied->kind), SC_MAX_STEPS);
	}
	app->nsteps = n;
	check_order(ctx, app, nodes, n);
out:
	free(nodes);
}
