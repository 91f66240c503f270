/*
 * qdisc.c: netem and tbf under a prio root, with the u32 filters that let
 * address resolution pass, through libnl-route-3 (see qdisc.h for the tree
 * shapes, why each has its own root handle and why address resolution gets
 * a band of its own), and the one-time probe for netem.
 */
#include "netns/qdisc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/prio.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "netns/netns.h"

#define ETH_FRAME_MAX  1514u
#define TBF_BURST_USEC 2000u
#define PROBE_DELAY_US 1000u
#define PROBE_RATE_BPS 1000000000u
#define PRIO_BANDS     2
#define IPV6_NEXTHDR_OFF 6    /* next header, then hop limit */

enum tree_shape { SHAPE_NONE, SHAPE_NETEM, SHAPE_TBF, SHAPE_TBF_NETEM };

static enum tree_shape shape_of(const struct link_impair *imp)
{
	bool netem = imp->delay_us || imp->jitter_us || imp->loss_percent > 0.0;

	if (imp->rate_bps)
		return netem ? SHAPE_TBF_NETEM : SHAPE_TBF;
	return netem ? SHAPE_NETEM : SHAPE_NONE;
}

/* A qdisc object of KIND with its place on the interface set. */
static int qdisc_new(int ifindex, uint32_t parent, uint32_t handle,
		     const char *kind, struct rtnl_qdisc **out)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int rc;

	*out = NULL;
	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	rc = rtnl_tc_set_kind(TC_CAST(q), kind);
	if (rc < 0) {
		rtnl_qdisc_put(q);
		return nlerr_to_errno(rc);
	}
	*out = q;
	return 0;
}

static int request_of(struct rtnl_qdisc *q, struct nl_msg **out)
{
	int rc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_REPLACE, out);

	rtnl_qdisc_put(q);
	return rc < 0 ? nlerr_to_errno(rc) : 0;
}

int qdisc_netem_request(int ifindex, uint32_t parent, uint32_t handle,
			const struct link_impair *imp, struct nl_msg **out)
{
	struct rtnl_qdisc *q;
	int rc;

	*out = NULL;
	rc = link_impair_check(imp);
	if (rc < 0)
		return rc;
	rc = qdisc_new(ifindex, parent, handle, "netem", &q);
	if (rc < 0)
		return rc;
	/* libnl converts microseconds to ticks; loss is a fraction of
	 * UINT32_MAX passed through an int. */
	rtnl_netem_set_delay(q, (int)imp->delay_us);
	if (imp->jitter_us)
		rtnl_netem_set_jitter(q, (int)imp->jitter_us);
	if (imp->loss_percent > 0.0)
		rtnl_netem_set_loss(q, (int)(uint32_t)llround(imp->loss_percent / 100.0 *
							     (double)UINT32_MAX));
	rtnl_netem_set_limit(q, (int)(imp->limit ? imp->limit : IMPAIR_DEFAULT_LIMIT));
	return request_of(q, out);
}

int qdisc_tbf_request(int ifindex, uint32_t parent, uint32_t handle,
		      const struct link_impair *imp, struct nl_msg **out)
{
	struct rtnl_qdisc *q;
	uint64_t bytes_per_sec, burst;
	int rc;

	*out = NULL;
	rc = link_impair_check(imp);
	if (rc < 0)
		return rc;
	if (imp->rate_bps == 0)
		return -EINVAL;
	bytes_per_sec = imp->rate_bps / 8;
	burst = bytes_per_sec * TBF_BURST_USEC / 1000000;
	if (burst < 2 * ETH_FRAME_MAX)
		burst = 2 * ETH_FRAME_MAX;
	rc = qdisc_new(ifindex, parent, handle, "tbf", &q);
	if (rc < 0)
		return rc;
	rtnl_qdisc_tbf_set_rate(q, (int)bytes_per_sec, (int)burst, 0);
	rc = rtnl_qdisc_tbf_set_limit_by_latency(q, (int)IMPAIR_RATE_BACKLOG_US);
	if (rc < 0) {
		rtnl_qdisc_put(q);
		return nlerr_to_errno(rc);
	}
	return request_of(q, out);
}

