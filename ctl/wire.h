/*
 * wire.h: the text of the events that come from watching the hosts rather
 * than from the scenario: "packet" (a segment at a host's eth0, as tcpdump
 * prints it), "socket" (the kernel's view of a connection changed) and
 * "output" (a line a cmd app wrote). The timeline (timeline.h) shows
 * packet and socket events only with --wire; output lines always.
 */
#ifndef NETFAULTCTL_WIRE_H
#define NETFAULTCTL_WIRE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* True for the kinds shown only with --wire. */
bool wire_only_kind(const char *kind);
/* The text after the time and host/app column, without a newline. */
void wire_packet(FILE *out, json_t *event);
void wire_socket(FILE *out, json_t *event);
void wire_output(FILE *out, json_t *event);
/* TEXT with control characters (a cmd app's escape sequences) as '?'. */
void wire_text(FILE *out, const char *text);

#endif
