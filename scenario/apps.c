/*
 * apps.c: the apps: section. An app is a built-in TCP app that runs steps
 * (steps.c), with exactly one of listen: (a server) or connect: (a client),
 * or a real program (cmd:) that may name the port it listens on or the
 * target it connects to so the harness knows which connection to watch.
 * A cmd app may also carry files: (an extension key), a mapping of file
 * names to texts that the engine writes into the app's own directory
 * before it starts, for a program that needs a configuration file.
 *
 * Reading happens before the hosts are final (when the file has no hosts:,
 * they are made from the app names afterwards), so an app's host is looked
 * up later, in sc_place_apps, and its connect target later still, in
 * targets.c, once every server's port is known.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/internal.h"

#define SC_USER_NAME_MAX 32

static bool user_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SC_USER_NAME_MAX)
		return false;
	if (strspn(name, "0123456789") == len)
		return true;                  /* a numeric uid */
	if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len ||
	       (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len - 1 &&
		name[len - 1] == '$');
}

static void read_user(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *n)
{
	struct sc_quoted q;

	if (!sc_read_text(ctx, n, "a user name", true, &app->user))
		return;
	if (!user_name_valid(app->user)) {
		sc_error(ctx, n, "invalid user name \"%s\" (expected a login name like nobody, "
			 "or a numeric uid)", sc_quote(&q, app->user));
		free(app->user);
		app->user = NULL;
	}
}

static void read_cmd(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *list)
{
	size_t count = sc_list_len(list);

	if (!sc_is_list(list)) {
		sc_error(ctx, list, "expected a list: cmd: [program, argument, ...], not %s",
			 sc_node_kind(list));
		return;
	}
	if (count == 0) {
		sc_error(ctx, list, "cmd needs at least the program to run");
		return;
	}
	if (count > SC_MAX_CMD_ARGS) {
		sc_error(ctx, list, "too many cmd arguments: %zu (at most %d)", count,
			 SC_MAX_CMD_ARGS);
		return;
	}
	app->cmd = sc_calloc(ctx, count + 1, sizeof(*app->cmd));
	if (!app->cmd)
		return;
	SC_FOR_ITEMS(it, list) {
		const yaml_node_t *arg = sc_node(ctx, *it);

		if (sc_is_null(arg)) {
			sc_error(ctx, arg, "expected a program argument, not nothing");
			continue;
		}
		if (!sc_read_text(ctx, arg, "a program argument", false, &app->cmd[app->ncmd]))
			continue;
		if (app->ncmd == 0 && !app->cmd[0][0]) {
			sc_error(ctx, arg, "expected the program to run, not an empty text");
			free(app->cmd[0]);
			app->cmd[0] = NULL;
			continue;
		}
		app->ncmd++;
	}
}

/* A file name of files: one path component, no hidden or parent name. */
static bool file_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SC_MAX_FILE_NAME || name[0] == '.' || name[0] == '-')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") == len;
}

static void read_files(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *map)
{
	size_t count = sc_map_len(map);

	if (sc_is_null(map))
		return;
	if (!sc_is_map(map)) {
		sc_error(ctx, map, "expected a mapping of file names to texts, not %s",
			 sc_node_kind(map));
		return;
	}
	if (count > SC_MAX_APP_FILES) {
		sc_error(ctx, map, "too many files: %zu (at most %d)", count, SC_MAX_APP_FILES);
		return;
	}
	sc_check_duplicates(ctx, map, "file");
	app->files = sc_calloc(ctx, count ? count : 1, sizeof(*app->files));
	if (!app->files)
		return;
	SC_FOR_PAIRS(p, map) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		const yaml_node_t *value = sc_node(ctx, p->value);
		struct sc_file *f = &app->files[app->nfiles];
		const char *name = sc_scalar(key);
		struct sc_quoted q;

		if (!name || !file_name_valid(name)) {
			sc_error(ctx, key, "invalid file name \"%s\" (expected a plain name like "
				 "nginx.conf: letters, digits, '.', '_' or '-', no '/')",
				 sc_quote(&q, name));
			continue;
		}
		f->line = sc_line(key);
		f->col = sc_col(key);
		f->name = sc_strdup(ctx, name);
		if (!f->name || !sc_read_text(ctx, value, "the file's text", false, &f->text)) {
			free(f->name);
			f->name = NULL;
			continue;
		}
		app->nfiles++;
	}
}

