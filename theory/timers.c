/*
 * timers.c: the kernel's TCP timer arithmetic (theory.h says what it
 * models and from which kernel functions): the timer wheel, keepalive,
 * retransmission of unacknowledged data, SYN and SYN-ACK retries, and
 * keepalive against a middlebox's idle timeout. Each one simulates the
 * timer's expiries in jiffies and writes its formula with the numbers.
 */
#include "theory/theory.h"

#include <stdio.h>
#include <string.h>

/* A delay in whole jiffies, rounded up (msecs_to_jiffies). */
static int64_t delay_j(int64_t us)
{
	return us <= 0 ? 0 : (us + THEORY_JIFFY_US - 1) / THEORY_JIFFY_US;
}

/* An average over the phases, to the millisecond: the model is no finer. */
static int64_t whole_ms(int64_t us)
{
	return (us + 500) / 1000 * 1000;
}

static double secs(int64_t us)
{
	return (double)us / 1e6;
}

/* The wheel with t0 at absolute jiffy PHASE: its buckets are aligned to
 * absolute jiffies, and where t0 falls among them is unknown, so each model
 * below is worked out for every phase and averaged (THEORY_PHASES). */
static int64_t fire(int64_t phase, int64_t armed_us, int64_t delay_us)
{
	int64_t a = armed_us / THEORY_JIFFY_US + phase, d = delay_j(delay_us), g = 1;

	if (d >= 63) {
		g = 8;
		while (g < 4096 && d >= 63 * g)
			g *= 8;
		return (((a + d + g) / g) * g - phase) * THEORY_JIFFY_US;
	}
	return (a + d + 1 - phase) * THEORY_JIFFY_US;
}

int64_t theory_timer_fire(int64_t armed_us, int64_t delay_us)
{
	return fire(0, armed_us, delay_us);
}

int64_t theory_model_timeout(int boundary, int64_t rto_base_us, int64_t rto_max_us)
{
	int thresh = 0;

	if (rto_base_us <= 0)
		return 0;
	while ((rto_max_us / rto_base_us) >> (thresh + 1))
		thresh++;
	if (boundary <= thresh)
		return ((2LL << boundary) - 1) * rto_base_us;
	return ((2LL << thresh) - 1) * rto_base_us + (int64_t)(boundary - thresh) * rto_max_us;
}

/* When keepalive gives up, with t0 at jiffy PHASE; *PROBES sent. */
static int64_t keepalive_end(int64_t phase, int64_t last_us, int64_t idle_us, int64_t intvl_us,
			     int count, int64_t ut_us, int *probes)
{
	int64_t t = fire(phase, last_us, idle_us);

	*probes = 0;
	for (int i = 0; i < THEORY_MAX_FIRINGS; i++) {
		int64_t elapsed = t - last_us;

		if (elapsed < idle_us) {
			t = fire(phase, t, idle_us - elapsed);
			continue;
		}
		if ((ut_us > 0 && elapsed >= ut_us && *probes > 0) ||
		    (ut_us <= 0 && *probes >= count))
			break;
		(*probes)++;
		t = fire(phase, t, intvl_us);
	}
	return t;
}

void theory_keepalive(int64_t last_us, int64_t idle_us, int64_t intvl_us, int count,
		      int64_t ut_us, struct theory_result *res)
{
	int64_t t = 0, naive;
	int probes = 0;

	memset(res, 0, sizeof(*res));
	for (int64_t phase = 0; phase < THEORY_PHASES; phase++)
		t += keepalive_end(phase, last_us, idle_us, intvl_us, count, ut_us, &probes) /
		     THEORY_PHASES;
	res->applies = true;
	res->verdict = SC_VERDICT_TIMEOUT;
	res->t_us = whole_ms(t);
	if (ut_us <= 0) {
		naive = last_us + idle_us + count * intvl_us;
		snprintf(res->why, sizeof(res->why), "keepalive: last activity %.2f s + idle %g s "
			 "+ %d probes x %g s = %.2f s; the timer wheel's rounding makes it %.2f s "
			 "on average",
			 secs(last_us), secs(idle_us), count, secs(intvl_us), secs(naive), secs(t));
	} else {
		snprintf(res->why, sizeof(res->why), "keepalive with a user timeout (the count, %d, "
			 "is ignored): probes from last activity %.2f s + idle %g s every %g s; the "
			 "first probe tick at or past last activity + user timeout %g s = %.2f s, "
			 "with a probe out, gives up: %d probes, %.2f s", count, secs(last_us),
			 secs(idle_us), secs(intvl_us), secs(ut_us), secs(last_us + ut_us), probes,
			 secs(t));
	}
}

