/*
 * queries.h: the one-request commands: list, show, cancel, status. Each
 * sends one request, prints the reply (or the reply itself with --json)
 * and returns the exit status: 0, or 2 when the daemon said no.
 */
#ifndef NETFAULTCTL_QUERIES_H
#define NETFAULTCTL_QUERIES_H

#include "ctl/commands.h"

int query_command(const char *socket_path, const struct ctl_command *cmd);

#endif
