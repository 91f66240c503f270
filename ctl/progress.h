/*
 * progress.h: the "elapsed/total" line netfaultctl redraws on a terminal
 * while it waits for runs. Any other line printed to the same terminal goes
 * through progress_clear() first, so the two never mix.
 */
#ifndef NETFAULTCTL_PROGRESS_H
#define NETFAULTCTL_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

/* On only when OUT is a terminal and ON is asked. */
void progress_init(FILE *out, bool on);
bool progress_on(void);
void progress_clear(void);
void progress_draw(const char *text);

#endif
