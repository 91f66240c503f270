/*
 * values.c: single values of the format (text, durations, whole numbers,
 * ports, booleans, percentages, rates, words from a fixed set, step results,
 * signal names) read from a scalar node.
 *
 * Each reader reports its own error at the node and returns false, so the
 * section readers stay one line per key. Messages follow two shapes: a wrong
 * kind of node says what was expected ("expected a duration like 2s, not a
 * list"), a bad value quotes it first ("10: a duration needs a unit (10s?)").
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "common/errname.h"
#include "scenario/internal.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Reports "expected WHAT, not a list" for a node that is no single value. */
static const char *scalar_or_report(struct sc_ctx *ctx, const yaml_node_t *n,
				    const char *what)
{
	if (!sc_is_scalar(n)) {
		sc_error(ctx, n, "expected %s, not %s", what, sc_node_kind(n));
		return NULL;
	}
	if (sc_is_null(n)) {
		sc_error(ctx, n, "missing value: expected %s", what);
		return NULL;
	}
	return sc_scalar(n);
}

bool sc_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SC_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

bool sc_read_text(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  bool one_line, char **out)
{
	const char *text;
	size_t len;

	if (!sc_is_scalar(n)) {
		sc_error(ctx, n, "expected %s, not %s", what, sc_node_kind(n));
		return false;
	}
	text = sc_is_null(n) ? "" : sc_scalar(n);
	len = sc_is_null(n) ? 0 : n->data.scalar.length;
	if (len > SC_MAX_STRING) {
		sc_error(ctx, n, "text of %zu bytes is too long (at most %u)", len,
			 (unsigned)SC_MAX_STRING);
		return false;
	}
	if (strlen(text) != len) {
		sc_error(ctx, n, "text holds a NUL character");
		return false;
	}
	if (one_line && strpbrk(text, "\r\n")) {
		sc_error(ctx, n, "expected %s on one line", what);
		return false;
	}
	*out = sc_strdup(ctx, text);
	return *out != NULL;
}

bool sc_read_duration(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		      int64_t *out)
{
	const char *text = scalar_or_report(ctx, n, "a duration like 2s");
	struct sc_quoted q;
	int r;

	if (!text)
		return false;
	r = duration_parse(text, out);
	if (r == -ENOMSG)
		sc_error(ctx, n, "%s: a duration needs a unit (%ss?)", sc_quote(&q, text),
			 q.s);
	else if (r == -ERANGE)
		sc_error(ctx, n, "%s: %s out of range", sc_quote(&q, text), what);
	else if (r < 0)
		sc_error(ctx, n, "%s: not a duration (expected a number and a unit: "
			 "us, ms, s, m or h, like 250ms or 1.5s)", sc_quote(&q, text));
	return r == 0;
}

