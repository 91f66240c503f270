/*
 * ladder.h: a run drawn as a ladder (sequence) diagram. ladder_model.c
 * reads the run's own events and result into lanes (one per host of the
 * topology: routers and middleboxes too), arrows (a packet from the host
 * that sent it to the host that received it, paired by their "out" and
 * "in" packet events; a bulk transfer folded into one arrow with a
 * count), fault bands and the apps' step and verdict labels, and gives
 * every time a row: time runs down to scale, with a break over a long
 * idle gap. ladder_svg.c draws that as SVG.
 */
#ifndef NETFAULTCTL_LADDER_H
#define NETFAULTCTL_LADDER_H

#include <jansson.h>
#include <libxml/xmlwriter.h>
#include <stdbool.h>
#include <stddef.h>

/* Hosts drawn at most; packets of hosts past it are left out. */
#define LADDER_MAX_LANES   32
/* Arrows in a row of one host pair that fold into one (data and ACKs). */
#define LADDER_FOLD_MIN    8

struct ladder_arrow {
	int from, to;              /* lanes; -1: not a host of the run */
	double t_sent, t_recv;     /* seconds since t0 */
	bool sent_seen, recv_seen; /* a capture saw it leave / arrive */
	const char *kind;          /* "syn" "synack" "ack" "data" "fin" "rst" "icmp" */
	const char *mark;          /* NULL, "retransmit", "probe" */
	unsigned count;            /* packets folded into it (1: one) */
	unsigned acks;             /* pure ACKs folded along */
	unsigned long long bytes;  /* payload bytes */
	char label[128];
	char decides[64];          /* "server: rst" when it decided a verdict */
};

struct ladder_band {
	int lane;
	double t0, t1;             /* t1 == t0: a moment (crash, forget) */
	char kind[16];             /* the fault's name */
	char label[64];
};

struct ladder_label {
	int lane;
	double t;
	const char *cls;           /* "step", "verdict", "app" */
	char text[160];
	bool bad;                  /* a step or verdict against its expectation */
};

struct ladder_row {
	double t, y;
	bool after_break;          /* a break (idle gap) comes just before it */
};

struct ladder {
	char *lanes[LADDER_MAX_LANES];
	size_t nlanes;
	struct ladder_arrow *arrows;
	size_t narrows, packets;   /* packets: the packet events read */
	struct ladder_band *bands;
	size_t nbands;
	struct ladder_label *labels;
	size_t nlabels;
	struct ladder_row *rows;
	size_t nrows;
	double height;             /* of the rows, pixels */
};

/* Reads EVENTS (the run's event array) and RESULT (may be NULL) into L.
 * 0, or -ENOMEM (L is then freed). */
int ladder_build(struct ladder *l, json_t *events, const json_t *result);
void ladder_free(struct ladder *l);
/* The y of time T: its row's, or between the rows around it. */
double ladder_y(const struct ladder *l, double t);

/* For ladder_model.c and ladder_marks.c: the lane of HOST (-1: none);
 * *ARR (of SIZE-byte items, *N used, *CAP allocated) grown by one, the
 * new item's address or NULL; the fault bands and the apps' labels from
 * EVENTS and RESULT, *END the run's end. 0 or -ENOMEM. */
int ladder_lane(const struct ladder *l, const char *host);
void *ladder_grow(void *arr, size_t *n, size_t *cap, size_t size);
int ladder_marks(struct ladder *l, json_t *events, const json_t *result,
		 const json_t *app_hosts, double *end);

/* Writes L as an <svg> element (an SVG document's root, or inline in
 * HTML) at W's current position; TITLE (may be NULL) as its <title>; ID
 * (unique in the page) as its id and its markers' prefix. */
void ladder_svg_write(xmlTextWriterPtr w, const struct ladder *l, const char *title,
		      const char *id);
/* The size of that <svg>, pixels. */
double ladder_svg_width(const struct ladder *l);
double ladder_svg_height(const struct ladder *l);

#endif
