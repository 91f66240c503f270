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
 *
 * A client that is not root gets its directory made as itself (so it can
 * only have the daemon write where it may write), owned by root while the
 * run writes (the capture opens its files by name), and handed to it,
 * with the files, when the run is over. A worker that dies first leaves
 * the directory root's.
 */
#ifndef NETFAULTD_PCAPDIR_H
#define NETFAULTD_PCAPDIR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct identity;

/* NULL when DIR will do for the client ID, else why not (into WHY). A
 * client that is not root must reach DIR and be allowed to write it
 * itself: both are checked as the client (identity_fs_enter). */
const char *pcap_dir_check(const char *dir, const struct identity *id, char *why,
			   size_t len);

struct pcap_run_dir {
	char path[256];            /* DIR/run-ID, the real path */
	char handle[32];           /* /proc/self/fd/N: for the engine */
	int fd;                    /* -1: none */
	bool hand_over;            /* a client's that is not root: */
	uid_t uid;                 /* ...given to it at the end */
	gid_t gid;
};

/* Makes the run's directory in DIR (the worker, single-threaded still),
 * for OWNER: as OWNER when it is not root, then taken by root for the run
 * (empty, 0755). 0, or -errno with WHY. */
int pcap_run_dir_make(const char *dir, unsigned run_id, const struct identity *owner,
		      struct pcap_run_dir *d, char *why, size_t len);
/* Sets RESULT's "pcap_dir" and rewrites its "captures" files and "error"
 * from D->handle to D->path; hands a client's directory and its files over
 * to it; closes D->fd. */
void pcap_run_dir_report(struct pcap_run_dir *d, json_t *result);

#endif
