/*
 * nfqueue.c: the nfnetlink_queue socket of the delay line (see nfqueue.h).
 *
 * Configuration requests at bind time ask for an ACK and wait for it, so a
 * busy queue number is reported. Later requests (a new maxlen) go without an
 * ACK: packets may be interleaved with the answer, and the receive loop
 * skips NLMSG_ERROR messages instead of stopping at them, so that no queued
 * packet is ever left without a verdict.
 */
#include "netns/nfqueue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

/* One read: a full NLMSG_GOODSIZE batch of small packet messages. */
#define RECV_BUF_BYTES  (64 * 1024)
#define SEND_BUF_BYTES  (8 * 1024)
#define CONFIG_MSG_BYTES 256

struct nfqueue {
	struct mnl_socket *nl;
	unsigned portid;
	unsigned seq;
	char *recv_buf;            /* RECV_BUF_BYTES */
	char *send_buf;            /* the verdict batch, limited to SEND_BUF_BYTES */
	struct mnl_nlmsg_batch *batch;
};

int nfqueue_fd(const struct nfqueue *q)
{
	return mnl_socket_get_fd(q->nl);
}

void nfqueue_close(struct nfqueue *q)
{
	if (!q)
		return;
	if (q->batch)
		mnl_nlmsg_batch_stop(q->batch);
	if (q->nl)
		mnl_socket_close(q->nl);
	free(q->recv_buf);
	free(q->send_buf);
	free(q);
}

int nfqueue_open(struct nfqueue **out)
{
	struct nfqueue *q;
	int one = 1, rcvbuf = NFQUEUE_RCVBUF, rc;

	*out = NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->recv_buf = malloc(RECV_BUF_BYTES);
	q->send_buf = malloc(2 * SEND_BUF_BYTES);  /* room for one past the limit */
	if (!q->recv_buf || !q->send_buf) {
		rc = -ENOMEM;
		goto fail;
	}
	q->batch = mnl_nlmsg_batch_start(q->send_buf, SEND_BUF_BYTES);
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!q->batch || !q->nl) {
		rc = q->batch ? -errno : -ENOMEM;
		goto fail;
	}
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	q->seq = (unsigned)time(NULL);
	/* A full socket buffer would make the kernel drop packets: make it
	 * large (FORCE works as root, the plain option is the fallback), and
	 * do not report overruns as errors. */
	if (setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUF,
				 &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one)) < 0) {
		rc = -errno;
		goto fail;
	}
	*out = q;
	return 0;
fail:
	nfqueue_close(q);
	return rc;
}

/* Sends one configuration request and waits for its ACK. */
static int config_talk(struct nfqueue *q, struct nlmsghdr *nlh)
{
	unsigned seq = ++q->seq;
	ssize_t n;
	int rc;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(q->nl, q->recv_buf, RECV_BUF_BYTES);
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(q->recv_buf, (size_t)n, seq, q->portid, NULL, NULL);
	} while (rc == MNL_CB_OK);   /* MNL_CB_STOP: the ACK */
	return rc < 0 ? -errno : 0;
}

int nfqueue_bind(struct nfqueue *q, uint16_t queue_num, uint32_t maxlen)
{
	char buf[CONFIG_MSG_BYTES];
	struct nlmsghdr *nlh;
	int rc;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	rc = config_talk(q, nlh);
	if (rc < 0)
		return rc;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, NFQUEUE_COPY_BYTES);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
	/* Explicitly off: fail-open and GSO (see nfqueue.h). */
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(0));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	return config_talk(q, nlh);
}

int nfqueue_set_maxlen(struct nfqueue *q, uint16_t queue_num, uint32_t maxlen)
{
	char buf[CONFIG_MSG_BYTES];
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
	nlh->nlmsg_seq = ++q->seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static void packet_message(const struct nlmsghdr *nlh, nfqueue_packet_fn fn, void *ctx)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nfqnl_msg_packet_hdr *ph;
	const uint8_t *head = NULL;
	size_t headlen = 0;
	uint32_t len = 0;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	if (attr[NFQA_PAYLOAD]) {
		head = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		headlen = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	if (attr[NFQA_CAP_LEN])
		len = ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]));
	else
		len = (uint32_t)headlen;
	fn(ctx, ntohs(nfg->res_id), ntohl(ph->packet_id), len, head, headlen);
}

int nfqueue_receive(struct nfqueue *q, int max_reads, nfqueue_packet_fn fn, void *ctx)
{
	int fd = mnl_socket_get_fd(q->nl), packets = 0, reads;

	for (reads = 0; reads < max_reads; reads++) {
		ssize_t n = recv(fd, q->recv_buf, RECV_BUF_BYTES, MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int left;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENOBUFS)
				continue;
			return -errno;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)q->recv_buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type ==
			    ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)) {
				packet_message(nlh, fn, ctx);
				packets++;
			}
			/* NLMSG_ERROR: the answer to an unacknowledged
			 * configuration request; nothing to do. */
		}
	}
	return packets;
}

int nfqueue_flush(struct nfqueue *q)
{
	size_t len;
	int rc = 0;

	len = mnl_nlmsg_batch_size(q->batch);
	if (len > 0 && mnl_socket_sendto(q->nl, mnl_nlmsg_batch_head(q->batch), len) < 0)
		rc = -errno;
	mnl_nlmsg_batch_reset(q->batch);
	return rc;
}

int nfqueue_verdict(struct nfqueue *q, uint16_t queue_num, uint32_t id, int verdict)
{
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(mnl_nlmsg_batch_current(q->batch), NFQNL_MSG_VERDICT, queue_num);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	if (!mnl_nlmsg_batch_next(q->batch)) {
		/* The message did not fit: send what came before, then it. */
		int rc;
		size_t len = mnl_nlmsg_batch_size(q->batch);

		rc = mnl_socket_sendto(q->nl, mnl_nlmsg_batch_head(q->batch), len) < 0 ? -errno : 0;
		mnl_nlmsg_batch_reset(q->batch);   /* moves the overflowing one to the head */
		return rc;
	}
	return 0;
}
