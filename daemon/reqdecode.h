/*
 * reqdecode.h: one control-socket request line, checked and decoded into a
 * plain struct before any op acts on it (common/protocol.h has the members,
 * netfaultd(8) the rules). It touches no daemon state: requests.c acts on
 * what it returns, and the unit tests and the fuzzer (tests/fuzz/
 * fuzz_request.c) call it alone.
 */
#ifndef NETFAULTD_REQDECODE_H
#define NETFAULTD_REQDECODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "scenario/sweep.h"
#include "scenario/scenario.h"

#define REQUEST_FILE_MAX    4096     /* "file": a name, not a path */
#define REQUEST_MAX_SETS    (2 * SC_MAX_MATRIX_KEYS)
#define REQUEST_MAX_VALUES  (REQUEST_MAX_SETS * SC_MAX_MATRIX_VALUES)
#define REQUEST_WHY_MAX     512      /* an error text, with its quoted parts */

enum request_op { REQUEST_RUN, REQUEST_LIST, REQUEST_SHOW, REQUEST_CANCEL,
		  REQUEST_STATUS };

struct request {
	json_t *json;                /* the parsed line: the texts below are its */
	enum request_op op;
	json_t *tag;                 /* "tag", or NULL */
	/* run */
	const char *file;
	const char *text;
	size_t text_len;
	bool detach;
	const char *pcap;            /* NULL: none */
	struct sc_sweep_set sets[REQUEST_MAX_SETS];
	size_t nsets;
	const char *values[REQUEST_MAX_VALUES];
	/* show, cancel */
	unsigned run;
};

/*
 * Decodes LINE (one request without its newline) into REQ: 0, or -EINVAL
 * with WHY (REQUEST_WHY_MAX bytes) saying what is wrong, for the client.
 * req->tag is set whenever the request had a good one, also on error, so
 * the error reply carries it. Call request_release() in every case.
 */
int request_decode(const char *line, struct request *req, char *why);
void request_release(struct request *req);

#endif
