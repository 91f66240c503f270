/*
 * sockdiag.c: TCP socket samples through sock_diag over libmnl (sockdiag.h).
 *
 * One dump request per address family: SOCK_DIAG_BY_FAMILY with
 * NLM_F_DUMP, an inet_diag_req_v2 asking for INET_DIAG_INFO (struct
 * tcp_info) and the states wanted; the kernel answers with one
 * inet_diag_msg per socket, then NLMSG_DONE. Attributes are validated into
 * a table before anything reads them. If a reply is refused half-way, the
 * rest of the dump is read and dropped, so the socket starts clean for the
 * next sample.
 */
#include "netns/sockdiag.h"
#include "netns/netns.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Large enough for any one dump message batch the kernel sends: netlink
 * sizes dump skbs by the reader's buffer, capped at 32 KiB. */
#define SOCKDIAG_RECV_BUFFER 32768
#define SOCKDIAG_REQUEST_BUFFER 256
#define SOCKDIAG_DRAIN_MAX 4096     /* receives when discarding a dump */

struct sockdiag {
	struct mnl_socket *nl;
	unsigned portid;
	unsigned seq;
	alignas(struct nlmsghdr) char buf[SOCKDIAG_RECV_BUFFER];
};

struct sample_ctx {
	const struct sockdiag_filter *filter;
	struct tcp_sock_sample *out;
	size_t cap, stored, matched;
};

/* Opens the sock_diag socket where the thread is, into the sockdiag ARG. */
static int socket_open_here(void *arg)
{
	struct sockdiag *sd = arg;

	sd->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	return sd->nl ? 0 : -errno;
}

int sockdiag_open(struct sockdiag **out, int nsfd)
{
	struct sockdiag *sd;
	int rc;

	*out = NULL;
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return -ENOMEM;
	rc = nsfd >= 0 ? netns_call_in(nsfd, socket_open_here, sd) : socket_open_here(sd);
	if (rc == 0 && mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		rc = -errno;
	if (rc < 0) {
		sockdiag_close(sd);
		return rc;
	}
	sd->portid = mnl_socket_get_portid(sd->nl);
	sd->seq = (unsigned)getpid() << 8;
	*out = sd;
	return 0;
}

void sockdiag_close(struct sockdiag *sd)
{
	if (!sd)
		return;
	if (sd->nl)
		mnl_socket_close(sd->nl);
	free(sd);
}

const char *tcp_state_name(int state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV",
		[4] = "FIN_WAIT1", [5] = "FIN_WAIT2", [6] = "TIME_WAIT",
		[7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
		[10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	};

	if (state <= 0 || (size_t)state >= sizeof(names) / sizeof(names[0]))
		return "UNKNOWN";
	return names[state];
}

/* Keeps the attributes this file reads, after checking their types; newer
 * attributes than this header knows are skipped. */
static int diag_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, INET_DIAG_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case INET_DIAG_INFO:
		if (mnl_attr_validate(attr, MNL_TYPE_BINARY) < 0)
			return MNL_CB_ERROR;
		break;
	case INET_DIAG_SHUTDOWN:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static void set_endpoint(struct ip_endpoint *e, int family, const __be32 addr[4],
			 __be16 port)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	e->port = ntohs(port);
	if (family == AF_INET)
		memcpy(&e->addr.v4, addr, sizeof(e->addr.v4));
	else
		memcpy(&e->addr.v6, addr, sizeof(e->addr.v6));
}

static bool filter_passes(const struct sockdiag_filter *f,
			  const struct tcp_sock_sample *s)
{
	if (!f)
		return true;
	if (f->port && s->local.port != f->port && s->remote.port != f->port)
		return false;
	if (f->local_port && s->local.port != f->local_port)
		return false;
	if (f->remote_port && s->remote.port != f->remote_port)
		return false;
	return true;
}

static void copy_tcp_info(struct tcp_sock_sample *s, const struct nlattr *attr)
{
	struct tcp_info ti;
	size_t len = mnl_attr_get_payload_len(attr);

	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, mnl_attr_get_payload(attr), len < sizeof(ti) ? len : sizeof(ti));
	s->has_info = true;
	s->info.state = ti.tcpi_state;
	s->info.ca_state = ti.tcpi_ca_state;
	s->info.retransmits = ti.tcpi_retransmits;
	s->info.probes = ti.tcpi_probes;
	s->info.backoff = ti.tcpi_backoff;
	s->info.rto_us = ti.tcpi_rto;
	s->info.rtt_us = ti.tcpi_rtt;
	s->info.rttvar_us = ti.tcpi_rttvar;
	s->info.unacked = ti.tcpi_unacked;
	s->info.lost = ti.tcpi_lost;
	s->info.retrans = ti.tcpi_retrans;
	s->info.total_retrans = ti.tcpi_total_retrans;
	s->info.snd_cwnd = ti.tcpi_snd_cwnd;
	s->info.last_data_sent_ms = ti.tcpi_last_data_sent;
	s->info.last_data_recv_ms = ti.tcpi_last_data_recv;
	s->info.last_ack_recv_ms = ti.tcpi_last_ack_recv;
	s->info.bytes_acked = ti.tcpi_bytes_acked;
	s->info.bytes_received = ti.tcpi_bytes_received;
}

