/*
 * test_scenario.c: unit tests of the scenario parser (the files of scenario/).
 *
 * The "valid" case parses scenarios that use every key of format 1 and
 * checks the model they give: values, defaults, implied steps, resolved
 * connect targets, fault order, --set overrides. The "errors" case runs a
 * table of bad scenarios, each with the exact first error the user must
 * see ("bad.yaml:LINE:COLUMN: message"), and checks that one file with
 * several mistakes reports all of them. No privileges, no kernel objects.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scenario/scenario.h"
#include "tests/lib/testlib.h"

#define SEC(x) ((int64_t)((x) * 1000000.0))

/* ---- helpers ------------------------------------------------------------ */

/*
 * Building blocks of the bad texts (the table at the end and others), with their lines:
 *   NAME          line 1
 *   APPS          5 lines: apps, server (listen 5000), client (connect: server)
 *   SERVER_WITH   NAME, then the server app from line 2, EXTRA from line 5
 *   HOSTS         NAME, "hosts:" line 2, BODY from line 3, then APPS
 *   FAULT         NAME APPS, "faults:" line 7, "- at: 1s" line 8, BODY from 9
 *   SERVER_STEPS  NAME, the server with "steps:" on line 5, LINES from line 6
 *   CLIENT_STEPS  NAME APPS, "steps:" on line 7 (the client's), LINES from 8
 *   EXPECT        NAME APPS, "expect:" line 7, BODY from line 8
 */
#define NAME "name: t\n"
#define APPS "apps:\n  server:\n    listen: 5000\n  client:\n    connect: server\n"
#define SERVER_WITH(extra) \
	NAME "apps:\n  server:\n    listen: 5000\n" extra "  client:\n    connect: server\n"
#define HOSTS(body) NAME "hosts:\n" body APPS
#define FAULT(body) NAME APPS "faults:\n  - at: 1s\n" body
#define SERVER_STEPS(lines) \
	NAME "apps:\n  server:\n    listen: 5000\n    steps:\n" lines \
	"  client:\n    connect: server\n"
#define CLIENT_STEPS(lines) NAME APPS "    steps:\n" lines
#define EXPECT(body) NAME APPS "expect:\n" body


/* Parses TEXT that must be valid; the scenario (caller frees). */
static struct scenario *parse_ok_with(const char *text, const struct sc_override *ovr,
				      size_t novr)
{
	struct scenario *sc = NULL;
	struct sc_errors errs = { 0 };
	char first[512] = "";
	int r;

	r = scenario_parse("ok.yaml", text, strlen(text), ovr, novr, &sc, &errs);
	if (errs.n > 0)
		sc_error_format(&errs, 0, first, sizeof(first));
	ck_assert_msg(r == 0, "parse failed (%d): %s", r, first);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_nonnull(sc);
	sc_errors_free(&errs);
	return sc;
}

static struct scenario *parse_ok(const char *text)
{
	return parse_ok_with(text, NULL, 0);
}

/* Parses TEXT that must fail with -EINVAL; ERRS filled (caller frees). */
static void parse_bad_with(const char *text, const struct sc_override *ovr, size_t novr,
			   struct sc_errors *errs)
{
	struct scenario *sc = (struct scenario *)&sc;   /* must be reset to NULL */
	int r;

	r = scenario_parse("bad.yaml", text, strlen(text), ovr, novr, &sc, errs);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(sc);
	ck_assert_uint_ge(errs->n, 1);
}

/* The first error of a bad TEXT, formatted into BUF. */
static const char *first_error(const char *text, const struct sc_override *ovr, size_t novr,
			       char *buf, size_t len)
{
	struct sc_errors errs = { 0 };

	parse_bad_with(text, ovr, novr, &errs);
	sc_error_format(&errs, 0, buf, len);
	sc_errors_free(&errs);
	return buf;
}

static const struct sc_app *app_named(const struct scenario *sc, const char *name)
{
	int i = scenario_app_find(sc, name);

	ck_assert_msg(i >= 0, "no app %s", name);
	return &sc->apps[i];
}

static const struct sc_host *host_named(const struct scenario *sc, const char *name)
{
	int i = scenario_host_find(sc, name);

	ck_assert_msg(i >= 0, "no host %s", name);
	return &sc->hosts[i];
}

/* ---- the complete example of the format's specification ---------------- */

static const char spec_example[] =
	"name: client loses power while the server waits\n"
	"description: >\n"
	"  The client reads the greeting, then its host loses power. Nothing reaches the\n"
	"  server; the server only learns when its own send times out.\n"
	"duration: 15s\n"
	"\n"
	"hosts:\n"
	"  client: {}\n"
	"  server:\n"
	"    sysctl:\n"
	"      net.ipv4.tcp_retries2: 5\n"
	"\n"
	"apps:\n"
	"  server:\n"
	"    listen: 5000\n"
	"    tcp: { user_timeout: 3s }\n"
	"    steps:\n"
	"      - accept\n"
	"      - send: 26\n"
	"      - sleep: 2s\n"
	"      - send: { bytes: 26, expect: ok }\n"
	"      - recv: { expect: ETIMEDOUT }\n"
	"  client:\n"
	"    connect: server\n"
	"    steps:\n"
	"      - recv: 26\n"
	"      - hold\n"
	"\n"
	"faults:\n"
	"  - at: 1s\n"
	"    poweroff: client\n"
	"\n"
	"expect:\n"
	"  server: { sees: timeout, after: 3s, before: 8s }\n"
	"  client: nothing\n";

START_TEST(test_spec_example)
{
	struct scenario *sc = parse_ok(spec_example);
	const struct sc_app *server, *client;
	const struct sc_host *h;

	ck_assert_str_eq(sc->file, "ok.yaml");
	ck_assert_str_eq(sc->name, "client loses power while the server waits");
	ck_assert_str_eq(sc->description,
			 "The client reads the greeting, then its host loses power. Nothing "
			 "reaches the server; the server only learns when its own send times out.\n");
	ck_assert_int_eq(sc->duration_us, SEC(15));

	ck_assert_uint_eq(sc->nhosts, 2);
	h = &sc->hosts[0];
	ck_assert_str_eq(h->name, "client");
	ck_assert_int_eq(h->line, 8);
	ck_assert_int_eq(h->col, 3);
	ck_assert_str_eq(h->addr4, "10.0.0.1/24");
	ck_assert_str_eq(h->addr6, "fd00::1/64");
	ck_assert(!h->mac_set && !h->has_link && !h->implicit);
	ck_assert_uint_eq(h->nsysctls, 0);
	h = &sc->hosts[1];
	ck_assert_str_eq(h->name, "server");
	ck_assert_str_eq(h->addr4, "10.0.0.2/24");
	ck_assert_str_eq(h->addr6, "fd00::2/64");
	ck_assert_uint_eq(h->nsysctls, 1);
	ck_assert_str_eq(h->sysctls[0].key, "net.ipv4.tcp_retries2");
	ck_assert_str_eq(h->sysctls[0].value, "5");
	ck_assert_int_eq(h->sysctls[0].line, 11);

	ck_assert_uint_eq(sc->napps, 2);
	server = &sc->apps[0];
	ck_assert_str_eq(server->name, "server");
	ck_assert_int_eq(server->host, 1);
	ck_assert(server->is_server && !server->is_client);
	ck_assert_int_eq(server->listen_port, 5000);
	ck_assert_int_eq(server->family, AF_INET);
	ck_assert_int_eq(server->tcp.user_timeout_us, SEC(3));
	ck_assert_int_eq(server->tcp.keepalive, -1);
	ck_assert_int_eq(server->tcp.linger, -1);
	ck_assert_int_eq(server->tcp.nodelay, -1);
	ck_assert_int_eq(server->tcp.syn_retries, -1);
	ck_assert_ptr_null(server->cmd);
	ck_assert(!server->default_steps);
	ck_assert_uint_eq(server->nsteps, 5);
	ck_assert_int_eq(server->steps[0].kind, SC_STEP_ACCEPT);
	ck_assert(!server->steps[0].implied && !server->steps[0].has_expect);
	ck_assert_int_eq(server->steps[0].line, 18);
	ck_assert_int_eq(server->steps[0].col, 9);
	ck_assert_int_eq(server->steps[1].kind, SC_STEP_SEND);
	ck_assert_uint_eq(server->steps[1].bytes, 26);
	ck_assert_ptr_null(server->steps[1].text);
	ck_assert_int_eq(server->steps[2].kind, SC_STEP_SLEEP);
	ck_assert_int_eq(server->steps[2].sleep_us, SEC(2));
	ck_assert_int_eq(server->steps[3].kind, SC_STEP_SEND);
	ck_assert_uint_eq(server->steps[3].bytes, 26);
	ck_assert(server->steps[3].has_expect);
	ck_assert_int_eq(server->steps[3].expect, SC_RESULT_OK);
	ck_assert_int_eq(server->steps[4].kind, SC_STEP_RECV);
	ck_assert_uint_eq(server->steps[4].bytes, 0);
	ck_assert(server->steps[4].has_expect);
	ck_assert_int_eq(server->steps[4].expect, ETIMEDOUT);

	client = &sc->apps[1];
	ck_assert_str_eq(client->name, "client");
	ck_assert_int_eq(client->host, 0);
	ck_assert(client->is_client && !client->is_server);
	ck_assert_str_eq(client->connect, "server");
	ck_assert_int_eq(client->target_host, 1);
	ck_assert_int_eq(client->target_port, 5000);
	ck_assert_ptr_null(client->target_addr);
	ck_assert_uint_eq(client->nsteps, 3);
	ck_assert_int_eq(client->steps[0].kind, SC_STEP_CONNECT);
	ck_assert(client->steps[0].implied);
	ck_assert_int_eq(client->steps[0].line, 26);   /* the steps: list */
	ck_assert_int_eq(client->steps[1].kind, SC_STEP_RECV);
	ck_assert_uint_eq(client->steps[1].bytes, 26);
	ck_assert_int_eq(client->steps[2].kind, SC_STEP_HOLD);
	ck_assert(!client->steps[2].implied);

	ck_assert_uint_eq(sc->nfaults, 1);
	ck_assert_int_eq(sc->faults[0].kind, SC_FAULT_POWEROFF);
	ck_assert_int_eq(sc->faults[0].at_us, SEC(1));
	ck_assert_int_eq(sc->faults[0].host, 0);
	ck_assert_int_eq(sc->faults[0].line, 30);
	ck_assert_int_eq(sc->faults[0].col, 5);

	ck_assert_uint_eq(sc->nexpects, 2);
	ck_assert_int_eq(sc->expects[0].app, 0);
	ck_assert_int_eq(sc->expects[0].verdict, SC_VERDICT_TIMEOUT);
	ck_assert_int_eq(sc->expects[0].after_us, SEC(3));
	ck_assert_int_eq(sc->expects[0].before_us, SEC(8));
	ck_assert_int_eq(sc->expects[1].app, 1);
	ck_assert_int_eq(sc->expects[1].verdict, SC_VERDICT_NOTHING);
	ck_assert_int_eq(sc->expects[1].after_us, -1);
	ck_assert_int_eq(sc->expects[1].before_us, -1);
	ck_assert_uint_eq(sc->nmatrix, 0);
	scenario_free(sc);
}
END_TEST

/* ---- defaults ----------------------------------------------------------- */

