/*
 * runrec.c: a run as netfaultctl knows it (see runrec.h).
 */
#include "ctl/runrec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"

int run_record_init(struct run_record *r, const char *file, const json_t *item)
{
	const char *name = json_string_value(json_object_get(item, NF_NAME));
	const char *state = json_string_value(json_object_get(item, NF_STATE));
	json_t *cell = json_object_get(item, NF_CELL);

	*r = (struct run_record){
		.id = (unsigned)json_integer_value(json_object_get(item, NF_RUN)),
		.file = file,
		.name = strdup(name ? name : ""),
		.duration = json_number_value(json_object_get(item, NF_DURATION)),
		.cell = json_is_object(cell) ? json_incref(cell) : NULL,
		.events = json_array(),
	};
	snprintf(r->state, sizeof(r->state), "%s", state ? state : NF_STATE_QUEUED);
	return r->name && r->events ? 0 : -ENOMEM;
}

void run_record_free(struct run_record *r)
{
	free(r->name);
	json_decref(r->cell);
	json_decref(r->events);
	json_decref(r->result);
	*r = (struct run_record){ 0 };
}

int run_record_status(const struct run_record *r)
{
	if (!r->result)
		return 2;
	if (strcmp(r->state, NF_STATE_PASSED) == 0)
		return 0;
	if (strcmp(r->state, NF_STATE_FAILED) == 0)
		return 1;
	return 2;
}
