/*
 * middleboxes.h: the routers' middleboxes of a run (scenario middlebox:,
 * netns/middlebox.h), internal to the engine like run.h.
 *
 * A router with a middlebox gets it when it boots: after the build, before
 * any app starts, and again after every poweron (a fresh namespace has no
 * conntrack state, rules or sysctls). Its counts (entries created, expired,
 * forgotten) go on across reboots and reach the result's "middleboxes";
 * what a powered-off router held is lost with it and counted nowhere. The
 * `forget:` fault flushes its conntrack table. The engine calls, in order:
 *
 *   middleboxes_host_boot(r, -1)   after hosts_build; (r, h) after a poweron
 *   middleboxes_tick(r)            every round of the run loop
 *   middleboxes_forget(r, f)       a forget: fault at its time
 *   middleboxes_host_down(r, h)    after a router's poweroff
 *   middleboxes_report(r, res)     in report_result
 *   middleboxes_free(r)            before the topology is destroyed
 *
 * Those returning int give 0 or a negative errno with r->error set.
 */
#ifndef NETFAULT_ENGINE_MIDDLEBOXES_H
#define NETFAULT_ENGINE_MIDDLEBOXES_H

#include <jansson.h>
#include <stddef.h>

#include "scenario/scenario.h"

struct engine_run;

/* The middlebox of router H (-1: of every router with one, powered on). */
int middleboxes_host_boot(struct engine_run *r, int h);
/* Router H lost power: its middlebox's sockets go, its counts stay. */
void middleboxes_host_down(struct engine_run *r, size_t h);
/* Reads the pending conntrack events of every middlebox. */
void middleboxes_tick(struct engine_run *r);
/* The forget: fault F: its router's conntrack table flushed, a "fault"
 * event with "forgotten" (how many entries). */
int middleboxes_forget(struct engine_run *r, const struct sc_fault *f);
/* "middleboxes": [{ "host", "created", "expired", "forgotten" }] into RES,
 * one per router with a middlebox, in hosts order ("events_lost": true
 * added when the counts are lower bounds). */
void middleboxes_report(struct engine_run *r, json_t *res);
void middleboxes_free(struct engine_run *r);

#endif