START_TEST(test_defaults)
{
	struct scenario *sc = parse_ok("name: minimal\n"
				       "apps:\n"
				       "  server:\n"
				       "    listen: 5000\n"
				       "  client:\n"
				       "    connect: server\n");
	const struct sc_app *server = &sc->apps[0], *client = &sc->apps[1];

	ck_assert_ptr_null(sc->description);
	ck_assert_int_eq(sc->duration_us, SC_DEFAULT_DURATION);
	/* no hosts: one per app, named after it, in the apps' order */
	ck_assert_uint_eq(sc->nhosts, 2);
	ck_assert_str_eq(sc->hosts[0].name, "server");
	ck_assert_str_eq(sc->hosts[1].name, "client");
	ck_assert(sc->hosts[0].implicit && sc->hosts[1].implicit);
	ck_assert_str_eq(sc->hosts[1].addr4, "10.0.0.2/24");
	ck_assert_str_eq(sc->hosts[1].addr6, "fd00::2/64");
	ck_assert_int_eq(server->host, 0);
	ck_assert_int_eq(client->host, 1);
	/* default steps for each role */
	ck_assert(server->default_steps && client->default_steps);
	ck_assert_uint_eq(server->nsteps, 2);
	ck_assert_int_eq(server->steps[0].kind, SC_STEP_ACCEPT);
	ck_assert_int_eq(server->steps[1].kind, SC_STEP_RECV);
	ck_assert_uint_eq(server->steps[1].bytes, 0);
	ck_assert_uint_eq(client->nsteps, 2);
	ck_assert_int_eq(client->steps[0].kind, SC_STEP_CONNECT);
	ck_assert_int_eq(client->steps[1].kind, SC_STEP_HOLD);
	ck_assert_int_eq(client->steps[0].line, client->line);
	/* resolution, family and unset options */
	ck_assert_int_eq(client->target_host, 0);
	ck_assert_int_eq(client->target_port, 5000);
	ck_assert_int_eq(client->family, AF_INET);
	ck_assert_int_eq(client->tcp.keepalive, -1);
	ck_assert_int_eq(client->tcp.ka_idle_us, 0);
	ck_assert_int_eq(client->tcp.user_timeout_us, -1);
	ck_assert_int_eq(client->tcp.sndbuf, 0);
	ck_assert_ptr_null(client->user);
	ck_assert_ptr_null(client->cmd);
	ck_assert_uint_eq(sc->nfaults + sc->nexpects + sc->nmatrix, 0);
	scenario_free(sc);
}
END_TEST

START_TEST(test_man_page_example)
{
	/* the smallest example of netfault-scenario(5) */
	struct scenario *sc = parse_ok("name: a crash is only a FIN\n"
				       "apps:\n"
				       "  server: { listen: 5000 }\n"
				       "  client: { connect: server }\n"
				       "faults:\n"
				       "  - { at: 2s, crash: client }\n"
				       "expect:\n"
				       "  server: fin\n");

	ck_assert_int_eq(sc->faults[0].kind, SC_FAULT_CRASH);
	ck_assert_int_eq(sc->faults[0].host, 1);
	ck_assert_int_eq(sc->faults[0].app, -1);
	ck_assert_int_eq(sc->faults[0].signal, SIGKILL);
	ck_assert_int_eq(sc->expects[0].verdict, SC_VERDICT_FIN);
	scenario_free(sc);
}
END_TEST

START_TEST(test_format_and_empty_sections)
{
	struct scenario *sc = parse_ok("format: 1\n"
				       "name: empty sections\n"
				       "hosts:\n"
				       "faults:\n"
				       "expect: {}\n"
				       "matrix:\n"
				       "apps:\n"
				       "  server: { listen: 80, steps: [] }\n");

	/* an empty hosts: is as good as none; steps: [] gets the implied accept */
	ck_assert(sc->hosts[0].implicit);
	ck_assert_uint_eq(sc->apps[0].nsteps, 1);
	ck_assert(sc->apps[0].steps[0].implied);
	ck_assert(!sc->apps[0].default_steps);
	ck_assert_uint_eq(sc->nfaults + sc->nexpects + sc->nmatrix, 0);
	scenario_free(sc);
}
END_TEST

/* ---- hosts -------------------------------------------------------------- */

START_TEST(test_hosts_every_key)
{
	struct scenario *sc = parse_ok(
		"name: hosts\n"
		"hosts:\n"
		"  server:\n"
		"    addr: 10.1.2.3/16\n"
		"    addr6: \"fd00:0:0:0::10\"\n"
		"    mac: \"02:00:00:AA:bb:cc\"\n"
		"    sysctl:\n"
		"      net.ipv4.tcp_keepalive_time: 5\n"
		"      net.ipv4.tcp_rmem: \"4096 87380 6291456\"\n"
		"    link: { delay: 100ms, jitter: 10ms, loss: 2.5, rate: 10mbit,\n"
		"            direction: both, engine: queue }\n"
		"  client:\n"
		"    addr: 10.0.0.9\n"
		"    link: { loss: 5%, engine: netem }\n"
		"  box:\n"
		"apps:\n"
		"  server: { listen: 80 }\n"
		"  client: { connect: server }\n");
	const struct sc_host *server = host_named(sc, "server");
	const struct sc_host *client = host_named(sc, "client");
	const struct sc_host *box = host_named(sc, "box");
	static const uint8_t mac[6] = { 0x02, 0, 0, 0xaa, 0xbb, 0xcc };

	ck_assert_str_eq(server->addr4, "10.1.2.3/16");
	ck_assert_str_eq(server->addr6, "fd00::10/64");
	ck_assert(server->mac_set);
	ck_assert_mem_eq(server->mac, mac, 6);
	ck_assert_uint_eq(server->nsysctls, 2);
	ck_assert_str_eq(server->sysctls[1].key, "net.ipv4.tcp_rmem");
	ck_assert_str_eq(server->sysctls[1].value, "4096 87380 6291456");
	ck_assert(server->has_link);
	ck_assert_int_eq(server->link.delay_us, SEC(0.1));
	ck_assert_int_eq(server->link.jitter_us, SEC(0.01));
	ck_assert_double_eq(server->link.loss_percent, 2.5);
	ck_assert_uint_eq(server->link.rate_bps, 10000000);
	ck_assert_int_eq(server->link.direction, SC_DIR_BOTH);
	ck_assert_int_eq(server->link.engine, SC_ENGINE_QUEUE);

	ck_assert_str_eq(client->addr4, "10.0.0.9/24");
	ck_assert_str_eq(client->addr6, "fd00::2/64");
	ck_assert(!client->mac_set);
	ck_assert(client->has_link);
	ck_assert_double_eq(client->link.loss_percent, 5.0);
	ck_assert_int_eq(client->link.delay_us, -1);
	ck_assert_int_eq(client->link.jitter_us, -1);
	ck_assert_uint_eq(client->link.rate_bps, 0);
	ck_assert_int_eq(client->link.direction, SC_DIR_OUT);
	ck_assert_int_eq(client->link.engine, SC_ENGINE_NETEM);

	/* a host written with no value gets every default */
	ck_assert_str_eq(box->addr4, "10.0.0.3/24");
	ck_assert_str_eq(box->addr6, "fd00::3/64");
	ck_assert(!box->has_link && !box->implicit);
	ck_assert_int_eq(app_named(sc, "server")->host, 0);
	ck_assert_int_eq(app_named(sc, "client")->host, 1);
	scenario_free(sc);
}
END_TEST

/* ---- apps ---------------------------------------------------------------- */

START_TEST(test_apps_every_key)
{
	struct scenario *sc = parse_ok(
		"name: apps\n"
		"hosts:\n"
		"  a: {}\n"
		"  b: {}\n"
		"apps:\n"
		"  web:\n"
		"    host: a\n"
		"    listen: 8080\n"
		"    family: ipv6\n"
		"    user: nobody\n"
		"    tcp:\n"
		"      keepalive: { idle: 2s, interval: 1s, count: 3 }\n"
		"      user_timeout: 3s\n"
		"      linger: 0s\n"
		"      nodelay: true\n"
		"      sndbuf: 65536\n"
		"      rcvbuf: 131072\n"
		"  client:\n"
		"    host: b\n"
		"    connect: web\n"
		"    family: ipv6\n"
		"    tcp: { keepalive: off, linger: off, nodelay: false, syn_retries: 2,\n"
		"           user_timeout: 0s }\n"
		"  proxy:\n"
		"    host: b\n"
		"    cmd: [/usr/sbin/nginx, -g, \"daemon off;\", -c, 80]\n"
		"    listen: 80\n"
		"    connect: web\n"
		"    user: \"1000\"\n"
		"    files:\n"
		"      nginx.conf: |\n"
		"        pid ${APPDIR}/nginx.pid;\n"
		"        events {}\n"
		"      empty: \"\"\n");
	const struct sc_app *web = app_named(sc, "web");
	const struct sc_app *client = app_named(sc, "client");
	const struct sc_app *proxy = app_named(sc, "proxy");

	ck_assert_int_eq(web->host, 0);
	ck_assert_int_eq(web->family, AF_INET6);
	ck_assert_str_eq(web->user, "nobody");
	ck_assert_int_eq(web->tcp.keepalive, 1);
	ck_assert_int_eq(web->tcp.ka_idle_us, SEC(2));
	ck_assert_int_eq(web->tcp.ka_interval_us, SEC(1));
	ck_assert_int_eq(web->tcp.ka_count, 3);
	ck_assert_int_eq(web->tcp.user_timeout_us, SEC(3));
	ck_assert_int_eq(web->tcp.linger, 1);
	ck_assert_int_eq(web->tcp.linger_us, 0);
	ck_assert_int_eq(web->tcp.nodelay, 1);
	ck_assert_int_eq(web->tcp.sndbuf, 65536);
	ck_assert_int_eq(web->tcp.rcvbuf, 131072);
	ck_assert_int_eq(web->tcp.syn_retries, -1);

	ck_assert_int_eq(client->host, 1);
	ck_assert_int_eq(client->family, AF_INET6);
	ck_assert_int_eq(client->tcp.keepalive, 0);
	ck_assert_int_eq(client->tcp.linger, 0);
	ck_assert_int_eq(client->tcp.nodelay, 0);
	ck_assert_int_eq(client->tcp.syn_retries, 2);
	ck_assert_int_eq(client->tcp.user_timeout_us, 0);
	ck_assert_int_eq(client->target_host, 0);
	ck_assert_int_eq(client->target_port, 8080);

	/* a real program: argv kept as written, NULL-terminated, no steps */
	ck_assert_uint_eq(proxy->ncmd, 5);
	ck_assert_str_eq(proxy->cmd[0], "/usr/sbin/nginx");
	ck_assert_str_eq(proxy->cmd[2], "daemon off;");
	ck_assert_str_eq(proxy->cmd[4], "80");
	ck_assert_ptr_null(proxy->cmd[5]);
	ck_assert_uint_eq(proxy->nsteps, 0);
	ck_assert_ptr_null(proxy->steps);
	ck_assert(proxy->is_server && proxy->is_client);
	ck_assert_int_eq(proxy->listen_port, 80);
	ck_assert_int_eq(proxy->target_host, 0);
	ck_assert_int_eq(proxy->target_port, 8080);
	ck_assert_str_eq(proxy->user, "1000");
	/* its files, texts as written */
	ck_assert_uint_eq(proxy->nfiles, 2);
	ck_assert_str_eq(proxy->files[0].name, "nginx.conf");
	ck_assert_str_eq(proxy->files[0].text, "pid ${APPDIR}/nginx.pid;\nevents {}\n");
	ck_assert_str_eq(proxy->files[1].name, "empty");
	ck_assert_str_eq(proxy->files[1].text, "");
	ck_assert_uint_eq(web->nfiles, 0);
	scenario_free(sc);
}
END_TEST

