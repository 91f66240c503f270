/*
 * parse.c: scenario_parse() and scenario_load(): the YAML text becomes a
 * libyaml document, the --set overrides are applied to it, and the model is
 * read from it in passes, each in its own file:
 *
 *   top-level keys (here) -> networks.c -> hosts.c (routers.c for their
 *   networks and middleboxes, addresses.c for written addresses) -> apps.c
 *   (tcp.c, steps.c) -> implicit hosts (hosts.c) -> default addresses
 *   (addresses.c) -> gateways (routers.c) -> placing apps on hosts
 *   (apps.c) -> connect targets (targets.c) -> faults.c -> expect.c
 *   -> matrix.c
 *
 * so that names are known before anything refers to them. Every pass keeps
 * going after an error; the scenario is handed out only when no pass found
 * any, and the errors are sorted by their place in the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario/internal.h"

#define SC_MAX_FORMAT_TEXT 16

/* Line and column (1-based) of byte OFFSET of the text. */
static void offset_position(const struct sc_ctx *ctx, size_t offset, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && i < ctx->len; i++) {
		if (ctx->text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void report_syntax_error(struct sc_ctx *ctx, const yaml_parser_t *parser)
{
	const char *problem = parser->problem ? parser->problem : "unreadable text";
	int line = (int)parser->problem_mark.line + 1;
	int col = (int)parser->problem_mark.column + 1;
	size_t at = parser->problem_mark.index;
	const char *tabs = "";

	if (parser->error == YAML_READER_ERROR) {
		offset_position(ctx, parser->problem_offset, &line, &col);
		sc_error_at(ctx, line, col, "invalid YAML: %s", problem);
		return;
	}
	if (at < ctx->len && ctx->text[at] == '\t')
		tabs = "; indent with spaces, not tabs";
	if (parser->context)
		sc_error_at(ctx, line, col, "invalid YAML: %s (%s started at line %zu)%s",
			    problem, parser->context, parser->context_mark.line + 1, tabs);
	else
		sc_error_at(ctx, line, col, "invalid YAML: %s%s", problem, tabs);
}

/*
 * No scenario nests mappings and lists more than a few levels deep, but
 * libyaml's scanner slows down with the square of the nesting depth (half
 * a million "[" take minutes). A first pass over libyaml's events stops at
 * SC_MAX_DEPTH, before the scanner gets far. Syntax errors are left to the
 * loader, which reports them with its own words.
 */
static bool check_depth(struct sc_ctx *ctx)
{
	yaml_parser_t parser;
	yaml_event_t event;
	int depth = 0;
	bool ok = true, done = false;

	if (!yaml_parser_initialize(&parser)) {
		sc_nomem(ctx);
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)ctx->text, ctx->len);
	while (!done && yaml_parser_parse(&parser, &event)) {
		switch (event.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > SC_MAX_DEPTH) {
				sc_error_at(ctx, (int)event.start_mark.line + 1,
					    (int)event.start_mark.column + 1, "mappings and lists "
					    "nest more than %d deep here", SC_MAX_DEPTH);
				ok = false;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&event);
	}
	if (parser.error == YAML_MEMORY_ERROR) {
		sc_nomem(ctx);
		ok = false;
	}
	yaml_parser_delete(&parser);
	return ok;
}

/* Loads the one document of the text into DOC; false after an error. */
static bool load_document(struct sc_ctx *ctx, yaml_document_t *doc)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	bool loaded = false;

	if (!yaml_parser_initialize(&parser)) {
		sc_nomem(ctx);
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)ctx->text, ctx->len);
	if (!yaml_parser_load(&parser, doc)) {
		if (parser.error == YAML_MEMORY_ERROR)
			sc_nomem(ctx);
		else
			report_syntax_error(ctx, &parser);
		goto out;
	}
	loaded = true;
	/* a second document is a mistake, not something to ignore */
	if (!yaml_parser_load(&parser, &extra)) {
		if (parser.error == YAML_MEMORY_ERROR)
			sc_nomem(ctx);
		else
			report_syntax_error(ctx, &parser);
		goto out;
	}
	if (yaml_document_get_root_node(&extra))
		sc_error(ctx, yaml_document_get_root_node(&extra),
			 "a scenario file holds one YAML document; a second one starts here");
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&parser);
	return loaded;
}

static void read_format(struct sc_ctx *ctx, const yaml_node_t *n)
{
	const char *text = sc_scalar(n);
	struct sc_quoted q;

	if (!text || sc_is_null(n)) {
		sc_error(ctx, n, "expected format: 1");
		return;
	}
	if (strcmp(text, "1") != 0)
		sc_error(ctx, n, "format %s is not supported (this netfault reads format 1)",
			 sc_quote(&q, text));
}

