/*
 * ctnetlink.c: a router's conntrack table over libmnl (middlebox.h): its
 * NEW and DESTROY events, a flush, a dump that counts the live entries.
 *
 * Two NETLINK_NETFILTER sockets, both opened inside the router's namespace
 * (a netlink socket stays in the namespace it was made in): one subscribed
 * to NFNLGRP_CONNTRACK_NEW and NFNLGRP_CONNTRACK_DESTROY, nonblocking and
 * with a large receive buffer, that the caller drains when it polls
 * readable; one for requests, each acknowledged or ended by NLMSG_DONE
 * before the call returns. An event socket overrun (ENOBUFS) is reported,
 * never hidden: the counts then are lower bounds.
 *
 * A flush is IPCTNL_MSG_CT_DELETE with no tuple (version 0: every family).
 * The kernel sends a flushed entry's DESTROY event from inside the flush,
 * so all of them are queued on the event socket before the flush's
 * acknowledgement arrives. A dump (IPCTNL_MSG_CT_GET with NLM_F_DUMP) makes
 * the kernel evict the expired entries it walks past, which it otherwise
 * does lazily (its garbage collector, or the next packet of the flow).
 * A request is also how conntrack gets loaded where it is a module: the
 * kernel loads nf_conntrack_netlink for it, and with it nf_conntrack,
 * whose net.netfilter.nf_conntrack_* sysctls then exist in every
 * namespace (ct_load_here).
 */
#include "netns/middlebox.h"
#include "netns/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CT_EVENT_RCVBUF   (4 << 20)   /* bytes: ~40 000 queued events */
#define CT_RECV_BUFFER    32768       /* the kernel's largest dump batch */
#define CT_REQUEST_BUFFER 256         /* a header and nfgenmsg */
#define CT_READS_MAX      4096        /* receives per ct_events_read call */
#define CT_REQUEST_TIMEOUT_S 5        /* the kernel answers at once */

struct ct_events {
	struct mnl_socket *ev;            /* events, nonblocking */
	struct mnl_socket *req;           /* requests */
	unsigned req_portid;
	unsigned seq;
	alignas(struct nlmsghdr) char buf[CT_RECV_BUFFER];
};

/* ---- opening, where the thread is ------------------------------------- */