START_TEST(test_connect_targets)
{
	struct scenario *sc = parse_ok(
		"name: targets\n"
		"hosts:\n"
		"  a: {}\n"
		"  b: {}\n"
		"apps:\n"
		"  s1: { host: a, listen: 7000 }\n"
		"  s2: { host: a, listen: 7001 }\n"
		"  by-app: { host: b, connect: s2 }\n"
		"  by-host: { host: b, connect: a }\n"
		"  by-host-port: { host: b, connect: \"b:9000\" }\n"
		"  by-addr: { host: b, connect: \"192.0.2.7:80\" }\n"
		"  by-addr6: { host: b, connect: \"[2001:db8::7]:443\" }\n");
	const struct sc_app *app;

	app = app_named(sc, "by-app");
	ck_assert_int_eq(app->target_host, 0);
	ck_assert_int_eq(app->target_port, 7001);
	ck_assert_ptr_null(app->target_addr);
	app = app_named(sc, "by-host");               /* its first listening app */
	ck_assert_int_eq(app->target_host, 0);
	ck_assert_int_eq(app->target_port, 7000);
	app = app_named(sc, "by-host-port");
	ck_assert_str_eq(app->connect, "b:9000");
	ck_assert_int_eq(app->target_host, 1);
	ck_assert_int_eq(app->target_port, 9000);
	app = app_named(sc, "by-addr");
	ck_assert_int_eq(app->target_host, -1);
	ck_assert_str_eq(app->target_addr, "192.0.2.7");
	ck_assert_int_eq(app->target_port, 80);
	ck_assert_int_eq(app->family, AF_INET);
	app = app_named(sc, "by-addr6");              /* the literal sets the family */
	ck_assert_int_eq(app->target_host, -1);
	ck_assert_str_eq(app->target_addr, "2001:db8::7");
	ck_assert_int_eq(app->target_port, 443);
	ck_assert_int_eq(app->family, AF_INET6);
	scenario_free(sc);
}
END_TEST

/* ---- steps --------------------------------------------------------------- */

START_TEST(test_steps_every_form)
{
	struct scenario *sc = parse_ok(
		"name: steps\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    steps:\n"
		"      - sleep: 500ms\n"
		"      - accept: { expect: ok }\n"
		"      - send: 26\n"
		"      - send: \"42\"\n"
		"      - send: hello world\n"
		"      - send: { bytes: 100, expect: EPIPE }\n"
		"      - send: { text: abc, expect: ECONNRESET }\n"
		"      - recv\n"
		"      - recv: 10\n"
		"      - recv: { bytes: 5, expect: eof }\n"
		"      - recv: { expect: ETIMEDOUT }\n"
		"      - wait: { expect: eof }\n"
		"      - sleep: { time: 1.5s }\n"
		"      - shutdown: write\n"
		"      - shutdown: { how: read, expect: ok }\n"
		"      - shutdown: both\n"
		"      - close\n"
		"      - abort:\n"
		"      - crash\n"
		"  client:\n"
		"    connect: server\n"
		"    steps: [{ send: 1 }, exit]\n"
		"  other:\n"
		"    connect: server\n"
		"    steps:\n"
		"      - sleep: 1s\n"
		"      - connect: { expect: ECONNREFUSED }\n"
		"      - hold\n");
	const struct sc_app *server = app_named(sc, "server");
	const struct sc_app *client = app_named(sc, "client");
	const struct sc_app *other = app_named(sc, "other");
	const struct sc_step *s = server->steps;

	ck_assert_uint_eq(server->nsteps, 19);
	ck_assert_int_eq(s[0].kind, SC_STEP_SLEEP);
	ck_assert_int_eq(s[0].sleep_us, SEC(0.5));
	ck_assert_int_eq(s[1].kind, SC_STEP_ACCEPT);
	ck_assert(s[1].has_expect && s[1].expect == SC_RESULT_OK && !s[1].implied);
	ck_assert_uint_eq(s[2].bytes, 26);
	ck_assert_ptr_null(s[2].text);
	ck_assert_str_eq(s[3].text, "42");          /* quoted: a text, not a count */
	ck_assert_uint_eq(s[3].bytes, 2);
	ck_assert_str_eq(s[4].text, "hello world");
	ck_assert_uint_eq(s[4].bytes, 11);
	ck_assert_uint_eq(s[5].bytes, 100);
	ck_assert_int_eq(s[5].expect, EPIPE);
	ck_assert_str_eq(s[6].text, "abc");
	ck_assert_int_eq(s[6].expect, ECONNRESET);
	ck_assert_int_eq(s[7].kind, SC_STEP_RECV);
	ck_assert_uint_eq(s[7].bytes, 0);
	ck_assert(!s[7].has_expect);
	ck_assert_uint_eq(s[8].bytes, 10);
	ck_assert_uint_eq(s[9].bytes, 5);
	ck_assert_int_eq(s[9].expect, SC_RESULT_EOF);
	ck_assert_int_eq(s[10].expect, ETIMEDOUT);
	ck_assert_int_eq(s[11].kind, SC_STEP_WAIT);
	ck_assert_int_eq(s[11].expect, SC_RESULT_EOF);
	ck_assert_int_eq(s[12].sleep_us, SEC(1.5));
	ck_assert_int_eq(s[13].kind, SC_STEP_SHUTDOWN);
	ck_assert_int_eq(s[13].shutdown_how, SHUT_WR);
	ck_assert_int_eq(s[14].shutdown_how, SHUT_RD);
	ck_assert(s[14].has_expect);
	ck_assert_int_eq(s[15].shutdown_how, SHUT_RDWR);
	ck_assert_int_eq(s[16].kind, SC_STEP_CLOSE);
	ck_assert_int_eq(s[17].kind, SC_STEP_ABORT);
	ck_assert_int_eq(s[18].kind, SC_STEP_CRASH);
	ck_assert_int_eq(s[18].line, 24);
	ck_assert_int_eq(s[18].col, 9);

	/* no connect written: one implied at the start */
	ck_assert_uint_eq(client->nsteps, 3);
	ck_assert_int_eq(client->steps[0].kind, SC_STEP_CONNECT);
	ck_assert(client->steps[0].implied);
	ck_assert_int_eq(client->steps[1].kind, SC_STEP_SEND);
	ck_assert_int_eq(client->steps[2].kind, SC_STEP_EXIT);

	/* a written connect is kept where it is */
	ck_assert_uint_eq(other->nsteps, 3);
	ck_assert_int_eq(other->steps[0].kind, SC_STEP_SLEEP);
	ck_assert_int_eq(other->steps[1].kind, SC_STEP_CONNECT);
	ck_assert(!other->steps[1].implied);
	ck_assert_int_eq(other->steps[1].expect, ECONNREFUSED);
	scenario_free(sc);
}
END_TEST

/* ---- faults -------------------------------------------------------------- */

START_TEST(test_faults_every_kind)
{
	struct scenario *sc = parse_ok(
		"name: faults\n"
		"apps:\n"
		"  server: { listen: 5000 }\n"
		"  client: { connect: server }\n"
		"faults:\n"
		"  - { at: 5s, heal: all }\n"
		"  - { at: 1s, poweroff: client }\n"
		"  - { at: 2s, poweron: { host: client } }\n"
		"  - { at: 1s, reboot: { host: server, down: 2s } }\n"
		"  - { at: 1s, reboot: server }\n"
		"  - { at: 3s, crash: server }\n"
		"  - { at: 3s, crash: { host: server, app: server, signal: SIGSEGV } }\n"
		"  - { at: 3s, crash: { app: client, signal: TERM } }\n"
		"  - { at: 4s, freeze: server }\n"
		"  - { at: 4s, thaw: server }\n"
		"  - { at: 4s, unplug: client }\n"
		"  - { at: 4s, plug: client }\n"
		"  - { at: 6s, delay: { host: client, time: 200ms, jitter: 20ms } }\n"
		"  - { at: 6s, loss: { host: client, percent: 30, direction: in, engine: netem } }\n"
		"  - { at: 6s, rate: { host: server, rate: 500kbit, direction: both } }\n"
		"  - { at: 7s, drop: client }\n"
		"  - { at: 7s, drop: { host: server, direction: out, proto: udp, port: 53 } }\n"
		"  - { at: 7s, reject: { host: server, with: tcp-reset, port: 5000 } }\n"
		"  - { at: 7s, reject: server }\n"
		"  - { at: 7s, reject: { host: server, with: icmp-admin-prohibited, proto: icmp } }\n"
		"  - { at: 8s, partition: [[client], [server]] }\n"
		"  - { at: 8s, partition: { from: client, to: [server] } }\n"
		"  - { at: 9s, heal: client }\n");
	static const enum sc_fault_kind order[] = {
		SC_FAULT_POWEROFF, SC_FAULT_REBOOT, SC_FAULT_REBOOT, SC_FAULT_POWERON,
		SC_FAULT_CRASH, SC_FAULT_CRASH, SC_FAULT_CRASH, SC_FAULT_FREEZE,
		SC_FAULT_THAW, SC_FAULT_UNPLUG, SC_FAULT_PLUG, SC_FAULT_HEAL,
		SC_FAULT_DELAY, SC_FAULT_LOSS, SC_FAULT_RATE, SC_FAULT_DROP,
		SC_FAULT_DROP, SC_FAULT_REJECT, SC_FAULT_REJECT, SC_FAULT_REJECT,
		SC_FAULT_PARTITION, SC_FAULT_PARTITION, SC_FAULT_HEAL,
	};
	const struct sc_fault *f = sc->faults;
	const int server = 0, client = 1;

	ck_assert_uint_eq(sc->nfaults, sizeof(order) / sizeof(order[0]));
	/* sorted by at; faults at the same time keep the file's order */
	for (size_t i = 0; i < sc->nfaults; i++) {
		ck_assert_msg(f[i].kind == order[i], "fault %zu is %s", i, sc_fault_name(f[i].kind));
		if (i > 0)
			ck_assert_int_le(f[i - 1].at_us, f[i].at_us);
	}
	ck_assert_int_eq(f[0].host, client);
	ck_assert_int_eq(f[1].down_us, SEC(2));
	ck_assert_int_eq(f[1].line, 9);
	ck_assert_int_eq(f[2].down_us, SEC(1));        /* the default */
	ck_assert_int_eq(f[2].line, 10);
	ck_assert_int_eq(f[3].host, client);
	ck_assert_int_eq(f[3].at_us, SEC(2));
	ck_assert_int_eq(f[4].host, server);           /* crash: HOST */
	ck_assert_int_eq(f[4].app, -1);
	ck_assert_int_eq(f[4].signal, SIGKILL);
	ck_assert_int_eq(f[5].app, server);
	ck_assert_int_eq(f[5].signal, SIGSEGV);
	ck_assert_int_eq(f[6].app, client);            /* host taken from the app */
	ck_assert_int_eq(f[6].host, client);
	ck_assert_int_eq(f[6].signal, SIGTERM);
	ck_assert_int_eq(f[11].host, -1);              /* heal: all */
	ck_assert_int_eq(f[12].impair.delay_us, SEC(0.2));
	ck_assert_int_eq(f[12].impair.jitter_us, SEC(0.02));
	ck_assert_int_eq(f[12].direction, SC_DIR_OUT);
	ck_assert_double_eq(f[13].impair.loss_percent, 30.0);
	ck_assert_int_eq(f[13].direction, SC_DIR_IN);
	ck_assert_int_eq(f[13].impair.engine, SC_ENGINE_NETEM);
	ck_assert_uint_eq(f[14].impair.rate_bps, 500000);
	ck_assert_int_eq(f[14].direction, SC_DIR_BOTH);
	ck_assert_int_eq(f[14].host, server);
	ck_assert_int_eq(f[15].host, client);          /* drop: HOST, defaults */
	ck_assert_int_eq(f[15].direction, SC_DIR_IN);
	ck_assert_int_eq(f[15].proto, 0);
	ck_assert_int_eq(f[15].port, 0);
	ck_assert_int_eq(f[16].direction, SC_DIR_OUT);
	ck_assert_int_eq(f[16].proto, IPPROTO_UDP);
	ck_assert_int_eq(f[16].port, 53);
	ck_assert_int_eq(f[17].reject_with, SC_REJECT_TCP_RESET);
	ck_assert_int_eq(f[17].port, 5000);
	ck_assert_int_eq(f[17].direction, SC_DIR_IN);
	ck_assert_int_eq(f[18].reject_with, SC_REJECT_ICMP_PORT);   /* the default */
	ck_assert_int_eq(f[19].reject_with, SC_REJECT_ICMP_ADMIN);
	ck_assert_int_eq(f[19].proto, IPPROTO_ICMP);
	ck_assert(!f[20].one_way);
	ck_assert_int_eq(f[20].host, -1);
	ck_assert_int_eq(f[20].group[client], 1);
	ck_assert_int_eq(f[20].group[server], 2);
	ck_assert(f[21].one_way);
	ck_assert(f[21].from[client] && !f[21].from[server]);
	ck_assert(f[21].to[server] && !f[21].to[client]);
	ck_assert_int_eq(f[22].host, client);
	scenario_free(sc);
}
END_TEST