int sc_parse_uint(const char *text, uint64_t *out)
{
	uint64_t v = 0;

	if (!*text)
		return -EINVAL;
	for (const char *p = text; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

bool sc_read_uint(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  uint64_t min, uint64_t max, uint64_t *out)
{
	const char *text = scalar_or_report(ctx, n, "a whole number");
	struct sc_quoted q;
	uint64_t v = 0;
	int r;

	if (!text)
		return false;
	r = sc_parse_uint(text, &v);
	if (r == -EINVAL) {
		sc_error(ctx, n, "%s: expected a whole number for %s", sc_quote(&q, text), what);
		return false;
	}
	if (r == -ERANGE || v < min || v > max) {
		sc_error(ctx, n, "%s %s is out of range (%" PRIu64 " to %" PRIu64 ")",
			 what, sc_quote(&q, text), min, max);
		return false;
	}
	*out = v;
	return true;
}

bool sc_read_int(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		 int min, int max, int *out)
{
	uint64_t v;

	if (!sc_read_uint(ctx, n, what, (uint64_t)min, (uint64_t)max, &v))
		return false;
	*out = (int)v;
	return true;
}

bool sc_read_port(struct sc_ctx *ctx, const yaml_node_t *n, const char *what, int *out)
{
	return sc_read_int(ctx, n, what, 1, 65535, out);
}

bool sc_read_bool(struct sc_ctx *ctx, const yaml_node_t *n, const char *what, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	const char *text = scalar_or_report(ctx, n, "true or false");
	struct sc_quoted q;

	if (!text)
		return false;
	for (size_t i = 0; i < COUNT(yes); i++) {
		if (strcmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	sc_error(ctx, n, "%s: expected true or false for %s", sc_quote(&q, text), what);
	return false;
}

/* A plain decimal ("12", "0.5", ".5") at the start of TEXT; *END: the rest. */
static bool parse_decimal(const char *text, double *v, const char **end)
{
	const char *p = text;
	size_t digits = 0, dots = 0;
	char number[64];

	for (; isdigit((unsigned char)*p) || *p == '.'; p++) {
		if (*p == '.')
			dots++;
		else
			digits++;
	}
	if (digits == 0 || dots > 1 || (size_t)(p - text) >= sizeof(number))
		return false;
	memcpy(number, text, (size_t)(p - text));
	number[p - text] = '\0';
	*v = strtod(number, NULL);
	*end = p;
	return isfinite(*v);
}

bool sc_read_percent(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		     double *out)
{
	const char *text = scalar_or_report(ctx, n, "a percentage from 0 to 100");
	struct sc_quoted q;
	const char *end;
	double v;

	if (!text)
		return false;
	if (!parse_decimal(text, &v, &end) || (*end && strcmp(end, "%") != 0)) {
		sc_error(ctx, n, "%s: expected a percentage from 0 to 100 for %s",
			 sc_quote(&q, text), what);
		return false;
	}
	if (v > 100.0) {
		sc_error(ctx, n, "%s %s is out of range (0 to 100)", what, sc_quote(&q, text));
		return false;
	}
	*out = v;
	return true;
}

static const struct {
	const char *unit;
	double bits;
} rate_units[] = {
	/* the units of tc(8): "bit" counts bits, "bps" counts bytes */
	{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 },
	{ "kibit", 1024.0 }, { "mibit", 1048576.0 }, { "gibit", 1073741824.0 },
	{ "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 },
	{ "kibps", 8 * 1024.0 }, { "mibps", 8 * 1048576.0 }, { "gibps", 8 * 1073741824.0 },
};

int sc_parse_rate(const char *text, uint64_t *bps)
{
	const char *unit;
	double v;

	if (!parse_decimal(text, &v, &unit))
		return -EINVAL;
	if (*unit == '\0')
		return -ENOMSG;
	for (size_t i = 0; i < COUNT(rate_units); i++) {
		if (strcasecmp(unit, rate_units[i].unit) == 0) {
			double bits = v * rate_units[i].bits;

			if (bits < (double)SC_MIN_RATE_BPS || bits > (double)SC_MAX_RATE_BPS)
				return -ERANGE;
			*bps = (uint64_t)llround(bits);
			return 0;
		}
	}
	return -EINVAL;
}

bool sc_read_rate(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  uint64_t *bps)
{
	const char *text = scalar_or_report(ctx, n, "a rate like 1mbit");
	struct sc_quoted q;
	int r;

	if (!text)
		return false;
	r = sc_parse_rate(text, bps);
	if (r == -ENOMSG)
		sc_error(ctx, n, "%s: a rate needs a unit (like 1mbit, 500kbit or 100bps)",
			 sc_quote(&q, text));
	else if (r == -ERANGE)
		sc_error(ctx, n, "%s %s is out of range (8bit to 17gbit)", what,
			 sc_quote(&q, text));
	else if (r < 0)
		sc_error(ctx, n, "%s: not a rate (expected a number and a unit: bit, kbit, "
			 "mbit, gbit, or bps, kbps, mbps, gbps for bytes)", sc_quote(&q, text));
	return r == 0;
}

bool sc_read_word(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  const char *const *words, int *out)
{
	char msg[256];
	char list[160];
	struct sc_quoted q;
	const char *text;
	size_t count = 0;

	while (words[count])
		count++;
	if (!sc_is_scalar(n) || sc_is_null(n)) {
		sc_error(ctx, n, "expected %s: %s", what,
			 sc_join_or(list, sizeof(list), words, count));
		return false;
	}
	text = sc_scalar(n);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(text, words[i]) == 0) {
			*out = (int)i;
			return true;
		}
	}
	snprintf(msg, sizeof(msg), "unknown %s \"%s\"", what, sc_quote(&q, text));
	sc_hint(msg, sizeof(msg), text, words, count);
	sc_error(ctx, n, "%s", msg);
	return false;
}

bool sc_read_direction(struct sc_ctx *ctx, const yaml_node_t *n,
		       enum sc_direction *out)
{
	static const char *const words[] = { "out", "in", "both", NULL };
	static const enum sc_direction dirs[] = { SC_DIR_OUT, SC_DIR_IN, SC_DIR_BOTH };
	int i;

	if (!sc_read_word(ctx, n, "direction", words, &i))
		return false;
	*out = dirs[i];
	return true;
}

bool sc_read_result(struct sc_ctx *ctx, const yaml_node_t *n, int *out)
{
	static const char *const words[] = { "ok", "eof" };
	const char *text = scalar_or_report(ctx, n, "a result: ok, eof or an errno name");
	struct sc_quoted q;
	const char *near;
	int e;

	if (!text)
		return false;
	if (strcmp(text, "ok") == 0) {
		*out = SC_RESULT_OK;
		return true;
	}
	if (strcmp(text, "eof") == 0) {
		*out = SC_RESULT_EOF;
		return true;
	}
	e = errno_from_name(text);
	if (e > 0) {
		*out = e;
		return true;
	}
	near = sc_suggest(text, words, COUNT(words));
	if (!near)
		near = sc_suggest_errno(text);
	if (near)
		sc_error(ctx, n, "unknown result \"%s\" (did you mean %s?)",
			 sc_quote(&q, text), near);
	else
		sc_error(ctx, n, "unknown result \"%s\" (expected ok, eof or an errno "
			 "name like ECONNRESET)", sc_quote(&q, text));
	return false;
}

static const struct {
	const char *name;
	int sig;
} fatal_signals[] = {
	{ "KILL", SIGKILL }, { "SEGV", SIGSEGV }, { "TERM", SIGTERM },
	{ "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "ILL", SIGILL }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "HUP", SIGHUP }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TRAP", SIGTRAP },
	{ "SYS", SIGSYS }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
};

/* Signals whose default action does not end the process. */
static const char *const harmless_signals[] = {
	"STOP", "CONT", "TSTP", "TTIN", "TTOU", "CHLD", "URG", "WINCH",
};

bool sc_read_signal(struct sc_ctx *ctx, const yaml_node_t *n, int *out)
{
	const char *text = scalar_or_report(ctx, n, "a signal name like KILL");
	const char *names[COUNT(fatal_signals)];
	const char *name;
	struct sc_quoted q;
	char msg[256];

	if (!text)
		return false;
	name = strncmp(text, "SIG", 3) == 0 ? text + 3 : text;
	for (size_t i = 0; i < COUNT(fatal_signals); i++) {
		names[i] = fatal_signals[i].name;
		if (strcmp(name, fatal_signals[i].name) == 0) {
			*out = fatal_signals[i].sig;
			return true;
		}
	}
	for (size_t i = 0; i < COUNT(harmless_signals); i++) {
		if (strcmp(name, harmless_signals[i]) == 0) {
			sc_error(ctx, n, "signal %s does not end a process (expected one "
				 "that does, like KILL, SEGV or TERM)", harmless_signals[i]);
			return false;
		}
	}
	snprintf(msg, sizeof(msg), "unknown signal \"%s\"", sc_quote(&q, text));
	name = sc_suggest(name, names, COUNT(names));
	if (name)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 " (did you mean %s?)", name);
	else
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 " (expected a name like KILL, SEGV or TERM)");
	sc_error(ctx, n, "%s", msg);
	return false;
}
