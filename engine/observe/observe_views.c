/*
 * observe_views.c: at the end of a run, what ended each app's connection by
 * each observer (observe_int.h), cut at the moment the app stopped seeing:
 * its own close, abort, exit or crash step, a fault that killed it (at the
 * fault's scheduled time), or its death as the engine noticed it.
 *
 *   wire    walking the connection's wire log: a FIN arriving is fin; an
 *           RST is rst, or refused while our SYN was unanswered; an ICMP
 *           destination-unreachable ends a connection only in its
 *           handshake (refused for a port unreachable, else unreachable);
 *           retries still unanswered at the cut are timeout (unreachable
 *           when an ICMP error came meanwhile): the kernel may or may not
 *           have given up yet; else nothing.
 *   kernel  walking its kernel log: CLOSE_WAIT, LAST_ACK, CLOSING or
 *           TIME_WAIT is fin; the socket gone after retransmissions or
 *           probes is timeout, gone at once rst (refused from SYN_SENT).
 *
 * An app with several connections (a cmd app) takes the first that ended.
 * A built-in app's verdict (the watcher's) must be compatible with both
 * views: equal, or one of the pairs the observers cannot tell apart (the
 * kernel cannot tell an RST in SYN_SENT from a refusal by ICMP, the wire
 * cannot see an error made by the host itself, ...); else a warning. A cmd
 * app's verdict is the first end over its connections: the wire's arrival
 * (FIN, RST, ICMP) when there is one, else the kernel's (a timeout: the
 * socket gone after unanswered retries, at the sample that found it gone).
 *
 * Who sent it: the wire view of an rst, refused or unreachable names the
 * sender of its RST or ICMP error (observe_from.c), and the app's verdict,
 * when it is one of those three, takes it ("from", and the packet in words
 * after its evidence). The app's and the kernel's views cannot know it;
 * their agreement is judged on the verdicts alone, as before.
 */
#include "engine/observe/observe_int.h"

#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VIEW_APP, VIEW_WIRE, VIEW_KERNEL };

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static bool fatal_signal(int sig)
{
	return sig == SIGKILL || sig == SIGSEGV || sig == SIGABRT || sig == SIGTERM ||
	       sig == SIGINT || sig == SIGQUIT || sig == SIGBUS;
}

/* When app I stopped seeing its connection (absolute), INT64_MAX if never. */
static int64_t app_cut(const struct engine_run *r, size_t i)
{
	const struct run_app *a = &r->apps[i];
	int64_t cut = INT64_MAX;

	for (size_t k = 0; k < a->sc->nsteps; k++) {
		enum sc_step_kind kind = a->sc->steps[k].kind;

		if (a->steps[k].done && (kind == SC_STEP_CLOSE || kind == SC_STEP_ABORT ||
					 kind == SC_STEP_EXIT || kind == SC_STEP_CRASH))
			cut = min64(cut, r->t0 + a->steps[k].started_us);
	}
	for (size_t k = 0; k < r->next_fault && k < r->sc->nfaults; k++) {
		const struct sc_fault *f = &r->sc->faults[k];

		if (f->host != a->sc->host)
			continue;
		if (f->kind == SC_FAULT_POWEROFF || f->kind == SC_FAULT_REBOOT ||
		    (f->kind == SC_FAULT_CRASH && (f->app < 0 || (size_t)f->app == i) &&
		     fatal_signal(f->signal > 0 ? f->signal : SIGKILL)))
			cut = min64(cut, r->t0 + f->at_us);
	}
	/* a program that exits by itself mostly does so because of what its
	 * connection went through, which the samples may show a few ms late:
	 * its connections are followed to the end (its own FIN or RST out is
	 * not an end, see obs_kernel_view) */
	if (r->obs->died[i] && !a->sc->cmd)
		cut = min64(cut, r->obs->died[i]);
	return cut;
}

static void view_set(const struct engine_run *r, struct obs_view *v, enum sc_verdict kind,
		     int64_t t, const char *what)
{
	char when[32];

	v->kind = kind;
	v->t = t;
	if (kind == SC_VERDICT_NOTHING)
		snprintf(v->evidence, sizeof(v->evidence), "%s", what);
	else
		snprintf(v->evidence, sizeof(v->evidence), "%s at %s", what,
			 verdict_time_format(t - r->t0, when, sizeof(when)));
}

