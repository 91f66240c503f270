/*
 * test_observe_engine.c: the engine's own observation of a run, for real
 * (root): packet capture with pcap files, sock_diag sampling, the views'
 * cross-check, and real programs (cmd apps).
 *
 *   - every scenarios/NAME.yaml runs with a pcap directory: it passes, the
 *     pcap files named in the result exist and open with libpcap, they hold
 *     the packets that decided each verdict (the FIN or RST that arrived,
 *     the retransmissions or probes that went unanswered), the "packet"
 *     events name the same packet at the same instant, and every app's
 *     views agree; a scenario whose cmd program is not installed is
 *     skipped with its name;
 *   - the nginx scenario reproduces "(32: Broken pipe)" in nginx's log,
 *     three runs out of three, quoted in the result;
 *   - the socat scenario: socat's verdict from the wire and its kernel;
 *   - cmd apps: files:, ${APPDIR}, user:, a kept run directory; a missing
 *     program and a program dying before t0 fail the run with a reason.
 *
 * After every run: no namespace of it in /run/netns, none of its processes
 * alive, no temporary run directory left, the root namespace unchanged.
 * Scenarios come from $NF_SCENARIO_DIR (default "scenarios").
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/monotime.h"
#include "engine/engine.h"
#include "netns/netns.h"
#include "netns/tcpdecode.h"
#include "scenario/scenario.h"
#include "tests/lib/testlib.h"

#define MAX_FILES 64
#define TEST_TIMEOUT_S 90
#define NGINX_RUNS 3

static char *scenario_dir;
/* Temporary directories of this test program: /tmp/nf-obs-<runner pid>-...;
 * main() removes them all at the end, also those of a failed test. */
static char tmp_prefix[64];
static char *files[MAX_FILES];
static int nfiles;

/* ---- running ------------------------------------------------------------- */

struct run_log {
	json_t *events;
	int64_t rt_minus_mono_ns;   /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	char pcap_dir[96];
};

static void log_event(json_t *ev, void *ctx)
{
	struct run_log *log = ctx;

	if (getenv("NF_TEST_EVENTS")) {
		char *text = json_dumps(ev, JSON_COMPACT);

		fprintf(stderr, "%s\n", text);
		free(text);
	}
	json_array_append(log->events, ev);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* True when a process of group PGID lives (zombies waiting for init to
 * reap them do not count: they hold nothing). */
static bool group_alive(pid_t pgid)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	bool alive = false;
	DIR *d = opendir("/proc");
	FILE *f;

	while (d && !alive && (de = readdir(d))) {
		char state;
		int pgrp;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.200s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* pid (comm) state ppid pgrp: comm may hold spaces */
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = true;
		fclose(f);
	}
	if (d)
		closedir(d);
	return alive;
}

static void remove_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			remove_dir(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The first cmd program of SC that is not installed, or NULL. */
static const char *missing_program(const struct scenario *sc)
{
	for (size_t i = 0; i < sc->napps; i++) {
		const char *p = sc->apps[i].cmd ? sc->apps[i].cmd[0] : NULL;
		char buf[512];

		if (!p)
			continue;
		if (strchr(p, '/')) {
			if (access(p, X_OK) != 0)
				return p;
			continue;
		}
		snprintf(buf, sizeof(buf), "command -v %s >/dev/null 2>&1", p);
		if (system(buf) != 0)
			return p;
	}
	return NULL;
}

/* Runs SC with a pcap directory (unless NO_PCAP) and OPTS' extras; checks
 * that nothing of it is left. */
static json_t *run(const struct scenario *sc, struct run_log *log, const char *run_dir,
		   bool no_pcap, int *ret_out)
{
	struct engine_opts opts = { .on_event = log_event, .ctx = log, .run_dir = run_dir };
	char *snapshot = nf_root_snapshot(), *after, left[64] = "";
	const char *rundir;
	json_t *result = NULL, *ev;
	char prefix[32], **names = NULL;
	unsigned id = 0;
	size_t i;
	int ret;

	log->events = json_array();
	log->rt_minus_mono_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	if (!no_pcap) {
		snprintf(log->pcap_dir, sizeof(log->pcap_dir), "%spcap-XXXXXX", tmp_prefix);
		ck_assert_ptr_nonnull(mkdtemp(log->pcap_dir));
		opts.pcap_dir = log->pcap_dir;
	}
	ret = engine_run(sc, &opts, &result);
	ck_assert_ptr_nonnull(result);
	if (ret_out)
		*ret_out = ret;
	/* nothing left behind */
	json_array_foreach(log->events, i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "event"));

		if (!strcmp(kind, "topology"))
			id = (unsigned)json_integer_value(json_object_get(ev, "run"));
		if (!strcmp(kind, "app")) {
			pid_t pid = (pid_t)json_integer_value(json_object_get(ev, "pid"));

			/* each app is a process group: a program's children too */
			ck_assert_msg(pid <= 0 || !group_alive(pid),
				      "a process of app %s (group %d) still exists",
				      nf_json_str(ev, "app"), (int)pid);
		}
	}
	if (id) {
		snprintf(prefix, sizeof(prefix), "nf%u-", id);
		if (netns_list(prefix, &names) > 0)
			snprintf(left, sizeof(left), "%s", names[0]);
		netns_names_free(names);
		ck_assert_msg(!left[0], "namespace %s left after the run", left);
	}
	rundir = json_string_value(json_object_get(result, "run_dir"));
	if (rundir && json_is_false(json_object_get(result, "run_dir_kept")))
		ck_assert_msg(access(rundir, F_OK) < 0 && errno == ENOENT,
			      "temporary run directory %s left", rundir);
	after = nf_root_snapshot();
	ck_assert_msg(!strcmp(snapshot, after), "the root namespace changed");
	free(after);
	free(snapshot);
	return result;
}