int qdisc_prio_request(int ifindex, uint32_t root, struct nl_msg **out)
{
	uint8_t map[TC_PRIO_MAX + 1];
	struct rtnl_qdisc *q;
	int rc;

	*out = NULL;
	rc = qdisc_new(ifindex, TC_H_ROOT, root, "prio", &q);
	if (rc < 0)
		return rc;
	/* band indexes count from 0: class R:2 is band 1 */
	memset(map, QDISC_BAND_IMPAIRED - 1, sizeof(map));
	rtnl_qdisc_prio_set_bands(q, PRIO_BANDS);
	rc = rtnl_qdisc_prio_set_priomap(q, map, (int)sizeof(map));
	if (rc < 0) {
		rtnl_qdisc_put(q);
		return nlerr_to_errno(rc);
	}
	return request_of(q, out);
}

static uint16_t filter_prio(enum qdisc_filter which)
{
	return which == QDISC_FILTER_ARP ? 1 : 2;
}

int qdisc_filter_request(int ifindex, uint32_t root, enum qdisc_filter which,
			 struct nl_msg **out)
{
	struct rtnl_cls *c;
	int rc;

	*out = NULL;
	if ((unsigned)which >= QDISC_FILTER_COUNT)
		return -EINVAL;
	c = rtnl_cls_alloc();
	if (!c)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), root);
	rc = rtnl_tc_set_kind(TC_CAST(c), "u32");
	if (rc < 0)
		goto out;
	/* one prio per protocol (the kernel wants that); the prio is the
	 * filter's identity (filters_apply) */
	rtnl_cls_set_prio(c, filter_prio(which));
	if (which == QDISC_FILTER_ARP) {
		rtnl_cls_set_protocol(c, ETH_P_ARP);
		rc = rtnl_u32_add_key_uint32(c, 0, 0, 0, 0);   /* every frame */
	} else {
		rtnl_cls_set_protocol(c, ETH_P_IPV6);
		rc = rtnl_u32_add_key_uint16(c, (uint16_t)(IMPAIR_ND_NEXTHDR << 8 |
							   IMPAIR_ND_HOPLIMIT),
					     0xffff, IPV6_NEXTHDR_OFF, 0);
	}
	if (rc >= 0)
		rc = rtnl_u32_set_classid(c, TC_H_MAKE(root, QDISC_BAND_RESOLVE));
	if (rc >= 0)
		rc = rtnl_u32_set_cls_terminal(c);
	if (rc >= 0)
		rc = rtnl_cls_build_add_request(c, NLM_F_CREATE | NLM_F_EXCL, out);
out:
	rtnl_cls_put(c);
	return rc < 0 ? nlerr_to_errno(rc) : 0;
}

/* ---- talking to the kernel --------------------------------------------- */

static int send_request(struct nl_sock *sk, int rc_build, struct nl_msg *msg)
{
	int rc;

	if (rc_build < 0)
		return rc_build;
	rc = nl_send_sync(sk, msg);   /* frees MSG */
	return rc < 0 ? nlerr_to_errno(rc) : 0;
}

static int root_delete(struct nl_sock *sk, int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int rc;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rc = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	if (rc < 0) {
		rc = nlerr_to_errno(rc);
		/* the device's default qdisc cannot be deleted: nothing to do */
		return rc == -ENOENT ? 0 : rc;
	}
	return 0;
}

/* The prio root ROOT and the filters it lacks, as qdisc.h describes: a root
 * just made has none, one changed in place keeps its own. */
static int root_apply(struct nl_sock *sk, int ifindex, uint32_t root)
{
	struct nl_cache *have = NULL;
	struct nl_msg *msg;
	int rc;

	rc = qdisc_prio_request(ifindex, root, &msg);
	rc = send_request(sk, rc, msg);
	if (rc < 0)
		return rc;
	rc = rtnl_cls_alloc_cache(sk, ifindex, root, &have);
	if (rc < 0)
		return nlerr_to_errno(rc);
	for (int f = 0; f < QDISC_FILTER_COUNT && rc == 0; f++) {
		struct rtnl_cls *old = rtnl_cls_find_by_prio(have, ifindex, root,
							     filter_prio((enum qdisc_filter)f));

		if (old) {
			rtnl_cls_put(old);
			continue;
		}
		rc = qdisc_filter_request(ifindex, root, (enum qdisc_filter)f, &msg);
		rc = send_request(sk, rc, msg);
	}
	nl_cache_free(have);
	return rc;
}

