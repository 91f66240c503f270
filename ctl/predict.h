/*
 * predict.h: `netfaultctl predict FILE... [--set path=value] [--json]`:
 * each app's verdict and time by the timer model (theory/theory.h), with
 * its formula, without running anything.
 */
#ifndef NETFAULTCTL_PREDICT_H
#define NETFAULTCTL_PREDICT_H

#include "ctl/commands.h"

/* 0 when every file was predicted, 2 when one could not be (bad file). */
int predict_command(const struct ctl_command *cmd);

#endif
