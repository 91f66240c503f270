/*
 * capture.h: packet capture on one interface inside a network namespace,
 * with libpcap, for the engine's wire view of a run.
 *
 * capture_open() enters the namespace in the calling thread, creates and
 * activates a libpcap handle there (nanosecond timestamps, immediate
 * delivery, a small snaplen: headers only) and switches back; the handle's
 * packet socket stays in that namespace for its whole life. Each packet is
 * then both
 *   - written to a pcap file (libpcap's own writer, nanosecond magic
 *     0xa1b23c4d, which tcpdump -r and Wireshark open), and
 *   - handed to a callback, e.g. decode_ethernet_frame() (tcpdecode.h).
 *
 * The handle is non-blocking: capture_fd() is a descriptor to poll/epoll for
 * reading (level-triggered), and capture_dispatch() handles what is ready
 * without waiting, so one event loop serves the captures of every host.
 *
 * Bounds, per capture: the kernel ring (CAPTURE_DEFAULT_BUFFER, 1 MiB,
 * locked kernel memory), one dispatch handles at most CAPTURE_DISPATCH_MAX
 * packets, the file stops growing at CAPTURE_DEFAULT_MAX_FILE bytes or
 * CAPTURE_DEFAULT_MAX_PACKETS packets (both adjustable); packets past the cap
 * still reach the callback and are counted in capture_stats.not_written.
 *
 * Timestamps are the kernel's, taken when the packet passed the interface
 * (CLOCK_REALTIME, as pcap files carry), and are also given on
 * CLOCK_MONOTONIC, the clock of the engine's run (common/monotime.h).
 *
 * Errors are negative errno values; capture_error() gives libpcap's text for
 * the last one. Nothing here prints. A capture is used by one thread at a
 * time; the callback must not close the capture it is called from.
 */
#ifndef NETFAULT_CAPTURE_H
#define NETFAULT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CAPTURE_DEFAULT_SNAPLEN     256          /* Ethernet+IPv6+TCP options fit */
#define CAPTURE_MIN_SNAPLEN         64
#define CAPTURE_MAX_SNAPLEN         65535
#define CAPTURE_DEFAULT_BUFFER      (1u << 20)   /* kernel ring, bytes */
#define CAPTURE_MAX_BUFFER          (64u << 20)
#define CAPTURE_DEFAULT_MAX_FILE    (64ull << 20) /* pcap file, bytes */
#define CAPTURE_DEFAULT_MAX_PACKETS 1000000ull   /* pcap file, packets */
#define CAPTURE_DISPATCH_MAX        1024         /* packets per dispatch */

struct capture;

struct capture_packet {
	struct timespec ts;      /* kernel timestamp, CLOCK_REALTIME, ns */
	int64_t mono_ns;         /* the same moment on CLOCK_MONOTONIC */
	const uint8_t *data;     /* CAPLEN bytes; valid during the callback only */
	uint32_t caplen;         /* bytes captured (<= snaplen) */
	uint32_t len;            /* bytes of the frame on the wire */
	uint64_t index;          /* 0-based number of the packet in this capture */
	bool in_file;            /* also written to the pcap file */
};

typedef void capture_packet_fn(void *user, const struct capture_packet *pkt);

struct capture_config {
	const char *ifname;          /* interface inside the namespace: "eth0" */
	const char *pcap_path;       /* file to write (truncated); NULL: none */
	const char *filter;          /* BPF text ("tcp or icmp or icmp6");
	                                NULL: every packet */
	int snaplen;                 /* 0: CAPTURE_DEFAULT_SNAPLEN */
	unsigned buffer_bytes;       /* 0: CAPTURE_DEFAULT_BUFFER */
	uint64_t max_file_bytes;     /* 0: CAPTURE_DEFAULT_MAX_FILE */
	uint64_t max_file_packets;   /* 0: CAPTURE_DEFAULT_MAX_PACKETS */
	capture_packet_fn *on_packet; /* may be NULL */
	void *user;                  /* passed to on_packet */
};

struct capture_stats {
	uint64_t packets;            /* handed out by capture_dispatch */
	uint64_t written;            /* of those, written to the file */
	uint64_t not_written;        /* past the file cap, or after a write error */
	uint64_t file_bytes;         /* size of the file so far */
	bool file_full;              /* the cap was reached */
	int file_error;              /* 0, or negative errno of a failed write */
	uint32_t kernel_dropped;     /* ring overflowed (pcap_stats ps_drop) */
	uint32_t if_dropped;         /* pcap_stats ps_ifdrop */
};

/*
 * Opens a capture of CFG->ifname inside the namespace NSFD (an fd from
 * netns_open); NSFD < 0 means the calling thread's current namespace.
 * Errors: -EINVAL (bad config or BPF filter), -ENODEV (no such interface),
 * -EPERM, -ENETDOWN, -EIO (other libpcap failure), or the errno of entering
 * the namespace or creating the file. When ERR is not NULL it receives a
 * short text saying which step failed.
 */
int capture_open(struct capture **out, int nsfd, const struct capture_config *cfg,
		 char *err, size_t errlen);

/* The descriptor to poll for POLLIN. */
int capture_fd(const struct capture *c);

/*
 * Handles the packets ready now (at most CAPTURE_DISPATCH_MAX), without
 * blocking: each one is written to the file (while under the cap) and
 * given to the callback, in capture order. Then the file is flushed, so
 * every packet handled is in the file when it returns. Returns the number
 * of packets handled (0: none ready), or -ENETDOWN when the interface went
 * down, -ENODEV when it went away (the host was powered off: close this
 * capture and open a new one after power-on), -EIO for another libpcap
 * error. A failing file write is not an error here; see capture_stats.
 */
int capture_dispatch(struct capture *c);

/* Counters, including the kernel's drop counts. */
int capture_get_stats(struct capture *c, struct capture_stats *st);

/* libpcap's text for the last error of C ("" when none). */
const char *capture_error(const struct capture *c);

/*
 * Handles what is still in the ring (so packets captured before the call
 * reach the file and the callback), flushes and closes the file; the
 * handle stays open but reads nothing more (capture_dispatch returns 0).
 * Closing a packet socket waits for the kernel's RCU grace periods (tens
 * of milliseconds on a busy machine): finish a capture when its packets
 * are needed, close it when there is time. Returns as capture_close.
 */
int capture_finish(struct capture *c);

/*
 * capture_finish if not done yet, then closes the handle. Returns 0, or the negative errno of a failed file write (the file
 * is then incomplete). Accepts NULL.
 */
int capture_close(struct capture *c);

#endif
