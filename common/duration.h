/*
 * duration.h: durations as the scenario format writes them ("250ms", "1.5s",
 * "2m", "1h", "500us") in microseconds, and back for reports.
 */
#ifndef NETFAULT_DURATION_H
#define NETFAULT_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses TEXT into *usec. Returns 0, -EINVAL for a malformed text and
 * -ENOMSG for a bare number (the caller says "a duration needs a unit"),
 * -ERANGE when the value overflows.
 */
int duration_parse(const char *text, int64_t *usec);
/* Formats usec the short way ("1.5s", "250ms", "3s"); returns buf. */
const char *duration_format(int64_t usec, char *buf, size_t len);

#endif
