/*
 * supported.c: what of a valid scenario this engine can run (engine.h).
 *
 * The scenario format is ahead of the engine: networks:, routers,
 * middleboxes, faults on one network and forget: parse and validate (the
 * model is complete), but the engine builds one switch with every host on
 * it. A scenario that needs more is refused before anything is built, with
 * the first key that needs it named by its place in the file, rather than
 * run on a topology that is not the one it describes.
 */
#include <errno.h>
#include <stdio.h>

#include "engine/engine.h"
#include "scenario/scenario.h"

#define NOT_YET "is not supported by this engine yet (one switch, every host on it)"

int engine_supports(const struct scenario *sc, char *why, size_t len)
{
	for (size_t i = 0; i < sc->nnetworks; i++) {
		const struct sc_network *n = &sc->networks[i];

		if (i > 0) {
			snprintf(why, len, "%s:%d:%d: a second network (\"%s\") %s", sc->file,
				 n->line, n->col, n->name, NOT_YET);
			return -ENOTSUP;
		}
		if (n->mtu != SC_DEFAULT_MTU) {
			snprintf(why, len, "%s:%d:%d: network \"%s\": an mtu other than %d %s",
				 sc->file, n->line, n->col, n->name, SC_DEFAULT_MTU, NOT_YET);
			return -ENOTSUP;
		}
	}
	for (size_t i = 0; i < sc->nhosts; i++) {
		const struct sc_host *h = &sc->hosts[i];

		if (h->router || h->middlebox.enabled || h->gateway >= 0) {
			snprintf(why, len, "%s:%d:%d: host \"%s\": routers, gateways and "
				 "middleboxes %s", sc->file, h->line, h->col, h->name, NOT_YET);
			return -ENOTSUP;
		}
	}
	for (size_t i = 0; i < sc->nfaults; i++) {
		const struct sc_fault *f = &sc->faults[i];

		if (f->kind == SC_FAULT_FORGET || f->network >= 0) {
			snprintf(why, len, "%s:%d:%d: %s%s %s", sc->file, f->line, f->col,
				 sc_fault_name(f->kind), f->network >= 0 ? " with network:" : "",
				 NOT_YET);
			return -ENOTSUP;
		}
	}
	return 0;
}