/* How soon after a packet in our RST out shows that the packet met no
 * socket: the kernel answers at once (microseconds; generous here). */
#define OBS_NO_SOCKET_US 20000

/* True when the answer at K came too late: the next fact is our own RST,
 * sent at once, which is what the kernel answers to a packet for a socket
 * it has already given up on (the retries timed out before it came). */
static bool answer_too_late(const struct obs_conn *c, size_t k, int64_t cut)
{
	const struct obs_wire_ev *next = k + 1 < c->nwire ? &c->wire[k + 1] : NULL;

	return next && next->t <= cut && next->fact == OW_RST_OUT &&
	       next->t - c->wire[k].t <= OBS_NO_SOCKET_US;
}

static void wire_view(const struct engine_run *r, const struct obs_conn *c, int64_t cut,
		      struct obs_view *v)
{
	char peer[IP_ENDPOINT_TEXT_MAX], what[200];
	const struct obs_wire_ev *soft = NULL;
	bool syn_out = false, answered = false;
	int64_t retry_t = 0;
	unsigned retries = 0, probes = 0;

	memset(v, 0, sizeof(*v));
	v->has = c->first_pkt && c->first_pkt <= cut;
	if (!v->has)
		return;
	v->last_pkt = c->last_pkt;
	ip_endpoint_format(&c->remote, peer, sizeof(peer));
	for (size_t k = 0; k < c->nwire && c->wire[k].t <= cut; k++) {
		const struct obs_wire_ev *e = &c->wire[k];
		bool handshake = syn_out && !answered;

		switch (e->fact) {
		case OW_SYN_OUT:
			syn_out = true;
			break;
		case OW_SYNACK_IN:
			answered = true;
			break;
		case OW_FIN_IN:
			snprintf(what, sizeof(what), "FIN from %s", peer);
			view_set(r, v, SC_VERDICT_FIN, e->t, what);
			return;
		case OW_RST_IN:
			obs_sent_text(r, e, v->from, sizeof(v->from), v->sent, sizeof(v->sent));
			snprintf(what, sizeof(what), "%s%s", v->sent,
				 handshake ? " answering our SYN" : "");
			view_set(r, v, handshake ? SC_VERDICT_REFUSED : SC_VERDICT_RST, e->t, what);
			return;
		case OW_ICMP_IN:
			if (handshake) {
				obs_sent_text(r, e, v->from, sizeof(v->from), v->sent,
					      sizeof(v->sent));
				snprintf(what, sizeof(what), "%s about our SYN to %s", v->sent,
					 peer);
				view_set(r, v, (enum sc_verdict)e->icmp_kind, e->t, what);
				return;
			}
			if (!soft)
				soft = e;
			break;
		case OW_RETRY_OUT:
			if (!retry_t)
				retry_t = e->t;
			retries += e->count;
			probes += e->probes;
			break;
		case OW_ANSWER_IN:
			if (answer_too_late(c, k, cut))
				break;
			retry_t = 0;
			retries = probes = 0;
			break;
		default:
			break;
		}
	}
	if (retry_t) {
		char sent[OBS_SENT_MAX + 16] = "";

		if (soft) {
			obs_sent_text(r, soft, v->from, sizeof(v->from), v->sent, sizeof(v->sent));
			snprintf(sent, sizeof(sent), "%s while ", v->sent);
		}
		snprintf(what, sizeof(what), "%s%u retransmission%s and %u probe%s to %s went "
			 "unanswered, the first", sent, retries, retries == 1 ? "" : "s", probes,
			 probes == 1 ? "" : "s", peer);
		view_set(r, v, soft ? (enum sc_verdict)soft->icmp_kind : SC_VERDICT_TIMEOUT,
			 retry_t, what);
		v->pending = true;
		return;
	}
	view_set(r, v, SC_VERDICT_NOTHING, 0, "no FIN, RST or ICMP error arrived");
}

static bool peer_fin_state(int state)
{
	return state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK || state == TCP_CLOSING ||
	       state == TCP_TIME_WAIT;
}

/* Our own side reset the connection (an RST out) between T_LO and T. */
static bool own_reset(const struct obs_conn *c, int64_t t_lo, int64_t t)
{
	for (size_t k = 0; k < c->nwire; k++)
		if (c->wire[k].fact == OW_RST_OUT && c->wire[k].t >= t_lo - 1000 &&
		    c->wire[k].t <= t)
			return true;
	return false;
}

