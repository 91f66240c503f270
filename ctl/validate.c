/*
 * validate.c: scenario files checked locally (see validate.h), with the
 * same parser the daemon uses, so what passes here is what it accepts.
 */
#include "ctl/validate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"

static bool validate_file(const char *path)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char line[512];
	int err = scenario_load(path, NULL, 0, &sc, &errs);

	if (err == -EINVAL) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", sc_error_format(&errs, i, line, sizeof(line)));
		if (errs.dropped)
			fprintf(stderr, "%s: %zu more errors not shown\n", path, errs.dropped);
	} else if (err < 0) {
		if (err == -EFBIG)
			fprintf(stderr, "%s: larger than %u bytes\n", path, SC_MAX_TEXT);
		else
			fprintf(stderr, "%s: %s\n", path, strerror(-err));
	} else {
		printf("%s: OK\n", path);
	}
	scenario_free(sc);
	sc_errors_free(&errs);
	return err == 0;
}

int validate_command(const struct ctl_command *cmd)
{
	bool all_valid = true;

	for (size_t i = 0; i < cmd->nfiles; i++)
		all_valid &= validate_file(cmd->files[i]);
	return all_valid ? 0 : 2;
}
