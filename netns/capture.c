/*
 * capture.c: libpcap capture inside a network namespace, to a pcap file and
 * a callback at once (capture.h).
 *
 * libpcap opens its AF_PACKET socket at pcap_activate(), in the calling
 * thread's namespace, and a socket keeps the namespace it was made in; so the
 * thread enters the host's namespace only around pcap_create/pcap_activate.
 * Nanosecond precision has to be asked for before activation (hence
 * pcap_create rather than pcap_open_live); with it, libpcap's dump writer
 * puts the nanosecond magic 0xa1b23c4d in the file header by itself.
 */
#include "netns/capture.h"
#include "netns/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCAP_FILE_HEADER_LEN   24
#define PCAP_RECORD_HEADER_LEN 16
#define CAPTURE_CLOSE_ROUNDS   64   /* dispatches at close: bounds the drain */
#define CAPTURE_READ_TIMEOUT_MS 100 /* only for blocking reads, unused here */

struct capture {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	capture_packet_fn *on_packet;
	void *user;
	uint64_t max_file_bytes, max_file_packets;
	bool wrote_since_flush;
	bool finished;             /* capture_finish: nothing read any more */
	struct capture_stats stats;
	char error[PCAP_ERRBUF_SIZE];
};

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The offset between the two clocks now, read as close together as the
 * clocks allow (monotonic sampled on both sides of the real-time read). */
static int64_t clock_offset_ns(void)
{
	struct timespec m1, r, m2;

	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	return timespec_ns(&r) - (timespec_ns(&m1) + (timespec_ns(&m2) - timespec_ns(&m1)) / 2);
}

static void set_err(char *err, size_t errlen, const char *step, const char *detail)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s", step, detail && detail[0] ? ": " : "",
			 detail ? detail : "");
}

/* pcap_activate/pcap_create status -> negative errno. */
static int pcap_status_errno(int status)
{
	switch (status) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return -ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return -EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		return -ENETDOWN;
	default:
		return -EIO;
	}
}

static int set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

/* What handle_open_here needs (netns_call_in's ARG). */
struct handle_open {
	struct capture *c;
	const struct capture_config *cfg;
	int snaplen;
	unsigned buffer_bytes;
	char *err;
	size_t errlen;
};

/* The pcap handle, created and activated where the thread is. */
static int handle_open_here(void *arg)
{
	struct handle_open *a = arg;
	struct capture *c = a->c;
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int status;

	c->pcap = pcap_create(a->cfg->ifname, ebuf);
	if (!c->pcap) {
		set_err(a->err, a->errlen, "pcap_create", ebuf);
		return -EIO;
	}
	if (pcap_set_snaplen(c->pcap, a->snaplen) != 0 ||
	    pcap_set_immediate_mode(c->pcap, 1) != 0 ||
	    pcap_set_timeout(c->pcap, CAPTURE_READ_TIMEOUT_MS) != 0 ||
	    pcap_set_buffer_size(c->pcap, (int)a->buffer_bytes) != 0 ||
	    pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO) != 0) {
		set_err(a->err, a->errlen, "pcap options", pcap_geterr(c->pcap));
		return -EINVAL;
	}
	/* status > 0 is a warning (e.g. a timestamp type fallback): fine */
	status = pcap_activate(c->pcap);
	if (status < 0) {
		set_err(a->err, a->errlen, "pcap_activate",
			status == PCAP_ERROR ? pcap_geterr(c->pcap) : pcap_statustostr(status));
		return pcap_status_errno(status);
	}
	return 0;
}

/* The pcap handle, created and activated inside NSFD (or here if < 0).
 * The thread always returns to where it was; if it cannot (only possible
 * for a caller without the privilege it used to enter), that is the error. */
static int open_handle_in_netns(struct capture *c, int nsfd,
				const struct capture_config *cfg, int snaplen,
				unsigned buffer_bytes, char *err, size_t errlen)
{
	struct handle_open a = { c, cfg, snaplen, buffer_bytes, err, errlen };
	int rc;

	if (nsfd < 0)
		return handle_open_here(&a);
	rc = netns_call_in(nsfd, handle_open_here, &a);
	if (rc < 0 && err && errlen && !err[0])   /* not handle_open_here's own */
		set_err(err, errlen, "enter or leave the namespace", strerror(-rc));
	return rc;
}

