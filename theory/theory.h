/*
 * theory.h: a model of the Linux kernel's TCP timers, to predict what an
 * app will see and when, beside what a run measures. Pure C: no netlink,
 * no I/O, no allocation; the engine (each app's "theory" in a run's result)
 * and netfaultctl predict both use it. The README's "Timer arithmetic"
 * says the same in prose.
 *
 * The model follows net/ipv4/tcp_timer.c (6.1 and 6.18) and kernel/time/
 * timer.c, in jiffies (HZ 250, Debian's):
 *
 * Timer wheel. A timer armed at jiffy A for D jiffies fires at A + D + 1
 * when D < 63 (level 0); otherwise on the first multiple of its level's
 * granularity G (8 jiffies up to 503, 64 up to 4031, 512 up to 32255,
 * 4096 beyond) above A + D: ((A + D + G) / G) * G. A 1 s timer armed on a
 * tick of the wheel fires 1.024 s later, a 2 s one 2.016 s later. The
 * buckets are aligned to absolute jiffies and where the run's t0 falls
 * among them is unknown: each model is worked out for every place (t0 at
 * absolute jiffy 0 to 511) and averaged.
 *
 * Keepalive (tcp_keepalive_timer). Each time the timer fires it measures
 * "elapsed" since the last packet received; below the idle time it waits
 * the rest. Otherwise it gives up when, without TCP_USER_TIMEOUT, the
 * probes already sent reach the count, or, with one, at least one probe
 * is out and elapsed >= the user timeout (the count is then ignored); else
 * it sends a probe and fires again an interval later. So without a user
 * timeout: last + idle + count x interval; with one: the first probe tick
 * at or past last + user timeout.
 *
 * Unacknowledged data (tcp_retransmit_timer, tcp_write_timeout). A tail
 * loss probe goes out one RTO after the send, the first RTO
 * retransmission one RTO after that; retrans_stamp is the time of that
 * first retransmission. The RTO then doubles (capped at 120 s) and each
 * expiry first checks retransmits_timed_out(): elapsed since
 * retrans_stamp >= the user timeout, or, without one, >= tcp_retries2's
 * "boundary", tcp_model_timeout(retries2, TCP_RTO_MIN 200 ms): 0.2 x
 * (2^(retries2+1) - 1) s while that stays under the 120 s cap, then 120 s
 * per further retry. With a user timeout each re-arm is clamped to what
 * is left of it (tcp_clamp_rto_to_user_timeout), so it fires at about
 * retrans_stamp + user timeout.
 *
 * SYN (SYN_SENT). The SYN is sent again 1 s (TCP_TIMEOUT_INIT) later; the
 * first tcp_syn_linear_timeouts + 1 intervals stay 1 s where the kernel has
 * that sysctl (6.5 on; default 4), then they double. Each expiry gives up
 * when the retransmissions reach TCP_SYNCNT (else tcp_syn_retries) plus
 * tcp_syn_linear_timeouts, or when the time since the first SYN reaches
 * tcp_model_timeout(syn retries, 1 s) (or the user timeout).
 *
 * SYN-ACK (the listener's request). Sent again after 1, 2, 4 ... s; the
 * request is dropped after tcp_synack_retries retransmissions, silently:
 * the server's app never sees the connection.
 *
 * A middlebox's idle timeout against keepalive: the mapping survives when
 * every keepalive probe arrives before the middlebox forgets (idle plus the
 * wheel's rounding under its idle timeout); otherwise the first probe meets
 * a forgotten connection: dropped, the keepalive runs out as against a dead
 * peer; answered with an RST (expired: reset), the app sees rst then.
 */
#ifndef NETFAULT_THEORY_H
#define NETFAULT_THEORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define THEORY_HZ 250
#define THEORY_JIFFY_US (1000000 / THEORY_HZ)
#define THEORY_WHY_MAX 512
#define THEORY_MAX_FIRINGS 256  /* timer expiries simulated per prediction */
#define THEORY_PHASES 512       /* t0's places among the wheel's buckets, averaged */

/* The kernel's figures the timers use: compiled-in defaults of a new
 * namespace, changed by a host's sysctl:. */