/* The rules that tie an app's keys together. */
static void check_app_kind(struct sc_ctx *ctx, const yaml_node_t *map,
			   const yaml_node_t *key)
{
	const yaml_node_t *steps = sc_get_key(ctx, map, "steps");
	const yaml_node_t *tcp = sc_get_key(ctx, map, "tcp");
	const yaml_node_t *files = sc_get_key(ctx, map, "files");
	const bool has_cmd = sc_get(ctx, map, "cmd") != NULL;
	struct sc_quoted q;

	if (files && !has_cmd)
		sc_error(ctx, files, "files are written for a program that cmd runs: "
			 "built-in apps have no use for them");
	if (has_cmd) {
		if (steps)
			sc_error(ctx, steps, "an app with cmd runs that program: steps are for "
				 "built-in apps");
		if (tcp)
			sc_error(ctx, tcp, "tcp options are for built-in apps: set them in the "
				 "program that cmd runs");
		return;
	}
	if (!sc_get(ctx, map, "listen") && !sc_get(ctx, map, "connect"))
		sc_error(ctx, key, "app \"%s\" needs listen: PORT (a server) or connect: "
			 "TARGET (a client)", sc_quote(&q, sc_scalar(key)));
	else if (sc_get(ctx, map, "listen") && sc_get(ctx, map, "connect"))
		sc_error(ctx, sc_get_key(ctx, map, "connect"), "an app either listens or "
			 "connects, not both (make two apps)");
}

/* Reads an app's settings into APP, its nodes into SRC. */
static void read_app(struct sc_ctx *ctx, struct sc_app *app, struct sc_app_src *src,
		     const yaml_node_t *map)
{
	static const char *const families[] = { "ipv4", "ipv6", NULL };
	const yaml_node_t *n;
	int family;

	if (!sc_check_keys(ctx, map, &sc_schema_app, "expected a mapping of app settings "
			   "(listen or connect, steps ...)"))
		return;
	src->host = sc_get(ctx, map, "host");
	/* the role follows the keys written, so a bad port still makes a server */
	if ((n = sc_get(ctx, map, "listen"))) {
		app->is_server = true;
		sc_read_port(ctx, n, "listen port", &app->listen_port);
	}
	if ((n = sc_get(ctx, map, "connect"))) {
		app->is_client = true;
		if (sc_read_text(ctx, n, "a connect target", true, &app->connect))
			src->connect = n;
	}
	if ((n = sc_get(ctx, map, "family")) && sc_read_word(ctx, n, "family", families, &family)) {
		app->family = family == 0 ? AF_INET : AF_INET6;
		src->family_given = true;
	}
	if ((n = sc_get(ctx, map, "user"))) {
		read_user(ctx, app, n);
		app->user_line = sc_line(sc_get_key(ctx, map, "user"));
		app->user_col = sc_col(sc_get_key(ctx, map, "user"));
	}
	if ((n = sc_get(ctx, map, "cmd")))
		read_cmd(ctx, app, n);
	if ((n = sc_get(ctx, map, "files")) && app->cmd)
		read_files(ctx, app, n);
	check_app_kind(ctx, map, src->key);
	if ((n = sc_get(ctx, map, "tcp")) && !app->cmd)
		sc_read_tcp(ctx, app, n);
	if (!sc_get(ctx, map, "cmd") && app->is_server != app->is_client)
		sc_read_steps(ctx, app, sc_get(ctx, map, "steps"));
}

static void app_init(struct sc_app *app, const char *name, const yaml_node_t *key)
{
	memset(app, 0, sizeof(*app));
	snprintf(app->name, sizeof(app->name), "%s", name);
	app->line = sc_line(key);
	app->col = sc_col(key);
	app->host = -1;
	app->target_host = -1;
	app->family = AF_INET;
	sc_tcp_init(&app->tcp);
}

