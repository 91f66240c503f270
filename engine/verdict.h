/*
 * verdict.h: what an app saw, decided from kernel observations, and whether
 * the scenario's expectations hold. Pure functions, no I/O: the watcher
 * thread (watcher.c) feeds them what it read from the socket and the
 * namespace's counters, the engine (engine.c, report.c) checks the results.
 * Unit-tested without privileges in tests/unit/test_verdict.c.
 *
 * The rules (see the run engine's design in engine.h and the scenario
 * format's "What an app sees"):
 *   - a wakeup with the socket in CLOSE_WAIT, LAST_ACK, CLOSING or
 *     TIME_WAIT is the peer's FIN;
 *   - in CLOSE with an error pending (POLLERR), or in CLOSE without our own
 *     FIN having gone out, the connection died of an error: a timeout when
 *     the namespace's TcpExt TCPAbortOnTimeout grew (an unreachable when
 *     ICMP destination-unreachable messages also arrived), else an RST;
 *   - in CLOSE after our own FIN and without an error, the peer's FIN
 *     completed the close (the kernel moved the socket to TIME_WAIT and left
 *     CLOSE behind): a FIN, marked ambiguous, since an error that a step
 *     consumed first looks the same;
 *   - the first errno the app's own steps see after that, when it is one the
 *     kernel stores in sk_err, names the error kind exactly and refines an
 *     error verdict (or an ambiguous FIN), keeping the watcher's time.
 */
#ifndef NETFAULT_ENGINE_VERDICT_H
#define NETFAULT_ENGINE_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define VERDICT_EVIDENCE_MAX 192  /* = sizeof(struct app_msg.text) */
#define VERDICT_FROM_MAX 48       /* a host name or an IPv6 address */

struct verdict {
	enum sc_verdict kind;
	bool decided;          /* false: nothing seen (kind NOTHING) */
	bool ambiguous;        /* a FIN that an error consumed first would mimic */
	bool refined;          /* the first step errno after it was applied */
	int64_t t_us;          /* when it was seen (monotonic or since t0) */
	char evidence[VERDICT_EVIDENCE_MAX];
	/* who sent the RST or ICMP error behind an rst, refused or unreachable
	 * (a host's name, or the address no host of the run has); "" when
	 * unknown: set from the wire view at the end of the run */
	char from[VERDICT_FROM_MAX];
};

/* What the watcher read when the socket woke it. */
struct watch_obs {
	int tcp_state;         /* tcp_info.tcpi_state (TCP_ESTABLISHED...) */
	bool pollerr;          /* POLLERR in revents: an sk_err is pending */
	bool own_fin;          /* the app had shut down its write side */
	long long abort_on_timeout;  /* growth of TcpExt TCPAbortOnTimeout */
	long long dest_unreach;      /* growth of Icmp(6) InDestUnreachs */
};

/*
 * Classifies a wakeup into V (kind, ambiguous, evidence; the caller sets
 * the time). Returns true when it is a connection-ending event, false when
 * the socket is still open (the app shut down its own read side, or a
 * spurious wakeup): keep watching.
 */
bool verdict_classify(const struct watch_obs *o, struct verdict *v);

/* True when the socket state says an error may have ended the connection
 * and the counters should be re-read after a few ms (the kernel bumps
 * TCPAbortOnTimeout just after waking the socket's waiters). */
bool verdict_needs_counters(const struct watch_obs *o);

/* The verdict an sk_err value names: ECONNRESET rst, ETIMEDOUT timeout,
 * EHOSTUNREACH/ENETUNREACH unreachable (and EACCES, which is how the kernel
 * reports an ICMPv6 administratively-prohibited), ECONNREFUSED refused; -1
 * for any other value (EPIPE, EOF, ok...). */
int verdict_from_errno(int err);

/*
 * Applies the first errno ERR a step STEP saw after the verdict V was
 * decided. Returns true when V changed (kind or evidence). Only the first
 * call after the decision counts; later calls return false.
 */
bool verdict_refine(struct verdict *v, const char *step, int err);

/*
 * Names the sender of V's packet: V->from = FROM, and SENT (the packet in
 * words, "RST from server 10.0.0.2") added to the evidence after "; ",
 * the evidence cut short first when both would not fit. Only for an rst,
 * refused or unreachable verdict; returns false (V unchanged) otherwise,
 * or when FROM is empty.
 */
bool verdict_set_from(struct verdict *v, const char *from, const char *sent);

/* True when the step result RESULT satisfies the step's expect: (or the
 * step has none). */
bool step_expect_holds(const struct sc_step *st, int result);

/* Formats seconds since t0 the way reasons show them: "1.002s". */
const char *verdict_time_format(int64_t t_us, char *buf, size_t len);

/*
 * Checks the expectation E for APP against its verdict (V->t_us since t0).
 * Returns true when it holds; otherwise writes a plain reason into REASON:
 * "server saw rst at 1.002s, expected timeout".
 */
bool expect_check(const char *app, const struct sc_expect *e,
		  const struct verdict *v, char *reason, size_t len);

/*
 * Checks step ST (index I) of APP. DONE says whether the step finished,
 * RESULT its result. Returns true when its expect: held (or it has none);
 * otherwise writes a reason: "server step 4 (send, line 17) returned EPIPE,
 * expected ok".
 */
bool step_check(const char *app, size_t i, const struct sc_step *st,
		bool done, int result, char *reason, size_t len);

#endif
