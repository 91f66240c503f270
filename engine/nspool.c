/*
 * nspool.c: the engine's side of netns/'s namespace pool, for a daemon
 * that keeps namespaces ready for the runs it forks: how many a scenario's
 * build makes (a switch per network and one per host), and handing that
 * many to a run's process.
 */
#include "engine/engine.h"
#include "netns/netns.h"
#include "scenario/scenario.h"

_Static_assert(ENGINE_POOL_MAX == NETNS_POOL_MAX, "one limit, two names");

int engine_pool_start(size_t size)
{
	return netns_pool_start(size);
}

void engine_pool_stop(void)
{
	netns_pool_stop();
}

size_t engine_pool_take(const struct scenario *sc, int *fds, size_t max)
{
	size_t want = (sc->nnetworks ? sc->nnetworks : 1) + sc->nhosts;

	return netns_pool_take(fds, want < max ? want : max);
}

void engine_pool_adopt(const int *fds, size_t n)
{
	netns_pool_adopt(fds, n);
}
