/*
 * events.c: the run's event stream, and the only place an event is built
 * (events.h has one builder per kind, engine.h the members of each). Each
 * builder packs its event with jansson, "event" first and its members in a
 * fixed order, stamps "t" last and hands it to the caller's callback.
 * Events from before t0 are kept until t0 is known, so their "t" can be
 * negative as engine.h says.
 */
#include "engine/events.h"
#include "engine/run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "common/monotime.h"
#include "netns/sockdiag.h"

static void emit_now(struct engine_run *r, json_t *ev, int64_t at)
{
	json_object_set_new(ev, "t", json_real((double)(at - r->t0) / 1e6));
	if (r->opts && r->opts->on_event)
		r->opts->on_event(ev, r->opts->ctx);
	json_decref(ev);
}

/* Emits EV (taking it) with "t" for the absolute time AT; events before t0
 * wait until events_flush_early(). */
static void emit(struct engine_run *r, json_t *ev, int64_t at)
{
	struct run_event *n;

	if (!ev)
		return;
	if (r->t0_set) {
		emit_now(r, ev, at);
		return;
	}
	if (r->nearly == r->early_cap) {
		size_t cap = r->early_cap ? r->early_cap * 2 : 16;

		n = realloc(r->early, cap * sizeof(*n));
		if (!n) {
			json_decref(ev);
			return;
		}
		r->early = n;
		r->early_cap = cap;
	}
	r->early[r->nearly++] = (struct run_event){ .ev = ev, .at = at };
}

void events_flush_early(struct engine_run *r)
{
	for (size_t i = 0; i < r->nearly; i++)
		emit_now(r, r->early[i].ev, r->early[i].at);
	free(r->early);
	r->early = NULL;
	r->nearly = r->early_cap = 0;
}

void run_emit_t0(struct engine_run *r)
{
	emit(r, json_pack("{s:s, s:I}", "event", "t0", "clock_monotonic_us",
			  (json_int_t)r->t0), r->t0);
}

void run_emit_end(struct engine_run *r, const char *reason)
{
	emit(r, json_pack("{s:s, s:s}", "event", "end", "reason", reason), r->ended);
}

void run_warning(struct engine_run *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(r, json_pack("{s:s, s:s}", "event", "warning", "message", msg), mono_usec());
}

void run_warning_views(struct engine_run *r, const char *app, const char *msg,
		       json_t *views)
{
	emit(r, json_pack("{s:s, s:s, s:s, s:o}", "event", "warning", "message", msg,
			  "app", app, "views", views), r->ended);
}

void run_emit_topology(struct engine_run *r)
{
	json_t *hosts = json_array();
	char mac[18];

	for (size_t i = 0; i < r->topo->nhosts; i++) {
		const struct topo_host *h = &r->topo->hosts[i];

		mac_format(h->mac, mac);
		json_array_append_new(hosts, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
			"name", h->name, "ns", h->ns_name, "addr", h->addr4,
			"addr6", h->addr6, "mac", mac, "port", h->port));
	}
	emit(r, json_pack("{s:s, s:I, s:s, s:o}", "event", "topology",
			      "run", (json_int_t)r->topo->run_id, "switch", r->topo->sw_name,
			      "hosts", hosts), mono_usec());
}

void run_emit_app(struct engine_run *r, const struct run_app *a, const char *state,
		  int status, int64_t at)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:i}", "event", "app",
			       "app", a->sc->name, "host", r->sc->hosts[a->sc->host].name,
			       "state", state, "pid", (int)a->pid);

	if (!ev)
		return;
	if (strcmp(state, "listening") == 0)
		json_object_set_new(ev, "port", json_integer(a->sc->listen_port));
	else if (strcmp(state, "exited") == 0)
		json_object_set_new(ev, "status", json_integer(status));
	else if (strcmp(state, "killed") == 0 && status > 0)
		json_object_set_new(ev, "signal", json_string(sigabbrev_np(status)
							      ? sigabbrev_np(status) : "?"));
	emit(r, ev, at);
}

/* Text of a step's argument: "26", "hello", "2s", "write", "". */
static const char *step_arg(const struct sc_step *st, char *buf, size_t len)
{
	buf[0] = '\0';
	switch (st->kind) {
	case SC_STEP_SEND:
		if (st->text)
			snprintf(buf, len, "%s", st->text);
		else
			snprintf(buf, len, "%llu", (unsigned long long)st->bytes);
		break;
	case SC_STEP_RECV:
		if (st->bytes)
			snprintf(buf, len, "%llu", (unsigned long long)st->bytes);
		break;
	case SC_STEP_SLEEP:
		duration_format(st->sleep_us, buf, len);
		break;
	case SC_STEP_SHUTDOWN:
		snprintf(buf, len, "%s", st->shutdown_how == SHUT_RD ? "read"
			 : st->shutdown_how == SHUT_WR ? "write" : "both");
		break;
	default:
		break;
	}
	return buf;
}

