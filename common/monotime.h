/*
 * monotime.h: the monotonic clock every run is timed on (t0, fault times,
 * step and verdict times), in microseconds. CLOCK_MONOTONIC is one clock for
 * all processes of the machine, so an app process and the engine agree.
 */
#ifndef NETFAULT_MONOTIME_H
#define NETFAULT_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