static int install_filter(struct capture *c, const char *filter,
			  char *err, size_t errlen)
{
	struct bpf_program prog;
	int rc = 0;

	if (pcap_compile(c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		set_err(err, errlen, "filter", pcap_geterr(c->pcap));
		return -EINVAL;
	}
	if (pcap_setfilter(c->pcap, &prog) != 0) {
		set_err(err, errlen, "pcap_setfilter", pcap_geterr(c->pcap));
		rc = -EIO;
	}
	pcap_freecode(&prog);
	return rc;
}

static int open_file(struct capture *c, const char *path, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	errno = 0;
	c->dumper = pcap_dump_open(c->pcap, path);
	if (!c->dumper) {
		set_err(err, errlen, "pcap_dump_open", pcap_geterr(c->pcap));
		return errno ? -errno : -EIO;
	}
	f = pcap_dump_file(c->dumper);
	rc = set_cloexec(fileno(f));
	if (rc < 0) {
		set_err(err, errlen, "pcap file", strerror(-rc));
		return rc;
	}
	errno = 0;
	if (pcap_dump_flush(c->dumper) != 0) {
		rc = errno ? -errno : -EIO;
		set_err(err, errlen, "pcap file header", strerror(-rc));
		return rc;
	}
	c->stats.file_bytes = PCAP_FILE_HEADER_LEN;
	return 0;
}

static bool config_valid(const struct capture_config *cfg)
{
	return cfg && cfg->ifname && cfg->ifname[0] &&
	       (cfg->snaplen == 0 || (cfg->snaplen >= CAPTURE_MIN_SNAPLEN &&
				      cfg->snaplen <= CAPTURE_MAX_SNAPLEN)) &&
	       cfg->buffer_bytes <= CAPTURE_MAX_BUFFER;
}

int capture_open(struct capture **out, int nsfd, const struct capture_config *cfg,
		 char *err, size_t errlen)
{
	struct capture *c = NULL;
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int rc;

	*out = NULL;
	set_err(err, errlen, "", NULL);
	if (!config_valid(cfg)) {
		set_err(err, errlen, "capture config", "bad interface, snaplen or buffer");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->on_packet = cfg->on_packet;
	c->user = cfg->user;
	c->max_file_bytes = cfg->max_file_bytes ? cfg->max_file_bytes : CAPTURE_DEFAULT_MAX_FILE;
	c->max_file_packets = cfg->max_file_packets ? cfg->max_file_packets
						    : CAPTURE_DEFAULT_MAX_PACKETS;

	rc = open_handle_in_netns(c, nsfd, cfg,
				  cfg->snaplen ? cfg->snaplen : CAPTURE_DEFAULT_SNAPLEN,
				  cfg->buffer_bytes ? cfg->buffer_bytes : CAPTURE_DEFAULT_BUFFER,
				  err, errlen);
	if (rc < 0)
		goto fail;
	if (pcap_datalink(c->pcap) != DLT_EN10MB) {
		set_err(err, errlen, "capture", "interface is not Ethernet");
		rc = -EPROTONOSUPPORT;
		goto fail;
	}
	if (cfg->filter) {
		rc = install_filter(c, cfg->filter, err, errlen);
		if (rc < 0)
			goto fail;
	}
	if (pcap_setnonblock(c->pcap, 1, ebuf) != 0) {
		set_err(err, errlen, "pcap_setnonblock", ebuf);
		rc = -EIO;
		goto fail;
	}
	if (pcap_get_selectable_fd(c->pcap) < 0) {
		set_err(err, errlen, "capture", "no selectable descriptor");
		rc = -EIO;
		goto fail;
	}
	rc = set_cloexec(pcap_get_selectable_fd(c->pcap));
	if (rc < 0) {
		set_err(err, errlen, "capture socket", strerror(-rc));
		goto fail;
	}
	if (cfg->pcap_path) {
		rc = open_file(c, cfg->pcap_path, err, errlen);
		if (rc < 0)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	if (c->dumper)
		pcap_dump_close(c->dumper);
	if (c->pcap)
		pcap_close(c->pcap);
	free(c);
	return rc;
}

int capture_fd(const struct capture *c)
{
	return pcap_get_selectable_fd(c->pcap);
}

const char *capture_error(const struct capture *c)
{
	return c->error;
}

static bool file_has_room(const struct capture *c, uint32_t caplen)
{
	return c->dumper && !c->stats.file_full && c->stats.file_error == 0 &&
	       c->stats.written < c->max_file_packets &&
	       c->stats.file_bytes + PCAP_RECORD_HEADER_LEN + caplen <= c->max_file_bytes;
}

struct dispatch_ctx {
	struct capture *c;
	int64_t real_minus_mono_ns;
};

static void handle_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct dispatch_ctx *ctx = (struct dispatch_ctx *)arg;
	struct capture *c = ctx->c;
	struct capture_packet pkt;

	pkt.ts.tv_sec = h->ts.tv_sec;
	pkt.ts.tv_nsec = h->ts.tv_usec;   /* nanoseconds with NANO precision */
	pkt.mono_ns = timespec_ns(&pkt.ts) - ctx->real_minus_mono_ns;
	pkt.data = bytes;
	pkt.caplen = h->caplen;
	pkt.len = h->len;
	pkt.index = c->stats.packets++;
	pkt.in_file = file_has_room(c, h->caplen);
	if (pkt.in_file) {
		pcap_dump((u_char *)c->dumper, h, bytes);
		c->stats.written++;
		c->stats.file_bytes += PCAP_RECORD_HEADER_LEN + h->caplen;
		c->wrote_since_flush = true;
	} else {
		c->stats.not_written++;
		if (c->dumper && c->stats.file_error == 0)
			c->stats.file_full = true;
	}
	if (c->on_packet)
		c->on_packet(c->user, &pkt);
}

static void flush_file(struct capture *c)
{
	if (!c->dumper || !c->wrote_since_flush || c->stats.file_error)
		return;
	c->wrote_since_flush = false;
	errno = 0;
	if (pcap_dump_flush(c->dumper) != 0 || ferror(pcap_dump_file(c->dumper)))
		c->stats.file_error = errno ? -errno : -EIO;
}

int capture_dispatch(struct capture *c)
{
	struct dispatch_ctx ctx = { c, clock_offset_ns() };
	int n;

	if (c->finished)
		return 0;
	c->error[0] = '\0';
	errno = 0;
	n = pcap_dispatch(c->pcap, CAPTURE_DISPATCH_MAX, handle_packet, (u_char *)&ctx);
	flush_file(c);
	if (n >= 0)
		return n;
	snprintf(c->error, sizeof(c->error), "%s", pcap_geterr(c->pcap));
	if (strstr(c->error, "disappeared") || strstr(c->error, "went down"))
		return -ENETDOWN;
	return -EIO;
}

int capture_get_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	if (pcap_stats(c->pcap, &ps) == 0) {
		c->stats.kernel_dropped = ps.ps_drop;
		c->stats.if_dropped = ps.ps_ifdrop;
	}
	*st = c->stats;
	return 0;
}

int capture_finish(struct capture *c)
{
	int rc = 0;

	if (!c || c->finished)
		return 0;
	for (int i = 0; i < CAPTURE_CLOSE_ROUNDS; i++)
		if (capture_dispatch(c) < CAPTURE_DISPATCH_MAX)
			break;
	if (c->dumper) {
		flush_file(c);
		rc = c->stats.file_error;
		pcap_dump_close(c->dumper);
		c->dumper = NULL;
	}
	c->finished = true;
	return rc;
}

int capture_close(struct capture *c)
{
	int rc;

	if (!c)
		return 0;
	rc = capture_finish(c);
	pcap_close(c->pcap);
	free(c);
	return rc;
}
