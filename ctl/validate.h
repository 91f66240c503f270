/*
 * validate.h: `netfaultctl validate FILE...`: the scenario parser run here,
 * without the daemon; every error as file:line:col: message.
 */
#ifndef NETFAULTCTL_VALIDATE_H
#define NETFAULTCTL_VALIDATE_H

#include "ctl/commands.h"

/* 0 when every file is valid, 2 otherwise. */
int validate_command(const struct ctl_command *cmd);

#endif