static int on_diag_msg(const struct nlmsghdr *nlh, void *data)
{
	struct sample_ctx *ctx = data;
	const struct nlattr *tb[INET_DIAG_MAX + 1] = { NULL };
	const struct inet_diag_msg *m;
	struct tcp_sock_sample s;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (mnl_attr_parse(nlh, sizeof(*m), diag_attr_cb, tb) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	memset(&s, 0, sizeof(s));
	s.state = m->idiag_state;
	set_endpoint(&s.local, m->idiag_family, m->id.idiag_src, m->id.idiag_sport);
	set_endpoint(&s.remote, m->idiag_family, m->id.idiag_dst, m->id.idiag_dport);
	s.cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	s.inode = m->idiag_inode;
	s.uid = m->idiag_uid;
	s.recv_queue = m->idiag_rqueue;
	s.send_queue = m->idiag_wqueue;
	s.timer = m->idiag_timer;
	s.timer_retrans = m->idiag_retrans;
	s.timer_expires_ms = m->idiag_expires;
	if (tb[INET_DIAG_SHUTDOWN]) {
		s.has_shutdown = true;
		s.shutdown = mnl_attr_get_u8(tb[INET_DIAG_SHUTDOWN]);
	}
	if (tb[INET_DIAG_INFO])
		copy_tcp_info(&s, tb[INET_DIAG_INFO]);
	if (!filter_passes(ctx->filter, &s))
		return MNL_CB_OK;
	ctx->matched++;
	if (ctx->stored < ctx->cap)
		ctx->out[ctx->stored++] = s;
	return MNL_CB_OK;
}

/* Reads and drops what is left of a dump after an error. */
static void drain_dump(struct sockdiag *sd)
{
	int fd = mnl_socket_get_fd(sd->nl);

	for (int i = 0; i < SOCKDIAG_DRAIN_MAX; i++)
		if (recv(fd, sd->buf, sizeof(sd->buf), MSG_DONTWAIT) < 0 && errno != EINTR)
			break;
}

/* A SOCK_DIAG_BY_FAMILY request for TCP in REQ, asking for tcp_info. */
static struct nlmsghdr *put_request(char *req, struct sockdiag *sd, int family,
				    uint16_t flags, uint32_t states,
				    struct inet_diag_req_v2 **rp)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct inet_diag_req_v2 *r;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++sd->seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = (uint8_t)family;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_states = states;
	r->idiag_ext = 1u << (INET_DIAG_INFO - 1);
	*rp = r;
	return nlh;
}

/* Sends NLH and feeds the answer to on_diag_msg: a dump up to its
 * NLMSG_DONE, or the single reply to an exact request. */
static int run_request(struct sockdiag *sd, struct nlmsghdr *nlh, bool dump,
		       struct sample_ctx *ctx)
{
	unsigned seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(sd->nl, sd->buf, sizeof(sd->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		errno = 0;
		ret = mnl_cb_run(sd->buf, (size_t)n, seq, sd->portid, on_diag_msg, ctx);
		if (ret == MNL_CB_STOP || (ret > 0 && !dump))
			return 0;
		if (ret < 0) {
			ret = errno ? -errno : -EPROTO;
			break;
		}
	}
	drain_dump(sd);
	return ret;
}

int sockdiag_tcp_sample(struct sockdiag *sd, const struct sockdiag_filter *filter,
			struct tcp_sock_sample *out, size_t cap, size_t *total)
{
	struct sample_ctx ctx = { filter, out, cap, 0, 0 };
	int family = filter ? filter->family : AF_UNSPEC;
	uint32_t states = filter && filter->states ? filter->states : SOCKDIAG_ALL_STATES;
	int rc = 0;

	if (total)
		*total = 0;
	if (cap > INT_MAX)
		ctx.cap = INT_MAX;
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	for (int i = 0; i < 2 && rc == 0; i++) {
		alignas(struct nlmsghdr) char req[SOCKDIAG_REQUEST_BUFFER];
		struct inet_diag_req_v2 *r;
		struct nlmsghdr *nlh;
		int f = i == 0 ? AF_INET : AF_INET6;

		if (family != AF_UNSPEC && family != f)
			continue;
		nlh = put_request(req, sd, f, NLM_F_REQUEST | NLM_F_DUMP, states, &r);
		rc = run_request(sd, nlh, true, &ctx);
	}
	if (rc < 0)
		return rc;
	if (total)
		*total = ctx.matched;
	return (int)ctx.stored;
}

int sockdiag_tcp_lookup(struct sockdiag *sd, const struct ip_endpoint *local,
			const struct ip_endpoint *remote, struct tcp_sock_sample *out)
{
	alignas(struct nlmsghdr) char req[SOCKDIAG_REQUEST_BUFFER];
	struct sample_ctx ctx = { NULL, out, 1, 0, 0 };
	struct inet_diag_req_v2 *r;
	struct nlmsghdr *nlh;
	size_t alen;
	int rc;

	if (local->family != remote->family ||
	    (local->family != AF_INET && local->family != AF_INET6))
		return -EAFNOSUPPORT;
	alen = local->family == AF_INET ? sizeof(local->addr.v4) : sizeof(local->addr.v6);
	nlh = put_request(req, sd, local->family, NLM_F_REQUEST, SOCKDIAG_ALL_STATES, &r);
	memcpy(r->id.idiag_src, &local->addr, alen);
	memcpy(r->id.idiag_dst, &remote->addr, alen);
	r->id.idiag_sport = htons(local->port);
	r->id.idiag_dport = htons(remote->port);
	r->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	r->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	rc = run_request(sd, nlh, false, &ctx);
	if (rc < 0)
		return rc;
	/* the kernel's lookup falls back to a listener on the local end */
	if (ctx.stored != 1 || !ip_endpoint_equal(&out->local, local) ||
	    !ip_endpoint_equal(&out->remote, remote))
		return -ENOENT;
	return 0;
}