START_TEST(test_partition_groups)
{
	struct scenario *sc = parse_ok(
		"name: partition\n"
		"hosts: { a: {}, b: {}, c: {}, d: {} }\n"
		"apps:\n"
		"  s: { host: a, listen: 1 }\n"
		"faults:\n"
		"  - at: 1s\n"
		"    partition: [[a, b], c]\n"
		"  - at: 2s\n"
		"    partition: { from: [a, b], to: [c, d] }\n");
	const struct sc_fault *f = sc->faults;

	ck_assert_int_eq(f[0].group[0], 1);
	ck_assert_int_eq(f[0].group[1], 1);
	ck_assert_int_eq(f[0].group[2], 2);
	ck_assert_int_eq(f[0].group[3], 0);            /* in no group */
	ck_assert(f[1].from[0] && f[1].from[1] && !f[1].from[2] && !f[1].from[3]);
	ck_assert(!f[1].to[0] && !f[1].to[1] && f[1].to[2] && f[1].to[3]);
	scenario_free(sc);
}
END_TEST

START_TEST(test_rate_units)
{
	/* tc's units: "bit" counts bits, "bps" bytes */
	static const struct {
		const char *text;
		uint64_t bps;
	} rates[] = {
		{ "1mbit", 1000000 }, { "500kbit", 500000 }, { "10gbit", 10000000000ULL },
		{ "100bps", 800 }, { "1.5mbit", 1500000 }, { "2kbps", 16000 },
		{ "1kibit", 1024 }, { "8bit", 8 }, { "1Mbit", 1000000 }, { "2mbps", 16000000 },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct scenario *sc;

		snprintf(text, sizeof(text), "name: r\napps: { s: { listen: 1 } }\n"
			 "faults: [{ at: 1s, rate: { host: s, rate: %s } }]\n", rates[i].text);
		sc = parse_ok(text);
		ck_assert_msg(sc->faults[0].impair.rate_bps == rates[i].bps, "%s gave %llu",
			      rates[i].text, (unsigned long long)sc->faults[0].impair.rate_bps);
		scenario_free(sc);
	}
}
END_TEST

/* ---- expect and matrix ----------------------------------------------------- */

START_TEST(test_expect_forms)
{
	static const char *const words[] = {
		"fin", "rst", "timeout", "unreachable", "refused", "nothing",
	};
	static const enum sc_verdict verdicts[] = {
		SC_VERDICT_FIN, SC_VERDICT_RST, SC_VERDICT_TIMEOUT, SC_VERDICT_UNREACHABLE,
		SC_VERDICT_REFUSED, SC_VERDICT_NOTHING,
	};
	char text[512];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		struct scenario *sc;

		snprintf(text, sizeof(text), "name: e\napps: { s: { listen: 1 }, c: { connect: s } }\n"
			 "expect:\n  c: %s\n  s: { sees: %s, after: 1s }\n", words[i], words[i]);
		sc = parse_ok(text);
		ck_assert_uint_eq(sc->nexpects, 2);
		ck_assert_int_eq(sc->expects[0].app, 1);
		ck_assert_int_eq(sc->expects[0].verdict, verdicts[i]);
		ck_assert_int_eq(sc->expects[0].line, 4);
		ck_assert_int_eq(sc->expects[0].col, 3);
		ck_assert_int_eq(sc->expects[1].app, 0);
		ck_assert_int_eq(sc->expects[1].verdict, verdicts[i]);
		ck_assert_int_eq(sc->expects[1].after_us, SEC(1));
		ck_assert_int_eq(sc->expects[1].before_us, -1);
		scenario_free(sc);
	}
}
END_TEST

START_TEST(test_matrix)
{
	struct scenario *sc = parse_ok(
		"name: sweep\n"
		"hosts:\n"
		"  server: {}\n"
		"  client: {}\n"
		"apps:\n"
		"  server: { listen: 5000, steps: [accept, { sleep: 1s }, recv] }\n"
		"  client: { connect: server }\n"
		"faults: [{ at: 1s, poweroff: client }]\n"
		"matrix:\n"
		"  apps.server.tcp.keepalive.idle: [1s, 2s, 4s]\n"
		"  apps.server.tcp.keepalive.count: [1, 3]\n"
		"  faults.0.at: [1s, 2s]\n"
		"  apps.server.steps.1.sleep: [0s, 5s]\n"
		"  hosts.client.sysctl.net.ipv4.tcp_retries2: [3, 15]\n"
		"  expect.client: [fin, rst]\n");
	const struct sc_matrix_key *m = sc->matrix;

	ck_assert_uint_eq(sc->nmatrix, 6);
	ck_assert_str_eq(m[0].path, "apps.server.tcp.keepalive.idle");
	ck_assert_uint_eq(m[0].nvalues, 3);
	ck_assert_str_eq(m[0].values[0], "1s");
	ck_assert_str_eq(m[0].values[2], "4s");
	ck_assert_int_eq(m[0].line, 10);
	ck_assert_int_eq(m[0].col, 3);
	ck_assert_str_eq(m[1].values[1], "3");
	ck_assert_str_eq(m[4].path, "hosts.client.sysctl.net.ipv4.tcp_retries2");
	ck_assert_str_eq(m[5].values[1], "rst");
	/* the scenario itself is read as written */
	ck_assert_int_eq(sc->apps[0].tcp.keepalive, -1);
	scenario_free(sc);
}
END_TEST

/* ---- overrides ------------------------------------------------------------- */

START_TEST(test_overrides)
{
	static const struct sc_override ovr[] = {
		{ "apps.server.tcp.user_timeout", "2s" },          /* replaces */
		{ "apps.client.tcp.keepalive.idle", "5s" },        /* creates tcp, keepalive */
		{ "duration", "20s" },
		{ "description", "changed" },                      /* creates */
		{ "expect.client", "fin" },
		{ "expect.server.before", "9s" },
		{ "faults.0.at", "2s" },
		{ "hosts.client.sysctl.net.ipv4.tcp_retries2", "3" },
		{ "hosts.server.link", "{ delay: 10ms }" },        /* YAML text */
		{ "apps.server.steps.2.sleep", "4s" },
		{ "apps.server.steps.0", "sleep: 1s" },            /* a whole step */
		{ "faults.0.poweroff", "server" },
	};
	struct scenario *sc;
	char *text = malloc(sizeof(spec_example) + 64);

	/* a host written with no value can take keys too */
	snprintf(text, sizeof(spec_example) + 64, "%s", spec_example);
	memcpy(strstr(text, "  client: {}\n"), "  client:   \n", 13);
	sc = parse_ok_with(text, ovr, sizeof(ovr) / sizeof(ovr[0]));
	ck_assert_int_eq(app_named(sc, "server")->tcp.user_timeout_us, SEC(2));
	ck_assert_int_eq(app_named(sc, "client")->tcp.keepalive, 1);
	ck_assert_int_eq(app_named(sc, "client")->tcp.ka_idle_us, SEC(5));
	ck_assert_int_eq(sc->duration_us, SEC(20));
	ck_assert_str_eq(sc->description, "changed");
	ck_assert_int_eq(sc->expects[1].verdict, SC_VERDICT_FIN);
	ck_assert_int_eq(sc->expects[0].before_us, SEC(9));
	ck_assert_int_eq(sc->faults[0].at_us, SEC(2));
	ck_assert_int_eq(sc->faults[0].host, 1);
	ck_assert_uint_eq(host_named(sc, "client")->nsysctls, 1);
	ck_assert_str_eq(host_named(sc, "client")->sysctls[0].value, "3");
	ck_assert_str_eq(host_named(sc, "server")->sysctls[0].value, "5");
	ck_assert(host_named(sc, "server")->has_link);
	ck_assert_int_eq(host_named(sc, "server")->link.delay_us, SEC(0.01));
	/* steps 0 became a sleep, so the accept is implied again */
	ck_assert_int_eq(app_named(sc, "server")->steps[0].kind, SC_STEP_ACCEPT);
	ck_assert(app_named(sc, "server")->steps[0].implied);
	ck_assert_int_eq(app_named(sc, "server")->steps[1].sleep_us, SEC(1));
	ck_assert_int_eq(app_named(sc, "server")->steps[3].sleep_us, SEC(4));
	scenario_free(sc);
	free(text);
}
END_TEST