static void log_done(struct run_log *log)
{
	json_decref(log->events);
	if (log->pcap_dir[0])
		remove_dir(log->pcap_dir);
	log->pcap_dir[0] = '\0';
}

static struct scenario *load(const char *path)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char msg[512] = "";
	int ret = scenario_load(path, NULL, 0, &sc, &errs);

	if (ret < 0 && errs.n)
		sc_error_format(&errs, 0, msg, sizeof(msg));
	sc_errors_free(&errs);
	ck_assert_msg(ret == 0, "%s: %s", path, msg);
	return sc;
}

static struct scenario *parse(const char *text)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char msg[512] = "";
	int ret = scenario_parse("inline.yaml", text, strlen(text), NULL, 0, &sc, &errs);

	if (ret < 0 && errs.n)
		sc_error_format(&errs, 0, msg, sizeof(msg));
	sc_errors_free(&errs);
	ck_assert_msg(ret == 0, "inline.yaml: %s", msg);
	return sc;
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

/* Every capture file exists and holds what the result says; for each app
 * the packet that decided its wire view is in its host's file. */
static void check_captures(json_t *result, const struct run_log *log)
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

/* ---- every scenario ------------------------------------------------------------ */

START_TEST(test_scenario_observed)
{
	struct run_log log = { 0 };
	struct scenario *sc;
	char path[512];
	const char *missing;
	json_t *result;
	int64_t start = mono_usec();
	int ret;

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/%s", scenario_dir, files[_i]);
	sc = load(path);
	missing = missing_program(sc);
	if (missing) {
		scenario_free(sc);
		NF_SKIP("%s: %s is not installed (scripts/install-deps --test)", files[_i], missing);
	}
	result = run(sc, &log, NULL, false, &ret);
	ck_assert_msg(ret == 0, "%s: %s", path, json_string_value(json_object_get(result, "error")));
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s failed: %s", path,
		      json_string_value(json_object_get(result, "reason")));
	check_captures(result, &log);
	printf("%s: observed, %.1fs\n", files[_i], (double)(mono_usec() - start) / 1e6);
	json_decref(result);
	log_done(&log);
	scenario_free(sc);
}
END_TEST

/* ---- nginx: the seed's Broken pipe -------------------------------------------- */

static json_t *app_of(json_t *result, const char *name)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(result, "apps"), i, a)
		if (!strcmp(nf_json_str(a, "app"), name))
			return a;
	ck_abort_msg("no app %s in the result", name);
	return NULL;
}