struct theory_kernel {
	bool syn_linear;           /* tcp_syn_linear_timeouts exists (6.5 on) */
	int syn_linear_timeouts;   /* 4 */
	int syn_retries;           /* 6 */
	int synack_retries;        /* 5 */
	int retries2;              /* 15 */
	int64_t rto_min_us;        /* 200 ms */
	int64_t rto_max_us;        /* 120 s */
	int64_t ka_time_us;        /* 7200 s */
	int64_t ka_intvl_us;       /* 75 s */
	int ka_probes;             /* 9 */
};

/* What the model says an app sees. */
struct theory_result {
	bool applies;              /* false: WHY says why the model does not */
	enum sc_verdict verdict;   /* when it applies (NOTHING: nothing ends it) */
	int64_t t_us;              /* since t0; -1 with NOTHING */
	char why[THEORY_WHY_MAX];  /* the formula with its numbers, or why not */
};

/* A run's own figures for one app, where the timers depend on them; -1 /
 * 0 when unknown (predict): the model then takes the scenario's times. */
struct theory_figures {
	int64_t last_rx_us;        /* the last packet the app's host received on
				    * its connection before the fault, since t0 */
	int64_t rto_us;            /* the connection's RTO (TCP_INFO) before any
				    * retransmission */
	/* when each of the app's and its peer's steps began, since t0 (-1:
	 * never), NSTEPS of each; NULL: the scenario's sleeps tell */
	const int64_t *step_us, *peer_step_us;
	size_t nsteps, peer_nsteps;
};

/* The defaults of kernel MAJOR.MINOR (6.18: linear SYN timeouts; 6.1 not). */
void theory_kernel_defaults(struct theory_kernel *k, int major, int minor);
/* The defaults of the kernel whose uname release is RELEASE ("6.18.44-...");
 * 6.18 when it does not parse. */
void theory_kernel_release(struct theory_kernel *k, const char *release);
/* Applies host H's sysctl: to K. */
void theory_kernel_host(struct theory_kernel *k, const struct sc_host *h);

/* The timer wheel: when a timer armed at ARMED_US for DELAY_US fires. */
int64_t theory_timer_fire(int64_t armed_us, int64_t delay_us);
/* tcp_model_timeout(): BOUNDARY retries from RTO_BASE, capped per retry. */
int64_t theory_model_timeout(int boundary, int64_t rto_base_us, int64_t rto_max_us);

/* Keepalive from the last packet received at LAST_US; UT_US 0: no user
 * timeout. Fills RES (timeout, time, formula). */
void theory_keepalive(int64_t last_us, int64_t idle_us, int64_t intvl_us, int count,
		      int64_t ut_us, struct theory_result *res);
/* Data sent at SEND_US and never acknowledged, RTO_US the connection's
 * RTO; UT_US 0: tcp_retries2 (K) decides. */
void theory_retransmit(const struct theory_kernel *k, int64_t send_us, int64_t rto_us,
		       int64_t ut_us, struct theory_result *res);
/* A connect at CONNECT_US that nothing answers; SYNCNT 0: tcp_syn_retries. */
void theory_syn(const struct theory_kernel *k, int64_t connect_us, int syncnt, int64_t ut_us,
		struct theory_result *res);
/* A SYN-ACK sent at SYNACK_US whose handshake's last ACK never arrives:
 * when the listener drops the request (RES->verdict NOTHING, t its time). */
void theory_synack(const struct theory_kernel *k, int64_t synack_us, struct theory_result *res);
/* Keepalive against a middlebox forgetting after IDLE_TIMEOUT_US: alive
 * (NOTHING) or what the first probe after it meets (EXPIRED). */
void theory_middlebox_keepalive(int64_t last_us, int64_t idle_us, int64_t intvl_us, int count,
				int64_t ut_us, int64_t idle_timeout_us, enum sc_expired expired,
				struct theory_result *res);

/* The app on the other end of APP's connection, as the model pairs them:
 * a client's server, a server's first client; -1 when none. */
int theory_peer_app(const struct scenario *sc, size_t app);

/* What app APP of SC sees, by the model; FIG NULL or with unknown figures:
 * the scenario's own times (predict). DURATION cuts it (a time past the
 * run's end: nothing). */
void theory_app(const struct scenario *sc, size_t app, const struct theory_kernel *base,
		const struct theory_figures *fig, struct theory_result *res);

#endif