static int events_socket_here(struct ct_events *ce)
{
	int groups[] = { NFNLGRP_CONNTRACK_NEW, NFNLGRP_CONNTRACK_DESTROY };
	int fd, size = CT_EVENT_RCVBUF;
	size_t i;

	ce->ev = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!ce->ev)
		return -errno;
	if (mnl_socket_bind(ce->ev, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (mnl_socket_setsockopt(ce->ev, NETLINK_ADD_MEMBERSHIP, &groups[i],
					  sizeof(groups[i])) < 0)
			return -errno;
	fd = mnl_socket_get_fd(ce->ev);
	/* FORCE passes rmem_max (we are root); the plain one is the fallback */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		return -errno;
	return 0;
}

static int request_socket_here(struct ct_events *ce)
{
	struct timeval tv = { .tv_sec = CT_REQUEST_TIMEOUT_S };

	ce->req = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ce->req)
		return -errno;
	if (mnl_socket_bind(ce->req, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	if (setsockopt(mnl_socket_get_fd(ce->req), SOL_SOCKET, SO_RCVTIMEO, &tv,
		       sizeof(tv)) < 0)
		return -errno;
	ce->req_portid = mnl_socket_get_portid(ce->req);
	return 0;
}

static int sockets_open_here(void *arg)
{
	struct ct_events *ce = arg;
	int rc = events_socket_here(ce);

	return rc < 0 ? rc : request_socket_here(ce);
}

int ct_events_open(int nsfd, struct ct_events **out)
{
	struct ct_events *ce;
	int rc;

	*out = NULL;
	if (nsfd < 0)
		return -EBADF;   /* a router's namespace, never the caller's own */
	ce = calloc(1, sizeof(*ce));
	if (!ce)
		return -ENOMEM;
	ce->seq = (unsigned)time(NULL);
	rc = netns_call_in(nsfd, sockets_open_here, ce);
	if (rc < 0) {
		ct_events_close(ce);
		return rc;
	}
	*out = ce;
	return 0;
}

void ct_events_close(struct ct_events *ce)
{
	if (!ce)
		return;
	if (ce->ev)
		mnl_socket_close(ce->ev);
	if (ce->req)
		mnl_socket_close(ce->req);
	free(ce);
}

int ct_events_fd(const struct ct_events *ce)
{
	return ce && ce->ev ? mnl_socket_get_fd(ce->ev) : -1;
}

/* ---- events -------------------------------------------------------------- */

static bool is_ctnetlink(const struct nlmsghdr *nlh)
{
	return NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_CTNETLINK;
}

int ct_events_read(struct ct_events *ce, uint64_t *news, uint64_t *destroys,
		   bool *lost)
{
	const struct nlmsghdr *nlh;
	int reads, count = 0, len;
	ssize_t n;

	if (!ce || !ce->ev)
		return -ENOTCONN;
	for (reads = 0; reads < CT_READS_MAX; reads++) {
		n = recv(mnl_socket_get_fd(ce->ev), ce->buf, sizeof(ce->buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {   /* overrun: say so, read on */
				*lost = true;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		nlh = (const struct nlmsghdr *)ce->buf;
		len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (!is_ctnetlink(nlh))
				continue;
			switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
			case IPCTNL_MSG_CT_NEW:
				(*news)++;
				count++;
				break;
			case IPCTNL_MSG_CT_DELETE:
				(*destroys)++;
				count++;
				break;
			default:
				break;
			}
		}
	}
	return count;
}

/* ---- requests ------------------------------------------------------------ */

static struct nlmsghdr *request_put(struct ct_events *ce, char *buf, uint16_t type,
				    uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++ce->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;   /* with AF_UNSPEC: every family */
	nfg->res_id = 0;
	return nlh;
}

static int count_entry(const struct nlmsghdr *nlh, void *data)
{
	int *entries = data;

	if (is_ctnetlink(nlh) && NFNL_MSG_TYPE(nlh->nlmsg_type) == IPCTNL_MSG_CT_NEW &&
	    *entries < INT32_MAX)
		(*entries)++;
	return MNL_CB_OK;
}

/* Sends NLH and reads the answer until its ack or NLMSG_DONE; CB sees
 * every data message. */
static int request_run(struct ct_events *ce, struct nlmsghdr *nlh, mnl_cb_t cb,
		       void *data)
{
	unsigned seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc;

	if (!ce || !ce->req)
		return -ENOTCONN;
	if (mnl_socket_sendto(ce->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(ce->req, ce->buf, sizeof(ce->buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		rc = mnl_cb_run(ce->buf, (size_t)n, seq, ce->req_portid, cb, data);
		if (rc < 0)
			return -errno;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

int ct_flush(struct ct_events *ce)
{
	alignas(struct nlmsghdr) char buf[CT_REQUEST_BUFFER];

	if (!ce)
		return -EINVAL;
	return request_run(ce, request_put(ce, buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK),
			   NULL, NULL);
}

int ct_load_here(void)
{
	struct ct_events *ce = calloc(1, sizeof(*ce));
	int rc;

	if (!ce)
		return -ENOMEM;
	rc = request_socket_here(ce);
	if (rc == 0)
		rc = ct_count(ce);
	ct_events_close(ce);
	return rc < 0 ? rc : 0;
}

int ct_count(struct ct_events *ce)
{
	alignas(struct nlmsghdr) char buf[CT_REQUEST_BUFFER];
	int entries = 0, rc;

	if (!ce)
		return -EINVAL;
	rc = request_run(ce, request_put(ce, buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP),
			 count_entry, &entries);
	return rc < 0 ? rc : entries;
}
