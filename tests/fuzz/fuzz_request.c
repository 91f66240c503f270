/*
 * fuzz_request.c: libFuzzer target for the control socket's request
 * decoding (daemon/reqdecode.h), and for a decoded run request's sweep
 * (scenario/sweep.h), which parses the scenario once per cell.
 *
 * The input is one request line, as a client would send it without its
 * newline. Checked beyond "no crash, no leak, no undefined behaviour": the
 * decoder returns 0 or -EINVAL; an error has a terminated, non-empty text;
 * a decoded op is one of the five; a run has its file and text, the text
 * within SC_MAX_TEXT, and every set within the limits; a tag is an integer
 * or a short text; show and cancel name a run id above 0.
 *
 * tests/fuzz/run reads these lines:
 * FUZZ-SEEDS:
 * FUZZ-MAX-LEN: 16384
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"
#include "daemon/reqdecode.h"
#include "scenario/sweep.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_request: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static struct request req;   /* large: the set values */

static void check_run(const struct request *r)
{
	struct sc_sweep_cell *cells = NULL;
	json_t *errors = NULL;
	char why[SC_SWEEP_WHY_MAX];
	int n;

	fuzz_assert(r->file && r->file[0] && r->text);
	fuzz_assert(r->text_len <= SC_MAX_TEXT);
	fuzz_assert(r->nsets <= REQUEST_MAX_SETS);
	for (size_t i = 0; i < r->nsets; i++) {
		fuzz_assert(r->sets[i].path);
		fuzz_assert(r->sets[i].nvalues >= 1 &&
			    r->sets[i].nvalues <= SC_MAX_MATRIX_VALUES);
		for (size_t v = 0; v < r->sets[i].nvalues; v++)
			fuzz_assert(r->sets[i].values[v]);
	}
	n = sc_sweep_expand(r->file, r->text, r->text_len, r->sets, r->nsets, &cells,
			    &errors, why);
	if (n > 0) {
		fuzz_assert(n <= SC_MAX_MATRIX_CELLS && cells);
		for (int i = 0; i < n; i++)
			fuzz_assert(cells[i].sc);
		sc_sweep_cells_free(cells, (size_t)n);
	} else if (n == -EINVAL) {
		fuzz_assert(json_array_size(errors) > 0);
	} else {
		fuzz_assert(memchr(why, '\0', sizeof(why)) && why[0]);
	}
	json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	char why[REQUEST_WHY_MAX];
	int err;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	memset(why, 'x', sizeof(why));
	err = request_decode(line, &req, why);
	fuzz_assert(err == 0 || err == -EINVAL);
	if (req.tag)
		fuzz_assert(json_is_integer(req.tag) ||
			    (json_is_string(req.tag) && json_string_length(req.tag) <= NF_TAG_MAX));
	if (err < 0) {
		fuzz_assert(memchr(why, '\0', sizeof(why)) && why[0]);
	} else {
		fuzz_assert(req.op <= REQUEST_STATUS);
		if (req.op == REQUEST_RUN)
			check_run(&req);
		if (req.op == REQUEST_SHOW || req.op == REQUEST_CANCEL)
			fuzz_assert(req.run > 0);
	}
	request_release(&req);
	free(line);
	return 0;
}