void sc_read_apps(struct sc_ctx *ctx, const yaml_node_t *apps)
{
	struct scenario *sc = ctx->sc;
	size_t count = sc_map_len(apps);

	if (!apps)
		return;
	if (!sc_is_map(apps) && !sc_is_null(apps)) {
		sc_error(ctx, apps, "expected a mapping of app names to apps, not %s",
			 sc_node_kind(apps));
		return;
	}
	if (count == 0) {
		sc_error(ctx, apps, "apps needs at least one app");
		return;
	}
	if (count > SC_MAX_APPS) {
		sc_error(ctx, apps, "too many apps: %zu (at most %d)", count, SC_MAX_APPS);
		return;
	}
	sc_check_duplicates(ctx, apps, "app");
	sc->apps = sc_calloc(ctx, count, sizeof(*sc->apps));
	if (!sc->apps)
		return;
	SC_FOR_PAIRS(p, apps) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		const char *name = sc_scalar(key);
		struct sc_quoted q;
		struct sc_app *app;

		bool usable = true;

		if (!name || sc_is_null(key)) {
			sc_error(ctx, key, "expected an app name, not %s", sc_node_kind(key));
			usable = false;
		} else if (!sc_name_valid(name)) {
			sc_error(ctx, key, "invalid app name \"%s\" (expected a lowercase letter, "
				 "then up to 14 lowercase letters, digits or dashes)",
				 sc_quote(&q, name));
			usable = false;
		} else if (scenario_app_find(sc, name) >= 0) {
			usable = false;      /* a duplicate, reported above */
		}
		if (!usable) {
			/* not an app, but its settings can still hold errors */
			struct sc_app scratch;
			struct sc_app_src scratch_src = { .key = key };

			app_init(&scratch, "", key);
			read_app(ctx, &scratch, &scratch_src, sc_node(ctx, p->value));
			sc_app_free_contents(&scratch);
			continue;
		}
		app = &sc->apps[sc->napps];
		app_init(app, name, key);
		ctx->app_src[sc->napps].key = key;
		read_app(ctx, app, &ctx->app_src[sc->napps], sc_node(ctx, p->value));
		sc->napps++;
	}
}

/* Two servers on one host cannot listen on the same port. */
static void check_ports(struct sc_ctx *ctx)
{
	const struct scenario *sc = ctx->sc;

	for (size_t i = 0; i < sc->napps; i++) {
		const struct sc_app *a = &sc->apps[i];

		if (!a->is_server || a->host < 0 || a->listen_port <= 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct sc_app *b = &sc->apps[j];

			if (b->is_server && b->host == a->host && b->listen_port == a->listen_port) {
				sc_error(ctx, ctx->app_src[i].key, "apps \"%s\" and \"%s\" both "
					 "listen on port %d of host \"%s\"", b->name, a->name,
					 a->listen_port, sc->hosts[a->host].name);
				break;
			}
		}
	}
}

void sc_place_apps(struct sc_ctx *ctx)
{
	struct scenario *sc = ctx->sc;

	for (size_t i = 0; i < sc->napps; i++) {
		struct sc_app *app = &sc->apps[i];
		const struct sc_app_src *src = &ctx->app_src[i];

		if (src->host) {
			app->host = sc_find_host(ctx, src->host);
			continue;
		}
		app->host = scenario_host_find(sc, app->name);
		if (app->host < 0 && ctx->hosts_given)
			sc_error(ctx, src->key, "app \"%s\" has no host: give it host: or add a "
				 "host named \"%s\" to hosts", app->name, app->name);
	}
	check_ports(ctx);
}

int sc_find_app(struct sc_ctx *ctx, const yaml_node_t *n)
{
	const struct scenario *sc = ctx->sc;
	const char *names[SC_MAX_APPS];
	const char *name = sc_scalar(n);
	struct sc_quoted q;
	char msg[256];
	int i;

	if (!name || sc_is_null(n)) {
		sc_error(ctx, n, "expected an app name, not %s", sc_node_kind(n));
		return -1;
	}
	i = scenario_app_find(sc, name);
	if (i >= 0)
		return i;
	for (size_t k = 0; k < sc->napps; k++)
		names[k] = sc->apps[k].name;
	snprintf(msg, sizeof(msg), "unknown app \"%s\"", sc_quote(&q, name));
	if (sc->napps <= 8)
		sc_hint(msg, sizeof(msg), name, names, sc->napps);
	else if (sc_suggest(name, names, sc->napps))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " (did you mean %s?)",
			 sc_suggest(name, names, sc->napps));
	sc_error(ctx, n, "%s", msg);
	return -1;
}
