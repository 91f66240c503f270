/*
 * enginetest_observed.c: runs with packet capture and pcap files, and what
 * the files must hold (see enginetest.h, "captured runs").
 */
#include "tests/lib/enginetest.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/tcpdecode.h"
#include "tests/lib/testlib.h"

/* Temporary directories of this test program: /tmp/nf-obs-<runner pid>-... */
static char tmp_prefix[64];

void observed_tmp_init(void)
{
	snprintf(tmp_prefix, sizeof(tmp_prefix), "/tmp/nf-obs-%d-", (int)getpid());
}

void observed_tmp_remove_all(void)
{
	const char *base = tmp_prefix + strlen("/tmp/");
	char path[512];
	struct dirent *de;
	DIR *d = opendir("/tmp");

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, base, strlen(base)))
			continue;
		snprintf(path, sizeof(path), "/tmp/%s", de->d_name);
		remove_dir(path);
	}
	if (d)
		closedir(d);
}

void observed_tmp_dir(char *buf, size_t len, const char *kind)
{
	snprintf(buf, len, "%s%s-XXXXXX", tmp_prefix, kind);
	ck_assert_ptr_nonnull(mkdtemp(buf));
}

json_t *run_observed(const struct scenario *sc, struct run_log *log, const char *run_dir,
		     bool no_pcap, int *ret_out)
{
	struct engine_opts opts = { .run_dir = run_dir };
	json_t *result;
	int ret;

	log->pcap_dir[0] = '\0';
	if (!no_pcap) {
		observed_tmp_dir(log->pcap_dir, sizeof(log->pcap_dir), "pcap");
		opts.pcap_dir = log->pcap_dir;
	}
	ret = run_and_check(sc, &opts, log, &result);
	if (ret_out)
		*ret_out = ret;
	return result;
}

void observed_done(struct run_log *log)
{
	log_free(log);
	if (log->pcap_dir[0])
		remove_dir(log->pcap_dir);
	log->pcap_dir[0] = '\0';
}

/* ---- the pcap files -------------------------------------------------------- */

struct pcap_facts {
	size_t packets;
	/* arriving at the host: FIN / RST segments, with their times (mono ns) */
	int64_t fin_in[64], rst_in[64];
	size_t nfin, nrst;
	size_t retries_out;        /* retransmissions and probes leaving it */
};

/* Reads FILE: every frame decodes; collects what arrived at ADDR and what
 * it sent again. */
static void pcap_read(const char *file, const struct ip_endpoint *addr, int64_t rt_minus_mono,
		      struct pcap_facts *pf)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	uint32_t max_end[64] = { 0 };
	struct ip_endpoint peer[64];
	size_t npeer = 0;
	pcap_t *p;
	int rc;

	memset(pf, 0, sizeof(*pf));
	p = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	ck_assert_msg(p != NULL, "%s: %s", file, errbuf);
	ck_assert_int_eq(pcap_datalink(p), DLT_EN10MB);
	while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
		struct decoded_packet d;
		int64_t mono = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec - rt_minus_mono;
		uint32_t len, end;
		size_t k;

		pf->packets++;
		if (decode_ethernet_frame(bytes, h->caplen, &d) < 0 || d.kind != DECODED_TCP)
			continue;
		if (ip_endpoint_same_addr(&d.dst, addr)) {
			if ((d.tcp_flags & TCPDECODE_FIN) && pf->nfin < 64)
				pf->fin_in[pf->nfin++] = mono;
			if ((d.tcp_flags & TCPDECODE_RST) && pf->nrst < 64)
				pf->rst_in[pf->nrst++] = mono;
			continue;
		}
		if (!ip_endpoint_same_addr(&d.src, addr) || (d.tcp_flags & TCPDECODE_RST))
			continue;
		for (k = 0; k < npeer && !ip_endpoint_equal(&peer[k], &d.dst); k++)
			;
		if (k == npeer && npeer < 64)
			peer[npeer++] = d.dst;
		if (k >= 64)
			continue;
		len = d.payload_len + !!(d.tcp_flags & TCPDECODE_SYN) + !!(d.tcp_flags & TCPDECODE_FIN);
		end = d.seq + len;
		/* data, SYN or FIN sent again, or an empty probe one below the top */
		if (max_end[k] && ((len > 0 && (int32_t)(end - max_end[k]) <= 0) ||
				   (len == 0 && d.tcp_flags == TCPDECODE_ACK &&
				    d.seq == max_end[k] - 1)))
			pf->retries_out++;
		if (!max_end[k] || (int32_t)(end - max_end[k]) > 0)
			max_end[k] = end;
	}
	ck_assert_int_eq(rc, PCAP_ERROR_BREAK);
	pcap_close(p);
}

static bool near_any(const int64_t *ts, size_t n, int64_t t, int64_t tol)
{
	for (size_t i = 0; i < n; i++)
		if (ts[i] >= t - tol && ts[i] <= t + tol)
			return true;
	return false;
}

static int64_t t0_mono_ns(const struct run_log *log)
{
	json_t *ev;
	size_t i;

	json_array_foreach(log->events, i, ev)
		if (!strcmp(nf_json_str(ev, "event"), "t0"))
			return (int64_t)json_integer_value(json_object_get(ev, "clock_monotonic_us")) *
			       1000;
	ck_abort_msg("no t0 event");
	return 0;
}