START_TEST(test_nginx_broken_pipe)
{
	struct scenario *sc;
	char path[512];
	int got = 0;

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/nginx-broken-pipe.yaml", scenario_dir);
	sc = load(path);
	if (missing_program(sc)) {
		scenario_free(sc);
		NF_SKIP("%s is not installed (apt-get install nginx libnginx-mod-stream)",
			"/usr/sbin/nginx");
	}
	if (access("/usr/lib/nginx/modules/ngx_stream_module.so", R_OK) != 0) {
		scenario_free(sc);
		NF_SKIP("nginx's stream module is not installed (apt-get install "
			"libnginx-mod-stream)");
	}
	for (int k = 0; k < NGINX_RUNS; k++) {
		struct run_log log = { 0 };
		json_t *result = run(sc, &log, NULL, false, NULL), *nginx, *tail, *line, *ev;
		const char *stderr_text, *quoted = NULL;
		bool in_events = false;
		size_t i;

		ck_assert_msg(json_is_true(json_object_get(result, "passed")), "run %d: %s", k + 1,
			      json_string_value(json_object_get(result, "reason")));
		nginx = app_of(result, "nginx");
		stderr_text = json_string_value(json_object_get(json_object_get(nginx, "output"),
								 "stderr"));
		ck_assert_ptr_nonnull(stderr_text);
		tail = json_object_get(nginx, "output_tail");
		json_array_foreach(tail, i, line)
			if (strstr(nf_json_str(line, "line"), "(32: Broken pipe)"))
				quoted = nf_json_str(line, "line");
		json_array_foreach(log.events, i, ev)
			if (!strcmp(nf_json_str(ev, "event"), "output") &&
			    strstr(nf_json_str(ev, "line"), "(32: Broken pipe) while"))
				in_events = true;
		ck_assert_msg(quoted && strstr(stderr_text, "(32: Broken pipe) while") && in_events,
			      "run %d: nginx did not log Broken pipe:\n%s", k + 1, stderr_text);
		printf("nginx run %d: %s\n", k + 1, quoted);
		got++;
		check_captures(result, &log);
		/* nginx's verdict from the wire and its kernel: the client's FIN */
		ck_assert_str_eq(nf_json_str(nginx, "verdict"), "fin");
		ck_assert_str_eq(nf_json_str(json_object_get(json_object_get(nginx, "views"), "wire"),
				     "verdict"), "fin");
		ck_assert_str_eq(nf_json_str(json_object_get(json_object_get(nginx, "views"), "kernel"),
				     "verdict"), "fin");
		json_decref(result);
		log_done(&log);
	}
	ck_assert_int_eq(got, NGINX_RUNS);
	scenario_free(sc);
}
END_TEST

START_TEST(test_socat_timeout)
{
	struct run_log log = { 0 };
	struct scenario *sc;
	json_t *result, *server, *views;
	char path[512];

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/socat-server.yaml", scenario_dir);
	sc = load(path);
	if (missing_program(sc)) {
		scenario_free(sc);
		NF_SKIP("socat is not installed (apt-get install socat)");
	}
	result = run(sc, &log, NULL, false, NULL);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s",
		      json_string_value(json_object_get(result, "reason")));
	server = app_of(result, "server");
	views = json_object_get(server, "views");
	ck_assert(json_is_null(json_object_get(views, "app")));
	ck_assert_str_eq(nf_json_str(json_object_get(views, "wire"), "verdict"), "timeout");
	ck_assert_str_eq(nf_json_str(json_object_get(views, "kernel"), "verdict"), "timeout");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
		json_object_get(server, "output"), "stderr")), "Connection timed out"));
	json_decref(result);
	log_done(&log);
	scenario_free(sc);
}
END_TEST

/* ---- cmd apps: files, ${APPDIR}, user, run directory, failures ------------------ */

/* Whether the unprivileged user nobody can reach DIR and run /bin/sh: not
 * when a parent directory is closed to others (a 0700 chroot or home). */
static bool nobody_reaches(const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(1);
		_exit(access(dir, X_OK) == 0 && access("/bin/sh", X_OK) == 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

START_TEST(test_cmd_files_user_rundir)
{
	static const char text[] =
		"name: a program's files, directory and user\n"
		"duration: 2s\n"
		"apps:\n"
		"  who:\n"
		"    user: nobody\n"
		"    cmd: [sh, -c, 'cat ${APPDIR}/msg.txt; pwd; id -u']\n"
		"    files:\n"
		"      msg.txt: |\n"
		"        hello from ${APPDIR}\n";
	struct run_log log = { 0 };
	struct scenario *sc = parse(text);
	char dir[96], want[512], file[512], buf[512] = "";
	json_t *result, *who;
	const char *out;
	FILE *f;

	NF_REQUIRE_ROOT();
	snprintf(dir, sizeof(dir), "%srun-XXXXXX", tmp_prefix);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	if (!nobody_reaches(dir)) {
		rmdir(dir);
		scenario_free(sc);
		NF_SKIP("user nobody cannot reach %s (a parent directory is closed to others)", dir);
	}
	result = run(sc, &log, dir, true, NULL);
	ck_assert(json_is_null(json_object_get(result, "error")));
	ck_assert_str_eq(json_string_value(json_object_get(result, "run_dir")), dir);
	who = app_of(result, "who");
	out = json_string_value(json_object_get(json_object_get(who, "output"), "stdout"));
	snprintf(want, sizeof(want), "hello from %s/who\n%s/who\n65534\n", dir, dir);
	ck_assert_str_eq(out, want);
	snprintf(want, sizeof(want), "%s/who", dir);
	ck_assert_str_eq(json_string_value(json_object_get(who, "dir")), want);
	snprintf(file, sizeof(file), "%s/who/stdout.log", dir);
	f = fopen(file, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
	fclose(f);
	ck_assert_str_eq(buf, out);
	/* no pcap directory: captured in memory, no files */
	ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(result, "captures"),
							      0), "file")));
	json_decref(result);
	log_done(&log);
	remove_dir(dir);
	scenario_free(sc);
}
END_TEST

