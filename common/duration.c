/*
 * duration.c: parse and print durations with units (see duration.h).
 */
#include "common/duration.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *unit;
	double usec;
} duration_units[] = {
	{ "us", 1.0 }, { "ms", 1e3 }, { "s", 1e6 }, { "m", 60e6 }, { "h", 3600e6 },
};

/*
 * The number is plain decimal ("1", "1.5", ".5"): it is copied out before
 * strtod reads it, because strtod alone also takes "0x10", "1e3" and "inf".
 */
int duration_parse(const char *text, int64_t *usec)
{
	const char *p = text;
	const char *end;
	char number[64];
	size_t digits = 0, n;
	double v;

	while (isspace((unsigned char)*p))
		p++;
	for (end = p; isdigit((unsigned char)*end) || *end == '.'; end++)
		digits += isdigit((unsigned char)*end) ? 1 : 0;
	n = (size_t)(end - p);
	if (digits == 0 || n - digits > 1)
		return -EINVAL;
	if (n >= sizeof(number))
		return -ERANGE;
	memcpy(number, p, n);
	number[n] = '\0';
	errno = 0;
	v = strtod(number, NULL);
	if (errno)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '\0')
		return -ENOMSG;
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (strcmp(end, duration_units[i].unit) == 0) {
			double us = v * duration_units[i].usec;

			if (!isfinite(us) || us < 0 || us > 9.0e15)
				return -ERANGE;
			*usec = (int64_t)llround(us);
			return 0;
		}
	}
	return -EINVAL;
}

const char *duration_format(int64_t usec, char *buf, size_t len)
{
	if (usec % 1000000 == 0)
		snprintf(buf, len, "%" PRId64 "s", usec / 1000000);
	else if (usec >= 1000000)
		snprintf(buf, len, "%gs", (double)usec / 1e6);
	else if (usec % 1000 == 0)
		snprintf(buf, len, "%" PRId64 "ms", usec / 1000);
	else if (usec >= 1000)
		snprintf(buf, len, "%gms", (double)usec / 1e3);
	else
		snprintf(buf, len, "%" PRId64 "us", usec);
	return buf;
}
