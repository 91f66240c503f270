/*
 * observe_kernel.c: the kernel's view of the watched connections
 * (observe_int.h). Every OBS_SAMPLE_US each connection an app owns is looked
 * up in its host's kernel by its two ends (sockdiag_tcp_lookup: a few
 * microseconds, where a dump of the namespace's table costs a millisecond).
 * A change is a "socket" event: the socket appearing ("new"), its state
 * ("state"), its retransmissions or backoff ("retransmit"), its keepalive
 * or zero-window probes ("probe"), its end ("gone"). State changes and the
 * end go into the connection's kernel log, the end with the retransmits and
 * probes of the last sample before it, which tell a timeout from an RST.
 *
 * Each fact is timed by a clock read after its lookup (obs_kernel_observe),
 * never by the tick's: the views cut the log at the app's own close.
 *
 * A socket in CLOSE is as good as gone: the kernel unhashes it there. A
 * connection in TIME_WAIT is not sampled any more (nothing can happen to
 * it), nor one never found within OBS_UNSEEN_GIVEUP_US of its first packet.
 */
#include "engine/observe/observe_int.h"

#include "common/monotime.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

static void emit_socket(struct engine_run *r, const struct obs_conn *c, const char *change,
			const struct tcp_sock_sample *s, int64_t t)
{
	struct observer *o = r->obs;
	char local[IP_ENDPOINT_TEXT_MAX + 4], remote[IP_ENDPOINT_TEXT_MAX + 4];

	if (o->socket_events >= OBS_MAX_SOCKET_EVENTS) {
		if (!o->socket_capped)
			run_warning(r, "more than %d socket changes: later ones are not events",
				    OBS_MAX_SOCKET_EVENTS);
		o->socket_capped = true;
		return;
	}
	o->socket_events++;
	run_emit_socket(r, r->topo->hosts[c->host].name, r->apps[c->app].sc->name,
			obs_endpoint_text(&c->local, local, sizeof(local)),
			obs_endpoint_text(&c->remote, remote, sizeof(remote)), change, s, t);
}

static void kern_log(struct obs_conn *c, int64_t t, uint8_t state, bool gone)
{
	const struct tcp_sock_sample *last = &c->k_last;
	uint8_t retries = last->timer_retrans;

	if (c->nkern >= OBS_LOG_MAX)
		return;
	if (last->has_info && last->info.retransmits > retries)
		retries = last->info.retransmits;
	c->kern[c->nkern++] = (struct obs_kern_ev){ .t = t, .t_lo = c->k_last_t ? c->k_last_t : t,
		.state = state, .gone = gone,
		.retransmits = retries,
		.probes = last->has_info ? last->info.probes : 0 };
}

/* What changed between two samples of one socket, or NULL. */
static const char *sample_change(const struct tcp_sock_sample *a,
				 const struct tcp_sock_sample *b)
{
	if (a->state != b->state)
		return "state";
	if (a->timer_retrans != b->timer_retrans && b->timer == SOCKDIAG_TIMER_KEEPALIVE)
		return "probe";
	if (!a->has_info || !b->has_info)
		return NULL;
	if (a->info.retransmits != b->info.retransmits || a->info.backoff != b->info.backoff ||
	    a->info.total_retrans != b->info.total_retrans)
		return "retransmit";
	if (a->info.probes != b->info.probes)
		return "probe";
	return NULL;
}

/* What one lookup of C's socket changed, logged in C's kernel log. Each
 * fact is timed by the clock read after the answer came (the socket was in
 * that state, or gone, by then), its lower bound (t_lo) by the clock read
 * before the previous lookup: a time taken earlier, such as the tick's,
 * would date a socket's end before the app's close that caused it, when
 * the lookup runs late (a loaded machine), and the kernel view, cut at that
 * close, would read the app's own close or abort as an RST received. */
const char *obs_kernel_observe(struct sockdiag *sd, struct obs_conn *c,
			       struct tcp_sock_sample *s, int64_t *at)
{
	const char *change = NULL;
	int64_t asked = mono_usec(), seen;
	int rc;