/* A real client (socat) started at t0 meets its server's RST: its verdict
 * from the wire and the kernel, at the RST's time. */
START_TEST(test_cmd_client)
{
	static const char text[] =
		"name: a socat client sees its server reset\n"
		"duration: 3s\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    steps: [accept, { send: 5 }, { sleep: 500ms }, abort]\n"
		"  client:\n"
		"    connect: server\n"
		"    cmd: [socat, -d, -d, 'TCP:10.0.0.1:5000', 'SYSTEM:exec sleep 30']\n"
		"expect:\n"
		"  client: { sees: rst, after: 500ms, before: 1s }\n"
		"  server: nothing\n";
	struct run_log log = { 0 };
	struct scenario *sc;
	json_t *result, *client, *ev;
	double started = -1;
	size_t i;

	NF_REQUIRE_ROOT();
	if (system("command -v socat >/dev/null 2>&1") != 0)
		NF_SKIP("socat is not installed (apt-get install socat)");
	sc = parse(text);
	result = run(sc, &log, NULL, false, NULL);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s",
		      json_string_value(json_object_get(result, "reason")));
	client = app_of(result, "client");
	ck_assert_str_eq(nf_json_str(json_object_get(json_object_get(client, "views"), "wire"),
			     "verdict"), "rst");
	check_captures(result, &log);
	/* it started at t0, not before */
	json_array_foreach(log.events, i, ev)
		if (!strcmp(nf_json_str(ev, "event"), "app") && !strcmp(nf_json_str(ev, "app"), "client") &&
		    !strcmp(nf_json_str(ev, "state"), "started"))
			started = json_real_value(json_object_get(ev, "t"));
	ck_assert(started >= 0 && started < 0.1);
	json_decref(result);
	log_done(&log);
	scenario_free(sc);
}
END_TEST

START_TEST(test_cmd_failures)
{
	static const char missing[] =
		"name: no such program\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    cmd: [/nonexistent/server, --port, 5000]\n";
	static const char dies[] =
		"name: a server that dies before it listens\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    cmd: [sh, -c, 'echo bad config line 3 >&2; exit 1']\n";
	struct run_log log = { 0 };
	struct scenario *sc;
	json_t *result;
	const char *err;
	int ret;

	NF_REQUIRE_ROOT();
	sc = parse(missing);
	result = run(sc, &log, NULL, true, &ret);
	ck_assert_int_eq(ret, -ENOENT);
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "cannot run /nonexistent/server: ENOENT"), "error: %s",
		      err ? err : "null");
	json_decref(result);
	log_done(&log);
	scenario_free(sc);

	sc = parse(dies);
	result = run(sc, &log, NULL, true, &ret);
	ck_assert_int_lt(ret, 0);
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "died before t0") && strstr(err, "bad config line 3"),
		      "error: %s", err ? err : "null");
	json_decref(result);
	log_done(&log);
	scenario_free(sc);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

static void tmp_remove_all(void)
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

static Suite *observe_engine_suite(void)
{
	Suite *s = suite_create("observe_engine");
	TCase *all = tcase_create("Kernel: every scenario, captured and cross-checked");
	TCase *real = tcase_create("Kernel: real programs");

	tcase_set_timeout(all, TEST_TIMEOUT_S);
	tcase_set_timeout(real, TEST_TIMEOUT_S);
	tcase_add_loop_test(all, test_scenario_observed, 0, nfiles);
	tcase_add_test(real, test_nginx_broken_pipe);
	tcase_add_test(real, test_socat_timeout);
	tcase_add_test(real, test_cmd_files_user_rundir);
	tcase_add_test(real, test_cmd_client);
	tcase_add_test(real, test_cmd_failures);
	suite_add_tcase(s, all);
	suite_add_tcase(s, real);
	return s;
}

int main(void)
{
	int ret;

	snprintf(tmp_prefix, sizeof(tmp_prefix), "/tmp/nf-obs-%d-", (int)getpid());
	nfiles = nf_scenario_files(&scenario_dir, files, MAX_FILES);
	if (nfiles == 0) {
		fprintf(stderr, "test_observe_engine: no scenario files in %s\n", scenario_dir);
		return EXIT_FAILURE;
	}
	ret = nf_run_suite(observe_engine_suite());
	tmp_remove_all();
	for (int i = 0; i < nfiles; i++)
		free(files[i]);
	free(scenario_dir);
	return ret;
}