/* When the retransmissions give up, with t0 at jiffy PHASE: the tail loss
 * probe's time, retrans_stamp, and the retransmissions in *RETRANS. */
static int64_t retransmit_end(int64_t phase, const struct theory_kernel *k, int64_t send_us,
			      int64_t rto_us, int64_t ut_us, int64_t limit, int64_t *tlp,
			      int64_t *stamp, int *retrans)
{
	int64_t t, rto = rto_us;

	*tlp = fire(phase, send_us, rto_us);
	t = *stamp = fire(phase, *tlp, rto_us);
	*retrans = 0;
	for (int i = 0; i < THEORY_MAX_FIRINGS; i++) {
		int64_t delay;

		if (*retrans > 0 && t - *stamp >= limit)
			break;
		(*retrans)++;
		rto = rto * 2 < k->rto_max_us ? rto * 2 : k->rto_max_us;
		delay = rto;
		if (ut_us > 0) {
			int64_t left = ut_us - (t - *stamp);

			delay = left <= 0 ? 1 : left < delay ? left : delay;
		}
		t = fire(phase, t, delay);
	}
	return t;
}

void theory_retransmit(const struct theory_kernel *k, int64_t send_us, int64_t rto_us,
		       int64_t ut_us, struct theory_result *res)
{
	int64_t limit = ut_us > 0 ? ut_us : theory_model_timeout(k->retries2, 200000, k->rto_max_us);
	int64_t t = 0, tlp = 0, stamp = 0, sum_stamp = 0;
	int retrans = 0;

	memset(res, 0, sizeof(*res));
	for (int64_t phase = THEORY_PHASES - 1; phase >= 0; phase--) {
		t += retransmit_end(phase, k, send_us, rto_us, ut_us, limit, &tlp, &stamp,
				    &retrans) / THEORY_PHASES;
		sum_stamp += stamp / THEORY_PHASES;
	}
	stamp = sum_stamp;
	res->applies = true;
	res->verdict = SC_VERDICT_TIMEOUT;
	res->t_us = whole_ms(t);
	if (ut_us > 0)
		snprintf(res->why, sizeof(res->why), "user timeout: send %.2f s + tail loss probe "
			 "%.3f s + first retransmission %.3f s (RTO %.0f ms) = retrans_stamp %.2f s, "
			 "+ user timeout %g s = %.2f s; the retransmission timer, clamped to it, "
			 "fires at %.2f s after %d retransmissions", secs(send_us), secs(tlp - send_us),
			 secs(stamp - tlp), (double)rto_us / 1e3, secs(stamp), secs(ut_us),
			 secs(stamp + ut_us), secs(t), retrans);
	else
		snprintf(res->why, sizeof(res->why), "tcp_retries2 %d: send %.2f s + tail loss probe "
			 "%.3f s + first retransmission %.3f s (RTO %.0f ms) = retrans_stamp %.2f s; "
			 "boundary 0.2 s x (2^%d - 1) = %.2f s; the first RTO expiry past "
			 "retrans_stamp + boundary = %.2f s, with the RTO doubling, comes after %d "
			 "retransmissions: %.2f s", k->retries2, secs(send_us), secs(tlp - send_us),
			 secs(stamp - tlp), (double)rto_us / 1e3, secs(stamp), k->retries2 + 1,
			 secs(limit), secs(stamp + limit), retrans, secs(t));
}

/* When connect gives up, with t0 at jiffy PHASE; *RETRANS SYNs sent again. */
static int64_t syn_end(int64_t phase, const struct theory_kernel *k, int64_t connect_us,
		       int retries, int linear, int64_t limit, int *retrans)
{
	int64_t rto = 1000000, t = fire(phase, connect_us, rto);

	*retrans = 0;
	for (int i = 0; i < THEORY_MAX_FIRINGS; i++) {
		if (*retrans >= retries + linear || (*retrans > 0 && t - connect_us >= limit))
			break;
		(*retrans)++;
		if (*retrans > linear)
			rto = rto * 2 < k->rto_max_us ? rto * 2 : k->rto_max_us;
		t = fire(phase, t, rto);
	}
	return t;
}