void run_emit_step(struct engine_run *r, const struct run_app *a, size_t i)
{
	const struct sc_step *st = &a->sc->steps[i];
	const struct run_step *rs = &a->steps[i];
	char arg[128];
	json_t *ev;

	ev = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:f}", "event", "step",
		       "app", a->sc->name, "index", (json_int_t)i,
		       "step", sc_step_name(st->kind), "arg", step_arg(st, arg, sizeof(arg)),
		       "result", sc_result_name(rs->result), "bytes", (json_int_t)rs->bytes,
		       "started", (double)rs->started_us / 1e6);
	if (!ev)
		return;
	if (st->has_expect) {
		json_object_set_new(ev, "expect", json_string(sc_result_name(st->expect)));
		json_object_set_new(ev, "expect_ok",
				    json_boolean(step_expect_holds(st, rs->result)));
	}
	emit(r, ev, r->t0 + rs->ended_us);
}

void run_emit_verdict(struct engine_run *r, const struct run_app *a)
{
	const struct verdict *v = &a->v;
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "event", "verdict",
			       "app", a->sc->name,
			       "verdict", sc_verdict_name(v->decided ? v->kind : SC_VERDICT_NOTHING),
			       "evidence", v->evidence);

	if (ev && v->decided && v->from[0])
		json_object_set_new(ev, "from", json_string(v->from));
	emit(r, ev, v->decided ? r->t0 + v->t_us : r->ended);
}

void run_emit_fault(struct engine_run *r, const char *kind, int host, const char *phase,
		    json_t *details, int64_t at)
{
	json_t *ev = json_pack("{s:s, s:s, s:s}", "event", "fault", "fault", kind,
			       "phase", phase);

	if (ev && host >= 0)
		json_object_set_new(ev, "host", json_string(r->sc->hosts[host].name));
	if (ev && details)
		json_object_update(ev, details);   /* in the order they were set */
	json_decref(details);
	emit(r, ev, at);
}

void run_emit_ending(struct engine_run *r, const struct run_app *a, const char *verdict,
		     const char *evidence, int64_t at)
{
	emit(r, json_pack("{s:s, s:s, s:s, s:s}", "event", "ending", "app", a->sc->name,
			  "verdict", verdict, "evidence", evidence), at);
}

void run_emit_connection(struct engine_run *r, const struct run_app *a, const char *local,
			 const char *remote, int64_t at)
{
	emit(r, json_pack("{s:s, s:s, s:s, s:s}", "event", "connection", "app", a->sc->name,
			  "local", local, "remote", remote), at);
}

void run_emit_packet(struct engine_run *r, const char *host, const char *app,
		     const char *dir, const char *line, const char *flags,
		     const struct packet_facts *f, int64_t at)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}",
			       "event", "packet", "host", host, "app", app, "dir", dir,
			       "line", line, "src", f->src, "dst", f->dst, "from", f->from,
			       "to", f->to, "mark", f->mark);

	if (ev && flags)
		json_object_set_new(ev, "flags", json_string(flags));
	if (ev && f->tcp) {
		json_object_set_new(ev, "seq", json_integer(f->seq));
		json_object_set_new(ev, "ack", json_integer(f->ack));
		json_object_set_new(ev, "len", json_integer(f->len));
	}
	emit(r, ev, at);
}

static const char *timer_name(uint8_t timer)
{
	switch (timer) {
	case SOCKDIAG_TIMER_RETRANS:
		return "retransmit";
	case SOCKDIAG_TIMER_KEEPALIVE:
		return "keepalive";
	case SOCKDIAG_TIMER_TIMEWAIT:
		return "timewait";
	case SOCKDIAG_TIMER_PROBE:
		return "probe";
	default:
		return "none";
	}
}

void run_emit_socket(struct engine_run *r, const char *host, const char *app,
		     const char *local, const char *remote, const char *change,
		     const struct tcp_sock_sample *s, int64_t at)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "event", "socket",
			       "host", host, "app", app, "local", local, "remote", remote,
			       "change", change, "state", tcp_state_name(s->state),
			       "timer", timer_name(s->timer));

	if (ev && s->has_info) {
		json_object_set_new(ev, "retransmits", json_integer(s->info.retransmits));
		json_object_set_new(ev, "probes", json_integer(s->info.probes));
		json_object_set_new(ev, "backoff", json_integer(s->info.backoff));
		json_object_set_new(ev, "rto_ms", json_integer(s->info.rto_us / 1000));
		json_object_set_new(ev, "unacked", json_integer(s->info.unacked));
		json_object_set_new(ev, "total_retrans", json_integer(s->info.total_retrans));
	}
	if (ev) {
		json_object_set_new(ev, "send_queue", json_integer(s->send_queue));
		json_object_set_new(ev, "recv_queue", json_integer(s->recv_queue));
	}
	emit(r, ev, at);
}

void run_emit_output(struct engine_run *r, const struct run_app *a, const char *stream,
		     const char *line)
{
	emit(r, json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "output", "app", a->sc->name,
			  "host", r->topo->hosts[a->sc->host].name, "stream", stream,
			  "line", line), mono_usec());
}
