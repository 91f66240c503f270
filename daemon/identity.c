/*
 * identity.c: a client's identity and what it may ask for (identity.h).
 *
 * The daemon is root and the -g group only gets to use its socket: the
 * group must not get root through it. So the identity a client connected
 * with follows each of its runs, and every place where the daemon would
 * act for the client (a cmd app, a user:, a directory it writes) acts as
 * the client instead. The checks on a request are made here on every sweep
 * cell (a --set may change user: or add a cmd:), each refusal named by the
 * place in the file it comes from; the engine checks user: again against
 * its run_as (procs.c), so a scenario that slipped past cannot run.
 */
#include "daemon/identity.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "scenario/sweep.h"
#include "scenario/scenario.h"

_Static_assert(NFD_MAX_PEER_GROUPS <= ENGINE_MAX_GROUPS,
	       "the engine must take every group a client keeps");

#define PASSWD_BUF 4096

int identity_read(int fd, struct identity *id)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t *all = NULL;
	int ngroups;

	*id = (struct identity){ 0 };
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	id->uid = cred.uid;
	id->gid = cred.gid;
	id->pid = cred.pid;
	len = sizeof(id->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, id->groups, &len) == 0) {
		id->ngroups = len / sizeof(gid_t);
		return 0;
	}
	if (errno != ERANGE)
		return 0;     /* no SO_PEERGROUPS (Linux < 4.13): the gid alone */
	/* more groups than kept: note it (no cmd apps), keep the first ones */
	id->groups_cut = true;
	all = malloc(len);
	if (all && getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, all, &len) == 0) {
		ngroups = (int)(len / sizeof(gid_t));
		id->ngroups = ngroups < NFD_MAX_PEER_GROUPS ? (size_t)ngroups
							    : NFD_MAX_PEER_GROUPS;
		memcpy(id->groups, all, id->ngroups * sizeof(gid_t));
	}
	free(all);
	return 0;
}

/* True when USER (a login name or a numeric uid) is UID. */
static bool user_is(const char *user, uid_t uid)
{
	struct passwd pw, *found = NULL;
	char buf[PASSWD_BUF];
	unsigned long n;
	char *end;

	if (user[0] >= '0' && user[0] <= '9') {
		errno = 0;
		n = strtoul(user, &end, 10);
		return !errno && !*end && n == (unsigned long)uid;
	}
	return getpwnam_r(user, &pw, buf, sizeof(buf), &found) == 0 && found &&
	       found->pw_uid == uid;
}

/* Appends "file:line:col: app NAME: TEXT" to LIST unless it is there (the
 * cells of a sweep repeat their scenario's refusals). */
static void refuse(json_t *list, const struct scenario *sc, const struct sc_app *a,
		   int line, int col, const char *text)
{
	char msg[512];
	json_t *item;
	size_t i;

	if (line > 0)
		snprintf(msg, sizeof(msg), "%s:%d:%d: app %s: %s", sc->file, line, col,
			 a->name, text);
	else
		snprintf(msg, sizeof(msg), "%s: app %s: %s", sc->file, a->name, text);
	json_array_foreach(list, i, item) {
		if (strcmp(json_string_value(item), msg) == 0)
			return;
	}
	json_array_append_new(list, json_string(msg));
}

static void scenario_refusals(const struct identity *id, const struct scenario *sc,
			      json_t *list)
{
	char text[256];

	for (size_t i = 0; i < sc->napps; i++) {
		const struct sc_app *a = &sc->apps[i];

		if (a->user && !user_is(a->user, id->uid)) {
			snprintf(text, sizeof(text), "user \"%s\": a client that is not root "
				 "may run apps only as itself (uid %u)", a->user,
				 (unsigned)id->uid);
			refuse(list, sc, a, a->user_line, a->user_col, text);
		}
		if (a->cmd && nfd_conf.no_cmd_apps) {
			refuse(list, sc, a, a->line, a->col, "cmd: this netfaultd runs no "
			       "programs for clients that are not root (netfaultd -C)");
		} else if (a->cmd && id->groups_cut) {
			snprintf(text, sizeof(text), "cmd: the client is in more than %d "
				 "groups, which its program could not keep all of",
				 NFD_MAX_PEER_GROUPS);
			refuse(list, sc, a, a->line, a->col, text);
		}
	}
}

json_t *identity_refusals(const struct identity *id, const struct sc_sweep_cell *cells,
			  size_t ncells)
{
	json_t *list;

	if (identity_is_root(id))
		return NULL;
	list = json_array();
	for (size_t i = 0; list && i < ncells; i++)
		scenario_refusals(id, cells[i].sc, list);
	if (list && json_array_size(list) == 0) {
		json_decref(list);
		list = NULL;
	}
	return list;
}

bool identity_run_as(const struct identity *id, struct engine_identity *as)
{
	if (identity_is_root(id))
		return false;
	*as = (struct engine_identity){ .uid = id->uid, .gid = id->gid,
					.groups = id->groups, .ngroups = id->ngroups };
	return true;
}

int identity_fs_enter(const struct identity *id, struct identity_fs_saved *saved)
{
	saved->fsuid = (uid_t)setfsuid((uid_t)-1);
	saved->fsgid = (gid_t)setfsgid((gid_t)-1);
	saved->ngroups = getgroups(NFD_MAX_PEER_GROUPS, saved->groups);
	if (saved->ngroups < 0)
		return -errno;
	if (setgroups(id->ngroups, id->groups) < 0)
		return -errno;
	setfsgid(id->gid);
	setfsuid(id->uid);
	/* setfsuid says nothing of failure: ask again */
	if ((uid_t)setfsuid((uid_t)-1) != id->uid || (gid_t)setfsgid((gid_t)-1) != id->gid) {
		identity_fs_leave(saved);
		return -EPERM;
	}
	return 0;
}

void identity_fs_leave(const struct identity_fs_saved *saved)
{
	setfsuid(saved->fsuid);
	setfsgid(saved->fsgid);
	if (setgroups((size_t)saved->ngroups, saved->groups) < 0) {
		/* root keeps CAP_SETGID: cannot happen */
	}
}
