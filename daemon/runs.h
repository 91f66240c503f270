/*
 * runs.h: the daemon's run table. A run is one scenario (one sweep cell)
 * from the request that submitted it until it leaves the history: queued,
 * running, then finished with its result and the events it produced, kept
 * for list and show. At most NFD_MAX_HISTORY finished runs are kept, and
 * at most the history budget's bytes of events and results (history.h); the
 * oldest go first.
 *
 * A run's events and its result go, as they come, to its sink: the stream
 * of the client that asked (client.c makes it), or nowhere when the run was
 * detached or once its client is gone. The table calls no room but
 * history.c.
 */
#ifndef NETFAULTD_RUNS_H
#define NETFAULTD_RUNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "daemon/identity.h"

struct run;
struct scenario;
struct worker;

/* Where a run's events and result go. EVENT gets each event (borrowed) as
 * run_record_event keeps it; RESULT is called once, from run_finish, with
 * r->state and r->result set. All zero: nowhere. */
struct run_sink {
	void (*event)(void *ctx, struct run *r, json_t *event);
	void (*result)(void *ctx, struct run *r);
	void *ctx;
};

enum run_state {
	RUN_QUEUED, RUN_RUNNING, RUN_CANCELLING,
	RUN_PASSED, RUN_FAILED, RUN_ERROR, RUN_CANCELLED,
};

struct run {
	TAILQ_ENTRY(run) entry;        /* the table, by id */
	TAILQ_ENTRY(run) queue_entry;  /* the scheduler's queue */
	unsigned id;
	enum run_state state;
	char *file;
	char *name;
	int64_t duration_us;
	json_t *cell;                  /* sweep cell {path: value}, or NULL */
	struct scenario *sc;           /* until the run is over */
	struct run_sink sink;          /* gets the events; zero: detached or gone */
	bool detached;
	char *pcap_dir;                /* the request's "pcap", or NULL */
	struct identity owner;         /* the client that asked: its apps run as it */
	const char *cancel_reason;     /* static text; NULL: not cancelled */
	time_t submitted, started, finished;
	int64_t kill_at_mono;          /* cancelling: SIGKILL the worker then */
	long netns_run;                /* the engine's run id; -1 until known */
	char end_reason[16];           /* the engine's "end" event */
	char *events_text;             /* kept events: a JSON array's compact text */
	size_t events_len, events_cap; /* events_text's length, its buffer's size */
	size_t events_kept, events_dropped;
	json_t *result;                /* until run_finish has relayed it, then NULL */
	char *result_text;             /* then: the result's compact text */
	json_t *outcome;               /* then: "passed" and "reason", for list */
	size_t kept_bytes;             /* events_cap + result_text: counted in the budget */
	struct worker *worker;         /* while running or cancelling */
};

/* The run takes SC and CELL (may be NULL); NULL when out of memory. */
struct run *run_create(const char *file, struct scenario *sc, json_t *cell);
struct run *run_find(unsigned id);
struct run *runs_first(void);
struct run *runs_next(const struct run *r);
unsigned runs_count(enum run_state state);

bool run_is_finished(const struct run *r);
const char *run_state_name(enum run_state state);

/* Keeps EVENT (borrowed) as text and hands it to the run's sink. */
void run_record_event(struct run *r, json_t *event);
/* Ends the run with RESULT (taken), hands it to the sink, then forgets the
 * sink. */
void run_finish(struct run *r, json_t *result);
/* Drops the oldest finished runs beyond NFD_MAX_HISTORY, and while the
 * kept bytes exceed the budget. Called once per loop round, so no run goes
 * away under a caller walking the table. */
void runs_trim_history(void);
/* status: {"runs": finished kept, "bytes": kept, "budget", "run_share"}. */
json_t *runs_history_json(void);
/* A result for a run the engine did not finish: passed false, ERROR said. */
json_t *run_error_result(const struct run *r, const char *error);

/* list: the run without its events; show: with them and the result. */
json_t *run_summary(const struct run *r);
json_t *run_detail(const struct run *r);
/* The kept events (an array) and the result (null until the run ends),
 * parsed from their text: new references, NULL when out of memory. */
json_t *run_events(const struct run *r);
json_t *run_result(const struct run *r);

/* Frees every run (at exit). */
void runs_free_all(void);

#endif
