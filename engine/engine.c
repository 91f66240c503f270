/*
 * engine.c: engine_run(), one run from topology to verdicts (engine.h).
 *
 *   check     choose the engine of delay, loss and rate (netfaults.h)
 *             before building anything; what each app runs as (procs.c)
 *   build     lease a run id, build the hosts and wait for their links
 *             (hosts.c); make the cmd apps' directories (procs.c), start
 *             capturing and sampling every host (observe.h), put the
 *             hosts' link: on (netfaults.c), the routers' middlebox:
 *             (middleboxes.c), start the apps (procs.c: one
 *             process per built-in app, in its own process group, app.c
 *             inside; the cmd apps that listen, cmd/cmdapp.c)
 *   listen    wait until every server listens
 *   t0        take t0, emit the events kept so far, tell every app GO
 *             (procs.c; the other cmd apps start)
 *   loop      poll the apps' channels and pidfds (procs.c) and a timerfd
 *             for the next fault (faults.c) or the end; check the cancel
 *             flag every RUN_TICK_MS; stop at the duration, or once every
 *             app has finished its steps or died, no fault is left to run
 *             and nothing more can happen (observe_quiet: no packet in
 *             flight, every socket at rest), or RUN_SETTLE_US after the
 *             last of these where that cannot be told
 *   end       the observers' last packets, kill the apps' process groups
 *             and read their last words (procs.c), decide the views and
 *             the cmd apps' verdicts (observe.h), emit verdicts, "end",
 *             build the result (report.c), stop the delay lines
 *             (netfaults.c), close the middleboxes, destroy the topology,
 *             release the id
 *
 * Every path, error and cancel included, goes through the same end.
 */
#include "engine/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/errname.h"
#include "common/monotime.h"
#include "engine/middleboxes.h"
#include "engine/netfaults/netfaults.h"

/* ---- preparation ------------------------------------------------------ */

static int run_prepare(struct engine_run *r)
{
	const struct scenario *sc = r->sc;
	int ret;

	r->napps = sc->napps;
	r->apps = calloc(sc->napps ? sc->napps : 1, sizeof(*r->apps));
	r->poweron_at = calloc(sc->nhosts ? sc->nhosts : 1, sizeof(*r->poweron_at));
	if (!r->apps || !r->poweron_at)
		return -ENOMEM;
	for (size_t i = 0; i < sc->napps; i++) {
		struct run_app *a = &r->apps[i];

		a->sc = &sc->apps[i];
		a->index = i;
		a->pidfd = a->chan = a->ctx.chan = -1;
		a->ctx.app = a->sc;
		snprintf(a->v.evidence, sizeof(a->v.evidence), "no connection");
		a->steps = calloc(a->sc->nsteps ? a->sc->nsteps : 1, sizeof(*a->steps));
		if (!a->steps)
			return -ENOMEM;
		ret = procs_prepare(r, a);
		if (ret < 0)
			return ret;
	}
	r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	return r->tfd < 0 ? -errno : 0;
}

/* Keepalive times and linger are whole seconds to the kernel: a value the
 * app must round up is said before the run, not discovered in its timing. */
static void run_warn_rounding(struct engine_run *r)
{
	static const char why[] = "the kernel counts it in whole seconds";

	for (size_t i = 0; i < r->sc->napps; i++) {
		const struct sc_app *a = &r->sc->apps[i];
		const struct { const char *what; int64_t us; } v[] = {
			{ "keepalive idle", a->tcp.ka_idle_us },
			{ "keepalive interval", a->tcp.ka_interval_us },
			{ "linger", a->tcp.linger > 0 ? a->tcp.linger_us : 0 },
		};

		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			if (v[k].us > 0 && v[k].us % 1000000)
				run_warning(r, "app %s: %s %.3gs rounded up to %llds: %s",
					    a->name, v[k].what, (double)v[k].us / 1e6,
					    (long long)((v[k].us + 999999) / 1000000), why);
	}
}

/* ---- phases ----------------------------------------------------------- */

static int run_wait_listening(struct engine_run *r)
{
	int64_t deadline = mono_usec() + RUN_LISTEN_TIMEOUT_US;
	int ret;

	for (;;) {
		bool ready = true;

		for (size_t i = 0; i < r->napps; i++) {
			struct run_app *a = &r->apps[i];

			if (a->state == RUN_APP_DEAD) {
				snprintf(r->error, sizeof(r->error),
					 "app %s died before t0", a->sc->name);
				return -ECHILD;
			}
			if (a->sc->is_server && a->state != RUN_APP_LISTENING)
				ready = false;
		}
		if (ready)
			return 0;
		if (run_cancelled(r))
			return -ECANCELED;
		if (mono_usec() > deadline) {
			snprintf(r->error, sizeof(r->error), "the servers did not listen within %llds",
				 RUN_LISTEN_TIMEOUT_US / 1000000);
			return -ETIMEDOUT;
		}
		observe_tick(r);   /* captures */
		procs_tick(r);     /* cmd output; a cmd server's listening socket */
		ret = procs_poll(r, RUN_TICK_MS);
		if (ret < 0)
			return ret;
	}
}

