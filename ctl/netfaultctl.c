/*
 * netfaultctl.c: the netfault control tool's main: global options, then
 * the command words (commands.c) and the command itself: run (runner.c),
 * validate (validate.c, no daemon needed), list/show/cancel/status
 * (queries.c). netfaultctl only talks to netfaultd's socket; it never
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
#include "ctl/queries.h"
#include "ctl/runner.h"
#include "ctl/validate.h"

static _Noreturn void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: netfaultctl [-s socket] command [argument ...]\n"
		"       netfaultctl -h | -V\n"
		"commands:\n"
		"  run file ... [--json] [--junit file] [--quiet] [--detach] [--wire]\n"
		"               [--pcap dir] [--set path=value[,value ...]] ...\n"
		"  validate file ...\n"
		"  list [--json]\n"
		"  show run [--json] [--wire]\n"
		"  cancel run\n"
		"  status [--json]\n");
	exit(status);
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
	switch (cmd.action) {
	case CTL_RUN:
		status = run_command(socket_path, &cmd);
		break;
	case CTL_VALIDATE:
		status = validate_command(&cmd);
		break;
	default:
		status = query_command(socket_path, &cmd);
		break;
	}
	command_free(&cmd);
	return status;
}
