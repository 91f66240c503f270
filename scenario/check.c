/*
 * check.c: one scenario file checked and reported (see check.h). The text
 * is the parser's: sc_error_format for each error kept, a count of those
 * dropped past SC_MAX_ERRORS.
 */
#include "scenario/check.h"

#include <errno.h>
#include <string.h>

#include "scenario/scenario.h"

int scenario_check_file(const char *path, FILE *out, FILE *err)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char line[512];
	int rc = scenario_load(path, NULL, 0, &sc, &errs);

	if (rc == -EINVAL) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(err, "%s\n", sc_error_format(&errs, i, line, sizeof(line)));
		if (errs.dropped)
			fprintf(err, "%s: %zu more errors not shown\n", path, errs.dropped);
	} else if (rc == -EFBIG) {
		fprintf(err, "%s: larger than %u bytes\n", path, SC_MAX_TEXT);
	} else if (rc < 0) {
		fprintf(err, "%s: %s\n", path, strerror(-rc));
	} else {
		fprintf(out, "%s: OK\n", path);
	}
	scenario_free(sc);
	sc_errors_free(&errs);
	return rc;
}