START_TEST(test_override_errors)
{
	static const struct {
		struct sc_override ovr;
		const char *error;
	} cases[] = {
		{ { "apps.server.tcp.usertimeout", "2s" },
		  "bad.yaml: --set apps.server.tcp.usertimeout=2s: apps.server.tcp has no key "
		  "\"usertimeout\" (did you mean user_timeout?)" },
		{ { "apps.servr.listen", "1" },
		  "bad.yaml: --set apps.servr.listen=1: no app named \"servr\" in the file "
		  "(did you mean server?)" },
		{ { "hosts.box.addr", "10.0.0.9" },
		  "bad.yaml: --set hosts.box.addr=10.0.0.9: no host named \"box\" in the file" },
		{ { "faults.3.at", "1s" },
		  "bad.yaml: --set faults.3.at=1s: faults has no item 3 (faults are counted from 0)" },
		{ { "faults.x.at", "1s" },
		  "bad.yaml: --set faults.x.at=1s: faults is a list: expected an item number after "
		  "it, not \"x\"" },
		{ { "apps.server.listen.port", "1" },
		  "bad.yaml: --set apps.server.listen.port=1: apps.server.listen takes a single "
		  "value, not keys" },
		{ { "apps.server.steps.2.send", "1" },
		  "bad.yaml: --set apps.server.steps.2.send=1: apps.server.steps.2 is a sleep step, "
		  "not send" },
		{ { "faults.0.crash", "server" },
		  "bad.yaml: --set faults.0.crash=server: faults.0 is a poweroff fault, not crash" },
		{ { "expect.server.sees.x", "fin" },
		  "bad.yaml: --set expect.server.sees.x=fin: expect.server.sees takes a single "
		  "value, not keys" },
		{ { "matrix.x", "1" }, "bad.yaml: --set matrix.x=1: matrix is not a key to set" },
		{ { "bogus", "1" },
		  "bad.yaml: --set bogus=1: unknown key \"bogus\" (expected format, name, "
		  "description, duration, hosts, apps, faults, expect or matrix)" },
		{ { "apps..listen", "1" },
		  "bad.yaml: --set apps..listen=1: \"apps..listen\" has an empty key" },
		{ { "", "1" }, "bad.yaml: --set =1: expected PATH=VALUE, like apps.server.listen=5000" },
		{ { "name", "[a" },
		  "bad.yaml: --set name=[a: the value is not valid YAML: did not find expected ',' "
		  "or ']'" },
		/* a good path with a bad value is checked like the file */
		{ { "duration", "1" }, "bad.yaml: --set duration=1: 1: a duration needs a unit (1s?)" },
		{ { "apps.server.tcp", "{ nodelay: maybe }" },
		  "bad.yaml: --set apps.server.tcp={ nodelay: maybe }: maybe: expected true or "
		  "false for nodelay" },
		{ { "expect.client", "finn" },
		  "bad.yaml: --set expect.client=finn: unknown verdict \"finn\" (did you mean fin?)" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(first_error(spec_example, &cases[i].ovr, 1, buf, sizeof(buf)),
				 cases[i].error);
}
END_TEST

START_TEST(test_override_without_hosts)
{
	/* with no hosts: in the file, there is no host to name in a path */
	static const struct sc_override ovr[] = { { "hosts.client.addr", "10.0.0.9" } };
	char buf[256];

	ck_assert_str_eq(first_error("name: t\n" "apps:\n  client: { connect: \"10.0.0.9:1\" }\n",
				     ovr, 1, buf, sizeof(buf)),
			 "bad.yaml: --set hosts.client.addr=10.0.0.9: no host named \"client\" in "
			 "the file");
}
END_TEST

START_TEST(test_override_bad_path_changes_nothing)
{
	/*
	 * The path fails at its last key. Had expect.client been created on
	 * the way, it would be an expectation without sees: a second error.
	 */
	static const struct sc_override ovr[] = { { "expect.client.bogus", "1" } };
	struct sc_errors errs = { 0 };
	char buf[256];

	parse_bad_with(NAME APPS, ovr, 1, &errs);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(sc_error_format(&errs, 0, buf, sizeof(buf)),
			 "bad.yaml: --set expect.client.bogus=1: expect.client has no key "
			 "\"bogus\" (expected sees, after or before)");
	sc_errors_free(&errs);
}
END_TEST

/* ---- many errors in one file ----------------------------------------------- */

START_TEST(test_all_errors_reported)
{
	static const char text[] =
		"name: several mistakes\n"
		"duration: 10\n"
		"hosts:\n"
		"  client: { adr: 10.0.0.1 }\n"
		"  server: {}\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    steps: [accept, sned: 5]\n"
		"  client:\n"
		"    connect: sever\n"
		"faults:\n"
		"  - at: 1s\n"
		"    power_off: client\n"
		"expect:\n"
		"  server: { sees: timeout, after: 8s, before: 3s }\n";
	static const char *const expected[] = {
		"bad.yaml:2:11: 10: a duration needs a unit (10s?)",
		"bad.yaml:4:13: unknown key \"adr\" (did you mean addr?)",
		"bad.yaml:9:21: unknown step \"sned\" (did you mean send?)",
		"bad.yaml:11:14: unknown app or host \"sever\" (did you mean server?)",
		"bad.yaml:14:5: unknown fault \"power_off\" (did you mean poweroff?)",
		"bad.yaml:16:47: before: 3s is earlier than after: 8s",
	};
	struct sc_errors errs = { 0 };
	char buf[512];

	parse_bad_with(text, NULL, 0, &errs);
	ck_assert_str_eq(errs.file, "bad.yaml");
	ck_assert_uint_eq(errs.n, sizeof(expected) / sizeof(expected[0]));
	ck_assert_uint_eq(errs.dropped, 0);
	for (size_t i = 0; i < errs.n; i++)
		ck_assert_str_eq(sc_error_format(&errs, i, buf, sizeof(buf)), expected[i]);
	/* past the end: nothing (no dropped errors to count) */
	ck_assert_str_eq(sc_error_format(&errs, errs.n, buf, sizeof(buf)), "");
	sc_errors_free(&errs);
}
END_TEST

START_TEST(test_error_limit)
{
	size_t len = 0, cap = 64 * 1024;
	char *text = malloc(cap);
	struct sc_errors errs = { 0 };
	char buf[256];

	len += (size_t)snprintf(text + len, cap - len, "name: n\napps:\n  s:\n    listen: 1\n"
				"hosts:\n  s:\n");
	for (int i = 0; i < SC_MAX_ERRORS + 50; i++)
		len += (size_t)snprintf(text + len, cap - len, "    bogus%d: 1\n", i);
	parse_bad_with(text, NULL, 0, &errs);
	ck_assert_uint_eq(errs.n, SC_MAX_ERRORS);
	ck_assert_uint_eq(errs.dropped, 50);
	ck_assert_str_eq(sc_error_format(&errs, 0, buf, sizeof(buf)),
			 "bad.yaml:7:5: unknown key \"bogus0\" (expected addr, addr6, mac, sysctl "
			 "or link)");
	ck_assert_str_eq(sc_error_format(&errs, errs.n, buf, sizeof(buf)),
			 "bad.yaml: 50 more errors not shown");
	sc_errors_free(&errs);
	free(text);
}
END_TEST

/* ---- limits ------------------------------------------------------------------ */

struct text_buf {
	char *s;
	size_t len, cap;
};

static void add(struct text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text_buf *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)n;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
	t->len += (size_t)n;
}

static void limit_text(struct text_buf *t, int what)
{
	add(t, "name: limits\n");
	switch (what) {
	case 0:                                        /* hosts */
		add(t, "hosts:\n");
		for (int i = 0; i <= SC_MAX_HOSTS; i++)
			add(t, "  h%d: {}\n", i);
		add(t, "apps: { s: { host: h0, listen: 1 } }\n");
		break;
	case 1:                                        /* apps */
		add(t, "apps:\n");
		for (int i = 0; i <= SC_MAX_APPS; i++)
			add(t, "  a%d: { listen: 1 }\n", i);
		break;
	case 2:                                        /* steps */
		add(t, "apps:\n  s:\n    listen: 1\n    steps:\n");
		for (int i = 0; i <= SC_MAX_STEPS; i++)
			add(t, "      - recv\n");
		break;
	case 3:                                        /* faults */
		add(t, "apps: { s: { listen: 1 } }\nfaults:\n");
		for (int i = 0; i <= SC_MAX_FAULTS; i++)
			add(t, "  - { at: 1s, freeze: s }\n");
		break;
	case 4:                                        /* sysctls */
		add(t, "apps: { s: { listen: 1 } }\nhosts:\n  s:\n    sysctl:\n");
		for (int i = 0; i <= SC_MAX_SYSCTLS; i++)
			add(t, "      net.ipv4.x%d: 1\n", i);
		break;
	case 5:                                        /* cmd arguments */
		add(t, "apps:\n  p:\n    cmd: [/bin/true");
		for (int i = 0; i < SC_MAX_CMD_ARGS; i++)
			add(t, ", a%d", i);
		add(t, "]\n");
		break;
	case 6:                                        /* matrix keys */
		add(t, "apps: { s: { listen: 1 } }\nmatrix:\n");
		for (int i = 0; i <= SC_MAX_MATRIX_KEYS; i++)
			add(t, "  %s: [1]\n", i % 2 ? "duration" : "apps.s.listen");
		break;
	case 7:                                        /* matrix values */
		add(t, "apps: { s: { listen: 1 } }\nmatrix:\n  apps.s.listen: [1");
		for (int i = 0; i < SC_MAX_MATRIX_VALUES; i++)
			add(t, ", %d", i + 2);
		add(t, "]\n");
		break;
	case 8:                                        /* one string */
		add(t, "description: \"");
		for (int i = 0; i <= SC_MAX_STRING; i++)
			add(t, "x");
		add(t, "\"\napps: { s: { listen: 1 } }\n");
		break;
	case 9:                                        /* one send */
		add(t, "apps: { s: { listen: 1, steps: [{ send: %u }] } }\n", SC_MAX_SEND + 1);
		break;
	}
}

START_TEST(test_limits)
{
	static const char *const expected[] = {
		"bad.yaml:3:3: too many hosts: 251 (at most 250)",
		"bad.yaml:3:3: too many apps: 65 (at most 64)",
		"bad.yaml:6:7: too many steps: 257 (at most 256)",
		"bad.yaml:4:3: too many faults: 257 (at most 256)",
		"bad.yaml:6:7: too many sysctls: 65 (at most 64)",
		"bad.yaml:4:10: too many cmd arguments: 65 (at most 64)",
		"bad.yaml:4:3: too many matrix keys: 9 (at most 8)",
		"bad.yaml:4:18: too many values: 65 (at most 64)",
		"bad.yaml:2:14: text of 4097 bytes is too long (at most 4096)",
		"bad.yaml:2:41: send 67108865 is out of range (1 to 67108864)",
	};
	struct text_buf t = { .s = NULL };
	char buf[256];

	t.cap = 1024;
	t.s = malloc(t.cap);
	t.len = 0;
	limit_text(&t, _i);
	ck_assert_str_eq(first_error(t.s, NULL, 0, buf, sizeof(buf)), expected[_i]);
	free(t.s);
}
END_TEST

START_TEST(test_limit_exactly_reached)
{
	/* SC_MAX_STEPS steps of which the first is accept: allowed */
	struct text_buf t = { .cap = 1024 };
	struct scenario *sc;

	t.s = malloc(t.cap);
	add(&t, "name: n\napps:\n  s:\n    listen: 1\n    steps:\n      - accept\n");
	for (int i = 1; i < SC_MAX_STEPS; i++)
		add(&t, "      - recv\n");
	sc = parse_ok(t.s);
	ck_assert_uint_eq(sc->apps[0].nsteps, SC_MAX_STEPS);
	scenario_free(sc);
	free(t.s);
}
END_TEST

START_TEST(test_too_big)
{
	size_t len = SC_MAX_TEXT + 1;
	char *text = malloc(len);
	struct scenario *sc = NULL;
	struct sc_errors errs = { 0 };
	char buf[256];

	memset(text, '#', len);
	ck_assert_int_eq(scenario_parse("big.yaml", text, len, NULL, 0, &sc, &errs), -EFBIG);
	ck_assert_ptr_null(sc);
	ck_assert_str_eq(sc_error_format(&errs, 0, buf, sizeof(buf)),
			 "big.yaml: the file is larger than 1048576 bytes, the limit for a scenario");
	sc_errors_free(&errs);
	free(text);
}
END_TEST

/* ---- files, names, lifetimes -------------------------------------------------- */

START_TEST(test_load)
{
	char path[] = "/tmp/test_scenario_XXXXXX";
	int fd = mkstemp(path);
	struct scenario *sc = NULL;
	struct sc_errors errs = { 0 };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, spec_example, strlen(spec_example)), (int)strlen(spec_example));
	close(fd);
	ck_assert_int_eq(scenario_load(path, NULL, 0, &sc, &errs), 0);
	ck_assert_str_eq(sc->file, path);
	ck_assert_uint_eq(sc->napps, 2);
	scenario_free(sc);
	sc_errors_free(&errs);
	unlink(path);

	ck_assert_int_eq(scenario_load(path, NULL, 0, &sc, &errs), -ENOENT);
	ck_assert_ptr_null(sc);
	ck_assert_uint_eq(errs.n, 0);
	sc_errors_free(&errs);
}
END_TEST

START_TEST(test_free_accepts_null)
{
	struct sc_errors errs = { 0 };

	scenario_free(NULL);
	sc_errors_free(NULL);
	sc_errors_free(&errs);
	sc_errors_free(&errs);
}
END_TEST

START_TEST(test_names)
{
	for (int k = SC_STEP_ACCEPT; k <= SC_STEP_CRASH; k++)
		ck_assert_str_ne(sc_step_name((enum sc_step_kind)k), "?");
	for (int k = SC_FAULT_POWEROFF; k <= SC_FAULT_HEAL; k++)
		ck_assert_str_ne(sc_fault_name((enum sc_fault_kind)k), "?");
	for (int v = SC_VERDICT_NOTHING; v <= SC_VERDICT_REFUSED; v++)
		ck_assert_int_eq(sc_verdict_parse(sc_verdict_name((enum sc_verdict)v)), v);
	ck_assert_str_eq(sc_step_name(SC_STEP_SHUTDOWN), "shutdown");
	ck_assert_str_eq(sc_fault_name(SC_FAULT_POWEROFF), "poweroff");
	ck_assert_str_eq(sc_verdict_name(SC_VERDICT_UNREACHABLE), "unreachable");
	ck_assert_int_eq(sc_verdict_parse("bogus"), -1);
	ck_assert_str_eq(sc_result_name(SC_RESULT_OK), "ok");
	ck_assert_str_eq(sc_result_name(SC_RESULT_EOF), "eof");
	ck_assert_str_eq(sc_result_name(EPIPE), "EPIPE");
	ck_assert_str_eq(sc_step_name((enum sc_step_kind)99), "?");
}
END_TEST

