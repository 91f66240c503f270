/*
 * model.c: the life of struct scenario once built: freeing it (also when
 * half-built by a parse that failed), looking hosts, apps and networks up
 * by name and interfaces by network, and the two allocation helpers the
 * readers use, which turn a failed allocation into -ENOMEM for the whole
 * parse instead of a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

void *sc_calloc(struct sc_ctx *ctx, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		sc_nomem(ctx);
	return p;
}

char *sc_strdup(struct sc_ctx *ctx, const char *s)
{
	char *p = strdup(s);

	if (!p)
		sc_nomem(ctx);
	return p;
}

void sc_host_init(struct sc_host *h)
{
	memset(h, 0, sizeof(*h));
	h->gateway = -1;
	h->middlebox.nat = -1;
	h->middlebox.idle_timeout_us = -1;
	h->middlebox.expired = SC_EXPIRED_DROP;
	sc_impair_init(&h->link);
}

void sc_host_free_contents(struct sc_host *h)
{
	free(h->addr4);
	free(h->addr6);
	for (size_t i = 0; h->ifaces && i < h->nifaces; i++) {
		free(h->ifaces[i].addr4);
		free(h->ifaces[i].addr6);
	}
	free(h->ifaces);
	for (size_t i = 0; i < h->nsysctls; i++) {
		free(h->sysctls[i].key);
		free(h->sysctls[i].value);
	}
	free(h->sysctls);
}

void sc_app_free_contents(struct sc_app *a)
{
	free(a->connect);
	free(a->target_addr);
	for (size_t i = 0; i < a->nsteps; i++)
		free(a->steps[i].text);
	free(a->steps);
	if (a->cmd)
		for (size_t i = 0; i < a->ncmd; i++)
			free(a->cmd[i]);
	free(a->cmd);
	for (size_t i = 0; i < a->nfiles; i++) {
		free(a->files[i].name);
		free(a->files[i].text);
	}
	free(a->files);
	free(a->user);
}

static void free_fault(struct sc_fault *f)
{
	free(f->group);
	free(f->from);
	free(f->to);
}

static void free_matrix_key(struct sc_matrix_key *m)
{
	free(m->path);
	for (size_t i = 0; i < m->nvalues; i++)
		free(m->values[i]);
	free(m->values);
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->file);
	free(sc->name);
	free(sc->description);
	for (size_t i = 0; sc->networks && i < sc->nnetworks; i++) {
		free(sc->networks[i].subnet4);
		free(sc->networks[i].subnet6);
	}
	free(sc->networks);
	for (size_t i = 0; sc->hosts && i < sc->nhosts; i++)
		sc_host_free_contents(&sc->hosts[i]);
	free(sc->hosts);
	for (size_t i = 0; sc->apps && i < sc->napps; i++)
		sc_app_free_contents(&sc->apps[i]);
	free(sc->apps);
	for (size_t i = 0; sc->faults && i < sc->nfaults; i++)
		free_fault(&sc->faults[i]);
	free(sc->faults);
	free(sc->expects);
	for (size_t i = 0; sc->matrix && i < sc->nmatrix; i++)
		free_matrix_key(&sc->matrix[i]);
	free(sc->matrix);
	free(sc);
}

int scenario_host_find(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nhosts; i++)
		if (strcmp(sc->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

int scenario_app_find(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->napps; i++)
		if (strcmp(sc->apps[i].name, name) == 0)
			return (int)i;
	return -1;
}

int scenario_network_find(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nnetworks; i++)
		if (strcmp(sc->networks[i].name, name) == 0)
			return (int)i;
	return -1;
}

int sc_host_iface_on(const struct sc_host *h, int network)
{
	for (size_t k = 0; k < h->nifaces; k++)
		if (h->ifaces[k].network == network)
			return (int)k;
	return -1;
}

int scenario_host_iface(const struct scenario *sc, int host, int network)
{
	if (host < 0 || (size_t)host >= sc->nhosts)
		return -1;
	return sc_host_iface_on(&sc->hosts[host], network);
}

int scenario_iface_toward(const struct scenario *sc, int from, int to)
{
	const struct sc_host *target;

	if (to < 0 || (size_t)to >= sc->nhosts)
		return -1;
	target = &sc->hosts[to];
	for (size_t k = 0; k < target->nifaces; k++)
		if (scenario_host_iface(sc, from, target->ifaces[k].network) >= 0)
			return (int)k;
	return 0;
}