static void read_top(struct sc_ctx *ctx, const yaml_node_t *root)
{
	struct scenario *sc = ctx->sc;
	const yaml_node_t *n;

	if ((n = sc_get(ctx, root, "format")))
		read_format(ctx, n);
	if ((n = sc_get(ctx, root, "name"))) {
		if (sc_read_text(ctx, n, "a name", true, &sc->name) && !sc->name[0])
			sc_error(ctx, n, "missing value: expected a name shown in reports");
	} else {
		sc_missing(ctx, root, "name", "one line shown in reports");
	}
	if ((n = sc_get(ctx, root, "description")))
		sc_read_text(ctx, n, "a description", false, &sc->description);
	sc->duration_us = SC_DEFAULT_DURATION;
	if ((n = sc_get(ctx, root, "duration")) &&
	    sc_read_duration(ctx, n, "duration", &sc->duration_us)) {
		if (sc->duration_us <= 0 || sc->duration_us > SC_MAX_DURATION) {
			struct sc_quoted q;

			/* SC_MAX_DURATION, as people write it */
			sc_error(ctx, n, "duration %s is out of range (more than 0s, at most 1h)",
				 sc_quote(&q, sc_scalar(n)));
			sc->duration_us = SC_DEFAULT_DURATION;
		}
	}
}

/* The passes over the document, in the order names become known. */
static void read_scenario(struct sc_ctx *ctx, yaml_node_t *root)
{
	const yaml_node_t *apps;

	if (!sc_check_keys(ctx, root, &sc_schema_root,
			   "expected a scenario: a mapping with name, apps and other keys"))
		return;
	if (sc_is_null(root)) {
		sc_error(ctx, root, "the scenario is empty (expected name, apps and other keys)");
		return;
	}
	read_top(ctx, root);
	sc_read_networks(ctx, root);
	sc_read_hosts(ctx, sc_get(ctx, root, "hosts"));
	apps = sc_get(ctx, root, "apps");
	if (!apps)
		sc_missing(ctx, root, "apps", "the programs to run, by name");
	sc_read_apps(ctx, apps);
	if (!ctx->hosts_given)
		sc_make_implicit_hosts(ctx);
	sc_fill_addresses(ctx);
	sc_resolve_gateways(ctx);
	sc_place_apps(ctx);
	sc_resolve_targets(ctx);
	sc_read_faults(ctx, sc_get(ctx, root, "faults"));
	sc_read_expect(ctx, sc_get(ctx, root, "expect"));
	sc_read_matrix(ctx, sc_get(ctx, root, "matrix"));
}

int scenario_parse(const char *file, const char *text, size_t len,
		   const struct sc_override *ovr, size_t novr,
		   struct scenario **out, struct sc_errors *errs)
{
	yaml_document_t doc;
	bool have_doc = false;
	struct sc_ctx *ctx;
	yaml_node_t *root;
	int r;

	*out = NULL;
	memset(errs, 0, sizeof(*errs));
	errs->file = strdup(file ? file : "scenario");
	ctx = calloc(1, sizeof(*ctx));
	if (!errs->file || !ctx) {
		free(ctx);
		return -ENOMEM;
	}
	ctx->text = text;
	ctx->len = len;
	ctx->errs = errs;
	ctx->ovr = ovr;
	ctx->novr = novr;
	ctx->doc = &doc;
	if (len > SC_MAX_TEXT) {
		sc_error_at(ctx, 0, 0, "the file is larger than %u bytes, the limit for "
			    "a scenario", (unsigned)SC_MAX_TEXT);
		r = -EFBIG;
		goto out;
	}
	ctx->sc = calloc(1, sizeof(*ctx->sc));
	if (!ctx->sc || !(ctx->sc->file = strdup(errs->file))) {
		r = -ENOMEM;
		goto out;
	}
	have_doc = check_depth(ctx) && load_document(ctx, &doc);
	if (have_doc) {
		root = yaml_document_get_root_node(&doc);
		if (!root)
			sc_error_at(ctx, 1, 1, "the file is empty (expected a scenario: "
				    "name, apps and other keys)");
		else if (sc_apply_overrides(ctx) == 0)
			read_scenario(ctx, yaml_document_get_root_node(&doc));
	}
	if (ctx->failure)
		r = ctx->failure;
	else if (errs->n + errs->dropped > 0)
		r = -EINVAL;
	else
		r = 0;
	if (r == 0) {
		*out = ctx->sc;
		ctx->sc = NULL;
	}
	sc_errors_sort(errs);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	scenario_free(ctx->sc);
	free(ctx);
	return r;
}

int scenario_read_text(const char *path, char **text, size_t *len)
{
	size_t cap = 64 * 1024, used = 0;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (used <= SC_MAX_TEXT) {
		ssize_t got;

		if (used + 1 >= cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				r = -ENOMEM;
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + used, cap - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
out:
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}

int scenario_load(const char *path, const struct sc_override *ovr, size_t novr,
		  struct scenario **out, struct sc_errors *errs)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	r = scenario_read_text(path, &text, &len);
	if (r < 0) {
		memset(errs, 0, sizeof(*errs));
		errs->file = strdup(path);
		return r;
	}
	r = scenario_parse(path, text, len, ovr, novr, out, errs);
	free(text);
	return r;
}