static int tree_apply(struct nl_sock *sk, int ifindex, const struct link_impair *imp)
{
	enum tree_shape shape = shape_of(imp);
	uint32_t root = shape == SHAPE_NETEM ? QDISC_ROOT_NETEM :
			shape == SHAPE_TBF ? QDISC_ROOT_TBF : QDISC_ROOT_TBF_NETEM;
	uint32_t band = TC_H_MAKE(root, QDISC_BAND_IMPAIRED);
	struct nl_msg *msg;
	int rc;

	if (shape == SHAPE_NONE)
		return root_delete(sk, ifindex);
	rc = root_apply(sk, ifindex, root);
	if (rc < 0)
		return rc;
	if (shape == SHAPE_NETEM) {
		rc = qdisc_netem_request(ifindex, band, QDISC_HANDLE_NETEM, imp, &msg);
		return send_request(sk, rc, msg);
	}
	rc = qdisc_tbf_request(ifindex, band, QDISC_HANDLE_TBF, imp, &msg);
	rc = send_request(sk, rc, msg);
	if (rc < 0 || shape == SHAPE_TBF)
		return rc;
	rc = qdisc_netem_request(ifindex, TC_H_MAKE(QDISC_HANDLE_TBF, 1), QDISC_HANDLE_NETEM,
				 imp, &msg);
	return send_request(sk, rc, msg);
}

/* Opens rtnetlink in NSFD and finds IFNAME there. */
static int open_link(int nsfd, const char *ifname, struct nl_sock **sk)
{
	int rc = nlroute_open(nsfd, sk);

	if (rc < 0)
		return rc;
	rc = link_index(*sk, ifname);
	if (rc < 0) {
		nlroute_close(*sk);
		*sk = NULL;
	}
	return rc;
}

int qdisc_apply(int nsfd, const char *ifname, const struct link_impair *imp)
{
	struct nl_sock *sk;
	int ifindex, rc;

	rc = link_impair_check(imp);
	if (rc < 0)
		return rc;
	ifindex = open_link(nsfd, ifname, &sk);
	if (ifindex < 0)
		return ifindex;
	rc = tree_apply(sk, ifindex, imp);
	nlroute_close(sk);
	return rc;
}

int qdisc_clear(int nsfd, const char *ifname)
{
	struct nl_sock *sk;
	int ifindex, rc;

	ifindex = open_link(nsfd, ifname, &sk);
	if (ifindex < 0)
		return ifindex;
	rc = root_delete(sk, ifindex);
	nlroute_close(sk);
	return rc;
}

/* ---- the netem probe --------------------------------------------------- */

/* Runs in its own thread: the namespace it unshares dies with it. */
static void *probe_thread(void *arg)
{
	const struct link_impair probe = { .delay_us = PROBE_DELAY_US,
					   .rate_bps = PROBE_RATE_BPS };
	int *result = arg;
	struct nl_sock *sk = NULL;
	int nsfd, ifindex, rc;

	if (unshare(CLONE_NEWNET) < 0) {
		*result = -errno;
		return NULL;
	}
	nsfd = netns_open_current();
	if (nsfd < 0) {
		*result = nsfd;
		return NULL;
	}
	ifindex = open_link(nsfd, "lo", &sk);
	close(nsfd);
	if (ifindex < 0) {
		*result = ifindex;
		return NULL;
	}
	rc = tree_apply(sk, ifindex, &probe);
	nlroute_close(sk);
	/* The kernel answers ENOENT for a missing qdisc ("Specified qdisc kind
	 * is unknown") or classifier ("TC classifier not found"). */
	*result = rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
	return NULL;
}

int netem_available(bool reprobe)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int known = -1;        /* -1: not probed yet */
	pthread_t thread;
	int result = -EIO, rc;

	pthread_mutex_lock(&lock);
	if (known >= 0 && !reprobe) {
		result = known;
		goto out;
	}
	rc = pthread_create(&thread, NULL, probe_thread, &result);
	if (rc != 0) {
		result = -rc;
		goto out;
	}
	pthread_join(thread, NULL);
	if (result >= 0)
		known = result;
out:
	pthread_mutex_unlock(&lock);
	return result;
}
