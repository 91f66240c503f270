/*
 * theory.c: each app's "theory" member of a run's result: what the timer
 * model (theory/theory.h) says it sees, computed with the run's own
 * figures where the timers depend on them: the connection's RTO as
 * sock_diag read it before any retransmission, and the last packet its
 * host received on it (an RST, which ends it, aside), from the wire; and
 * when each step of the app and its peer really began. Where the model does not apply,
 * verdict and t are null and "why" says why.
 */
#include "engine/run.h"
#include "engine/observe/observe_int.h"
#include "theory/theory.h"

#include <sys/utsname.h>

static void run_figures(const struct engine_run *r, const struct run_app *a,
			struct theory_figures *fig)
{
	const struct observer *o = r->obs;

	fig->last_rx_us = -1;
	fig->rto_us = 0;
	if (!o || !r->t0_set)
		return;
	for (size_t i = 0; i < o->nconns; i++) {
		const struct obs_conn *c = &o->conns[i];

		if (c->app < 0 || (size_t)c->app != a->index)
			continue;
		if (c->last_in_alive > r->t0 && c->last_in_alive - r->t0 > fig->last_rx_us)
			fig->last_rx_us = c->last_in_alive - r->t0;
		if (c->k_rto_us)
			fig->rto_us = c->k_rto_us;
	}
}

/* When each step of A began, since t0, into STARTED (-1: never). */
static size_t step_times(const struct run_app *a, int64_t *started)
{
	for (size_t i = 0; i < a->sc->nsteps; i++)
		started[i] = a->steps[i].done ? a->steps[i].started_us : -1;
	return a->sc->nsteps;
}

void theory_report_app(const struct engine_run *r, const struct run_app *a, json_t *o)
{
	int64_t started[SC_MAX_STEPS], peer_started[SC_MAX_STEPS];
	int pa = theory_peer_app(r->sc, a->index);
	const struct run_app *peer = pa >= 0 ? &r->apps[pa] : NULL;
	struct theory_kernel k;
	struct theory_figures fig;
	struct utsname u;
	struct theory_result res;
	json_t *t;

	theory_kernel_release(&k, uname(&u) == 0 ? u.release : "");
	run_figures(r, a, &fig);
	fig.step_us = started;
	fig.nsteps = step_times(a, started);
	fig.peer_step_us = peer ? peer_started : NULL;
	fig.peer_nsteps = peer ? step_times(peer, peer_started) : 0;
	theory_app(r->sc, a->index, &k, &fig, &res);
	t = json_pack("{s:o, s:o, s:s}",
		      "verdict", res.applies ? json_string(sc_verdict_name(res.verdict)) : json_null(),
		      "t", res.applies && res.t_us >= 0 ? json_real((double)res.t_us / 1e6) : json_null(),
		      "why", res.why);
	if (t)
		json_object_set_new(o, "theory", t);
}
