/*
 * shard.c: the files of one part of a suite (see shard.h). A round robin
 * over the sorted list, with no hashing: balanced to one file, and the same
 * on every machine that is given the same files.
 */
#include "ctl/shard.h"

#include <stdlib.h>
#include <string.h>

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int by_base_then_path(const void *a, const void *b)
{
	const char *pa = *(const char *const *)a, *pb = *(const char *const *)b;
	int order = strcmp(base_name(pa), base_name(pb));

	return order ? order : strcmp(pa, pb);
}

size_t shard_select(const char **files, size_t n, unsigned k, unsigned shards)
{
	size_t kept = 0;

	qsort(files, n, sizeof(*files), by_base_then_path);
	for (size_t i = k; shards > 0 && i < n; i += shards)
		files[kept++] = files[i];
	return kept;
}
