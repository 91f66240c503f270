/*
 * events.h: every event of a run is built here, one builder per kind
 * (engine.h documents the kinds and their members; events.c is the only
 * file that builds one). A builder makes the event, stamps it with "t"
 * for the absolute monotonic time AT (the time it says in its comment
 * otherwise) and hands it to the caller's callback; events before t0 wait
 * until events_flush_early(), so that their "t" can be negative.
 *
 *   kind        builder              emitted by
 *   t0          run_emit_t0          engine.c, at GO
 *   end         run_emit_end         engine.c, last of all
 *   warning     run_warning          anyone; a disagreement of the views:
 *               run_warning_views    observe_views.c
 *   topology    run_emit_topology    engine.c, once the hosts are built
 *   app         run_emit_app         procs.c (listening, started, exited,
 *                                    killed)
 *   step        run_emit_step        procs.c, from a built-in app's record
 *   verdict     run_emit_verdict     engine.c, at the end
 *   fault       run_emit_fault       faults.c, netfaults.c
 *   ending      run_emit_ending      procs.c, from a built-in app's record
 *   connection  run_emit_connection  procs.c, from a built-in app's record
 *   packet      run_emit_packet      observe_wire.c
 *   socket      run_emit_socket      observe_kernel.c
 *   output      run_emit_output      cmd/cmdapp_output.c
 *
 * None of them fails: an event jansson cannot allocate is left out.
 */
#ifndef NETFAULT_ENGINE_EVENTS_H
#define NETFAULT_ENGINE_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine_run;
struct run_app;
struct tcp_sock_sample;

/* Emits the events kept from before t0 (r->t0_set must be true). */
void events_flush_early(struct engine_run *r);

/* "t0" at r->t0, with "clock_monotonic_us": the absolute time, so that a
 * caller can line t up with packet captures. */
void run_emit_t0(struct engine_run *r);
/* "end" at r->ended: REASON ("duration", "finished", "cancelled",
 * "error"). */
void run_emit_end(struct engine_run *r, const char *reason);
/* "warning" now: the formatted "message". */
void run_warning(struct engine_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "warning" at r->ended about app APP's views (VIEWS, taken): "message"
 * MSG, "app", "views". */
void run_warning_views(struct engine_run *r, const char *app, const char *msg,
		       json_t *views);
/* "topology" now: r->topo's run id, switch and hosts. */
void run_emit_topology(struct engine_run *r);
/* "app": STATE ("listening", "started", "exited", "killed"); STATUS is the
 * exit status (exited) or the signal (killed, 0 for none). */
void run_emit_app(struct engine_run *r, const struct run_app *a, const char *state,
		  int status, int64_t at);
/* "step": step I of A as its record said, at its end. */
void run_emit_step(struct engine_run *r, const struct run_app *a, size_t i);
/* "verdict": A's final word, at the time it happened (else r->ended). */
void run_emit_verdict(struct engine_run *r, const struct run_app *a);
/* "fault": KIND (a fault's name, or "link"), HOST (-1: none), PHASE
 * ("begin", "end"), then the members of DETAILS (taken; NULL: none) in
 * their order: "down", "signal", "app", "processes", "direction",
 * "engine"... as engine.h lists them. */
void run_emit_fault(struct engine_run *r, const char *kind, int host, const char *phase,
		    json_t *details, int64_t at);
/* "ending": what A's kernel saw end its connection, as it happened. */
void run_emit_ending(struct engine_run *r, const struct run_app *a, const char *verdict,
		     const char *evidence, int64_t at);
/* "connection": A's own record of its connection's two ends. */
void run_emit_connection(struct engine_run *r, const struct run_app *a, const char *local,
			 const char *remote, int64_t at);
/* What a "packet" event says beside its line, for a ladder of the run:
 * its IP ends (SRC, DST: "addr:port", "addr" for ICMP), the host that
 * sent it as the wire saw it and the one that has the destination address
 * (FROM, TO; NULL: no host of the run), TCP's raw
 * sequence and acknowledgement numbers and payload bytes (SEQ, ACK, LEN)
 * and, for a segment going out, MARK "retransmit" or "probe" (NULL: new). */
struct packet_facts {
	const char *src, *dst, *from, *to, *mark;
	bool tcp;
	uint32_t seq, ack, len;
};

/* "packet": LINE as host HOST saw it, DIR "in" or "out", for app APP;
 * FLAGS the TCP flags' text (NULL: not TCP, no "flags"); FACTS as above.
 * AT is the kernel's timestamp of the packet. */
void run_emit_packet(struct engine_run *r, const char *host, const char *app,
		     const char *dir, const char *line, const char *flags,
		     const struct packet_facts *facts, int64_t at);
/* "socket": the sample S of a watched connection (LOCAL, REMOTE as text)
 * of app APP at host HOST; CHANGE "new", "state", "retransmit", "probe",
 * "gone", "host-off". */
void run_emit_socket(struct engine_run *r, const char *host, const char *app,
		     const char *local, const char *remote, const char *change,
		     const struct tcp_sock_sample *s, int64_t at);
/* "output": a LINE app A wrote on STREAM ("stdout", "stderr"), now. */
void run_emit_output(struct engine_run *r, const struct run_app *a, const char *stream,
		     const char *line);

#endif