void obs_kernel_view(const struct engine_run *r, const struct obs_conn *c, int64_t cut,
		     struct obs_view *v)
{
	char what[128];
	int state = -1;

	memset(v, 0, sizeof(*v));
	for (size_t k = 0; k < c->nkern && c->kern[k].t <= cut; k++) {
		const struct obs_kern_ev *e = &c->kern[k];
		unsigned retries = e->retransmits > e->probes ? e->retransmits : e->probes;

		v->has = true;
		if (!e->gone && peer_fin_state(e->state)) {
			snprintf(what, sizeof(what), "socket %s", tcp_state_name(e->state));
			view_set(r, v, SC_VERDICT_FIN, e->t, what);
			return;
		}
		if (!e->gone) {
			state = e->state;
			continue;
		}
		if (!retries && own_reset(c, e->t_lo, e->t)) {
			snprintf(what, sizeof(what), "socket reset by its own side (RST out)");
			view_set(r, v, SC_VERDICT_NOTHING, 0, what);
			return;
		}
		if (retries)
			snprintf(what, sizeof(what), "socket gone from %s after %u "
				 "retransmission%s or probe%s", tcp_state_name(state), retries,
				 retries == 1 ? "" : "s", retries == 1 ? "" : "s");
		else
			snprintf(what, sizeof(what), "socket gone from %s at once, not retrying",
				 tcp_state_name(state));
		if (retries)
			view_set(r, v, SC_VERDICT_TIMEOUT, e->t, what);
		else
			view_set(r, v, state == TCP_SYN_SENT ? SC_VERDICT_REFUSED : SC_VERDICT_RST,
				 e->t, what);
		return;
	}
	if (v->has) {
		snprintf(what, sizeof(what), "socket %s %s", tcp_state_name(state),
			 cut == INT64_MAX ? "to the end" : "when the app closed it or died");
		view_set(r, v, SC_VERDICT_NOTHING, 0, what);
	}
}

/* Keeps the first view that ended (or, with none, one that saw anything). */
static void view_merge(struct obs_view *acc, const struct obs_view *v)
{
	bool acc_end = acc->has && acc->kind != SC_VERDICT_NOTHING;
	bool v_end = v->has && v->kind != SC_VERDICT_NOTHING;
	int64_t last = acc->last_pkt > v->last_pkt ? acc->last_pkt : v->last_pkt;

	if (!v->has)
		return;
	if (!acc->has || (v_end && (!acc_end || v->t < acc->t)))
		*acc = *v;
	acc->last_pkt = last;
}

/* A timeout the wire cannot have seen: no packet of the connection passed
 * eth0 for more than the shortest RTO before it (its retransmissions were
 * dropped inside the host, by a firewall rule of a drop or partition). */
#define OBS_QUIET_US (200LL * 1000)

static bool wire_quiet_before(const struct obs_view *w, int64_t t)
{
	return w->kind == SC_VERDICT_NOTHING && w->last_pkt < t - OBS_QUIET_US;
}

/* The wire or kernel view V is compatible with the app's verdict A (seen
 * at AT, absolute). */
static bool compatible(enum sc_verdict a, int64_t at, const struct obs_view *v, bool kernel)
{
	enum sc_verdict w = v->kind;

	if (!v->has || a == w)
		return true;
	if (!kernel)
		return (a == SC_VERDICT_NOTHING && w == SC_VERDICT_TIMEOUT) ||
		       ((a == SC_VERDICT_TIMEOUT || a == SC_VERDICT_UNREACHABLE) &&
			wire_quiet_before(v, at)) ||
		       (a == SC_VERDICT_UNREACHABLE && w == SC_VERDICT_TIMEOUT) ||
		       (a == SC_VERDICT_TIMEOUT && w == SC_VERDICT_UNREACHABLE) ||
		       (a == SC_VERDICT_REFUSED && w == SC_VERDICT_TIMEOUT);
	return (a == SC_VERDICT_REFUSED && w == SC_VERDICT_RST) ||
	       (a == SC_VERDICT_RST && w == SC_VERDICT_TIMEOUT) ||
	       (a == SC_VERDICT_UNREACHABLE && (w == SC_VERDICT_TIMEOUT ||
						w == SC_VERDICT_RST ||
						w == SC_VERDICT_REFUSED)) ||
	       (a == SC_VERDICT_REFUSED && w == SC_VERDICT_TIMEOUT);
}

