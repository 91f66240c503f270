/*
 * sweepstat.h: the runs of one scenario file (its sweep's cells, each run
 * --repeat times) gathered by cell, with each app's figures per cell: the
 * verdict most runs saw, the median, min and max of its time, the model's
 * prediction ("theory" in the app's result) and what detection cost on the
 * wire (the app's host's retransmissions and keepalive probes). The sweep
 * table, --csv and --plot all read it.
 */
#ifndef NETFAULTCTL_SWEEPSTAT_H
#define NETFAULTCTL_SWEEPSTAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ctl/runrec.h"

/* One app in one cell, over its repeats. */
struct sweep_app_stat {
	const char *verdict;       /* the most common; NULL when no run had the app */
	unsigned nverdict;         /* runs that saw it */
	unsigned nruns;            /* runs that reported the app */
	unsigned nt;               /* runs with that verdict and a time */
	double t_median, t_min, t_max;   /* seconds since t0, when nt > 0 */
	const char *theory_verdict;      /* NULL: no prediction */
	const char *theory_why;
	bool has_theory_t;
	double theory_t;                 /* the median of the runs' predictions */
	bool has_wire;
	double retransmissions, probes;  /* medians */
};

struct sweep_cell_stat {
	const json_t *cell;        /* {path: value}; NULL for a plain file */
	const struct run_record **runs;  /* its repeats, in the order they came */
	size_t nruns;
	unsigned passed, failed, other;
	struct sweep_app_stat *apps;     /* per sweep_report.apps */
};

struct sweep_report {
	const char *file;
	json_t *keys;              /* the swept paths, in the daemon's order */
	json_t *apps;              /* the apps' names, as the first result lists them */
	struct sweep_cell_stat *cells;   /* in the order of their first run */
	size_t ncells;
	size_t nruns;
};

/* Gathers RUNS (all of one file). 0, or -ENOMEM. */
int sweep_report_build(struct sweep_report *rep, const struct run_record *const *runs,
		       size_t nruns);
void sweep_report_free(struct sweep_report *rep);

/* The app's result in run R, or NULL. */
const json_t *sweep_run_app(const struct run_record *r, const char *app);
/* A sweep value as a number of seconds ("1500ms", "2s") or a plain number
 * ("3"); false when it is neither. *IS_TIME says which. */
bool sweep_value_number(const char *text, double *value, bool *is_time);
/* Whether the app detected something in some cell (a time to show). */
bool sweep_app_timed(const struct sweep_report *rep, size_t app);

#endif
