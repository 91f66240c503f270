/*
 * observe.c: the observer's life cycle (observe.h). Per host a capture of
 * every interface (eth0, and eth1, ... of a router) and a sock_diag
 * socket, all made inside the host's namespace; a power-off ends them
 * (their sockets would keep the dead namespace alive), a power-on opens
 * new ones, writing the next pcap files of that host (<host>.pcap,
 * <host>.2.pcap, ... for eth0; <host>.eth1.pcap, <host>.eth1.2.pcap, ...
 * for the others). The tick dispatches what the captures
 * hold, notes apps that died and samples the watched sockets every
 * OBS_SAMPLE_US. The observer only watches: it starts, stops and reads no
 * app process (procs.c does).
 *
 * Everything runs in the engine's thread, inside its loop: no locking, and
 * events are emitted in the engine's order. A packet's event carries the
 * kernel's timestamp of the packet, not the time it was read.
 */
#include "engine/observe/observe.h"
#include "engine/observe/observe_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errname.h"
#include "common/monotime.h"
#include "common/parallel.h"

#define OBS_RING_TOTAL   (16u << 20)  /* capture rings of all hosts together */
#define OBS_RING_MIN     (256u << 10)
#define OBS_DRAIN_ROUNDS 64           /* dispatches per host per tick */

