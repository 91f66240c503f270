/*
 * pcapdir.h: a run request's "pcap" directory (common/protocol.h).
 *
 * The request handler checks the directory the client named; the worker
 * makes the run's own directory in it, DIR/run-ID (DIR/run-ID.2... when
 * that name is taken: run ids start again at 1 when the daemon restarts),
 * with mkdir, so that it never writes into anything that was there. The
 * engine is then given that directory through /proc/self/fd/N, a handle
 * of the directory just made, so that renaming or replacing a component
 * of the path meanwhile cannot send the files elsewhere; the result's
 * paths are put back in terms of the real one.
 */
#ifndef NETFAULTD_PCAPDIR_H
#define NETFAULTD_PCAPDIR_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* NULL when DIR will do for a peer of UID, else why not (into WHY). */
const char *pcap_dir_check(const char *dir, uid_t uid, char *why, size_t len);

struct pcap_run_dir {
	char path[256];            /* DIR/run-ID, the real path */
	char handle[32];           /* /proc/self/fd/N: for the engine */
	int fd;                    /* -1: none */
};

/* Makes the run's directory in DIR (the worker). 0, or -errno with WHY. */
int pcap_run_dir_make(const char *dir, unsigned run_id, struct pcap_run_dir *d,
		      char *why, size_t len);
/* Sets RESULT's "pcap_dir" and rewrites its "captures" files and "error"
 * from D->handle to D->path; closes D->fd. */
void pcap_run_dir_report(struct pcap_run_dir *d, json_t *result);

#endif
