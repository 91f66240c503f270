/*
 * commands.h: netfaultctl's command line, read against a static table of
 * keywords in the manner of bgpctl's parser.c: each word is looked up in the
 * table of the words valid at that point (a unique prefix will do for
 * keywords), and an unknown or ambiguous word lists the valid ones.
 */
#ifndef NETFAULTCTL_COMMANDS_H
#define NETFAULTCTL_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

enum ctl_action {
	CTL_NONE, CTL_RUN, CTL_VALIDATE, CTL_LIST, CTL_SHOW, CTL_CANCEL, CTL_STATUS,
	CTL_EXAMPLES, CTL_JUNIT_MERGE, CTL_PREDICT,
};

#define CTL_MAX_REPEAT 100

/* One --set PATH=V1,V2...: several values make a sweep. */
struct ctl_set {
	char *path;
	char **values;
	size_t nvalues;
};

struct ctl_command {
	enum ctl_action action;
	const char **files;        /* run, validate, predict; junit-merge: OUT IN... */
	size_t nfiles;
	char **found;              /* files found by name (scenario_path.h) */
	size_t nfound;
	unsigned shard, shards;    /* run --shard K/N: part K (0 to N-1) of N */
	bool dry_run;              /* run --dry-run: print the files, run nothing */
	unsigned run_id;           /* show, cancel */
	bool json, quiet, detach;
	bool wire;                 /* run, show: packet and socket events too */
	const char *junit;         /* run --junit FILE */
	const char *pcap;          /* run --pcap DIR (absolute) */
	const char *html, *svg;    /* run, show: --html FILE, --svg FILE */
	unsigned repeat;           /* run --repeat N: each cell N times (1) */
	const char *csv;           /* run --csv FILE: the sweep's cells */
	const char *plot;          /* run --plot FILE.svg|FILE.png */
	struct ctl_set *sets;
	size_t nsets;
};

/* Reads ARGV (the words after the global options). Returns 0, or -1 after
 * saying what is wrong on stderr. */
int command_parse(int argc, char *argv[], struct ctl_command *cmd);
void command_free(struct ctl_command *cmd);

#endif
