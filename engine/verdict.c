/*
 * verdict.c: deciding a verdict from what the watcher saw, refining it by
 * the app's own errno, and checking expectations (see verdict.h). Pure.
 */
#include "engine/verdict.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "common/duration.h"
#include "common/errname.h"
#include "netns/sockdiag.h"

static bool peer_fin_state(int state)
{
	return state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK ||
	       state == TCP_CLOSING || state == TCP_TIME_WAIT;
}

bool verdict_needs_counters(const struct watch_obs *o)
{
	return o->tcp_state == TCP_CLOSE && (o->pollerr || !o->own_fin);
}

bool verdict_classify(const struct watch_obs *o, struct verdict *v)
{
	int n;

	v->ambiguous = false;
	v->refined = false;
	if (peer_fin_state(o->tcp_state)) {
		v->kind = SC_VERDICT_FIN;
		snprintf(v->evidence, sizeof(v->evidence), "TCP_INFO state %s",
			 tcp_state_name(o->tcp_state));
	} else if (o->tcp_state != TCP_CLOSE) {
		return false;
	} else if (!verdict_needs_counters(o)) {
		v->kind = SC_VERDICT_FIN;
		v->ambiguous = true;
		snprintf(v->evidence, sizeof(v->evidence),
			 "TCP_INFO state CLOSE after own FIN, no error");
	} else {
		n = snprintf(v->evidence, sizeof(v->evidence), "TCP_INFO state CLOSE%s",
			     o->pollerr ? ", error pending" : "");
		if (o->abort_on_timeout > 0) {
			v->kind = o->dest_unreach > 0 ? SC_VERDICT_UNREACHABLE
						      : SC_VERDICT_TIMEOUT;
			n += snprintf(v->evidence + n, sizeof(v->evidence) - (size_t)n,
				      ", TCPAbortOnTimeout +%lld", o->abort_on_timeout);
			if (o->dest_unreach > 0 && (size_t)n < sizeof(v->evidence))
				snprintf(v->evidence + n, sizeof(v->evidence) - (size_t)n,
					 ", InDestUnreachs +%lld", o->dest_unreach);
		} else {
			v->kind = SC_VERDICT_RST;
			snprintf(v->evidence + n, sizeof(v->evidence) - (size_t)n,
				 ", no TCPAbortOnTimeout");
		}
	}
	v->decided = true;
	return true;
}

int verdict_from_errno(int err)
{
	switch (err) {
	case ECONNRESET:
		return SC_VERDICT_RST;
	case ETIMEDOUT:
		return SC_VERDICT_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EACCES:           /* ICMPv6 administratively prohibited */
		return SC_VERDICT_UNREACHABLE;
	case ECONNREFUSED:
		return SC_VERDICT_REFUSED;
	default:
		return -1;
	}
}

bool verdict_refine(struct verdict *v, const char *step, int err)
{
	int kind;
	size_t n;

	if (!v->decided || v->refined || err <= 0)
		return false;
	v->refined = true;
	kind = verdict_from_errno(err);
	if (kind < 0)
		return false;
	if (v->kind == SC_VERDICT_FIN && !v->ambiguous)
		return false;
	v->kind = (enum sc_verdict)kind;
	v->ambiguous = false;
	n = strlen(v->evidence);
	if (n < sizeof(v->evidence))
		snprintf(v->evidence + n, sizeof(v->evidence) - n, "%s%s: %s",
			 n ? "; " : "", step, errno_name(err));
	return true;
}

bool verdict_set_from(struct verdict *v, const char *from, const char *sent)
{
	size_t n, need;

	if (!v->decided || !from || !from[0] ||
	    (v->kind != SC_VERDICT_RST && v->kind != SC_VERDICT_REFUSED &&
	     v->kind != SC_VERDICT_UNREACHABLE))
		return false;
	snprintf(v->from, sizeof(v->from), "%s", from);
	if (!sent || !sent[0] || strstr(v->evidence, sent))
		return true;
	n = strlen(v->evidence);
	need = strlen(sent) + (n ? 2 : 0);
	if (need >= sizeof(v->evidence))
		n = 0;
	else if (n + need >= sizeof(v->evidence))
		n = sizeof(v->evidence) - 1 - need;
	v->evidence[n] = '\0';
	snprintf(v->evidence + n, sizeof(v->evidence) - n, "%s%s", n ? "; " : "", sent);
	return true;
}

bool step_expect_holds(const struct sc_step *st, int result)
{
	return !st->has_expect || st->expect == result;
}

const char *verdict_time_format(int64_t t_us, char *buf, size_t len)
{
	snprintf(buf, len, "%.3fs", (double)t_us / 1e6);
	return buf;
}

bool expect_check(const char *app, const struct sc_expect *e,
		  const struct verdict *v, char *reason, size_t len)
{
	enum sc_verdict seen = v->decided ? v->kind : SC_VERDICT_NOTHING;
	char t[32], w[32];

	if (seen != e->verdict) {
		if (seen == SC_VERDICT_NOTHING)
			snprintf(reason, len, "%s saw nothing, expected %s", app,
				 sc_verdict_name(e->verdict));
		else
			snprintf(reason, len, "%s saw %s at %s, expected %s", app,
				 sc_verdict_name(seen), verdict_time_format(v->t_us, t, sizeof(t)),
				 sc_verdict_name(e->verdict));
		return false;
	}
	if (seen == SC_VERDICT_NOTHING)
		return true;
	if (e->after_us >= 0 && v->t_us < e->after_us) {
		snprintf(reason, len, "%s saw %s at %s, expected it after %s", app,
			 sc_verdict_name(seen), verdict_time_format(v->t_us, t, sizeof(t)),
			 duration_format(e->after_us, w, sizeof(w)));
		return false;
	}
	if (e->before_us >= 0 && v->t_us > e->before_us) {
		snprintf(reason, len, "%s saw %s at %s, expected it before %s", app,
			 sc_verdict_name(seen), verdict_time_format(v->t_us, t, sizeof(t)),
			 duration_format(e->before_us, w, sizeof(w)));
		return false;
	}
	return true;
}

bool step_check(const char *app, size_t i, const struct sc_step *st,
		bool done, int result, char *reason, size_t len)
{
	if (!st->has_expect)
		return true;
	if (!done) {
		snprintf(reason, len, "%s step %zu (%s, line %d) did not finish, expected %s",
			 app, i, sc_step_name(st->kind), st->line, sc_result_name(st->expect));
		return false;
	}
	if (step_expect_holds(st, result))
		return true;
	snprintf(reason, len, "%s step %zu (%s, line %d) returned %s, expected %s",
		 app, i, sc_step_name(st->kind), st->line, sc_result_name(result),
		 sc_result_name(st->expect));
	return false;
}
