/*
 * errname.h: errno values by name ("EPIPE") and back, for step results and
 * step expectations in scenarios and reports.
 */
#ifndef NETFAULT_ERRNAME_H
#define NETFAULT_ERRNAME_H

/* "EPIPE" -> EPIPE; 0 when the name is not a known errno name. */
int errno_from_name(const char *name);
/* EPIPE -> "EPIPE"; "E?" for an unknown value. */
const char *errno_name(int err);

#endif