/* A "packet" event at HOST, into it, with flag letter FLAG, at T (s). */
static bool packet_event_at(const struct run_log *log, const char *host, char flag, double t)
{
	json_t *ev;
	size_t i;

	json_array_foreach(log->events, i, ev) {
		const char *flags = json_string_value(json_object_get(ev, "flags"));

		if (strcmp(nf_json_str(ev, "event"), "packet") || strcmp(nf_json_str(ev, "host"), host) ||
		    strcmp(nf_json_str(ev, "dir"), "in") || !flags || !strchr(flags, flag))
			continue;
		if (json_real_value(json_object_get(ev, "t")) > t - 2e-6 &&
		    json_real_value(json_object_get(ev, "t")) < t + 2e-6)
			return true;
	}
	return false;
}

/* The host's address as the topology event says. */
static void host_addr(const struct run_log *log, const char *host, struct ip_endpoint *e)
{
	json_t *ev, *h;
	size_t i, k;

	json_array_foreach(log->events, i, ev) {
		if (strcmp(nf_json_str(ev, "event"), "topology"))
			continue;
		json_array_foreach(json_object_get(ev, "hosts"), k, h) {
			char addr[64];

			if (strcmp(nf_json_str(h, "name"), host))
				continue;
			snprintf(addr, sizeof(addr), "%s", nf_json_str(h, "addr"));
			addr[strcspn(addr, "/")] = '\0';
			ck_assert_int_eq(ip_endpoint_parse(e, addr, 0), 0);
			return;
		}
	}
	ck_abort_msg("host %s not in the topology", host);
}

/* The first capture (boot 1) of HOST in the result. */
static json_t *capture_of(json_t *result, const char *host)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(result, "captures"), i, c)
		if (!strcmp(nf_json_str(c, "host"), host) &&
		    json_integer_value(json_object_get(c, "boot")) == 1)
			return c;
	ck_abort_msg("no capture of host %s", host);
	return NULL;
}

void check_captures(json_t *result, const struct run_log *log)
{
	int64_t t0 = t0_mono_ns(log);
	json_t *c, *app;
	size_t i;

	json_array_foreach(json_object_get(result, "captures"), i, c) {
		const char *file = json_string_value(json_object_get(c, "file"));
		struct ip_endpoint addr;
		struct pcap_facts pf;
		struct stat st;

		ck_assert_msg(file != NULL, "capture of %s has no file", nf_json_str(c, "host"));
		ck_assert_msg(json_is_null(json_object_get(c, "error")), "capture %s: %s", file,
			      json_string_value(json_object_get(c, "error")));
		ck_assert_msg(stat(file, &st) == 0, "%s: %s", file, strerror(errno));
		host_addr(log, nf_json_str(c, "host"), &addr);
		pcap_read(file, &addr, log->rt_minus_mono_ns, &pf);
		ck_assert_uint_eq(pf.packets,
				  (size_t)json_integer_value(json_object_get(c, "written")));
		ck_assert_int_eq(json_integer_value(json_object_get(c, "kernel_dropped")), 0);
	}
	json_array_foreach(json_object_get(result, "apps"), i, app) {
		json_t *wire = json_object_get(json_object_get(app, "views"), "wire");
		const char *host = nf_json_str(app, "host"), *kind;
		struct ip_endpoint addr;
		struct pcap_facts pf;
		int64_t t;

		ck_assert_msg(json_is_true(json_object_get(app, "agree")),
			      "app %s: the views disagree: %s", nf_json_str(app, "app"),
			      json_dumps(json_object_get(app, "views"), JSON_COMPACT));
		if (!json_is_object(wire))
			continue;
		kind = nf_json_str(wire, "verdict");
		if (!strcmp(kind, "nothing"))
			continue;
		host_addr(log, host, &addr);
		pcap_read(nf_json_str(capture_of(result, host), "file"), &addr, log->rt_minus_mono_ns, &pf);
		t = t0 + (int64_t)(json_real_value(json_object_get(wire, "t")) * 1e9);
		if (!strcmp(kind, "fin")) {
			ck_assert_msg(near_any(pf.fin_in, pf.nfin, t, 1000000),
				      "app %s: no FIN arriving at %.6fs in the pcap", nf_json_str(app, "app"),
				      (double)(t - t0) / 1e9);
			ck_assert(packet_event_at(log, host, 'F',
						  json_real_value(json_object_get(wire, "t"))));
		} else if (!strcmp(kind, "rst") || !strcmp(kind, "refused")) {
			ck_assert_msg(near_any(pf.rst_in, pf.nrst, t, 1000000),
				      "app %s: no RST arriving at %.6fs in the pcap", nf_json_str(app, "app"),
				      (double)(t - t0) / 1e9);
			ck_assert(packet_event_at(log, host, 'R',
						  json_real_value(json_object_get(wire, "t"))));
		} else if (!strcmp(kind, "timeout")) {
			ck_assert_msg(pf.retries_out >= 1, "app %s: timeout, but no retransmission "
				      "or probe in the pcap", nf_json_str(app, "app"));
		}
	}
}