static int ns_identity(int nsfd, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (nsfd < 0 || fstat(nsfd, &st) < 0)
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static void host_addr(const char *cidr, struct ip_endpoint *e)
{
	char text[64];

	snprintf(text, sizeof(text), "%s", cidr ? cidr : "");
	text[strcspn(text, "/")] = '\0';
	if (ip_endpoint_parse(e, text, 0) < 0)
		memset(e, 0, sizeof(*e));
}

/* The ring of each capture: every interface of the run shares the total. */
static unsigned ring_bytes(const struct topology *t)
{
	size_t n = 0;
	unsigned each;

	for (size_t i = 0; i < t->nhosts; i++)
		n += t->hosts[i].nifaces ? t->hosts[i].nifaces : 1;
	each = OBS_RING_TOTAL / (unsigned)(n ? n : 1);
	if (each > CAPTURE_DEFAULT_BUFFER)
		each = CAPTURE_DEFAULT_BUFFER;
	return each < OBS_RING_MIN ? OBS_RING_MIN : each;
}

static void capture_drain(struct obs_host *oh)
{
	for (size_t k = 0; k < oh->ncap; k++)
		for (int i = 0; oh->cap[k] && i < OBS_DRAIN_ROUNDS; i++)
			if (capture_dispatch(oh->cap[k]) < CAPTURE_DISPATCH_MAX)
				break;
}

/* Ends the capture of interface K (see host_end for KEEP). */
static void capture_end(struct obs_host *oh, size_t k, bool keep)
{
	struct obs_capstat *cs = oh->capstat[k] >= 0 ? &oh->caps[oh->capstat[k]] : NULL;
	struct capture_stats st;
	int rc;

	if (!oh->cap[k])
		return;
	/* the last packets go to the file first, so "written" counts them */
	rc = capture_finish(oh->cap[k]);
	if (cs && capture_get_stats(oh->cap[k], &st) == 0) {
		cs->packets = st.packets;
		cs->written = st.written;
		cs->not_written = st.not_written;
		cs->kernel_dropped = st.kernel_dropped;
		if (st.file_error)
			cs->error = st.file_error;
	}
	if (rc < 0 && cs && !cs->error)
		cs->error = rc;
	if (!keep) {
		capture_close(oh->cap[k]);
		oh->cap[k] = NULL;
	}
}

/* Ends the host's handles; their last packets are read first. KEEP:
 * the captures' packet sockets stay open, reading nothing, until the
 * teardown closes them (their close waits for RCU grace periods). */
static void host_end(struct engine_run *r, struct obs_host *oh, bool keep)
{
	capture_drain(oh);
	for (size_t k = 0; k < oh->ncap; k++)
		capture_end(oh, k, keep);
	if (!keep)
		oh->ncap = 0;
	sockdiag_close(oh->sd);
	oh->sd = NULL;
	oh->open = false;
}

static void host_close(struct engine_run *r, struct obs_host *oh)
{
	host_end(r, oh, false);
}

/* The stats entry of interface K of the boot starting now; -1 when the
 * host has used them all (the capture still runs, uncounted). */
static int capstat_new(struct engine_run *r, struct obs_host *oh, size_t k)
{
	const struct topo_host *h = &r->topo->hosts[oh->index];
	const char *dir = r->opts ? r->opts->pcap_dir : NULL;
	const char *ifname = h->nifaces ? h->ifaces[k].ifname : NETNS_HOST_IF;
	char suffix[32] = "";
	struct obs_capstat *cs;

	if (oh->ncaps >= OBS_MAX_BOOTS)
		return -1;
	cs = &oh->caps[oh->ncaps];
	*cs = (struct obs_capstat){ .boot = oh->boot };
	snprintf(cs->ifname, sizeof(cs->ifname), "%s", ifname);
	if (dir) {
		if (k > 0)
			snprintf(suffix, sizeof(suffix), ".%s", ifname);
		if (oh->boot == 1)
			snprintf(cs->file, sizeof(cs->file), "%s/%s%s.pcap", dir, h->name, suffix);
		else
			snprintf(cs->file, sizeof(cs->file), "%s/%s%s.%u.pcap", dir, h->name,
				 suffix, oh->boot);
	}
	return (int)oh->ncaps++;
}

/* Opens the captures of every interface of the host; 0 or the first
 * error, with ERR saying which step failed. */
static int captures_open(struct engine_run *r, struct obs_host *oh, char *err, size_t errlen)
{
	const struct topo_host *h = &r->topo->hosts[oh->index];
	size_t n = h->nifaces ? h->nifaces : 1;
	int ret = 0;

	for (size_t k = 0; k < n && ret == 0; k++) {
		struct capture_config cfg = {
			.ifname = h->nifaces ? h->ifaces[k].ifname : NETNS_HOST_IF,
			.buffer_bytes = ring_bytes(r->topo),
			.on_packet = obs_wire_packet,
			.user = oh,
		};
		int cs = capstat_new(r, oh, k);

		oh->capstat[k] = cs;
		if (cs >= 0 && oh->caps[cs].file[0])
			cfg.pcap_path = oh->caps[cs].file;
		ret = capture_open(&oh->cap[k], h->nsfd, &cfg, err, errlen);
		if (ret < 0 && cs >= 0)
			oh->caps[cs].error = ret;
		oh->ncap = k + 1;
	}
	return ret;
}

/* Opens the handles of the host's current boot; ERR gets which step
 * failed. Touches OH alone: hosts are opened side by side (observe_start). */
static int host_handles(struct engine_run *r, struct obs_host *oh, char *err, size_t errlen)
{
	const struct topo_host *h = &r->topo->hosts[oh->index];
	int ret;

	oh->boot++;
	ret = ns_identity(h->nsfd, &oh->ns_dev, &oh->ns_ino);
	if (ret == 0)
		ret = captures_open(r, oh, err, errlen);
	if (ret == 0)
		ret = sockdiag_open(&oh->sd, h->nsfd);
	if (ret < 0) {
		for (size_t k = 0; k < oh->ncap; k++) {
			capture_close(oh->cap[k]);
			oh->cap[k] = NULL;
		}
		oh->ncap = 0;
		sockdiag_close(oh->sd);
		oh->sd = NULL;
	}
	return ret;
}

/* What host_handles gave: FIRST: failing is the run's error; later (after
 * a power-on) it is a warning. */
static int host_opened(struct engine_run *r, struct obs_host *oh, int ret, const char *err,
		       bool first)
{
	const struct topo_host *h = &r->topo->hosts[oh->index];

	if (ret < 0) {
		if (first) {
			snprintf(r->error, sizeof(r->error), "packet capture on host %s: %s%s%s",
				 h->name, err, err[0] ? ": " : "", errno_name(-ret));
			return ret;
		}
		run_warning(r, "host %s: no packet capture or socket sampling after "
			    "power-on: %s%s%s", h->name, err, err[0] ? ": " : "",
			    errno_name(-ret));
		return 0;
	}
	oh->open = true;
	return 0;
}

static int host_open(struct engine_run *r, struct obs_host *oh, bool first)
{
	char err[256] = "";

	return host_opened(r, oh, host_handles(r, oh, err, sizeof(err)), err, first);
}

/* True when the host's namespace is no longer the one the handles were
 * made in (powered off, or off and on between two ticks). */
static bool host_changed(struct engine_run *r, const struct obs_host *oh)
{
	const struct topo_host *h = &r->topo->hosts[oh->index];
	dev_t dev;
	ino_t ino;

	if (!h->powered || ns_identity(h->nsfd, &dev, &ino) < 0)
		return true;
	return dev != oh->ns_dev || ino != oh->ns_ino;
}

static int pcap_dir_ready(struct engine_run *r)
{
	const char *dir = r->opts ? r->opts->pcap_dir : NULL;
	struct stat st;

	if (!dir)
		return 0;
	if (strlen(dir) >= OBS_DIR_MAX) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto fail;
	if (stat(dir, &st) < 0)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	return 0;
fail:
	snprintf(r->error, sizeof(r->error), "pcap directory %.200s: %s", dir, errno_name(errno));
	return -errno;
}

static int observer_alloc(struct engine_run *r)
{
	struct observer *o = calloc(1, sizeof(*o));
	size_t napps = r->napps ? r->napps : 1;

	if (!o)
		return -ENOMEM;
	r->obs = o;
	o->on = !(r->opts && r->opts->no_observe);
	o->nhosts = r->topo->nhosts;
	o->hosts = calloc(o->nhosts ? o->nhosts : 1, sizeof(*o->hosts));
	o->conns = calloc(OBS_MAX_CONNS, sizeof(*o->conns));
	o->died = calloc(napps, sizeof(*o->died));
	o->views = calloc(napps, sizeof(*o->views));
	o->agree = calloc(napps, sizeof(*o->agree));
	o->has_views = calloc(napps, sizeof(*o->has_views));
	if (!o->hosts || !o->conns || !o->died || !o->views || !o->agree ||
	    !o->has_views)
		return -ENOMEM;
	return 0;
}

/* Each host's first handles, opened side by side: a packet socket's bind
 * and ring each wait for an RCU grace period. */
struct open_all {
	struct engine_run *r;
	int *rets;
	char (*errs)[256];
};

static void open_one(size_t i, void *arg)
{
	struct open_all *a = arg;

	a->rets[i] = host_handles(a->r, &a->r->obs->hosts[i], a->errs[i], sizeof(a->errs[i]));
}

static void close_one(size_t i, void *arg)
{
	struct engine_run *r = arg;

	host_close(r, &r->obs->hosts[i]);
}

int observe_start(struct engine_run *r)
{
	struct open_all all = { .r = r };
	struct observer *o;
	int ret;

	ret = observer_alloc(r);
	if (ret < 0)
		return ret;
	o = r->obs;
	if (!o->on)
		return 0;
	ret = obs_addrs_build(r);
	if (ret < 0)
		snprintf(r->error, sizeof(r->error), "the hosts' addresses: %s", errno_name(-ret));
	if (ret == 0)
		ret = pcap_dir_ready(r);
	if (ret < 0)
		return ret;
	all.rets = calloc(o->nhosts, sizeof(*all.rets));
	all.errs = calloc(o->nhosts, sizeof(*all.errs));
	if (!all.rets || !all.errs) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < o->nhosts; i++) {
		struct obs_host *oh = &o->hosts[i];

		oh->r = r;
		oh->index = i;
		tcp_relseq_init(&oh->rel);
		host_addr(r->topo->hosts[i].addr4, &oh->addr4);
		host_addr(r->topo->hosts[i].addr6, &oh->addr6);
	}
	parallel_for(o->nhosts, OBS_OPEN_THREADS, open_one, &all);
	for (size_t i = 0; ret == 0 && i < o->nhosts; i++)
		ret = host_opened(r, &o->hosts[i], all.rets[i], all.errs[i], true);
out:
	free(all.rets);
	free(all.errs);
	return ret;
}