static void run_go(struct engine_run *r)
{
	r->t0 = mono_usec();
	r->t0_set = true;
	events_flush_early(r);
	run_emit_t0(r);
	procs_go(r);
}

/* Every app finished or dead, no fault or power-on left, and nothing more
 * can happen: the observers see no packet in flight and every socket at
 * rest (observe_quiet), or, where that cannot be told or packets may be
 * held on their way (a delay line, netem), RUN_SETTLE_US have passed since
 * the last fault, finish or death. */
static bool run_settled(struct engine_run *r, int64_t now)
{
	if (r->next_fault < r->sc->nfaults)
		return false;
	for (size_t h = 0; h < r->sc->nhosts; h++)
		if (r->poweron_at[h])
			return false;
	for (size_t i = 0; i < r->napps; i++)
		if (r->apps[i].state != RUN_APP_FINISHED && r->apps[i].state != RUN_APP_DEAD)
			return false;
	if (now >= r->last_change + RUN_SETTLE_US)
		return true;
	r->settling = !netfaults_engine_name(r);
	return r->settling && observe_quiet(r);
}

/* Arms the timerfd at the next fault, reboot end or the end of the run. */
static void run_arm(struct engine_run *r, int64_t end)
{
	int64_t next = end;
	struct itimerspec its = { 0 };

	if (r->next_fault < r->sc->nfaults && r->t0 + r->sc->faults[r->next_fault].at_us < next)
		next = r->t0 + r->sc->faults[r->next_fault].at_us;
	for (size_t h = 0; h < r->sc->nhosts; h++)
		if (r->poweron_at[h] && r->poweron_at[h] < next)
			next = r->poweron_at[h];
	if (next < 1)
		next = 1;
	its.it_value.tv_sec = next / 1000000;
	its.it_value.tv_nsec = (next % 1000000) * 1000;
	timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int run_loop(struct engine_run *r)
{
	int64_t end = r->t0 + r->sc->duration_us;
	int ret;

	for (;;) {
		int64_t now = mono_usec();

		if (run_cancelled(r))
			return -ECANCELED;
		observe_tick(r);   /* before a fault: the captures read up to now */
		procs_tick(r);     /* the cmd apps' output */
		middleboxes_tick(r);   /* conntrack events, counted */
		while (r->next_fault < r->sc->nfaults &&
		       r->t0 + r->sc->faults[r->next_fault].at_us <= now) {
			ret = fault_run(r, &r->sc->faults[r->next_fault++]);
			if (ret < 0)
				return ret;
			r->last_change = mono_usec();
		}
		ret = netfaults_check(r);   /* a dead delay line ends the run */
		if (ret < 0)
			return ret;
		for (size_t h = 0; h < r->sc->nhosts; h++) {
			if (r->poweron_at[h] && r->poweron_at[h] <= now) {
				ret = fault_reboot_end(r, h);
				if (ret < 0)
					return ret;
				r->last_change = mono_usec();
			}
		}
		if (now >= end) {
			r->end_reason = "duration";
			return 0;
		}
		if (run_settled(r, now)) {
			r->end_reason = "finished";
			return 0;
		}
		run_arm(r, end);
		/* settling: what it waits for (an ACK, a record) is no event here */
		ret = procs_poll(r, r->settling ? RUN_SETTLE_TICK_MS : RUN_TICK_MS);
		if (ret < 0)
			return ret;
	}
}

/* ---- the end ---------------------------------------------------------- */

/* Says why an app without an event saw nothing, and emits every verdict. */
static void run_verdicts(struct engine_run *r)
{
	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];
		const char *why = "connection open, no FIN, RST or error seen";

		if (!a->v.decided) {
			if (!a->connected)
				why = "no connection";
			else if (a->closed)
				why = "no FIN, RST or error seen before the app closed its socket";
			else if (a->died)
				why = "no FIN, RST or error seen before the app died";
			snprintf(a->v.evidence, sizeof(a->v.evidence), "%s", why);
		}
		run_emit_verdict(r, a);
	}
}

static void run_free(struct engine_run *r)
{
	for (size_t i = 0; i < r->napps; i++)
		free(r->apps[i].steps);
	free(r->apps);
	free(r->poweron_at);
	for (size_t i = 0; i < r->nearly; i++)
		json_decref(r->early[i].ev);
	free(r->early);
	if (r->tfd >= 0)
		close(r->tfd);
}