START_TEST(test_lookups)
{
	struct scenario *sc = parse_ok(spec_example);

	ck_assert_int_eq(scenario_host_find(sc, "server"), 1);
	ck_assert_int_eq(scenario_host_find(sc, "nobody"), -1);
	ck_assert_int_eq(scenario_app_find(sc, "client"), 1);
	ck_assert_int_eq(scenario_app_find(sc, ""), -1);
	scenario_free(sc);
}
END_TEST

START_TEST(test_aliases)
{
	/* anchors and aliases are plain YAML; a looping alias ends in an error */
	struct scenario *sc = parse_ok("name: a\n"
				       "apps:\n"
				       "  s: { listen: 1, tcp: &t { nodelay: true } }\n"
				       "  c: { connect: s, tcp: *t }\n");
	char buf[256];

	ck_assert_int_eq(sc->apps[1].tcp.nodelay, 1);
	scenario_free(sc);
	ck_assert_str_eq(first_error("name: a\napps:\n  s:\n    listen: 1\n    steps: &s [*s]\n",
				     NULL, 0, buf, sizeof(buf)),
			 "bad.yaml:5:12: expected a step (like accept, or send: 26), not a list");
}
END_TEST

/* ---- the table of bad scenarios ------------------------------------------------ */

static const struct bad_case {
	const char *what;
	const char *text;
	const char *error;    /* the first error, exactly */
} bad_cases[] = {
	{ "duration_bare",
	  NAME "duration: 10\n" APPS,
	  "bad.yaml:2:11: 10: a duration needs a unit (10s?)" },
	{ "duration_word",
	  NAME "duration: soon\n" APPS,
	  "bad.yaml:2:11: soon: not a duration (expected a number and a unit: us, ms, s, m or h, like 250ms or 1.5s)" },
	{ "duration_long",
	  NAME "duration: 2h\n" APPS,
	  "bad.yaml:2:11: duration 2h is out of range (more than 0s, at most 1h)" },
	{ "duration_zero",
	  NAME "duration: 0s\n" APPS,
	  "bad.yaml:2:11: duration 0s is out of range (more than 0s, at most 1h)" },
	{ "top_unknown",
	  NAME "hots:\n  a: {}\n" APPS,
	  "bad.yaml:2:1: unknown key \"hots\" (did you mean hosts?)" },
	{ "top_missing_name",
	  APPS,
	  "bad.yaml:1:1: missing key \"name\" (one line shown in reports)" },
	{ "top_missing_apps",
	  NAME,
	  "bad.yaml:1:1: missing key \"apps\" (the programs to run, by name)" },
	{ "top_format",
	  "format: 2\n" NAME APPS,
	  "bad.yaml:1:9: format 2 is not supported (this netfault reads format 1)" },
	{ "top_name_list",
	  "name: [a, b]\n" APPS,
	  "bad.yaml:1:7: expected a name, not a list" },
	{ "top_duplicate",
	  NAME "name: u\n" APPS,
	  "bad.yaml:2:1: duplicate key \"name\" (first at 1:1)" },
	{ "top_not_map",
	  "- name: t\n",
	  "bad.yaml:1:1: expected a scenario: a mapping with name, apps and other keys, not a list" },
	{ "top_key_not_scalar",
	  "? [a]\n: b\n" NAME APPS,
	  "bad.yaml:1:3: expected a key name, not a list" },
	{ "yaml_syntax",
	  NAME "apps: [server\n",
	  "bad.yaml:3:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence started at line 2)" },
	{ "yaml_tab",
	  NAME "apps:\n\tserver: {}\n",
	  "bad.yaml:3:1: invalid YAML: found character that cannot start any token (while scanning for the next token started at line 3); indent with spaces, not tabs" },
	{ "yaml_empty",
	  "",
	  "bad.yaml:1:1: the file is empty (expected a scenario: name, apps and other keys)" },
	{ "yaml_two_docs",
	  NAME APPS "---\nname: u\n",
	  "bad.yaml:8:1: a scenario file holds one YAML document; a second one starts here" },
	{ "hosts_list",
	  NAME "hosts: [a, b]\n" APPS,
	  "bad.yaml:2:8: expected a mapping of host names to hosts, not a list" },
	{ "host_name_invalid",
	  HOSTS("  Server: {}\n  client: {}\n"),
	  "bad.yaml:3:3: invalid host name \"Server\" (expected a lowercase letter, then up to 14 lowercase letters, digits or dashes)" },
	{ "host_name_long",
	  HOSTS("  server-with-a-long-name: {}\n"),
	  "bad.yaml:3:3: invalid host name \"server-with-a-long-name\" (expected a lowercase letter, then up to 14 lowercase letters, digits or dashes)" },
	{ "host_name_reserved",
	  HOSTS("  all: {}\n"),
	  "bad.yaml:3:3: \"all\" is reserved and cannot name a host" },
	{ "host_duplicate",
	  HOSTS("  server: {}\n  client: {}\n  server: {}\n"),
	  "bad.yaml:5:3: duplicate host \"server\" (first at 3:3)" },
	{ "host_unknown_key",
	  HOSTS("  server: { adr: 10.0.0.9 }\n  client: {}\n"),
	  "bad.yaml:3:13: unknown key \"adr\" (did you mean addr?)" },
	{ "host_addr_bad",
	  HOSTS("  server: { addr: 10.0.0.300 }\n  client: {}\n"),
	  "bad.yaml:3:19: 10.0.0.300: not an IPv4 address (expected one like 10.0.0.5/24)" },
	{ "host_addr_loopback",
	  HOSTS("  server: { addr: 127.0.0.1 }\n  client: {}\n"),
	  "bad.yaml:3:19: 127.0.0.1 cannot be a host's address (it is unspecified, loopback or multicast)" },
	{ "host_addr6_prefix",
	  HOSTS("  server: { addr6: fd00::9/129 }\n  client: {}\n"),
	  "bad.yaml:3:20: fd00::9/129: prefix length out of range (1 to 128)" },
	{ "host_addr_same",
	  HOSTS("  server: { addr: 10.0.0.7 }\n  client: { addr: 10.0.0.7/24 }\n"),
	  "bad.yaml:4:19: hosts \"server\" and \"client\" have the same address 10.0.0.7" },
	{ "host_addr_default_clash",
	  HOSTS("  server: {}\n  client: { addr: 10.0.0.1 }\n"),
	  "bad.yaml:4:19: hosts \"server\" and \"client\" have the same address 10.0.0.1 (a default address is 10.0.0.N or fd00::N, N the host's position)" },
	{ "host_mac_multicast",
	  HOSTS("  server: { mac: \"01:00:5e:00:00:01\" }\n  client: {}\n"),
	  "bad.yaml:3:18: 01:00:5e:00:00:01 is a multicast MAC address (the first byte must be even)" },
	{ "host_mac_bad",
	  HOSTS("  server: { mac: \"02:00:00:00:01\" }\n  client: {}\n"),
	  "bad.yaml:3:18: 02:00:00:00:01: not a MAC address (expected six hex bytes like 02:00:00:00:00:01)" },
	{ "host_sysctl_name",
	  HOSTS("  server:\n    sysctl: { kernel.panic: 1 }\n  client: {}\n"),
	  "bad.yaml:4:15: invalid sysctl name \"kernel.panic\" (expected a network setting like net.ipv4.tcp_retries2)" },
	{ "host_sysctl_value",
	  HOSTS("  server:\n    sysctl: { net.ipv4.tcp_retries2: [5] }\n  client: {}\n"),
	  "bad.yaml:4:38: expected a value for sysctl net.ipv4.tcp_retries2, not a list" },
	{ "host_link_jitter",
	  HOSTS("  server:\n    link: { jitter: 5ms }\n  client: {}\n"),
	  "bad.yaml:4:21: jitter without a delay: add delay: too" },
	{ "host_link_delay_range",
	  HOSTS("  server:\n    link: { delay: 300s }\n  client: {}\n"),
	  "bad.yaml:4:20: delay 300s is out of range (0s to 225s)" },
	{ "host_link_engine",
	  HOSTS("  server:\n    link: { delay: 5ms, engine: tc }\n  client: {}\n"),
	  "bad.yaml:4:33: unknown engine \"tc\" (expected auto, netem or queue)" },
	{ "host_link_rate_unit",
	  HOSTS("  server:\n    link: { rate: 10 }\n  client: {}\n"),
	  "bad.yaml:4:19: 10: a rate needs a unit (like 1mbit, 500kbit or 100bps)" },
	{ "host_link_loss_range",
	  HOSTS("  server:\n    link: { loss: 120 }\n  client: {}\n"),
	  "bad.yaml:4:19: loss 120 is out of range (0 to 100)" },
	{ "host_link_empty",
	  HOSTS("  server:\n    link: { direction: in }\n  client: {}\n"),
	  "bad.yaml:4:11: a link needs at least one of delay, loss or rate" },
	{ "apps_empty",
	  NAME "apps: {}\n",
	  "bad.yaml:2:7: apps needs at least one app" },
	{ "apps_list",
	  NAME "apps: [server]\n",
	  "bad.yaml:2:7: expected a mapping of app names to apps, not a list" },
	{ "app_name_invalid",
	  NAME "apps:\n  Web_Server:\n    listen: 80\n",
	  "bad.yaml:3:3: invalid app name \"Web_Server\" (expected a lowercase letter, then up to 14 lowercase letters, digits or dashes)" },
	{ "app_no_role",
	  NAME "apps:\n  server:\n    family: ipv4\n",
	  "bad.yaml:3:3: app \"server\" needs listen: PORT (a server) or connect: TARGET (a client)" },
	{ "app_both_roles",
	  NAME "apps:\n  server:\n    listen: 5000\n    connect: client\n  client:\n    listen: 6000\n",
	  "bad.yaml:5:5: an app either listens or connects, not both (make two apps)" },
	{ "app_listen_range",
	  NAME "apps:\n  server:\n    listen: 0\n",
	  "bad.yaml:4:13: listen port 0 is out of range (1 to 65535)" },
	{ "app_listen_word",
	  NAME "apps:\n  server:\n    listen: http\n",
	  "bad.yaml:4:13: http: expected a whole number for listen port" },
	{ "app_family",
	  SERVER_WITH("    family: ipv5\n"),
	  "bad.yaml:5:13: unknown family \"ipv5\" (did you mean ipv4?)" },
	{ "app_unknown_key",
	  SERVER_WITH("    stpes: [accept]\n"),
	  "bad.yaml:5:5: unknown key \"stpes\" (did you mean steps?)" },
	{ "app_host_unknown",
	  SERVER_WITH("    host: box\n"),
	  "bad.yaml:5:11: unknown host \"box\" (expected server or client)" },
	{ "app_no_host",
	  NAME "hosts:\n  box: {}\n" APPS,
	  "bad.yaml:5:3: app \"server\" has no host: give it host: or add a host named \"server\" to hosts" },
	{ "app_same_port",
	  NAME "hosts:\n  box: {}\napps:\n  a:\n    host: box\n    listen: 80\n  b:\n    host: box\n    listen: 80\n",
	  "bad.yaml:8:3: apps \"a\" and \"b\" both listen on port 80 of host \"box\"" },
	{ "connect_unknown",
	  NAME "apps:\n  server:\n    listen: 5000\n  client:\n    connect: sever\n",
	  "bad.yaml:6:14: unknown app or host \"sever\" (did you mean server?)" },
	{ "connect_unknown_far",
	  NAME "apps:\n  server:\n    listen: 5000\n  client:\n    connect: database\n",
	  "bad.yaml:6:14: unknown app or host \"database\" (expected APP, HOST, HOST:PORT or ADDRESS:PORT)" },
	{ "connect_not_listening",
	  NAME "apps:\n  server:\n    listen: 5000\n  client:\n    connect: other\n  other:\n    connect: server\n",
	  "bad.yaml:6:14: app \"other\" does not listen, so nothing can connect to it (connect to a server app, HOST:PORT or ADDRESS:PORT)" },
	{ "connect_port_range",
	  NAME "apps:\n  server:\n    listen: 5000\n  client:\n    connect: server:99999\n",
	  "bad.yaml:6:14: server:99999: expected a port from 1 to 65535 after the colon" },
	{ "connect_v6_brackets",
	  NAME "apps:\n  client:\n    connect: fd00::2:5000\n",
	  "bad.yaml:4:14: fd00::2:5000: write an IPv6 address in brackets, like [fd00::2]:5000" },
	{ "connect_addr_no_port",
	  NAME "apps:\n  client:\n    connect: 10.0.0.2\n",
	  "bad.yaml:4:14: 10.0.0.2 needs a port: 10.0.0.2:PORT" },
	{ "connect_v6_family",
	  NAME "apps:\n  client:\n    family: ipv4\n    connect: \"[fd00::2]:5000\"\n",
	  "bad.yaml:5:14: fd00::2 is an IPv6 address, but this app's family is ipv4" },
	{ "connect_host_no_listener",
	  NAME "hosts:\n  box: {}\n  client: {}\napps:\n  client:\n    connect: box\n",
	  "bad.yaml:7:14: host \"box\" has no listening app: write box:PORT" },
	{ "connect_host_unknown",
	  NAME "apps:\n  client:\n    connect: box:80\n",
	  "bad.yaml:4:14: unknown host \"box\" (expected client)" },
	{ "tcp_keepalive_on",
	  SERVER_WITH("    tcp: { keepalive: on }\n"),
	  "bad.yaml:5:23: expected keepalive: off or a mapping of idle, interval and count" },
	{ "tcp_keepalive_count",
	  SERVER_WITH("    tcp: { keepalive: { count: 200 } }\n"),
	  "bad.yaml:5:32: count 200 is out of range (1 to 127)" },
	{ "tcp_keepalive_key",
	  SERVER_WITH("    tcp: { keepalive: { idel: 2s } }\n"),
	  "bad.yaml:5:25: unknown key \"idel\" (did you mean idle?)" },
	{ "tcp_nodelay",
	  SERVER_WITH("    tcp: { nodelay: yes }\n"),
	  "bad.yaml:5:21: yes: expected true or false for nodelay" },
	{ "tcp_sndbuf",
	  SERVER_WITH("    tcp: { sndbuf: -1 }\n"),
	  "bad.yaml:5:20: -1: expected a whole number for sndbuf" },
	{ "tcp_syn_retries_server",
	  SERVER_WITH("    tcp: { syn_retries: 2 }\n"),
	  "bad.yaml:5:12: syn_retries is for clients (apps with connect:)" },
	{ "tcp_linger",
	  SERVER_WITH("    tcp: { linger: forever }\n"),
	  "bad.yaml:5:20: forever: expected linger: off or a time like 0s or 5s" },
	{ "tcp_user_timeout",
	  SERVER_WITH("    tcp: { user_timeout: 3 }\n"),
	  "bad.yaml:5:26: 3: a duration needs a unit (3s?)" },
	{ "tcp_unknown",
	  SERVER_WITH("    tcp: { usertimeout: 3s }\n"),
	  "bad.yaml:5:12: unknown key \"usertimeout\" (did you mean user_timeout?)" },
	{ "tcp_list",
	  SERVER_WITH("    tcp: [nodelay]\n"),
	  "bad.yaml:5:10: expected a mapping of TCP options, not a list" },
	{ "steps_string",
	  SERVER_WITH("    steps: accept\n"),
	  "bad.yaml:5:12: expected a list of steps, not a single value" },
	{ "step_unknown",
	  SERVER_STEPS("      - sned: 5\n"),
	  "bad.yaml:6:9: unknown step \"sned\" (did you mean send?)" },
	{ "step_unknown_word",
	  SERVER_STEPS("      - listen\n"),
	  "bad.yaml:6:9: unknown step \"listen\" (expected accept, connect, send, recv, wait, sleep, hold, shutdown, close, abort, exit or crash)" },
	{ "step_send_bare",
	  SERVER_STEPS("      - send\n"),
	  "bad.yaml:6:9: send needs what to send: send: 26 (bytes) or send: \"text\"" },
	{ "step_send_junk",
	  SERVER_STEPS("      - send: 10k\n"),
	  "bad.yaml:6:15: 10k: expected a number of bytes, or a text in quotes" },
	{ "step_send_both",
	  SERVER_STEPS("      - send: { bytes: 1, text: a }\n"),
	  "bad.yaml:6:27: send takes bytes: or text:, not both" },
	{ "step_send_too_big",
	  SERVER_STEPS("      - send: 100000000\n"),
	  "bad.yaml:6:15: send 100000000 is out of range (1 to 67108864)" },
	{ "step_recv_zero",
	  SERVER_STEPS("      - recv: 0\n"),
	  "bad.yaml:6:15: recv 0 is out of range (1 to 67108864)" },
	{ "step_sleep_unit",
	  SERVER_STEPS("      - sleep: 2\n"),
	  "bad.yaml:6:16: 2: a duration needs a unit (2s?)" },
	{ "step_shutdown",
	  SERVER_STEPS("      - shutdown: sideways\n"),
	  "bad.yaml:6:19: unknown shutdown direction \"sideways\" (expected write, read or both)" },
	{ "step_expect_beside",
	  SERVER_STEPS("      - send: 26\n        expect: EPIPE\n"),
	  "bad.yaml:7:9: a step is one key: put expect: inside it, like send: { bytes: 26, expect: EPIPE }" },
	{ "step_two_keys",
	  SERVER_STEPS("      - { send: 26, recv: 26 }\n"),
	  "bad.yaml:6:21: one step per list item (start a new item with -)" },
	{ "step_no_value",
	  SERVER_STEPS("      - close: 5\n"),
	  "bad.yaml:6:16: close takes no value (write close, or close: { expect: RESULT })" },
	{ "step_expect_unknown",
	  SERVER_STEPS("      - recv: { expect: ECONNRESTE }\n"),
	  "bad.yaml:6:25: unknown result \"ECONNRESTE\" (did you mean ECONNRESET?)" },
	{ "step_expect_far",
	  SERVER_STEPS("      - recv: { expect: whatever }\n"),
	  "bad.yaml:6:25: unknown result \"whatever\" (expected ok, eof or an errno name like ECONNRESET)" },
	{ "step_option_unknown",
	  SERVER_STEPS("      - recv: { byte: 5 }\n"),
	  "bad.yaml:6:17: unknown key \"byte\" (did you mean bytes?)" },
	{ "step_connect_in_server",
	  SERVER_STEPS("      - connect\n"),
	  "bad.yaml:6:9: connect is for clients (apps with connect:)" },
	{ "step_accept_in_client",
	  CLIENT_STEPS("      - accept\n"),
	  "bad.yaml:8:9: accept is for servers (apps with listen:)" },
	{ "step_accept_twice",
	  SERVER_STEPS("      - accept\n      - accept\n"),
	  "bad.yaml:7:9: accept is here twice (first at 6:9): an app has one connection" },
	{ "step_send_before_accept",
	  SERVER_STEPS("      - send: 5\n      - accept\n"),
	  "bad.yaml:6:9: send comes before accept: there is no connection yet" },
	{ "step_after_exit",
	  SERVER_STEPS("      - exit\n      - recv\n"),
	  "bad.yaml:7:9: nothing runs after exit (the process is gone)" },
	{ "step_after_hold",
	  CLIENT_STEPS("      - hold\n      - close\n"),
	  "bad.yaml:9:9: nothing runs after hold (it lasts until the run ends)" },
	{ "step_list_item",
	  SERVER_STEPS("      - [accept]\n"),
	  "bad.yaml:6:9: expected a step (like accept, or send: 26), not a list" },
	{ "cmd_with_steps",
	  NAME "apps:\n  web:\n    cmd: [/bin/true]\n    steps: [accept]\n",
	  "bad.yaml:5:5: an app with cmd runs that program: steps are for built-in apps" },
	{ "cmd_string",
	  NAME "apps:\n  web:\n    cmd: /bin/true\n",
	  "bad.yaml:4:10: expected a list: cmd: [program, argument, ...], not a single value" },
	{ "cmd_empty",
	  NAME "apps:\n  web:\n    cmd: []\n",
	  "bad.yaml:4:10: cmd needs at least the program to run" },
	{ "cmd_tcp",
	  NAME "apps:\n  web:\n    cmd: [/bin/true]\n    tcp: { nodelay: true }\n",
	  "bad.yaml:5:5: tcp options are for built-in apps: set them in the program that cmd runs" },
	{ "user_invalid",
	  SERVER_WITH("    user: Bad User\n"),
	  "bad.yaml:5:11: invalid user name \"Bad User\" (expected a login name like nobody, or a numeric uid)" },
	{ "faults_map",
	  NAME APPS "faults:\n  at: 1s\n",
	  "bad.yaml:8:3: expected a list of faults, not a mapping" },
	{ "fault_no_at",
	  NAME APPS "faults:\n  - poweroff: client\n",
	  "bad.yaml:8:5: missing key \"at\" (when the fault happens, like at: 2s)" },
	{ "fault_at_unit",
	  NAME APPS "faults:\n  - at: 1\n    poweroff: client\n",
	  "bad.yaml:8:9: 1: a duration needs a unit (1s?)" },
	{ "fault_unknown",
	  FAULT("    power_off: client\n"),
	  "bad.yaml:9:5: unknown fault \"power_off\" (did you mean poweroff?)" },
	{ "fault_unknown_far",
	  FAULT("    explode: client\n"),
	  "bad.yaml:9:5: unknown fault \"explode\" (expected poweroff, poweron, reboot, crash, freeze, thaw, unplug, plug, delay, loss, rate, drop, reject, partition or heal)" },
	{ "fault_two",
	  FAULT("    poweroff: client\n    crash: server\n"),
	  "bad.yaml:10:5: one fault per item: poweroff and crash are both here (make two items)" },
	{ "fault_none",
	  NAME APPS "faults:\n  - at: 1s\n",
	  "bad.yaml:8:5: expected a fault in this item, like poweroff: HOST" },
	{ "fault_late",
	  NAME "duration: 15s\n" APPS "faults:\n  - at: 20s\n    poweroff: client\n",
	  "bad.yaml:9:9: at: 20s is not before the end of the run (duration: 15s)" },
	{ "fault_item_scalar",
	  NAME APPS "faults:\n  - poweroff\n",
	  "bad.yaml:8:5: expected a fault: a mapping with at: and one fault, like { at: 1s, poweroff: client }" },
	{ "fault_host_unknown",
	  FAULT("    poweroff: clinet\n"),
	  "bad.yaml:9:15: unknown host \"clinet\" (did you mean client?)" },
	{ "fault_host_missing",
	  FAULT("    poweroff:\n"),
	  "bad.yaml:9:14: poweroff needs a host: poweroff: HOST" },
	{ "fault_host_key_missing",
	  FAULT("    freeze: {}\n"),
	  "bad.yaml:9:13: missing key \"host\" (the host the fault happens to)" },
	{ "fault_option_unknown",
	  FAULT("    poweroff: { host: client, down: 1s }\n"),
	  "bad.yaml:9:31: unknown key \"down\" (expected host)" },
	{ "crash_signal_stop",
	  FAULT("    crash: { host: client, signal: STOP }\n"),
	  "bad.yaml:9:36: signal STOP does not end a process (expected one that does, like KILL, SEGV or TERM)" },
	{ "crash_signal_unknown",
	  FAULT("    crash: { host: client, signal: SIGKLL }\n"),
	  "bad.yaml:9:36: unknown signal \"SIGKLL\" (did you mean KILL?)" },
	{ "crash_app_other_host",
	  FAULT("    crash: { host: client, app: server }\n"),
	  "bad.yaml:9:33: app \"server\" runs on host \"server\", not \"client\"" },
	{ "crash_app_unknown",
	  FAULT("    crash: { app: nobody }\n"),
	  "bad.yaml:9:19: unknown app \"nobody\" (expected server or client)" },
	{ "reboot_down_zero",
	  FAULT("    reboot: { host: client, down: 0s }\n"),
	  "bad.yaml:9:35: down must be more than 0s" },
	{ "delay_scalar",
	  FAULT("    delay: client\n"),
	  "bad.yaml:9:12: delay needs options: delay: { host: client, time: 200ms }" },
	{ "delay_no_time",
	  FAULT("    delay: { host: client, jitter: 5ms }\n"),
	  "bad.yaml:9:12: missing key \"time\" (how long packets are held, like time: 200ms)" },
	{ "delay_direction",
	  FAULT("    delay: { host: client, time: 5ms, direction: up }\n"),
	  "bad.yaml:9:50: unknown direction \"up\" (expected out, in or both)" },
	{ "loss_range",
	  FAULT("    loss: { host: client, percent: 101 }\n"),
	  "bad.yaml:9:36: percent 101 is out of range (0 to 100)" },
	{ "loss_word",
	  FAULT("    loss: { host: client, percent: half }\n"),
	  "bad.yaml:9:36: half: expected a percentage from 0 to 100 for percent" },
	{ "rate_range",
	  FAULT("    rate: { host: client, rate: 20gbit }\n"),
	  "bad.yaml:9:33: rate 20gbit is out of range (8bit to 17gbit)" },
	{ "rate_unit",
	  FAULT("    rate: { host: client, rate: 10mbits }\n"),
	  "bad.yaml:9:33: 10mbits: not a rate (expected a number and a unit: bit, kbit, mbit, gbit, or bps, kbps, mbps, gbps for bytes)" },
	{ "drop_proto",
	  FAULT("    drop: { host: client, proto: sctp }\n"),
	  "bad.yaml:9:34: unknown proto \"sctp\" (expected tcp, udp or icmp)" },
	{ "drop_icmp_port",
	  FAULT("    drop: { host: client, proto: icmp, port: 80 }\n"),
	  "bad.yaml:9:46: a port needs proto tcp or udp (or no proto), not icmp" },
	{ "reject_reset_udp",
	  FAULT("    reject: { host: client, with: tcp-reset, proto: udp }\n"),
	  "bad.yaml:9:35: with: tcp-reset refuses TCP only: use proto tcp, or no proto" },
	{ "reject_with_unknown",
	  FAULT("    reject: { host: client, with: icmp-net-unreachable }\n"),
	  "bad.yaml:9:35: unknown reject kind \"icmp-net-unreachable\" (did you mean icmp-port-unreachable?)" },
	{ "partition_one_group",
	  FAULT("    partition: [[client, server]]\n"),
	  "bad.yaml:9:16: a partition needs at least two groups, like [[a, b], [c]]" },
	{ "partition_two_groups",
	  FAULT("    partition: [[client], [client, server]]\n"),
	  "bad.yaml:9:28: host \"client\" is in two groups (a host belongs to one group)" },
	{ "partition_scalar",
	  FAULT("    partition: client\n"),
	  "bad.yaml:9:16: expected groups like [[a, b], [c]] or one way like { from: a, to: c }" },
	{ "partition_no_to",
	  FAULT("    partition: { from: client }\n"),
	  "bad.yaml:9:16: missing key \"to\" (the hosts they no longer reach)" },
	{ "partition_both_sides",
	  FAULT("    partition: { from: [client, server], to: client }\n"),
	  "bad.yaml:9:46: host \"client\" is on both sides, from and to" },
	{ "partition_empty_group",
	  FAULT("    partition: [[client], []]\n"),
	  "bad.yaml:9:27: expected a group: a host name or a list of them" },
	{ "heal_unknown",
	  FAULT("    heal: everyone\n"),
	  "bad.yaml:9:11: unknown host \"everyone\" (expected server or client)" },
	{ "expect_list",
	  NAME APPS "expect: [server]\n",
	  "bad.yaml:7:9: expected a mapping of app names to verdicts, not a list" },
	{ "expect_app_unknown",
	  EXPECT("  nobody: fin\n"),
	  "bad.yaml:8:3: unknown app \"nobody\" (expected server or client)" },
	{ "expect_verdict",
	  EXPECT("  server: finn\n"),
	  "bad.yaml:8:11: unknown verdict \"finn\" (did you mean fin?)" },
	{ "expect_no_sees",
	  EXPECT("  server: { after: 1s }\n"),
	  "bad.yaml:8:11: missing key \"sees\" (the verdict, like sees: timeout)" },
	{ "expect_window",
	  EXPECT("  server: { sees: timeout, after: 8s, before: 3s }\n"),
	  "bad.yaml:8:47: before: 3s is earlier than after: 8s" },
	{ "expect_unknown_key",
	  EXPECT("  server: { sees: fin, befor: 3s }\n"),
	  "bad.yaml:8:24: unknown key \"befor\" (did you mean before?)" },
	{ "expect_duplicate",
	  EXPECT("  server: fin\n  server: rst\n"),
	  "bad.yaml:9:3: duplicate expectation for app \"server\" (first at 8:3)" },
	{ "matrix_unknown_key",
	  NAME APPS "matrix:\n  apps.server.tcp.usertimeout: [1s]\n",
	  "bad.yaml:8:3: apps.server.tcp has no key \"usertimeout\" (did you mean user_timeout?)" },
	{ "matrix_unknown_app",
	  NAME APPS "matrix:\n  apps.sever.listen: [80]\n",
	  "bad.yaml:8:3: no app named \"sever\" in the file (did you mean server?)" },
	{ "matrix_not_list",
	  NAME APPS "matrix:\n  apps.server.listen: 80\n",
	  "bad.yaml:8:23: expected a list of values, like [1s, 2s, 4s]" },
	{ "matrix_value_type",
	  NAME APPS "matrix:\n  apps.server.tcp.user_timeout: [1s, 2]\n",
	  "bad.yaml:8:38: 2: a duration needs a unit (2s?)" },
	{ "matrix_takes_keys",
	  NAME APPS "matrix:\n  apps.server.tcp: [a]\n",
	  "bad.yaml:8:3: apps.server.tcp takes keys, not a single value: name one of them" },
	{ "matrix_cells",
	  NAME APPS "matrix:\n  duration: [1s,2s,3s,4s,5s,6s,7s,8s,9s,10s,11s,12s,13s,14s,15s,16s,17s]\n  apps.server.listen: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]\n",
	  "bad.yaml:8:3: the matrix makes 272 runs (at most 256)" },
	{ "matrix_list_index",
	  NAME APPS "faults:\n  - at: 1s\n    poweroff: client\nmatrix:\n  faults.1.at: [1s]\n",
	  "bad.yaml:11:3: faults has no item 1 (faults are counted from 0)" },
	{ "matrix_top",
	  NAME APPS "matrix: [a]\n",
	  "bad.yaml:7:9: expected a mapping of dotted key paths to lists of values, not a list" },
	{ "app_duplicate",
	  NAME "apps:\n  server:\n    listen: 5000\n  server:\n    listen: 6000\n",
	  "bad.yaml:5:3: duplicate app \"server\" (first at 3:3)" },
	{ "step_send_nul",
	  SERVER_STEPS("      - send: \"a\\0b\"\n"),
	  "bad.yaml:6:15: text holds a NUL character" },
	{ "step_sleep_map_no_time",
	  SERVER_STEPS("      - sleep: { expect: ok }\n"),
	  "bad.yaml:6:16: missing key \"time\" (how long to sleep, like time: 2s)" },
	{ "host_name_sw",
	  HOSTS("  sw: {}\n"),
	  "bad.yaml:3:3: \"sw\" is reserved and cannot name a host" },
	{ "app_reserved_host",
	  NAME "apps:\n  all:\n    listen: 5000\n",
	  "bad.yaml:3:3: app \"all\" would run on a host named \"all\", a reserved name: add hosts: or rename the app" },
	{ "link_not_map",
	  HOSTS("  server:\n    link: 5ms\n  client: {}\n"),
	  "bad.yaml:4:11: expected a mapping of link impairments (delay, jitter, loss, rate, direction), not a single value" },
	{ "link_duplicate_key",
	  HOSTS("  server:\n    link: { delay: 5ms, delay: 6ms }\n  client: {}\n"),
	  "bad.yaml:4:25: duplicate key \"delay\" (first at 4:13)" },
	{ "expect_after_unit",
	  EXPECT("  server: { sees: fin, after: 3 }\n"),
	  "bad.yaml:8:31: 3: a duration needs a unit (3s?)" },
	{ "too_deep",
	  NAME "apps: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  "bad.yaml:2:38: mappings and lists nest more than 32 deep here" },
	{ "step_expect_alone",
	  SERVER_STEPS("      - expect: eof\n"),
	  "bad.yaml:6:9: expect: goes inside a step, like recv: { expect: eof }" },
	{ "step_bare_expect_value",
	  SERVER_STEPS("      - accept: ok\n"),
	  "bad.yaml:6:17: accept takes no value (write accept, or accept: { expect: RESULT })" },
	{ "matrix_value_not_scalar",
	  NAME APPS "matrix:\n  duration: [[1s]]\n",
	  "bad.yaml:8:14: expected a single value, not a list" },
	{ "fault_duplicate_kind",
	  FAULT("    poweroff: client\n    poweroff: server\n"),
	  "bad.yaml:10:5: duplicate key \"poweroff\" (first at 9:5)" },
	{ "fault_duplicate_at",
	  FAULT("    at: 2s\n    poweroff: client\n"),
	  "bad.yaml:9:5: duplicate key \"at\" (first at 8:5)" },
};

#define NBAD ((int)(sizeof(bad_cases) / sizeof(bad_cases[0])))

START_TEST(test_bad_scenario)
{
	const struct bad_case *c = &bad_cases[_i];
	char buf[512];

	first_error(c->text, NULL, 0, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, c->error) == 0, "%s:\n  got      %s\n  expected %s",
		      c->what, buf, c->error);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scenario");
	TCase *valid = tcase_create("valid");
	TCase *errors = tcase_create("errors");
	TCase *misc = tcase_create("misc");

	tcase_add_test(valid, test_spec_example);
	tcase_add_test(valid, test_defaults);
	tcase_add_test(valid, test_man_page_example);
	tcase_add_test(valid, test_format_and_empty_sections);
	tcase_add_test(valid, test_hosts_every_key);
	tcase_add_test(valid, test_apps_every_key);
	tcase_add_test(valid, test_connect_targets);
	tcase_add_test(valid, test_steps_every_form);
	tcase_add_test(valid, test_faults_every_kind);
	tcase_add_test(valid, test_partition_groups);
	tcase_add_test(valid, test_rate_units);
	tcase_add_test(valid, test_expect_forms);
	tcase_add_test(valid, test_matrix);
	tcase_add_test(valid, test_overrides);
	tcase_add_test(valid, test_aliases);
	tcase_add_test(valid, test_limit_exactly_reached);
	suite_add_tcase(s, valid);

	tcase_add_loop_test(errors, test_bad_scenario, 0, NBAD);
	tcase_add_test(errors, test_all_errors_reported);
	tcase_add_test(errors, test_error_limit);
	tcase_add_loop_test(errors, test_limits, 0, 10);
	tcase_add_test(errors, test_too_big);
	tcase_add_test(errors, test_override_errors);
	tcase_add_test(errors, test_override_bad_path_changes_nothing);
	tcase_add_test(errors, test_override_without_hosts);
	suite_add_tcase(s, errors);

	tcase_add_test(misc, test_load);
	tcase_add_test(misc, test_free_accepts_null);
	tcase_add_test(misc, test_names);
	tcase_add_test(misc, test_lookups);
	suite_add_tcase(s, misc);

	return nf_run_suite(s);
}