/* The kernel view is sampled every few milliseconds: a state the app saw end
 * its connection (CLOSE_WAIT after the peer's FIN) can last less than one
 * sample before the app closes the socket or an RST removes it. Contrary
 * kernel evidence that close after the app's verdict is no disagreement. */
#define OBS_KERNEL_SLACK_US (20LL * 1000)

static bool kernel_missed(enum sc_verdict a, int64_t at, const struct obs_view *k,
			  int64_t cut)
{
	if (a == SC_VERDICT_NOTHING || !k->has)
		return false;
	if (k->kind == SC_VERDICT_NOTHING)
		return cut != INT64_MAX && llabs(cut - at) <= OBS_KERNEL_SLACK_US;
	return a == SC_VERDICT_FIN && k->kind == SC_VERDICT_RST && k->t >= at &&
	       k->t - at <= OBS_KERNEL_SLACK_US;
}

static json_t *view_json(const struct engine_run *r, const struct obs_view *v)
{
	json_t *o;

	if (!v->has)
		return json_null();
	o = json_pack("{s:s, s:o, s:s}", "verdict", sc_verdict_name(v->kind),
		      "t", v->kind != SC_VERDICT_NOTHING
		      ? json_real((double)(v->t - r->t0) / 1e6) : json_null(),
		      "evidence", v->evidence);
	if (o && v->from[0] && v->kind != SC_VERDICT_NOTHING)
		json_object_set_new(o, "from", json_string(v->from));
	return o;
}

json_t *obs_views_json(const struct engine_run *r, size_t i)
{
	const struct obs_view *v = r->obs->views[i];
	struct obs_view app = v[VIEW_APP];

	/* the engine words a built-in app's "nothing" after this was decided */
	if (!r->apps[i].v.decided)
		snprintf(app.evidence, sizeof(app.evidence), "%s", r->apps[i].v.evidence);
	return json_pack("{s:o, s:o, s:o}", "app", view_json(r, &app),
			 "wire", view_json(r, &v[VIEW_WIRE]),
			 "kernel", view_json(r, &v[VIEW_KERNEL]));
}

static void warn_disagree(struct engine_run *r, size_t i)
{
	const struct obs_view *v = r->obs->views[i];
	char msg[512];
	int n;

	n = snprintf(msg, sizeof(msg), "app %s: ", r->apps[i].sc->name);
	for (int k = 0; k < 3 && (size_t)n < sizeof(msg); k++)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%sthe %s %s %s",
			      k ? ", " : "", k == VIEW_APP ? "app" : k == VIEW_WIRE ? "wire"
			      : "kernel", v[k].has ? "says" : "saw",
			      v[k].has ? sc_verdict_name(v[k].kind) : "no connection");
	if ((size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": the views disagree");
	run_warning_views(r, r->apps[i].sc->name, msg, obs_views_json(r, i));
}

/* A cmd app's verdict from one connection's two views: what arrived on
 * the wire, else the kernel's end (a timeout named by the ICMP error that
 * the wire saw come back meanwhile). */
static bool conn_verdict(const struct obs_view *w, const struct obs_view *k,
			 struct obs_view *out)
{
	if (w->has && w->kind != SC_VERDICT_NOTHING && !w->pending) {
		*out = *w;
		return true;
	}
	if (k->has && k->kind != SC_VERDICT_NOTHING) {
		*out = *k;
		if (k->kind == SC_VERDICT_TIMEOUT && w->has && w->pending) {
			out->kind = w->kind;
			memcpy(out->from, w->from, sizeof(out->from));
			memcpy(out->sent, w->sent, sizeof(out->sent));
		}
		return true;
	}
	return false;
}