/* Phase P took from FROM to now; returns now, the next phase's start. */
static int64_t phase_end(struct engine_run *r, enum run_phase p, int64_t from)
{
	int64_t now = mono_usec();

	r->phase_us[p] = now - from;
	return now;
}

/* The run's own phases, from t0 to its end: the scenario until the last
 * fault, finish or death when the run finished early, the settle after. */
static void phases_of_run(struct engine_run *r, int ret)
{
	int64_t last = r->last_change > r->t0 ? r->last_change : r->t0;

	if (!r->went)
		return;
	if (ret == 0 && r->end_reason && strcmp(r->end_reason, "finished") == 0 &&
	    last <= r->ended) {
		r->phase_us[RUN_PHASE_SCENARIO] = last - r->t0;
		r->phase_us[RUN_PHASE_SETTLE] = r->ended - last;
	} else {
		r->phase_us[RUN_PHASE_SCENARIO] = r->ended - r->t0;
		r->phase_us[RUN_PHASE_SETTLE] = 0;
	}
}

_Static_assert(ENGINE_MAX_RUN_ID == NETNS_MAX_RUN_ID, "run ids are the leases' ids");

int engine_leftovers_clean(void)
{
	return run_leftovers_clean();
}

int engine_run(const struct scenario *sc, const struct engine_opts *opts,
	       json_t **result)
{
	struct engine_run r = { .sc = sc, .opts = opts, .tfd = -1 };
	int64_t mark = mono_usec();
	int ret;

	for (size_t i = 0; i < RUN_NPHASES; i++)
		r.phase_us[i] = -1;
	*result = NULL;
	ret = netfaults_prepare(&r);
	if (ret < 0)
		goto out;
	ret = run_prepare(&r);
	if (ret < 0)
		goto out;
	ret = run_lease_acquire(&r.lease, opts ? opts->run_id_hint : 0);
	if (ret < 0) {
		snprintf(r.error, sizeof(r.error), "no free run id: %s", errno_name(-ret));
		goto out;
	}
	r.leased = true;
	ret = hosts_build(&r);   /* returns once the links carry packets */
	if (ret < 0)
		goto out;
	mark = phase_end(&r, RUN_PHASE_BUILD, mark);
	r.phase_us[RUN_PHASE_LINKS] = r.topo->links_wait_us;
	r.phase_us[RUN_PHASE_BUILD] -= r.topo->links_wait_us;
	run_emit_topology(&r);
	run_warn_rounding(&r);
	ret = procs_setup(&r);     /* the cmd apps' directories and files */
	if (ret == 0)
		ret = observe_start(&r);   /* capture, sock_diag */
	if (ret == 0)
		ret = netfaults_host_boot(&r, -1);   /* the hosts' link: */
	if (ret == 0)
		ret = middleboxes_host_boot(&r, -1);   /* the routers' middlebox: */
	if (ret == 0)
		ret = procs_spawn(&r);
	if (ret == 0)
		ret = run_wait_listening(&r);
	if (ret == 0) {
		run_go(&r);
		phase_end(&r, RUN_PHASE_APPS, mark);
		ret = run_loop(&r);
	}
out:
	r.ended = mono_usec();
	r.went = r.t0_set;
	phases_of_run(&r, ret);
	mark = r.ended;
	observe_finish(&r);   /* the last packets and samples, before the kill */
	procs_stop(&r);       /* kill; the last records and output */
	observe_collect(&r);  /* views, cmd verdicts */
	if (ret == -ECANCELED) {
		r.end_reason = "cancelled";
		snprintf(r.error, sizeof(r.error), "run cancelled");
	} else if (ret < 0) {
		r.end_reason = "error";
		if (!r.error[0])
			snprintf(r.error, sizeof(r.error), "the run failed: %s", errno_name(-ret));
	}
	if (!r.t0_set)
		r.t0 = r.ended;  /* events of a run that never started end at 0 */
	r.t0_set = true;
	events_flush_early(&r);
	if (ret == 0)
		run_verdicts(&r);
	run_emit_end(&r, r.end_reason ? r.end_reason : "error");
	mark = phase_end(&r, RUN_PHASE_COLLECT, mark);
	*result = report_result(&r, ret);
	mark = phase_end(&r, RUN_PHASE_REPORT, mark);
	if (*result)
		json_object_set_new(*result, "phases", report_phases(&r));
	if (opts && opts->on_result)
		opts->on_result(*result, ret, opts->ctx);   /* the teardown follows */
	observe_free(&r);
	procs_free(&r);       /* a temporary run directory goes */
	netfaults_end(&r);
	middleboxes_free(&r);
	topology_destroy(r.topo);
	if (r.leased)
		run_lease_release(&r.lease);
	phase_end(&r, RUN_PHASE_TEARDOWN, mark);
	if (*result)
		json_object_set_new(*result, "phases", report_phases(&r));
	run_free(&r);
	return ret;
}