void theory_syn(const struct theory_kernel *k, int64_t connect_us, int syncnt, int64_t ut_us,
		struct theory_result *res)
{
	int retries = syncnt > 0 ? syncnt : k->syn_retries;
	int linear = k->syn_linear ? k->syn_linear_timeouts : 0;
	int64_t limit = ut_us > 0 ? ut_us : theory_model_timeout(retries, 1000000, k->rto_max_us);
	int64_t t = 0;
	int retrans = 0;

	memset(res, 0, sizeof(*res));
	for (int64_t phase = THEORY_PHASES - 1; phase >= 0; phase--)
		t += syn_end(phase, k, connect_us, retries, linear, limit, &retrans) / THEORY_PHASES;
	res->applies = true;
	res->verdict = SC_VERDICT_TIMEOUT;
	res->t_us = whole_ms(t);
	snprintf(res->why, sizeof(res->why), "SYN retries %d%s: connect %.2f s, SYNs 1 s apart "
		 "%s; gives up at %d retransmissions or %.2f s after the first SYN (%s), "
		 "whichever comes first: %d retransmissions, %.2f s", retries,
		 syncnt > 0 ? " (TCP_SYNCNT)" : " (tcp_syn_retries)", secs(connect_us),
		 linear ? "for the first tcp_syn_linear_timeouts + 1 intervals, then doubling"
		 : "doubling", retries + linear, secs(limit),
		 ut_us > 0 ? "the user timeout" : "tcp_model_timeout from 1 s", retrans, secs(t));
}

void theory_synack(const struct theory_kernel *k, int64_t synack_us, struct theory_result *res)
{
	int64_t t = 0;

	memset(res, 0, sizeof(*res));
	for (int64_t phase = 0; phase < THEORY_PHASES; phase++) {
		int64_t tp = synack_us, rto = 1000000;

		for (int n = 0; n <= k->synack_retries && n < THEORY_MAX_FIRINGS; n++) {
			tp = fire(phase, tp, rto);
			rto = rto * 2 < k->rto_max_us ? rto * 2 : k->rto_max_us;
		}
		t += tp / THEORY_PHASES;
	}
	res->applies = true;
	res->verdict = SC_VERDICT_NOTHING;
	res->t_us = whole_ms(t);
	snprintf(res->why, sizeof(res->why), "SYN-ACK retries %d: SYN-ACK %.2f s, sent again "
		 "after 1, 2, 4 ... s; the request is dropped silently at %.2f s",
		 k->synack_retries, secs(synack_us), secs(t));
}

void theory_middlebox_keepalive(int64_t last_us, int64_t idle_us, int64_t intvl_us, int count,
				int64_t ut_us, int64_t idle_timeout_us, enum sc_expired expired,
				struct theory_result *res)
{
	int64_t probe = 0;
	char head[128];
	size_t n;

	for (int64_t phase = 0; phase < THEORY_PHASES; phase++)
		probe += fire(phase, last_us, idle_us) / THEORY_PHASES;
	probe = whole_ms(probe);
	if (probe - last_us < idle_timeout_us) {
		memset(res, 0, sizeof(*res));
		res->applies = true;
		res->verdict = SC_VERDICT_NOTHING;
		res->t_us = -1;
		snprintf(res->why, sizeof(res->why), "keepalive against the middlebox: each "
			 "probe goes out %.3f s after the last packet (idle %g s), before the "
			 "middlebox forgets an idle connection (%g s): it stays alive",
			 secs(probe - last_us), secs(idle_us), secs(idle_timeout_us));
		return;
	}
	if (expired == SC_EXPIRED_RESET) {
		memset(res, 0, sizeof(*res));
		res->applies = true;
		res->verdict = SC_VERDICT_RST;
		res->t_us = probe;
		snprintf(res->why, sizeof(res->why), "keepalive against the middlebox: it forgets "
			 "at last activity %.2f s + %g s; the first probe, at %.2f s (idle %g s), "
			 "is answered with an RST", secs(last_us), secs(idle_timeout_us),
			 secs(probe), secs(idle_us));
		return;
	}
	theory_keepalive(last_us, idle_us, intvl_us, count, ut_us, res);
	n = (size_t)snprintf(head, sizeof(head), "the middlebox forgets at %.2f s + %g s, before "
			     "the first probe, and drops the probes: ", secs(last_us),
			     secs(idle_timeout_us));
	if (n >= sizeof(head))
		n = sizeof(head) - 1;
	memmove(res->why + n, res->why, sizeof(res->why) - n);
	res->why[sizeof(res->why) - 1] = '\0';
	memcpy(res->why, head, n);
}
