/*
 * shard.h: `netfaultctl run --shard K/N FILES...`: part K of N of a suite,
 * for N machines of a CI matrix or N pods of an Indexed Job that each run
 * one part.
 */
#ifndef NETFAULTCTL_SHARD_H
#define NETFAULTCTL_SHARD_H

#include <stddef.h>

/*
 * Keeps in FILES (in place; returns how many) the files of part K of N:
 * the files sorted by base name, then by the whole path, and every N-th of
 * them from the K-th on. So the split depends on the names alone, not on
 * the order they were given in; the N parts are disjoint, make the whole
 * list together, and their sizes differ by one at most.
 */
size_t shard_select(const char **files, size_t n, unsigned k, unsigned shards);

#endif
