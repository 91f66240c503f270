/*
 * json_out.c: --json documents (see json_out.h). Built with jansson, one
 * compact line each, so `jq` and line-by-line readers both work.
 */
#include "ctl/json_out.h"

#include "common/protocol.h"

static void json_out_print(FILE *out, json_t *doc)
{
	if (doc && json_dumpf(doc, out, JSON_COMPACT) == 0)
		fputc('\n', out);
	fflush(out);
	json_decref(doc);
}

void json_out_run(FILE *out, const struct run_record *r)
{
	json_out_print(out, json_pack("{s:I, s:s, s:s, s:O?, s:s, s:O?, s:O}",
				      NF_RUN, (json_int_t)r->id, NF_FILE, r->file,
				      NF_NAME, r->name, NF_CELL, r->cell,
				      NF_STATE, r->state, NF_RESULT, r->result,
				      NF_EVENTS, r->events));
}

void json_out_refused(FILE *out, const char *file, const char *error, json_t *errors)
{
	json_out_print(out, json_pack("{s:n, s:s, s:s, s:s, s:O?}", NF_RUN, NF_FILE, file,
				      NF_STATE, NF_STATE_ERROR, NF_ERROR, error,
				      NF_ERRORS, errors));
}
