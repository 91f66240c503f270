/*
 * cmdapp.h: the mechanics of real programs as apps (cmd:), for the engine's
 * owner of app processes (procs.c), which decides when each one starts and
 * what its state is, and for the result (report.c):
 *
 *   cmdapp.c         the run directory and each app's directory, files:
 *                    and argv; the fork and exec into its host; the check
 *                    that a server listens; the removal of a temporary run
 *                    directory
 *   cmdapp_output.c  its stdout and stderr: files, "output" events, the
 *                    text and last lines for the result
 *
 * Functions returning int give 0 or a negative errno with r->error set;
 * none of them prints.
 */
#ifndef NETFAULT_ENGINE_CMDAPP_H
#define NETFAULT_ENGINE_CMDAPP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"

struct engine_run;
struct run_app;
struct app_ctx;
struct sockdiag;

#define CMD_DIR_MAX        256       /* run_dir: longer is refused */
#define CMD_OUT_LINE_MAX   1024      /* longer lines are cut into pieces */
#define CMD_OUT_FILE_MAX   (1u << 20) /* bytes per stream written to its file */
#define CMD_OUT_KEEP_MAX   (64u << 10) /* bytes per stream kept for the result */
#define CMD_OUT_TAIL       20        /* last lines kept for the result */
#define CMD_OUT_MAX_EVENTS 500       /* "output" events per app */
#define CMD_OUT_READ_MAX   (64u << 10) /* bytes read per stream per tick */

/* ---- for procs.c and report.c ------------------------------------------- */

/* Makes r->cmd: the run directory (opts->run_dir, or a private temporary
 * one) and each cmd app's directory, files: and argv; the program must be
 * found now. */
int cmdapp_prepare(struct engine_run *r);
/* Forks and execs cmd app A into its host (its pid, pidfd and state
 * RUN_APP_STARTING); an exec that failed is an error here. */
int cmdapp_start(struct engine_run *r, struct run_app *a);
/* True once cmd server A's host shows a socket listening on its port (a
 * sock_diag dump through a handle of its own, closed once it listens). */
bool cmdapp_listening(struct engine_run *r, struct run_app *a);
/* Reads what the started cmd apps wrote: files, "output" events. FINAL:
 * everything left (up to a bound) and a last line without its newline. */
void cmdapp_output_drain(struct engine_run *r, bool final);
/* The last stderr (else stdout) line of A, "" when none. */
const char *cmdapp_last_line(const struct engine_run *r, const struct run_app *a);
/* Cmd app A's members of the result: "cmd", "output", "output_tail",
 * "dir". */
void cmdapp_report_app(const struct engine_run *r, const struct run_app *a, json_t *o);
/* The run's members of the result: "run_dir" (null without cmd apps),
 * "run_dir_kept". */
void cmdapp_report(const struct engine_run *r, json_t *res);
/* Closes everything, removes a temporary run directory, frees r->cmd.
 * Accepts a run without one. */
void cmdapp_free(struct engine_run *r);

/* ---- inside engine/cmd/ -------------------------------------------------- */

struct cmd_stream {
	int fd;                      /* the engine's (read) end, -1 */
	int file;                    /* the output file, -1 */
	uint64_t file_bytes;
	bool file_full;
	char *keep;                  /* CMD_OUT_KEEP_MAX + 1 */
	size_t nkeep;
	bool keep_full;
	char line[CMD_OUT_LINE_MAX + 1];
	size_t nline;
};

struct cmd_tail_line {
	int stream;                  /* 0 stdout, 1 stderr */
	char *text;
};

struct cmd_proc {
	char dir[CMD_DIR_MAX + 32];  /* the app's directory (${APPDIR}) */
	char **argv;                 /* substituted, NULL-terminated */
	gid_t groups[ENGINE_MAX_GROUPS]; /* the user's, when set_user */
	int ngroups;
	int pipes[2][2];             /* stdout, stderr: [read, write] */
	struct cmd_stream out[2];
	struct cmd_tail_line tail[CMD_OUT_TAIL];
	size_t tail_next, ntail;
	unsigned events;
	bool events_capped;
	bool spawned;
	struct sockdiag *sd;         /* a server's, until it listens */
};

/* The run's cmd apps (r->cmd). */
struct cmdapps {
	struct cmd_proc *procs;      /* per app; only cmd apps' are used */
	char rundir[CMD_DIR_MAX];
	bool rundir_made, rundir_temp;
};

/* cmdapp_output.c */
/* Creates C's output files (stdout.log, stderr.log) in its directory
 * DIRFD, owned by CTX's user when it has one. */
int cmdapp_output_files(struct cmd_proc *c, int dirfd, const struct app_ctx *ctx);
/* Takes over A's pipes' read ends (its files are open already). */
int cmdapp_output_open(struct engine_run *r, struct run_app *a);
json_t *cmdapp_output_json(const struct engine_run *r, const struct run_app *a);
json_t *cmdapp_tail_json(const struct engine_run *r, const struct run_app *a);
void cmdapp_output_close(struct cmd_proc *c);

#endif
