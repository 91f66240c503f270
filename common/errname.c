/*
 * errname.c: errno names through glibc's strerrorname_np.
 */
#include "common/errname.h"

#include <string.h>

#define ERRNO_SCAN_MAX 200

int errno_from_name(const char *name)
{
	for (int e = 1; e < ERRNO_SCAN_MAX; e++) {
		const char *n = strerrorname_np(e);

		if (n && strcmp(n, name) == 0)
			return e;
	}
	return 0;
}

const char *errno_name(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}
