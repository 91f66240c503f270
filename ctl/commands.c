/*
 * commands.c: netfaultctl's keyword tables and the parser that walks them
 * (see commands.h). A table lists the words valid at one point of a command
 * and, for each, the table of the words that may follow; an ENDTOKEN entry
 * says the command may end there. Adding a command is adding a row.
 */
#include "ctl/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/protocol.h"

enum token_type { NOTOKEN, ENDTOKEN, KEYWORD, FLAG, FLAG_ARG, FILENAME, RUNID };
enum token_option {
	OPT_NONE, OPT_JSON, OPT_QUIET, OPT_DETACH, OPT_JUNIT, OPT_SET, OPT_WIRE, OPT_PCAP,
	OPT_SHARD, OPT_DRY_RUN,
	OPT_HTML, OPT_SVG,
	OPT_REPEAT, OPT_CSV, OPT_PLOT,
};

struct token {
	enum token_type type;
	const char *keyword;
	int value;                 /* KEYWORD: enum ctl_action; flags: enum token_option */
	const struct token *next;  /* NULL: nothing may follow */
};

static const struct token t_end[] = {
	{ ENDTOKEN, "", OPT_NONE, NULL },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_json[] = {
	{ FLAG, "--json", OPT_JSON, t_end },
	{ ENDTOKEN, "", OPT_NONE, NULL },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_show_opts[] = {
	{ FLAG, "--json", OPT_JSON, t_show_opts },
	{ FLAG, "--wire", OPT_WIRE, t_show_opts },
	{ FLAG_ARG, "--html", OPT_HTML, t_show_opts },
	{ FLAG_ARG, "--svg", OPT_SVG, t_show_opts },
	{ ENDTOKEN, "", OPT_NONE, NULL },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_run[] = {
	{ FLAG, "--json", OPT_JSON, t_run },
	{ FLAG, "--quiet", OPT_QUIET, t_run },
	{ FLAG, "--detach", OPT_DETACH, t_run },
	{ FLAG, "--wire", OPT_WIRE, t_run },
	{ FLAG_ARG, "--junit", OPT_JUNIT, t_run },
	{ FLAG_ARG, "--set", OPT_SET, t_run },
	{ FLAG_ARG, "--pcap", OPT_PCAP, t_run },
	{ FLAG_ARG, "--shard", OPT_SHARD, t_run },
	{ FLAG, "--dry-run", OPT_DRY_RUN, t_run },
	{ FLAG_ARG, "--html", OPT_HTML, t_run },
	{ FLAG_ARG, "--svg", OPT_SVG, t_run },
	{ FLAG_ARG, "--repeat", OPT_REPEAT, t_run },
	{ FLAG_ARG, "--csv", OPT_CSV, t_run },
	{ FLAG_ARG, "--plot", OPT_PLOT, t_run },
	{ FILENAME, "", OPT_NONE, t_run },
	{ ENDTOKEN, "", OPT_NONE, NULL },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_predict[] = {
	{ FLAG, "--json", OPT_JSON, t_predict },
	{ FLAG_ARG, "--set", OPT_SET, t_predict },
	{ FILENAME, "", OPT_NONE, t_predict },
	{ ENDTOKEN, "", OPT_NONE, NULL },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_files[] = {
	{ FILENAME, "", OPT_NONE, t_files },
	{ ENDTOKEN, "", OPT_NONE, NULL },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_show[] = {
	{ RUNID, "", OPT_NONE, t_show_opts },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_cancel[] = {
	{ RUNID, "", OPT_NONE, t_end },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static const struct token t_main[] = {
	{ KEYWORD, "run", CTL_RUN, t_run },
	{ KEYWORD, "validate", CTL_VALIDATE, t_files },
	{ KEYWORD, "predict", CTL_PREDICT, t_predict },
	{ KEYWORD, "list", CTL_LIST, t_json },
	{ KEYWORD, "show", CTL_SHOW, t_show },
	{ KEYWORD, "cancel", CTL_CANCEL, t_cancel },
	{ KEYWORD, "status", CTL_STATUS, t_json },
	{ KEYWORD, "examples", CTL_EXAMPLES, t_end },
	{ KEYWORD, "junit-merge", CTL_JUNIT_MERGE, t_files },
	{ NOTOKEN, NULL, OPT_NONE, NULL },
};

static void show_valid(const struct token *table)
{
	fprintf(stderr, "valid here:");
	for (; table && table->type != NOTOKEN; table++) {
		switch (table->type) {
		case KEYWORD:
		case FLAG:
			fprintf(stderr, " %s", table->keyword);
			break;
		case FLAG_ARG:
			fprintf(stderr, " %s %s", table->keyword,
				table->value == OPT_SET ? "PATH=V1[,V2...]" :
				table->value == OPT_PCAP ? "DIR" :
				table->value == OPT_SHARD ? "K/N" :
				table->value == OPT_REPEAT ? "N" : "FILE");
			break;
		case FILENAME:
			fprintf(stderr, " FILE");
			break;
		case RUNID:
			fprintf(stderr, " RUN-ID");
			break;
		case ENDTOKEN:
			fprintf(stderr, " (end of command)");
			break;
		case NOTOKEN:
			break;
		}
	}
	fprintf(stderr, "\n");
}

static bool all_digits(const char *word)
{
	if (!*word)
		return false;
	for (; *word; word++) {
		if (*word < '0' || *word > '9')
			return false;
	}
	return true;
}

/* "--junit" or "--junit=FILE" for the flag "--junit". */
static bool flag_matches(const char *word, const char *flag, bool takes_value)
{
	size_t len = strlen(flag);

	if (strncmp(word, flag, len) != 0)
		return false;
	return word[len] == '\0' || (takes_value && word[len] == '=');
}

static const struct token *match_token(const char *word, const struct token *table)
{
	const struct token *match = NULL, *fallback = NULL;
	int prefixes = 0;

	for (const struct token *t = table; t && t->type != NOTOKEN; t++) {
		switch (t->type) {
		case KEYWORD:
			if (strcmp(word, t->keyword) == 0)
				return t;
			if (*word && strncmp(word, t->keyword, strlen(word)) == 0) {
				match = t;
				prefixes++;
			}
			break;
		case FLAG:
		case FLAG_ARG:
			if (flag_matches(word, t->keyword, t->type == FLAG_ARG))
				return t;
			break;
		case FILENAME:
			if (word[0] != '-' && !fallback)
				fallback = t;
			break;
		case RUNID:
			if (all_digits(word) && !fallback)
				fallback = t;
			break;
		case ENDTOKEN:
		case NOTOKEN:
			break;
		}
	}
	if (prefixes > 1) {
		fprintf(stderr, "netfaultctl: ambiguous argument: %s\n", word);
		return NULL;
	}
	if (match)
		return match;
	if (!fallback)
		fprintf(stderr, "netfaultctl: unknown argument: %s\n", word);
	return fallback;
}

/* The daemon checks again; this says it first, and plainly. */
static int pcap_dir_usable(const char *dir)
{
	struct stat st;

	if (dir[0] != '/') {
		fprintf(stderr, "netfaultctl: --pcap %s: not an absolute path (the daemon, "
			"not netfaultctl, writes there), e.g. --pcap \"$PWD/%s\"\n",
			dir, dir);
		return -1;
	}
	if (strlen(dir) > NF_PCAP_DIR_MAX) {
		fprintf(stderr, "netfaultctl: --pcap: a directory of at most %d bytes, "
			"please\n", NF_PCAP_DIR_MAX);
		return -1;
	}
	if (stat(dir, &st) < 0) {
		fprintf(stderr, "netfaultctl: --pcap %s: %s\n", dir, errno == ENOENT ?
			"no such directory (make it first)" : strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "netfaultctl: --pcap %s: not a directory\n", dir);
		return -1;
	}
	return 0;
}

/* "K/N": part K (counted from 0, as a Kubernetes Job's completion index)
 * of N. */
static int parse_shard(const char *text, struct ctl_command *cmd)
{
	unsigned long k, n;
	char *end;

	errno = 0;
	k = strtoul(text, &end, 10);
	if (end != text && *end == '/' && end[1] >= '0' && end[1] <= '9') {
		n = strtoul(end + 1, &end, 10);
		if (!errno && !*end && n >= 1 && n <= 100000 && k < n &&
		    text[0] >= '0' && text[0] <= '9') {
			cmd->shard = (unsigned)k;
			cmd->shards = (unsigned)n;
			return 0;
		}
	}
	fprintf(stderr, "netfaultctl: --shard %s: expected K/N, part K (0 to N-1) of N "
		"parts, N at most 100000, e.g. --shard 0/4\n", text);
	return -1;
}

static bool table_may_end(const struct token *table)
{
	for (; table && table->type != NOTOKEN; table++) {
		if (table->type == ENDTOKEN)
			return true;
	}
	return !table;
}

/* Splits V1,V2 at commas outside brackets and quotes: "[1, 2],3" is two. */
static int split_values(const char *text, struct ctl_set *set)
{
	int depth = 0;
	char quote = 0;
	const char *start = text;

	set->values = calloc(strlen(text) + 1, sizeof(char *));
	if (!set->values)
		return -ENOMEM;
	for (const char *p = text;; p++) {
		if (quote) {
			quote = (*p == quote || !*p) ? 0 : quote;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '[' || *p == '{') {
			depth++;
		} else if ((*p == ']' || *p == '}') && depth > 0) {
			depth--;
		}
		if (*p && (*p != ',' || depth > 0 || quote))
			continue;
		if (p == start)
			return -EINVAL;
		set->values[set->nvalues] = strndup(start, (size_t)(p - start));
		if (!set->values[set->nvalues++])
			return -ENOMEM;
		if (!*p)
			return 0;
		start = p + 1;
	}
}

static int add_set(struct ctl_command *cmd, const char *text)
{
	const char *eq = strchr(text, '=');
	struct ctl_set *grown, *set;

	if (!eq || eq == text || !eq[1]) {
		fprintf(stderr, "netfaultctl: --set %s: expected PATH=VALUE[,VALUE...], "
			"e.g. --set apps.server.tcp.user_timeout=2s,4s\n", text);
		return -1;
	}
	grown = realloc(cmd->sets, (cmd->nsets + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	cmd->sets = grown;
	set = &cmd->sets[cmd->nsets++];
	*set = (struct ctl_set){ .path = strndup(text, (size_t)(eq - text)) };
	if (!set->path || split_values(eq + 1, set) < 0) {
		fprintf(stderr, "netfaultctl: --set %s: an empty value\n", text);
		return -1;
	}
	return 0;
}

/* A FLAG_ARG's value: after '=' in the same word, or the next word. */
static const char *flag_value(const struct token *t, int argc, char *argv[], int *i)
{
	const char *eq = strchr(argv[*i], '=');

	if (eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		fprintf(stderr, "netfaultctl: %s needs a value\n", t->keyword);
		return NULL;
	}
	return argv[++*i];
}

static bool plot_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && (strcasecmp(name + len - 4, ".svg") == 0 ||
			   strcasecmp(name + len - 4, ".png") == 0);
}

static int parse_repeat(const char *text, struct ctl_command *cmd)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || end == text || n < 1 || n > CTL_MAX_REPEAT) {
		fprintf(stderr, "netfaultctl: --repeat %s: expected 1 to %d\n", text,
			CTL_MAX_REPEAT);
		return -1;
	}
	cmd->repeat = (unsigned)n;
	return 0;
}

static int apply_token(const struct token *t, int argc, char *argv[], int *i,
		       struct ctl_command *cmd)
{
	const char *value;
	unsigned long id;

	switch (t->type) {
	case KEYWORD:
		cmd->action = (enum ctl_action)t->value;
		return 0;
	case FLAG:
		cmd->json |= t->value == OPT_JSON;
		cmd->quiet |= t->value == OPT_QUIET;
		cmd->detach |= t->value == OPT_DETACH;
		cmd->wire |= t->value == OPT_WIRE;
		cmd->dry_run |= t->value == OPT_DRY_RUN;
		return 0;
	case FLAG_ARG:
		value = flag_value(t, argc, argv, i);
		if (!value)
			return -1;
		if (t->value == OPT_JUNIT) {
			cmd->junit = value;
			return 0;
		}
		if (t->value == OPT_HTML || t->value == OPT_SVG) {
			*(t->value == OPT_HTML ? &cmd->html : &cmd->svg) = value;
			return 0;
		}
		if (t->value == OPT_PCAP) {
			cmd->pcap = value;
			return pcap_dir_usable(value);
		}
		if (t->value == OPT_SHARD)
			return parse_shard(value, cmd);
		if (t->value == OPT_REPEAT)
			return parse_repeat(value, cmd);
		if (t->value == OPT_CSV || t->value == OPT_PLOT) {
			*(t->value == OPT_CSV ? &cmd->csv : &cmd->plot) = value;
			return 0;
		}
		return add_set(cmd, value);
	case FILENAME:
		cmd->files[cmd->nfiles++] = argv[*i];
		return 0;
	case RUNID:
		errno = 0;
		id = strtoul(argv[*i], NULL, 10);
		if (errno || id == 0 || id > 0xffffffffUL) {
			fprintf(stderr, "netfaultctl: %s: not a run id\n", argv[*i]);
			return -1;
		}
		cmd->run_id = (unsigned)id;
		return 0;
	case ENDTOKEN:
	case NOTOKEN:
		break;
	}
	return -1;
}

int command_parse(int argc, char *argv[], struct ctl_command *cmd)
{
	const struct token *table = t_main, *t;

	*cmd = (struct ctl_command){ .files = calloc((size_t)argc + 1, sizeof(char *)),
				     .repeat = 1 };
	if (!cmd->files)
		return -1;
	for (int i = 0; i < argc; i++) {
		t = table ? match_token(argv[i], table) : NULL;
		if (!table)
			fprintf(stderr, "netfaultctl: unexpected argument: %s\n", argv[i]);
		if (!t) {
			show_valid(table ? table : t_end);
			return -1;
		}
		if (apply_token(t, argc, argv, &i, cmd) < 0)
			return -1;
		table = t->next;
	}
	if (cmd->action == CTL_NONE || !table_may_end(table)) {
		fprintf(stderr, "netfaultctl: %s\n", cmd->action == CTL_NONE ?
			"missing command" : "missing argument");
		show_valid(table);
		return -1;
	}
	if ((cmd->action == CTL_RUN || cmd->action == CTL_VALIDATE ||
	     cmd->action == CTL_PREDICT) && cmd->nfiles == 0) {
		fprintf(stderr, "netfaultctl: %s needs at least one scenario file\n",
			cmd->action == CTL_RUN ? "run" : cmd->action == CTL_PREDICT ? "predict"
			: "validate");
		return -1;
	}
	if (cmd->action == CTL_JUNIT_MERGE && cmd->nfiles < 2) {
		fprintf(stderr, "netfaultctl: junit-merge needs the output file and at "
			"least one input file: junit-merge OUT IN...\n");
		return -1;
	}
	if (cmd->detach && (cmd->csv || cmd->plot || cmd->repeat > 1)) {
		fprintf(stderr, "netfaultctl: --detach does not wait for results: "
			"not with --repeat, --csv or --plot\n");
		return -1;
	}
	if (cmd->plot && !plot_name_ok(cmd->plot)) {
		fprintf(stderr, "netfaultctl: --plot %s: the name must end in .svg or .png\n",
			cmd->plot);
		return -1;
	}
	if ((cmd->plot || cmd->csv) && cmd->nfiles > 1) {
		fprintf(stderr, "netfaultctl: --%s is of one scenario's sweep: give one file\n",
			cmd->plot ? "plot" : "csv");
		return -1;
	}
	if (cmd->detach && (cmd->json || cmd->junit || cmd->html || cmd->svg)) {
		fprintf(stderr, "netfaultctl: --detach does not wait for results: "
			"not with --json, --junit, --html or --svg\n");
		return -1;
	}
	return 0;
}

void command_free(struct ctl_command *cmd)
{
	for (size_t i = 0; i < cmd->nsets; i++) {
		for (size_t v = 0; v < cmd->sets[i].nvalues; v++)
			free(cmd->sets[i].values[v]);
		free(cmd->sets[i].values);
		free(cmd->sets[i].path);
	}
	free(cmd->sets);
	for (size_t i = 0; cmd->found && i < cmd->nfound; i++)
		free(cmd->found[i]);
	free(cmd->found);
	free(cmd->files);
	*cmd = (struct ctl_command){ 0 };
}