/* Notes apps that died, for the views' cut. */
static void note_deaths(struct engine_run *r, int64_t now)
{
	for (size_t i = 0; i < r->napps; i++)
		if (r->apps[i].state == RUN_APP_DEAD && !r->obs->died[i])
			r->obs->died[i] = now;
}

static void hosts_tick(struct engine_run *r, int64_t now)
{
	struct observer *o = r->obs;

	for (size_t i = 0; i < o->nhosts; i++) {
		struct obs_host *oh = &o->hosts[i];

		if (oh->open && host_changed(r, oh)) {
			host_close(r, oh);
			obs_kernel_host_off(r, i, now);
		}
		if (!oh->open && r->topo->hosts[i].powered && r->topo->hosts[i].nsfd >= 0 &&
		    host_open(r, oh, false) < 0)
			continue;
		capture_drain(oh);
	}
}

void observe_tick(struct engine_run *r)
{
	struct observer *o = r->obs;
	int64_t now = mono_usec();

	if (!o || o->finished)
		return;
	if (o->on) {
		note_deaths(r, now);
		hosts_tick(r, now);
		if (now - o->last_sample >= OBS_SAMPLE_US) {
			o->last_sample = now;
			obs_kernel_sample(r);
		}
	}
}

void observe_connection(struct engine_run *r, const struct run_app *a, const char *local,
			const char *remote)
{
	struct ip_endpoint l, rm;
	struct obs_conn *c;

	if (!r->obs || !r->obs->on || r->obs->finished ||
	    obs_endpoint_parse(local, &l) < 0 || obs_endpoint_parse(remote, &rm) < 0)
		return;
	c = obs_conn_get(r, (size_t)a->sc->host, &l, &rm, true);
	if (c) {
		c->app = (int)a->index;
		c->exact = true;
	}
}

