/*
 * faults.c: host faults at their time (poweroff, poweron, reboot, crash,
 * freeze/thaw, unplug/plug of one cable or all), through netns/'s
 * topology; on a router as on any host. Network faults go
 * to netfaults.c, which also hears of every power-off, boot and freeze of a
 * host; a router's middlebox (middleboxes.c) hears of its power-off and
 * boot, and forget: goes to it.
 *
 * Each fault emits a "fault" event (run_emit_fault, with the details its
 * kind has) stamped with the time it was applied; a poweron or plug is
 * done when the host's links carry packets again.
 * A fault aimed at a host in the wrong state (a crash of a powered-off
 * host, a poweron of a running one) does nothing and says so in a warning.
 */
#include "engine/run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/errname.h"
#include "common/monotime.h"
#include "engine/middleboxes.h"
#include "engine/netfaults/netfaults.h"

/* Marks the apps of host H (or only app APP) as killed by a fault. */
static void apps_mark_killed(struct engine_run *r, int h, int app)
{
	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];

		if (a->sc->host == h && (app < 0 || (size_t)app == i) &&
		    a->state != RUN_APP_DEAD)
			a->killed_by_fault = true;
	}
}

static int fault_fail(struct engine_run *r, const struct sc_fault *f, int ret)
{
	snprintf(r->error, sizeof(r->error), "%s:%d: %s of host %s failed: %s",
		 r->sc->file, f->line, sc_fault_name(f->kind),
		 f->host >= 0 ? r->sc->hosts[f->host].name : "?", errno_name(-ret));
	return ret;
}

static int fault_poweroff(struct engine_run *r, const struct sc_fault *f, json_t *details)
{
	int ret;

	apps_mark_killed(r, f->host, -1);
	ret = topology_host_poweroff(r->topo, (size_t)f->host);
	netfaults_host_down(r, (size_t)f->host);
	middleboxes_host_down(r, (size_t)f->host);
	if (ret < 0)
		return fault_fail(r, f, ret);
	if (f->kind == SC_FAULT_REBOOT) {
		json_object_set_new(details, "down", json_real((double)f->down_us / 1e6));
		r->poweron_at[f->host] = mono_usec() + f->down_us;
	}
	return 0;
}

static int fault_crash(struct engine_run *r, const struct sc_fault *f, json_t *details)
{
	int sig = f->signal > 0 ? f->signal : SIGKILL;
	int n = 0;

	json_object_set_new(details, "signal", json_string(sigabbrev_np(sig) ? sigabbrev_np(sig)
							   : "?"));
	if (f->app >= 0)
		json_object_set_new(details, "app", json_string(r->sc->apps[f->app].name));
	for (size_t i = 0; i < r->napps; i++) {
		struct run_app *a = &r->apps[i];

		if (a->sc->host != f->host || (f->app >= 0 && (size_t)f->app != i) ||
		    a->state == RUN_APP_DEAD || a->pid <= 0)
			continue;
		if (sig == SIGKILL || sig == SIGSEGV || sig == SIGABRT || sig == SIGTERM ||
		    sig == SIGINT || sig == SIGQUIT || sig == SIGBUS)
			a->killed_by_fault = true;
		if (kill(-a->pid, sig) == 0 || kill(a->pid, sig) == 0)
			n++;
	}
	if (n == 0)
		run_warning(r, "crash of host %s: no app process to signal",
			    r->sc->hosts[f->host].name);
	return 0;
}

static int fault_apply(struct engine_run *r, const struct sc_fault *f, json_t *details)
{
	struct topo_host *h = &r->topo->hosts[f->host];
	bool need_on = f->kind != SC_FAULT_POWERON;
	int ret = 0;

	if (need_on != h->powered) {
		run_warning(r, "%s of host %s ignored: the host is powered %s",
			    sc_fault_name(f->kind), h->name, h->powered ? "on" : "off");
		return 0;
	}
	switch (f->kind) {
	case SC_FAULT_POWEROFF:
	case SC_FAULT_REBOOT:
		return fault_poweroff(r, f, details);
	case SC_FAULT_POWERON:
		r->poweron_at[f->host] = 0;
		ret = topology_host_poweron(r->topo, (size_t)f->host);
		break;
	case SC_FAULT_CRASH:
		return fault_crash(r, f, details);
	case SC_FAULT_FREEZE:
	case SC_FAULT_THAW:
		ret = netns_kill_all_fd(h->nsfd, f->kind == SC_FAULT_FREEZE ? SIGSTOP : SIGCONT);
		if (ret >= 0)
			json_object_set_new(details, "processes", json_integer(
				ret - netfaults_host_frozen(r, (size_t)f->host)));
		break;
	case SC_FAULT_UNPLUG:
	case SC_FAULT_PLUG:
		/* network: one cable of the host; without it, all of them */
		if (f->network >= 0)
			json_object_set_new(details, "network",
					    json_string(r->sc->networks[f->network].name));
		ret = topology_host_cable(r->topo, (size_t)f->host, f->network,
					  f->kind == SC_FAULT_PLUG);
		break;
	default:
		ret = -ENOTSUP;
		break;
	}
	return ret < 0 ? fault_fail(r, f, ret) : 0;
}

int fault_run(struct engine_run *r, const struct sc_fault *f)
{
	int64_t at = mono_usec();
	bool was_on;
	json_t *details;
	int ret;

	if (f->kind == SC_FAULT_FORGET)
		return middleboxes_forget(r, f);
	if (f->kind >= SC_FAULT_DELAY)
		return netfault_run(r, f);
	if (f->host < 0 || (size_t)f->host >= r->topo->nhosts) {
		snprintf(r->error, sizeof(r->error), "%s:%d: %s without a host",
			 r->sc->file, f->line, sc_fault_name(f->kind));
		return -EINVAL;
	}
	details = json_object();
	if (!details)
		return -ENOMEM;
	was_on = r->topo->hosts[f->host].powered;
	ret = fault_apply(r, f, details);
	run_emit_fault(r, sc_fault_name(f->kind), f->host, "begin", details, at);
	if (ret == 0 && !was_on && r->topo->hosts[f->host].powered)
		ret = netfaults_host_boot(r, f->host);
	if (ret == 0 && !was_on && r->topo->hosts[f->host].powered)
		ret = middleboxes_host_boot(r, f->host);
	return ret;
}

int fault_reboot_end(struct engine_run *r, size_t h)
{
	int64_t at = mono_usec();
	int ret;

	r->poweron_at[h] = 0;
	if (r->topo->hosts[h].powered)
		return 0;
	ret = topology_host_poweron(r->topo, h);
	if (ret < 0) {
		snprintf(r->error, sizeof(r->error), "reboot of host %s: power on failed: %s",
			 r->sc->hosts[h].name, errno_name(-ret));
		return ret;
	}
	run_emit_fault(r, "reboot", (int)h, "end", NULL, at);
	ret = netfaults_host_boot(r, (int)h);
	return ret < 0 ? ret : middleboxes_host_boot(r, (int)h);
}
