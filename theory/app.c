/*
 * app.c: which timer decides what an app of a scenario sees, and when
 * (theory_app). The model covers a connection between two built-in apps
 * whose peer goes silent (powered off, unplugged, every packet dropped, a
 * partition) and stays so, or that crosses a middlebox forgetting idle
 * connections: data sent after that is retransmitted until the user
 * timeout or tcp_retries2; with nothing to send, keepalive decides; a
 * connect after it retries its SYN. Everything else (a crash, a reject, a
 * delay, a heal...) the model does not cover, and it says so.
 */
#include "theory/theory.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NEVER INT64_MAX

/* What the app's steps do, taken as instant but for sleeps. */
struct app_plan {
	int64_t connect_us;        /* its connect (clients) or accept, -1 none */
	int64_t last_data_us;      /* the last data exchanged before the fault */
	int64_t send_after_us;     /* the first send at or after it, -1 none */
	int64_t send_late_us;      /* any send at all after LATE (middlebox), -1 */
	const struct sc_step *ends; /* a close, shutdown... reached before it */
};

static void not_applies(struct theory_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void not_applies(struct theory_result *res, const char *fmt, ...)
{
	va_list ap;

	memset(res, 0, sizeof(*res));
	res->applies = false;
	res->t_us = -1;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
}

int theory_peer_app(const struct scenario *sc, size_t app)
{
	const struct sc_app *a = &sc->apps[app];

	for (size_t i = 0; i < sc->napps; i++) {
		const struct sc_app *b = &sc->apps[i];

		if (i == app)
			continue;
		if (a->is_client && b->is_server && a->target_host == b->host &&
		    a->target_port == b->listen_port)
			return (int)i;
		if (a->is_server && b->is_client && b->target_host == a->host &&
		    b->target_port == a->listen_port)
			return (int)i;
	}
	return -1;
}

/* The app's steps in time: when each began in the run (STARTED, NSTARTED
 * of them, -1 for one that never began), else the sum of the sleeps
 * before it. */
static void plan_steps(const struct sc_app *a, int64_t fault_us, int64_t late_us,
		       const int64_t *started, size_t nstarted, struct app_plan *p)
{
	int64_t t = 0;

	memset(p, 0, sizeof(*p));
	p->connect_us = p->send_after_us = p->send_late_us = -1;
	for (size_t i = 0; i < a->nsteps; i++) {
		const struct sc_step *st = &a->steps[i];

		if (started && i < nstarted && started[i] >= 0)
			t = started[i];

		switch (st->kind) {
		case SC_STEP_SLEEP:
			t += st->sleep_us;
			break;
		case SC_STEP_CONNECT:
		case SC_STEP_ACCEPT:
			p->connect_us = t;
			p->last_data_us = t;
			if (t >= fault_us)
				return;
			break;
		case SC_STEP_SEND:
			if (t >= late_us && p->send_late_us < 0)
				p->send_late_us = t;
			if (t >= fault_us) {
				p->send_after_us = t;
				return;
			}
			p->last_data_us = t;
			break;
		case SC_STEP_RECV:
			if (t >= fault_us)
				return;
			p->last_data_us = t;
			break;
		case SC_STEP_WAIT:
		case SC_STEP_HOLD:
			return;
		default:
			p->ends = st;
			return;
		}
	}
}

/* Whether fault F cuts hosts H and P apart for good: 1 yes, 0 it does not
 * touch them, -1 it does something the model does not cover, -2 it drops
 * H's own outgoing packets inside H (a transmit that fails locally: the
 * kernel then retransmits on other terms). */
static int fault_silences(const struct sc_fault *f, int h, int p)
{
	bool on_h = f->host == h || f->host == -1, on_p = f->host == p || f->host == -1;

	switch (f->kind) {
	case SC_FAULT_POWEROFF:
		return on_p ? 1 : 0;
	case SC_FAULT_UNPLUG:
		return on_h ? -2 : on_p ? 1 : 0;
	case SC_FAULT_DROP:
		if (!on_h && !on_p)
			return 0;
		if (f->port != 0 || (f->proto != 0 && f->proto != 6))
			return -1;
		return on_h && f->direction != SC_DIR_IN ? -2 : 1;
	case SC_FAULT_PARTITION:
		if (f->one_way)
			return f->from[h] && f->to[p] ? -2 : f->from[p] && f->to[h] ? 1 : 0;
		return f->group[h] && f->group[p] && f->group[h] != f->group[p] ? -2 : 0;
	default:
		return on_h || on_p ? -1 : 0;
	}
}

/* A router with a middlebox that forgets idle connections, when H and P
 * share no network (so their packets cross a router); NULL otherwise. */
static const struct sc_host *path_middlebox(const struct scenario *sc, int h, int p)
{
	for (size_t i = 0; i < sc->hosts[h].nifaces; i++)
		if (scenario_host_iface(sc, p, sc->hosts[h].ifaces[i].network) >= 0)
			return NULL;
	for (size_t i = 0; i < sc->nhosts; i++)
		if (sc->hosts[i].middlebox.enabled && sc->hosts[i].middlebox.idle_timeout_us > 0)
			return &sc->hosts[i];
	return NULL;
}

static void cut_at_end(const struct scenario *sc, struct theory_result *res)
{
	size_t n = strlen(res->why);

	if (!res->applies || res->verdict == SC_VERDICT_NOTHING || res->t_us <= sc->duration_us)
		return;
	snprintf(res->why + n, sizeof(res->why) - n, "; that is after the run's end (%.2f s): "
		 "nothing within it", (double)sc->duration_us / 1e6);
	res->verdict = SC_VERDICT_NOTHING;
	res->t_us = -1;
}

static void keepalive_or_nothing(const struct sc_app *a, const struct theory_kernel *k,
				 int64_t last_us, struct theory_result *res)
{
	const struct sc_tcp *tcp = &a->tcp;

	if (tcp->keepalive != 1) {
		memset(res, 0, sizeof(*res));
		res->applies = true;
		res->verdict = SC_VERDICT_NOTHING;
		res->t_us = -1;
		snprintf(res->why, sizeof(res->why), "no data left unacknowledged and no "
			 "keepalive: no timer runs, the app sees nothing");
		return;
	}
	theory_keepalive(last_us, tcp->ka_idle_us ? tcp->ka_idle_us : k->ka_time_us,
			 tcp->ka_interval_us ? tcp->ka_interval_us : k->ka_intvl_us,
			 tcp->ka_count ? tcp->ka_count : k->ka_probes,
			 tcp->user_timeout_us > 0 ? tcp->user_timeout_us : 0, res);
}

/* The connection crosses MB, and no fault silences the peer. */
static void through_middlebox(const struct sc_app *a, const struct sc_host *mb,
			      const struct theory_kernel *k, const struct app_plan *p,
			      int64_t last_us, struct theory_result *res)
{
	const struct sc_tcp *tcp = &a->tcp;
	const struct sc_middlebox *m = &mb->middlebox;

	if (tcp->keepalive != 1) {
		not_applies(res, "the connection crosses %s, which forgets it when idle for "
			    "%g s; without keepalive what the app sees depends on the peer's "
			    "next packet", mb->name, (double)m->idle_timeout_us / 1e6);
		return;
	}
	if (m->expired == SC_EXPIRED_PICKUP) {
		not_applies(res, "%s picks forgotten connections up again (expired: pickup): "
			    "the model covers drop and reset", mb->name);
		return;
	}
	theory_middlebox_keepalive(last_us, tcp->ka_idle_us ? tcp->ka_idle_us : k->ka_time_us,
				   tcp->ka_interval_us ? tcp->ka_interval_us : k->ka_intvl_us,
				   tcp->ka_count ? tcp->ka_count : k->ka_probes,
				   tcp->user_timeout_us > 0 ? tcp->user_timeout_us : 0,
				   m->idle_timeout_us, m->expired, res);
	if (res->verdict != SC_VERDICT_NOTHING && p->send_late_us >= 0)
		not_applies(res, "the app sends at %.2f s, after %s forgot the connection: "
			    "the model covers keepalive alone there", (double)p->send_late_us / 1e6,
			    mb->name);
}

/* A server whose client's SYNs arrive but whose SYN-ACKs are dropped at
 * the client: the request waits for the handshake's last ACK until
 * tcp_synack_retries runs out, and the app never sees the connection. */
static void server_synack(const struct theory_kernel *k, const struct app_plan *peer,
			  struct theory_result *res)
{
	size_t n;

	theory_synack(k, peer->connect_us, res);
	n = strlen(res->why);
	snprintf(res->why + n, sizeof(res->why) - n, "; its client's SYNs arrive, the "
		 "SYN-ACKs are dropped at the client: accept never returns, the app sees "
		 "nothing");
	res->t_us = -1;
}

void theory_app(const struct scenario *sc, size_t app, const struct theory_kernel *base,
		const struct theory_figures *fig, struct theory_result *res)
{
	const struct sc_app *a = &sc->apps[app];
	struct theory_kernel k = *base;
	struct app_plan plan, peer_plan;
	int64_t fault_us = NEVER, last_us, rto_us;
	const struct sc_fault *silence = NULL;
	const struct sc_host *mb;
	int pa, h = a->host, p;

	if (a->cmd) {
		not_applies(res, "a cmd app: the model knows only the built-in apps' steps "
			    "and socket options");
		return;
	}
	pa = theory_peer_app(sc, app);
	if (pa < 0) {
		not_applies(res, "no app of the run on the other end of its connection");
		return;
	}
	p = sc->apps[pa].host;
	if (p == h) {
		not_applies(res, "its peer is on the same host");
		return;
	}
	if (sc->hosts[h].has_link || sc->hosts[p].has_link) {
		not_applies(res, "a link: impairment changes the round trip the timers depend on");
		return;
	}
	for (size_t i = 0; i < sc->nfaults; i++) {
		const struct sc_fault *f = &sc->faults[i];
		int s;

		if (f->kind == SC_FAULT_POWEROFF && f->host == h) {
			not_applies(res, "its own host powers off at %.2f s (line %d): no timer of "
				    "its kernel is left", (double)f->at_us / 1e6, f->line);
			return;
		}
		s = fault_silences(f, h, p);
		if (silence && s > 0)
			s = -1;
		if (s == -2) {
			not_applies(res, "the %s at line %d drops the app's own packets inside its "
				    "host: a transmit that fails there is retried on other terms "
				    "than a packet lost on the way", sc_fault_name(f->kind), f->line);
			return;
		}
		if (s < 0) {
			not_applies(res, "the %s at line %d: the model covers a peer that goes "
				    "silent for good (poweroff, unplug, drop, partition)",
				    sc_fault_name(f->kind), f->line);
			return;
		}
		if (s > 0 && !silence) {
			silence = f;
			fault_us = f->at_us;
		}
	}
	theory_kernel_host(&k, &sc->hosts[h]);
	mb = path_middlebox(sc, h, p);
	plan_steps(a, fault_us, mb ? mb->middlebox.idle_timeout_us : NEVER,
		   fig ? fig->step_us : NULL, fig ? fig->nsteps : 0, &plan);
	plan_steps(&sc->apps[pa], fault_us, NEVER, fig ? fig->peer_step_us : NULL,
		   fig ? fig->peer_nsteps : 0, &peer_plan);
	if (plan.ends) {
		not_applies(res, "its %s step (line %d) ends the connection from its own side",
			    sc_step_name(plan.ends->kind), plan.ends->line);
		return;
	}
	if (!silence && !mb) {
		not_applies(res, "no fault silences its peer and no middlebox is on the way: what "
			    "it sees follows from the peer's own steps, not from a timer");
		return;
	}
	last_us = fig && fig->last_rx_us >= 0 ? fig->last_rx_us : plan.last_data_us;
	if (peer_plan.last_data_us > last_us && peer_plan.last_data_us < fault_us &&
	    !(fig && fig->last_rx_us >= 0))
		last_us = peer_plan.last_data_us;
	rto_us = fig && fig->rto_us > 0 ? fig->rto_us : k.rto_min_us + THEORY_JIFFY_US;
	if (!silence) {
		through_middlebox(a, mb, &k, &plan, last_us, res);
	} else if (a->is_client && plan.connect_us >= fault_us) {
		theory_syn(&k, plan.connect_us, a->tcp.syn_retries > 0 ? a->tcp.syn_retries : 0,
			   a->tcp.user_timeout_us > 0 ? a->tcp.user_timeout_us : 0, res);
	} else if (a->is_server && peer_plan.connect_us >= fault_us &&
		   silence->kind == SC_FAULT_DROP && silence->host == p &&
		   silence->direction == SC_DIR_IN) {
		server_synack(&k, &peer_plan, res);
	} else if (a->is_server && peer_plan.connect_us >= fault_us) {
		memset(res, 0, sizeof(*res));
		res->applies = true;
		res->verdict = SC_VERDICT_NOTHING;
		res->t_us = -1;
		snprintf(res->why, sizeof(res->why), "its client connects at %.2f s, after the %s "
			 "at %.2f s: no connection reaches it", (double)peer_plan.connect_us / 1e6,
			 sc_fault_name(silence->kind), (double)fault_us / 1e6);
	} else if (plan.send_after_us >= 0) {
		theory_retransmit(&k, plan.send_after_us, rto_us,
				  a->tcp.user_timeout_us > 0 ? a->tcp.user_timeout_us : 0, res);
	} else {
		keepalive_or_nothing(a, &k, last_us, res);
	}
	cut_at_end(sc, res);
}
