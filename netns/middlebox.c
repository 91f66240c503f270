/*
 * middlebox.c: a router's middlebox (middlebox.h): the conntrack sysctls and
 * the nftables table in its namespace, and the object that keeps its
 * counts across the router's reboots and runs the `forget:` fault.
 *
 * The rules are one nftables script run with nft_run_cmd_from_buffer, one
 * transaction: the table is added, deleted and made anew, so applying again
 * (a poweron) replaces rather than adds. The context is made inside the
 * namespace (its netlink socket is opened there) and freed after. The only
 * caller text that reaches the script is the NAT interface's name, checked
 * to be an interface name first.
 *
 * The idle timeout is the namespace's own
 * nf_conntrack_tcp_timeout_established, which conntrack reads at every
 * packet of an established connection, rather than a `ct timeout` object
 * (that one needs a rule in a prerouting chain after conntrack's own hook,
 * and says nothing more here: a router's middlebox has one policy).
 */
#include "netns/middlebox.h"
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB_SCRIPT_MAX 4096

struct middlebox {
	struct middlebox_conf conf;
	char nat_if[MIDDLEBOX_IFNAME_MAX + 1];
	struct ct_events *ce;              /* NULL when detached */
	struct middlebox_counts counts;
};

/* ---- checks ------------------------------------------------------------- */

static bool ifname_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > MIDDLEBOX_IFNAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static int conf_check(const struct middlebox_conf *conf)
{
	if (!conf)
		return -EINVAL;
	if (conf->nat_if && !ifname_valid(conf->nat_if))
		return -EINVAL;
	if (conf->idle_timeout_s > MIDDLEBOX_MAX_IDLE_S)
		return -ERANGE;
	switch (conf->expired) {
	case MIDDLEBOX_DROP:
	case MIDDLEBOX_RESET:
	case MIDDLEBOX_PICKUP:
		return 0;
	default:
		return -EINVAL;
	}
}

__attribute__((format(printf, 3, 4)))
static void step_failed(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the rules ------------------------------------------------------------ */

struct script {
	char text[MB_SCRIPT_MAX];
	size_t len;
	bool overflow;
};

__attribute__((format(printf, 2, 3)))
static void script_add(struct script *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->text + s->len, sizeof(s->text) - s->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s->text) - s->len)
		s->overflow = true;
	else
		s->len += (size_t)n;
}

#define T "inet " MIDDLEBOX_TABLE

static void script_build(struct script *s, const struct middlebox_conf *conf)
{
	static const char *const chains[] = { "forward", "input" };
	const char *verdict = conf->expired == MIDDLEBOX_RESET ? "reject with tcp reset" : "drop";
	size_t i;

	script_add(s, "add table " T "\ndelete table " T "\nadd table " T "\n");
	for (i = 0; i < 2; i++) {
		script_add(s, "add chain " T " %s { type filter hook %s priority filter; "
			   "policy accept; }\n", chains[i], chains[i]);
		if (conf->expired == MIDDLEBOX_PICKUP) {
			/* refuses nothing, but makes conntrack track here */
			script_add(s, "add rule " T " %s ct state new counter\n", chains[i]);
			continue;
		}
		script_add(s, "add rule " T " %s meta l4proto tcp ct state invalid %s\n",
			   chains[i], verdict);
		script_add(s, "add rule " T " %s meta l4proto tcp ct state new "
			   "tcp flags & (fin | syn | rst | ack) != syn %s\n", chains[i], verdict);
	}
	if (conf->nat_if) {
		script_add(s, "add chain " T " postrouting { type nat hook postrouting "
			   "priority srcnat; policy accept; }\n");
		script_add(s, "add rule " T " postrouting oifname \"%s\" masquerade\n",
			   conf->nat_if);
	}
}

static int sysctls_write(int nsfd, const struct middlebox_conf *conf, char *err,
			 size_t errlen)
{
	struct { const char *key; char value[16]; } set[3];
	size_t i, n = 0;
	int rc;

	set[n].key = "net.netfilter.nf_conntrack_events";
	snprintf(set[n++].value, sizeof(set[0].value), "1");
	set[n].key = "net.netfilter.nf_conntrack_tcp_loose";
	snprintf(set[n++].value, sizeof(set[0].value), "%d",
		 conf->expired == MIDDLEBOX_PICKUP ? 1 : 0);
	set[n].key = "net.netfilter.nf_conntrack_tcp_timeout_established";
	snprintf(set[n++].value, sizeof(set[0].value), "%u",
		 conf->idle_timeout_s ? conf->idle_timeout_s : MIDDLEBOX_KERNEL_IDLE_S);
	for (i = 0; i < n; i++) {
		rc = netns_sysctl_write(nsfd, set[i].key, set[i].value);
		if (rc < 0) {
			step_failed(err, errlen, "sysctl %s=%s", set[i].key, set[i].value);
			return rc;
		}
	}
	return 0;
}

/* The arguments every entry point takes: a namespace that is not the
 * caller's own, and a configuration conf_check accepts. */
