/*
 * nfqueue.h: one nfnetlink_queue socket (libmnl + libnetfilter_queue's
 * nfq_nlmsg_* helpers) serving some queue numbers in the calling thread's
 * network namespace: bind, read queued packets, send verdicts in batches.
 *
 * Queues are bound without NFQA_CFG_F_FAIL_OPEN: when a queue is full the
 * kernel drops the packet (a tail drop, like netem's limit) instead of
 * letting it pass undelayed and out of order; and without NFQA_CFG_F_GSO, so
 * the kernel segments GSO packets first and loss and rate see real frames.
 * Packets are copied only up to NFQUEUE_COPY_BYTES; their full length comes
 * from NFQA_CAP_LEN.
 *
 * Closing the socket makes the kernel drop every packet still held.
 * Functions return 0 (or a count) or a negative errno. Nothing prints.
 */
#ifndef NETFAULT_NFQUEUE_H
#define NETFAULT_NFQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFQUEUE_COPY_BYTES 64
#define NFQUEUE_RCVBUF     (8 * 1024 * 1024)

struct nfqueue;

/* Called for each queued packet: its queue number, id and full length, and
 * its first HEADLEN bytes (at most NFQUEUE_COPY_BYTES, from the IP header
 * on; HEAD is NULL when the kernel sent none). */
typedef void (*nfqueue_packet_fn)(void *ctx, uint16_t queue_num, uint32_t id,
				  uint32_t len, const uint8_t *head, size_t headlen);

int nfqueue_open(struct nfqueue **out);
void nfqueue_close(struct nfqueue *q);
int nfqueue_fd(const struct nfqueue *q);
/* Binds QUEUE_NUM (-EBUSY when another socket has it) holding at most
 * MAXLEN packets; set_maxlen changes the bound later. */
int nfqueue_bind(struct nfqueue *q, uint16_t queue_num, uint32_t maxlen);
int nfqueue_set_maxlen(struct nfqueue *q, uint16_t queue_num, uint32_t maxlen);
/* Reads what the socket holds without blocking, at most MAX_READS reads,
 * calling FN per packet. Returns the number of packets, 0 when none was
 * waiting, or negative errno. */
int nfqueue_receive(struct nfqueue *q, int max_reads, nfqueue_packet_fn fn,
		    void *ctx);
/* Adds a verdict (NF_ACCEPT or NF_DROP) to the pending batch, sending the
 * batch first when it is full. */
int nfqueue_verdict(struct nfqueue *q, uint16_t queue_num, uint32_t id,
		    int verdict);
/* Sends the pending batch. */
int nfqueue_flush(struct nfqueue *q);

#endif