static void cmd_verdict(struct engine_run *r, size_t i, int64_t cut)
{
	struct run_app *a = &r->apps[i];
	struct obs_view best = { 0 }, w, k, v;
	bool any = false;

	for (size_t c = 0; c < r->obs->nconns; c++) {
		const struct obs_conn *oc = &r->obs->conns[c];

		if (oc->app != (int)i)
			continue;
		wire_view(r, oc, cut, &w);
		obs_kernel_view(r, oc, cut, &k);
		any = any || w.has || k.has;
		if (conn_verdict(&w, &k, &v) && (!best.has || v.t < best.t)) {
			best = v;
			snprintf(best.evidence, sizeof(best.evidence), "%.15s: wire: %.84s; kernel: %.70s",
				 r->topo->hosts[oc->host].name, w.has ? w.evidence : "no packet",
				 k.has ? k.evidence : "no socket seen");
		}
	}
	a->v = (struct verdict){ 0 };
	if (best.has) {
		a->v.kind = best.kind;
		a->v.decided = true;
		a->v.t_us = best.t - r->t0;
	}
	snprintf(a->v.evidence, sizeof(a->v.evidence), "%.191s", best.has ? best.evidence
		 : any ? "no FIN, RST, ICMP error or timeout on its connections"
		 : "no connection seen on the wire or in the kernel");
	if (best.has)
		verdict_set_from(&a->v, best.from, best.sent);
	a->connected = any;
}

void obs_views_decide(struct engine_run *r)
{
	struct observer *o = r->obs;

	if (!o->on)
		return;
	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];
		struct obs_view *v = o->views[i];
		int64_t cut = app_cut(r, i);
		bool exact = false;

		memset(v, 0, 3 * sizeof(*v));
		for (size_t c = 0; c < o->nconns; c++)
			if (o->conns[c].app == (int)i && o->conns[c].exact)
				exact = true;
		for (size_t c = 0; c < o->nconns; c++) {
			const struct obs_conn *oc = &o->conns[c];
			struct obs_view w, k;

			if (oc->app != (int)i || (exact && !oc->exact))
				continue;
			wire_view(r, oc, cut, &w);
			obs_kernel_view(r, oc, cut, &k);
			view_merge(&v[VIEW_WIRE], &w);
			view_merge(&v[VIEW_KERNEL], &k);
		}
		o->has_views[i] = true;
		if (a->sc->cmd) {
			cmd_verdict(r, i, cut);
			o->agree[i] = compatible(v[VIEW_WIRE].kind, v[VIEW_WIRE].t, &v[VIEW_KERNEL],
						 true) ||
				      !v[VIEW_WIRE].has ||
				      (v[VIEW_WIRE].kind == SC_VERDICT_TIMEOUT &&
				       v[VIEW_KERNEL].kind == SC_VERDICT_NOTHING);
		} else {
			v[VIEW_APP].has = true;
			v[VIEW_APP].kind = a->v.decided ? a->v.kind : SC_VERDICT_NOTHING;
			v[VIEW_APP].t = a->v.decided ? r->t0 + a->v.t_us : 0;
			snprintf(v[VIEW_APP].evidence, sizeof(v[VIEW_APP].evidence), "%s",
				 a->v.evidence);
			o->agree[i] = compatible(v[VIEW_APP].kind, v[VIEW_APP].t, &v[VIEW_WIRE],
						 false) &&
				      (compatible(v[VIEW_APP].kind, v[VIEW_APP].t, &v[VIEW_KERNEL],
						  true) ||
				       kernel_missed(v[VIEW_APP].kind, v[VIEW_APP].t,
						     &v[VIEW_KERNEL], cut));
			if (o->agree[i] && v[VIEW_WIRE].has &&
			    v[VIEW_WIRE].kind != v[VIEW_APP].kind &&
			    wire_quiet_before(&v[VIEW_WIRE], v[VIEW_APP].t))
				snprintf(v[VIEW_WIRE].evidence, sizeof(v[VIEW_WIRE].evidence),
					 "no packet of it passed eth0 after %.3fs: dropped "
					 "inside the host", (double)(v[VIEW_WIRE].last_pkt -
								     r->t0) / 1e6);
		}
		/* who sent the packet behind an rst, refused or unreachable: only
		 * the wire knows */
		if (!a->sc->cmd && v[VIEW_WIRE].has && v[VIEW_WIRE].kind != SC_VERDICT_NOTHING)
			verdict_set_from(&a->v, v[VIEW_WIRE].from, v[VIEW_WIRE].sent);
		if (!o->agree[i])
			warn_disagree(r, i);
	}
}
