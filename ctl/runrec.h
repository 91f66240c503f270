/*
 * runrec.h: what netfaultctl knows of one run, as the daemon told it: the
 * accepted line's name, duration and sweep cell, the events as they came,
 * and the result. The timeline, --json, --junit and show all read it.
 */
#ifndef NETFAULTCTL_RUNREC_H
#define NETFAULTCTL_RUNREC_H

#include <jansson.h>
#include <stdint.h>

struct run_record {
	unsigned id;
	const char *file;          /* the scenario file, as given */
	char *name;
	double duration;           /* seconds, the scenario's */
	json_t *cell;              /* {path: value} of a sweep, or NULL */
	json_t *events;            /* array */
	json_t *result;            /* NULL until it came */
	char state[16];            /* NF_STATE_* */
	int64_t t0_local_us;       /* when t0 came (monotonic); 0 before */
};

/* From an accepted line's "runs" item, or a show reply. 0 or -ENOMEM. */
int run_record_init(struct run_record *r, const char *file, const json_t *item);
void run_record_free(struct run_record *r);
/* The exit status this run asks for: 0 passed, 1 failed, 2 anything else
 * (error, cancelled, no result). */
int run_record_status(const struct run_record *r);

#endif