static int args_check(int nsfd, const struct middlebox_conf *conf, char *err, size_t errlen)
{
	int rc;

	if (nsfd < 0)
		return -EBADF;
	rc = conf_check(conf);
	if (rc < 0)
		step_failed(err, errlen, "middlebox configuration");
	return rc;
}

struct nft_job {
	const char *script;
	char *err;
	size_t errlen;
};

/* netns_call_in's function: the script where the thread is. */
static int nft_job_run_here(void *arg)
{
	struct nft_job *job = arg;

	return nft_script_run_here(job->script, job->err, job->errlen);
}

/* middlebox_rules_apply with its arguments checked. */
static int rules_apply(int nsfd, const struct middlebox_conf *conf, char *err, size_t errlen)
{
	struct nft_job job;
	struct script *s;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	script_build(s, conf);
	if (s->overflow) {
		free(s);
		return -E2BIG;
	}
	job.script = s->text;
	job.err = err;
	job.errlen = errlen;
	rc = netns_call_in(nsfd, nft_job_run_here, &job);
	free(s);
	if (rc < 0)
		return rc;
	/* After the rules: where conntrack is a module (a distribution
	 * kernel, Debian 12's 6.1), its sysctls exist only once it is loaded,
	 * which the rules' ct expressions do before nftables returns (the
	 * event socket's bind only asks for it, without waiting). */
	return sysctls_write(nsfd, conf, err, errlen);
}

int middlebox_rules_apply(int nsfd, const struct middlebox_conf *conf, char *err,
			  size_t errlen)
{
	int rc = args_check(nsfd, conf, err, errlen);

	return rc < 0 ? rc : rules_apply(nsfd, conf, err, errlen);
}

/* ---- the object ------------------------------------------------------------ */

/* Its configuration was checked when it was opened. */
static int attach(struct middlebox *mb, int nsfd, char *err, size_t errlen)
{
	int rc;

	/* events first: the first connections' NEW events are counted */
	rc = ct_events_open(nsfd, &mb->ce);
	if (rc < 0) {
		step_failed(err, errlen, "conntrack event socket");
		return rc;
	}
	rc = rules_apply(nsfd, &mb->conf, err, errlen);
	if (rc < 0) {
		ct_events_close(mb->ce);
		mb->ce = NULL;
	}
	return rc;
}

int middlebox_open(int nsfd, const struct middlebox_conf *conf,
		   struct middlebox **out, char *err, size_t errlen)
{
	struct middlebox *mb;
	int rc;

	*out = NULL;
	rc = args_check(nsfd, conf, err, errlen);
	if (rc < 0)
		return rc;
	mb = calloc(1, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	mb->conf = *conf;
	if (conf->nat_if) {
		snprintf(mb->nat_if, sizeof(mb->nat_if), "%s", conf->nat_if);
		mb->conf.nat_if = mb->nat_if;
	}
	rc = attach(mb, nsfd, err, errlen);
	if (rc < 0) {
		free(mb);
		return rc;
	}
	*out = mb;
	return 0;
}

int middlebox_rebind(struct middlebox *mb, int nsfd, char *err, size_t errlen)
{
	if (!mb)
		return -EINVAL;
	if (nsfd < 0)
		return -EBADF;
	middlebox_detach(mb);
	return attach(mb, nsfd, err, errlen);
}

int middlebox_read(struct middlebox *mb)
{
	if (!mb)
		return -EINVAL;
	if (!mb->ce)
		return 0;
	return ct_events_read(mb->ce, &mb->counts.created, &mb->counts.expired,
			      &mb->counts.lost);
}

void middlebox_detach(struct middlebox *mb)
{
	if (!mb || !mb->ce)
		return;
	(void)middlebox_read(mb);
	ct_events_close(mb->ce);
	mb->ce = NULL;
}

void middlebox_close(struct middlebox *mb)
{
	if (!mb)
		return;
	ct_events_close(mb->ce);
	free(mb);
}

int middlebox_fd(const struct middlebox *mb)
{
	return mb ? ct_events_fd(mb->ce) : -1;
}

int middlebox_forget(struct middlebox *mb)
{
	uint64_t flushed = 0;
	int rc;

	if (!mb)
		return -EINVAL;
	if (!mb->ce)
		return -ENOTCONN;
	/* what came before is not the flush's */
	rc = middlebox_read(mb);
	if (rc < 0)
		return rc;
	rc = ct_flush(mb->ce);
	if (rc < 0)
		return rc;
	/* the flush's DESTROY events are all queued by now (ctnetlink.c) */
	rc = ct_events_read(mb->ce, &mb->counts.created, &flushed, &mb->counts.lost);
	if (rc < 0)
		return rc;
	mb->counts.forgotten += flushed;
	return flushed > INT32_MAX ? INT32_MAX : (int)flushed;
}

int middlebox_counts(struct middlebox *mb, struct middlebox_counts *out)
{
	int rc;

	if (!mb || !out)
		return -EINVAL;
	rc = 0;
	if (mb->ce) {
		rc = ct_count(mb->ce);   /* evicts the expired: their DESTROY events */
		rc = rc < 0 ? rc : middlebox_read(mb);
	}
	*out = mb->counts;
	return rc < 0 ? rc : 0;
}
