/*
 * identity.h: who a control-socket client is, and what that lets it ask
 * for (netfaultd(8), SECURITY).
 *
 * The identity is read once, when the client connects: SO_PEERCRED's uid,
 * gid and pid, and SO_PEERGROUPS' supplementary groups (at most
 * NFD_MAX_PEER_GROUPS kept). Each run keeps its client's identity. A client
 * that is not root
 *   - runs its cmd apps as itself (the engine's run_as: its uid, gid and
 *     groups), never as root;
 *   - may name only itself in user: (its user name or uid);
 *   - gets what the daemon writes for it owned by itself: the cmd apps'
 *     directories and files, and its pcap directories, which are made as
 *     itself, so it can only have the daemon write where it may write;
 *   - may not run cmd apps at all under netfaultd -C.
 * Root clients are served as before: apps as root, or as their user:.
 */
#ifndef NETFAULTD_IDENTITY_H
#define NETFAULTD_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "daemon/netfaultd.h"

struct engine_identity;
struct sc_sweep_cell;

struct identity {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	size_t ngroups;
	gid_t groups[NFD_MAX_PEER_GROUPS];
	bool groups_cut;           /* in more groups than kept: no cmd apps */
};

/* ID from the connected socket FD. 0, or -errno (SO_PEERCRED failed).
 * A kernel without SO_PEERGROUPS leaves the client its primary group only. */
int identity_read(int fd, struct identity *id);
static inline bool identity_is_root(const struct identity *id)
{
	return id->uid == 0;
}

/* What the scenarios of CELLS ask for that ID may not have: NULL when
 * nothing, else a JSON array of "file:line:col: message" texts (new). */
json_t *identity_refusals(const struct identity *id, const struct sc_sweep_cell *cells,
			  size_t ncells);

/* The engine's run_as for ID (pointing into ID); false for root, whose
 * apps run as root or their user: as written. */
bool identity_run_as(const struct identity *id, struct engine_identity *as);

/* Switches this process's file-system identity (fsuid, fsgid, groups) to
 * ID's, so that the kernel checks paths and permissions as the client and
 * what is created is the client's; identity_fs_leave switches back. For a
 * single-threaded process (the daemon, or a worker before its run). */
struct identity_fs_saved {
	uid_t fsuid;
	gid_t fsgid;
	int ngroups;
	gid_t groups[NFD_MAX_PEER_GROUPS];
};
int identity_fs_enter(const struct identity *id, struct identity_fs_saved *saved);
void identity_fs_leave(const struct identity_fs_saved *saved);

#endif