void observe_finish(struct engine_run *r)
{
	struct observer *o = r->obs;
	int64_t now = mono_usec();

	if (!o || o->finished)
		return;
	if (o->on) {
		note_deaths(r, now);
		for (size_t i = 0; i < o->nhosts; i++) {
			if (o->hosts[i].open && host_changed(r, &o->hosts[i]))
				obs_kernel_host_off(r, i, now);
			capture_drain(&o->hosts[i]);
		}
		obs_kernel_sample(r);
		/* packets read while closing are written, not observed */
		o->finished = true;
		for (size_t i = 0; i < o->nhosts; i++)
			host_end(r, &o->hosts[i], true);
	}
	o->finished = true;
}

bool observe_quiet(struct engine_run *r)
{
	struct observer *o = r->obs;

	if (!o || !o->on || o->finished)
		return false;
	note_deaths(r, mono_usec());
	for (size_t i = 0; i < o->nhosts; i++)
		capture_drain(&o->hosts[i]);
	obs_kernel_sample(r);
	return obs_wire_quiet(r) && obs_kernel_quiet(r);
}

void observe_collect(struct engine_run *r)
{
	/* the apps' last records are in (procs_stop read them) */
	if (r->obs && r->went)
		obs_views_decide(r);
}

void observe_free(struct engine_run *r)
{
	struct observer *o = r->obs;

	if (!o)
		return;
	o->finished = true;
	if (o->hosts)   /* a packet socket's close waits for grace periods */
		parallel_for(o->nhosts, OBS_OPEN_THREADS, close_one, r);
	free(o->hosts);
	free(o->addrs);
	free(o->conns);
	free(o->died);
	free(o->views);
	free(o->agree);
	free(o->has_views);
	free(o);
	r->obs = NULL;
}