	rc = sockdiag_tcp_lookup(sd, &c->local, &c->remote, s);
	seen = mono_usec();
	*at = seen;
	if (rc == 0 && s->state != TCP_CLOSE) {
		if (!c->k_seen) {
			c->k_seen = true;
			c->k_last = *s;
			kern_log(c, seen, s->state, false);
			change = "new";
		} else if ((change = sample_change(&c->k_last, s)) != NULL) {
			if (s->state != c->k_last.state) {
				c->k_last = *s;
				kern_log(c, seen, s->state, false);
			}
		}
		c->k_last = *s;
		c->k_last_t = asked;
		if (s->has_info && !s->info.backoff && !s->info.retransmits && s->info.rto_us)
			c->k_rto_us = s->info.rto_us;
		if (s->state == TCP_TIME_WAIT)
			c->k_done = true;
		return change;
	}
	if (rc < 0 && rc != -ENOENT)
		return NULL;   /* a netlink hiccup: try again next time */
	*s = c->k_last;
	if (c->k_seen) {
		kern_log(c, seen, TCP_CLOSE, true);
		c->k_done = true;
		return "gone";
	}
	if (seen - c->first_t > OBS_UNSEEN_GIVEUP_US)
		c->k_done = true;
	return NULL;
}

void obs_kernel_sample(struct engine_run *r)
{
	struct observer *o = r->obs;
	struct tcp_sock_sample s;
	const char *change;
	int64_t at;

	for (size_t i = 0; i < o->nconns; i++) {
		struct obs_conn *c = &o->conns[i];
		struct obs_host *oh = &o->hosts[c->host];

		if (c->app < 0 || c->k_done || !oh->open || !oh->sd || c->boot != oh->boot)
			continue;
		change = obs_kernel_observe(oh->sd, c, &s, &at);
		if (change)
			emit_socket(r, c, change, &s, at);
	}
}

void obs_kernel_host_off(struct engine_run *r, size_t host, int64_t now)
{
	struct observer *o = r->obs;

	for (size_t i = 0; i < o->nconns; i++) {
		struct obs_conn *c = &o->conns[i];

		if (c->host != host || c->boot != o->hosts[host].boot || c->k_done)
			continue;
		c->k_done = true;
		if (c->k_seen && c->app >= 0)
			emit_socket(r, c, "host-off", &c->k_last, now);
	}
}

/* Socket S of a connection holds nothing that TCP still has to send or
 * hear back about. */
static bool sample_at_rest(const struct tcp_sock_sample *s)
{
	if (s->state != TCP_ESTABLISHED && s->state != TCP_CLOSE_WAIT &&
	    s->state != TCP_FIN_WAIT2)
		return false;
	if (s->send_queue || (s->has_info && s->info.unacked))
		return false;
	return s->timer != SOCKDIAG_TIMER_RETRANS && s->timer != SOCKDIAG_TIMER_PROBE;
}

bool obs_kernel_quiet(const struct engine_run *r)
{
	const struct observer *o = r->obs;

	for (size_t i = 0; i < o->nconns; i++) {
		const struct obs_conn *c = &o->conns[i];
		const struct run_app *a;
		bool app_waits;

		if (c->app < 0 || c->boot != o->hosts[c->host].boot)
			continue;
		a = &r->apps[c->app];
		/* alive, socket open and nothing recorded: its own view is to come */
		app_waits = a->state != RUN_APP_DEAD && !a->closed && !a->v.decided;
		if (!c->k_seen) {
			if (!c->k_done)
				return false;   /* not found yet */
			continue;
		}
		if (c->k_done) {
			/* gone or TIME_WAIT: an app still holding it hears of it */
			if (app_waits && c->k_last.state != TCP_TIME_WAIT)
				return false;
			continue;
		}
		if (!sample_at_rest(&c->k_last))
			return false;
		if (app_waits && c->k_last.state == TCP_CLOSE_WAIT)
			return false;   /* the FIN came; the app's watcher says so */
	}
	return true;
}
