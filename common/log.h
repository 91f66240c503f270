/*
 * log.h: the daemon's logging, in the OpenBSD manner.
 *
 * log_init(foreground) sends messages to stderr when foreground is set, to
 * syslog otherwise. log_warn appends strerror(errno); log_warnx does not.
 * Library-like code (netns/, scenario/, engine/) does not log: it
 * returns negative errno and a message, and the boundary logs once.
 */
#ifndef NETFAULT_LOG_H
#define NETFAULT_LOG_H

#include <stdarg.h>

void log_init(int foreground, const char *ident);
void log_set_verbose(int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
