/*
 * netfaultctl.c: the netfault control tool's main: global options, then
 * the command words (commands.c) and the command itself: run (runner.c),
 * validate (validate.c, no daemon needed), predict (predict.c, none either), list/show/cancel/status
 * (queries.c), examples (scenario_path.c), junit-merge (junit_merge.c).
 * Scenario files are found by name (scenario_path.c) before anything
 * else; run --shard keeps one part of them (shard.c). netfaultctl only talks to netfaultd's socket; it never
 * touches the network itself.
 *
 * Exit status: 0 every expectation held (or the command did what it was
 * asked), 1 some expectation did not hold, 2 any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/protocol.h"
#include "ctl/commands.h"
#include "ctl/junit.h"
#include "ctl/junit_merge.h"
#include "ctl/predict.h"
#include "ctl/queries.h"
#include "ctl/runner.h"
#include "ctl/scenario_path.h"
#include "ctl/shard.h"
#include "ctl/validate.h"

static _Noreturn void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: netfaultctl [-s socket] command [argument ...]\n"
		"       netfaultctl -h | -V\n"
		"commands:\n"
		"  run file ... [--json] [--junit file] [--quiet] [--detach] [--wire]\n"
		"               [--pcap dir] [--html file] [--svg file]\n"
		"               [--set path=value[,value ...]] ...\n"
		"               [--shard K/N] [--dry-run]\n"
		"               [--repeat n] [--csv file] [--plot file.svg|file.png]\n"
		"  validate file ...\n"
		"  predict file ... [--json] [--set path=value[,value ...]] ...\n"
		"  examples\n"
		"  junit-merge out.xml in.xml ...\n"
		"  list [--json]\n"
		"  show run [--json] [--wire] [--html file] [--svg file]\n"
		"  cancel run\n"
		"  status [--json]\n");
	exit(status);
}

/* run, after the files are found: one part of them with --shard, their
 * names only with --dry-run. */
static int run_files(const char *socket_path, struct ctl_command *cmd)
{
	size_t all = cmd->nfiles;

	if (cmd->shards)
		cmd->nfiles = shard_select(cmd->files, cmd->nfiles, cmd->shard, cmd->shards);
	if (cmd->dry_run) {
		for (size_t i = 0; i < cmd->nfiles; i++)
			printf("%s\n", cmd->files[i]);
		return 0;
	}
	if (cmd->nfiles == 0) {
		fprintf(stderr, "netfaultctl: --shard %u/%u: no file falls in this part "
			"(%zu files in %u parts)\n", cmd->shard, cmd->shards, all,
			cmd->shards);
		return cmd->junit && junit_write(cmd->junit, NULL, 0) < 0 ? 2 : 0;
	}
	return run_command(socket_path, cmd);
}

int main(int argc, char *argv[])
{
	const char *socket_path = NF_SOCKET_PATH;
	struct ctl_command cmd;
	int ch, status;

	/* "+": options end at the command word, its own start with "--" */
	while ((ch = getopt(argc, argv, "+hs:V")) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 's':
			socket_path = optarg;
			break;
		case 'V':
			printf("netfaultctl %s (protocol %d)\n", NETFAULT_VERSION,
			       NF_PROTOCOL_VERSION);
			return 0;
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(2);
	if (command_parse(argc, argv, &cmd) < 0) {
		command_free(&cmd);
		return 2;
	}
	if ((cmd.action == CTL_RUN || cmd.action == CTL_VALIDATE || cmd.action == CTL_PREDICT) &&
	    scenario_find_all(&cmd, stderr) < 0) {
		command_free(&cmd);
		return 2;
	}
	switch (cmd.action) {
	case CTL_RUN:
		status = run_files(socket_path, &cmd);
		break;
	case CTL_VALIDATE:
		status = validate_command(&cmd);
		break;
	case CTL_PREDICT:
		status = predict_command(&cmd);
		break;
	case CTL_EXAMPLES:
		status = scenario_examples_command(stdout, stderr);
		break;
	case CTL_JUNIT_MERGE:
		status = junit_merge_command(cmd.files[0], cmd.files + 1, cmd.nfiles - 1);
		break;
	default:
		status = query_command(socket_path, &cmd);
		break;
	}
	command_free(&cmd);
	return status;
}
