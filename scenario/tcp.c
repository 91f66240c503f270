/*
 * tcp.c: an app's tcp: options, the socket options the built-in app sets on
 * its connected socket (a server's on the accepted one): keepalive (a
 * mapping of idle, interval and count, or off), user_timeout, linger (a
 * time, or off), nodelay, sndbuf, rcvbuf, and syn_retries for clients.
 *
 * The ranges are the kernel's (TCP_KEEPIDLE and TCP_KEEPINTVL up to 32767 s,
 * TCP_KEEPCNT and TCP_SYNCNT up to 127, TCP_USER_TIMEOUT in int
 * milliseconds), so a value the kernel would refuse is reported with its
 * place in the file rather than during a run. Times the kernel counts in
 * seconds are rounded up by the app, never down to zero.
 */
#include <stdio.h>
#include <string.h>

#include "common/duration.h"
#include "scenario/internal.h"

#define TCP_MAX_KEEPALIVE_US (32767LL * 1000000)
#define TCP_MAX_COUNT        127
#define TCP_MAX_USER_TIMEOUT_US (2147483LL * 1000000)  /* int milliseconds */
#define TCP_MAX_BUFFER       (1 << 30)

void sc_tcp_init(struct sc_tcp *tcp)
{
	*tcp = (struct sc_tcp){
		.keepalive = -1,
		.user_timeout_us = -1,
		.linger = -1,
		.nodelay = -1,
		.syn_retries = -1,
	};
}

/* A duration up to MAX, and more than 0s unless ZERO_OK. */
static bool read_time(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		      bool zero_ok, int64_t max, int64_t *out)
{
	char high[32];
	int64_t v;

	if (!sc_read_duration(ctx, n, what, &v))
		return false;
	if ((!zero_ok && v == 0) || v > max) {
		struct sc_quoted q;

		sc_error(ctx, n, "%s %s is out of range (%s, at most %s)", what,
			 sc_quote(&q, sc_scalar(n)), zero_ok ? "0s or more" : "more than 0s",
			 duration_format(max, high, sizeof(high)));
		return false;
	}
	*out = v;
	return true;
}

static bool is_off(const yaml_node_t *n)
{
	const char *text = sc_scalar(n);

	return text && !sc_is_quoted(n) && strcmp(text, "off") == 0;
}

static void read_keepalive(struct sc_ctx *ctx, struct sc_tcp *tcp, const yaml_node_t *n)
{
	const struct sc_schema *s = sc_schema_child(sc_schema_child(&sc_schema_app, "tcp"),
						    "keepalive");
	const yaml_node_t *v;

	if (is_off(n)) {
		tcp->keepalive = 0;
		return;
	}
	if (!sc_is_map(n) && !sc_is_null(n)) {
		sc_error(ctx, n, "expected keepalive: off or a mapping of idle, interval "
			 "and count");
		return;
	}
	if (!sc_check_keys(ctx, n, s, "expected a mapping of idle, interval and count"))
		return;
	tcp->keepalive = 1;
	if ((v = sc_get(ctx, n, "idle")))
		read_time(ctx, v, "idle", false, TCP_MAX_KEEPALIVE_US, &tcp->ka_idle_us);
	if ((v = sc_get(ctx, n, "interval")))
		read_time(ctx, v, "interval", false, TCP_MAX_KEEPALIVE_US, &tcp->ka_interval_us);
	if ((v = sc_get(ctx, n, "count")))
		sc_read_int(ctx, v, "count", 1, TCP_MAX_COUNT, &tcp->ka_count);
}

static void read_linger(struct sc_ctx *ctx, struct sc_tcp *tcp, const yaml_node_t *n)
{
	if (is_off(n)) {
		tcp->linger = 0;
		return;
	}
	if (sc_is_scalar(n) && !sc_is_null(n)) {
		const char *text = sc_scalar(n);

		if (text[0] < '0' || text[0] > '9') {
			struct sc_quoted q;

			sc_error(ctx, n, "%s: expected linger: off or a time like 0s or 5s",
				 sc_quote(&q, text));
			return;
		}
	}
	if (read_time(ctx, n, "linger", true, SC_MAX_DURATION, &tcp->linger_us))
		tcp->linger = 1;
}

void sc_read_tcp(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *map)
{
	struct sc_tcp *tcp = &app->tcp;
	const yaml_node_t *n;
	bool flag;

	if (!sc_check_keys(ctx, map, sc_schema_child(&sc_schema_app, "tcp"),
			   "expected a mapping of TCP options"))
		return;
	if ((n = sc_get(ctx, map, "keepalive")))
		read_keepalive(ctx, tcp, n);
	if ((n = sc_get(ctx, map, "user_timeout")))
		read_time(ctx, n, "user_timeout", true, TCP_MAX_USER_TIMEOUT_US,
			  &tcp->user_timeout_us);
	if ((n = sc_get(ctx, map, "linger")))
		read_linger(ctx, tcp, n);
	if ((n = sc_get(ctx, map, "nodelay")) && sc_read_bool(ctx, n, "nodelay", &flag))
		tcp->nodelay = flag ? 1 : 0;
	if ((n = sc_get(ctx, map, "sndbuf")))
		sc_read_int(ctx, n, "sndbuf", 1, TCP_MAX_BUFFER, &tcp->sndbuf);
	if ((n = sc_get(ctx, map, "rcvbuf")))
		sc_read_int(ctx, n, "rcvbuf", 1, TCP_MAX_BUFFER, &tcp->rcvbuf);
	if ((n = sc_get(ctx, map, "syn_retries"))) {
		if (!app->is_client)
			sc_error(ctx, sc_get_key(ctx, map, "syn_retries"), "syn_retries is for "
				 "clients (apps with connect:)");
		else
			sc_read_int(ctx, n, "syn_retries", 1, TCP_MAX_COUNT, &tcp->syn_retries);
	}
}
