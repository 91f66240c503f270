/*
 * supported.c: what of a valid scenario this engine can run (engine.h).
 *
 * The scenario format is ahead of the engine in places: networks, routers,
 * gateways, MTUs, unplug/plug of one cable, drop and reject on one
 * network, middleboxes and forget: run; delay, loss and rate on one
 * network do not yet. A scenario that needs those is refused before anything is
 * built, with the first key that needs it named by its place in the file,
 * rather than run on a topology that is not the one it describes.
 */
#include <errno.h>
#include <stdio.h>

#include "engine/engine.h"
#include "scenario/scenario.h"

#define NOT_YET "is not supported by this engine yet"

int engine_supports(const struct scenario *sc, char *why, size_t len)
{
	for (size_t i = 0; i < sc->nfaults; i++) {
		const struct sc_fault *f = &sc->faults[i];
		bool ok = f->kind == SC_FAULT_UNPLUG || f->kind == SC_FAULT_PLUG ||
			  f->kind == SC_FAULT_DROP || f->kind == SC_FAULT_REJECT;

		if (f->network >= 0 && !ok) {
			snprintf(why, len, "%s:%d:%d: %s%s %s", sc->file, f->line, f->col,
				 sc_fault_name(f->kind), f->network >= 0 ? " with network:" : "",
				 NOT_YET);
			return -ENOTSUP;
		}
	}
	return 0;
}
