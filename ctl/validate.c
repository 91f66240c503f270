/*
 * validate.c: scenario files checked locally (see validate.h), by the check
 * netfaultd -n makes (scenario/check.h), with the parser the daemon uses, so
 * what passes here is what it accepts.
 */
#include "ctl/validate.h"

#include <stdio.h>

#include "scenario/check.h"

int validate_command(const struct ctl_command *cmd)
{
	bool all_valid = true;

	for (size_t i = 0; i < cmd->nfiles; i++)
		all_valid &= scenario_check_file(cmd->files[i], stdout, stderr) == 0;
	return all_valid ? 0 : 2;
}
