/*
 * member.h: a text member of what the daemon sent (a reply, an event, a
 * result), for the printers: the timeline, the summary, --junit, wire
 * lines and the queries.
 */
#ifndef NETFAULTCTL_MEMBER_H
#define NETFAULTCTL_MEMBER_H

#include <jansson.h>

/* OBJ's member KEY as text; "" when OBJ is NULL, or KEY is missing or not a
 * string, so a printer never has to test. */
const char *member(const json_t *obj, const char *key);

#endif
