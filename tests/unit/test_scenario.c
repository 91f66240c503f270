/*
 * test_scenario.c: unit tests of the scenario parser (the files of scenario/):
 * valid scenarios and the model they give. The complete example of the
 * format's specification, defaults and implied steps, hosts and apps with
 * every key, resolved connect targets, YAML aliases; and loading a file,
 * the names of kinds, lookups. Steps, faults, expect and matrix are in
 * test_scenario_steps.c, --set overrides in test_scenario_overrides.c,
 * errors and limits in test_scenario_errors.c, the table of bad scenarios
 * in test_scenario_bad.c. No privileges, no kernel objects.
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
#include "tests/lib/scenariotest.h"
#include "tests/lib/testlib.h"

/* ---- the complete example of the format's specification ---------------- */

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

int main(void)
{
	Suite *s = suite_create("scenario");
	TCase *valid = tcase_create("valid");
	TCase *misc = tcase_create("misc");

	tcase_add_test(valid, test_spec_example);
	tcase_add_test(valid, test_defaults);
	tcase_add_test(valid, test_man_page_example);
	tcase_add_test(valid, test_format_and_empty_sections);
	tcase_add_test(valid, test_hosts_every_key);
	tcase_add_test(valid, test_apps_every_key);
	tcase_add_test(valid, test_connect_targets);
	tcase_add_test(valid, test_aliases);
	suite_add_tcase(s, valid);

	tcase_add_test(misc, test_load);
	tcase_add_test(misc, test_free_accepts_null);
	tcase_add_test(misc, test_names);
	tcase_add_test(misc, test_lookups);
	suite_add_tcase(s, misc);

	return nf_run_suite(s);
}
