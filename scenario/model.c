/*
 * model.c: the life of struct scenario once built: freeing it (also when
 * half-built by a parse that failed), looking hosts and apps up by name,
 * and the two allocation helpers the readers use, which turn a failed
 * allocation into -ENOMEM for the whole parse instead of a crash.
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

void sc_host_free_contents(struct sc_host *h)
{
	free(h->addr4);
	free(h->addr6);
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
