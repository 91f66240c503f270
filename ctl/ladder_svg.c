/*
 * ladder_svg.c: a ladder (ladder.h) as SVG, written with libxml2's
 * xmlTextWriter (xmlout.h), so every label is real <text> and every part
 * has a class a reader's stylesheet or a test can find:
 *
 *   g.lane[data-host]         a host: its name on top, a vertical line
 *   g.break                   an idle gap left out, with its length
 *   g.fault[data-host]        a fault's band over one lane
 *   g.packet.KIND[data-from][data-to]   an arrow: KIND syn, synack, ack,
 *                             data, fin, rst, icmp; also retransmit,
 *                             probe, folded (a bulk transfer, data-count),
 *                             lost (not seen arriving), deciding (brought
 *                             an app's verdict; id "ID-decides-APP")
 *   text.step / .app / .verdict / .theory   an app's labels, .bad when
 *                             against its expectation
 *   text.time                 the time axis, seconds since t0
 */
#include "ctl/ladder.h"

#include <stdio.h>
#include <string.h>

#include "ctl/xmlout.h"

#define LEFT_PX    96.0
#define LANE_PX    230.0
#define TOP_PX     56.0
#define BOTTOM_PX  36.0
#define LOST_FRAC  0.55        /* how far a packet not seen arriving goes */
#define STUB_PX    70.0        /* an arrow from or to no host of the run */
#define LABEL_FOLDED 0.3       /* where along a folded arrow its label is */

static const char style[] =
	".lane line{stroke:#888;stroke-width:1}"
	".lane text{font-weight:bold;font-size:13px;text-anchor:middle}"
	".packet line{stroke:#333;stroke-width:1.2}"
	".packet text{font-size:10.5px;text-anchor:middle;fill:#222}"
	".packet.syn line,.packet.synack line{stroke:#1a7f37}"
	".packet.fin line{stroke:#0550ae;stroke-width:1.8}"
	".packet.rst line{stroke:#cf222e;stroke-width:2.2}"
	".packet.rst text{fill:#cf222e}"
	".packet.icmp line{stroke:#bc4c00;stroke-width:2}"
	".packet.retransmit line,.packet.probe line{stroke-dasharray:6 3}"
	".packet.lost line{stroke-dasharray:2 3}"
	".packet.folded line{stroke-width:5;stroke-opacity:.45}"
	".packet.deciding text{font-weight:bold;font-size:12px}"
	".fault rect{fill:#fb8c00;fill-opacity:.22;stroke:#fb8c00}"
	".fault text{font-size:10.5px;fill:#b45f06}"
	".break rect{fill:#f0f0f0}"
	".break text{font-size:10px;fill:#666;font-style:italic}"
	".time{font-size:10px;fill:#666;text-anchor:end}"
	".step,.app,.verdict,.theory{font-size:10px}"
	".verdict{font-weight:bold;fill:#1a7f37}"
	".theory{fill:#6639ba;font-style:italic}"
	".bad{fill:#cf222e}";

static double lane_x(int lane)
{
	return LEFT_PX + LANE_PX / 2 + lane * LANE_PX;
}

static void markers(xmlTextWriterPtr w, const char *id)
{
	static const char *const kinds[][2] = {
		{ "plain", "#333" }, { "rst", "#cf222e" }, { "fin", "#0550ae" },
		{ "icmp", "#bc4c00" }, { "syn", "#1a7f37" },
	};
	char mid[96];

	xo_open(w, "defs", NULL);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(mid, sizeof(mid), "%s-head-%s", id, kinds[i][0]);
		/* in user units: a folded arrow's thick line keeps a normal head */
		xo_open(w, "marker", "id", mid, "viewBox", "0 0 10 10", "refX", "10", "refY", "5",
			"markerUnits", "userSpaceOnUse", "markerWidth", "9", "markerHeight", "9",
			"orient", "auto-start-reverse", NULL);
		xo_open(w, "path", "d", "M0,0 L10,5 L0,10 z", "fill", kinds[i][1], NULL);
		xo_close(w);
		xo_close(w);
	}
	xo_close(w);
}

static void lanes(xmlTextWriterPtr w, const struct ladder *l, double bottom)
{
	for (size_t i = 0; i < l->nlanes; i++) {
		xo_open(w, "g", "class", "lane", "data-host", l->lanes[i], NULL);
		xo_open(w, "text", NULL);
		xo_num(w, "x", lane_x((int)i));
		xo_num(w, "y", TOP_PX - 24);
		xo_text(w, l->lanes[i]);
		xo_close(w);
		xo_open(w, "line", NULL);
		xo_num(w, "x1", lane_x((int)i));
		xo_num(w, "x2", lane_x((int)i));
		xo_num(w, "y1", TOP_PX - 16);
		xo_num(w, "y2", bottom);
		xo_close(w);
		xo_close(w);
	}
}

static void breaks_and_times(xmlTextWriterPtr w, const struct ladder *l, double width)
{
	double last_y = -100;
	char text[32], last[32] = "";

	for (size_t i = 0; i < l->nrows; i++) {
		const struct ladder_row *r = &l->rows[i];

		if (r->after_break) {
			xo_open(w, "g", "class", "break", NULL);
			xo_open(w, "rect", "x", "0", NULL);
			/* below the labels of the row before it */
			xo_num(w, "y", TOP_PX + l->rows[i - 1].y + 17);
			xo_num(w, "width", width);
			xo_num(w, "height", r->y - l->rows[i - 1].y - 26);
			xo_close(w);
			xo_open(w, "text", NULL);
			xo_num(w, "x", 8);
			xo_num(w, "y", TOP_PX + (r->y + l->rows[i - 1].y) / 2 + 7.5);
			xo_textf(w, "%.2f s later", r->t - l->rows[i - 1].t);
			xo_close(w);
			xo_close(w);
		}
		snprintf(text, sizeof(text), "%.3f s", r->t);
		if (strcmp(text, last) == 0 || r->y - last_y < 12)
			continue;
		xo_open(w, "text", "class", "time", NULL);
		xo_num(w, "x", LEFT_PX - 10);
		xo_num(w, "y", TOP_PX + r->y + 3.5);
		xo_text(w, text);
		xo_close(w);
		snprintf(last, sizeof(last), "%s", text);
		last_y = r->y;
	}
}

static void faults(xmlTextWriterPtr w, const struct ladder *l)
{
	for (size_t i = 0; i < l->nbands; i++) {
		const struct ladder_band *b = &l->bands[i];
		double y0 = TOP_PX + ladder_y(l, b->t0), y1 = TOP_PX + ladder_y(l, b->t1);

		xo_open(w, "g", "class", b->t1 > b->t0 ? "fault" : "fault moment",
			"data-host", l->lanes[b->lane], "data-fault", b->kind, NULL);
		xo_attrf(w, "data-t", "%.6f", b->t0);
		xo_open(w, "rect", NULL);
		xo_num(w, "x", lane_x(b->lane) - LANE_PX * 0.42);
		xo_num(w, "y", y0 - 3);
		xo_num(w, "width", LANE_PX * 0.84);
		xo_num(w, "height", y1 - y0 + 6);
		xo_close(w);
		xo_open(w, "text", NULL);
		xo_num(w, "x", lane_x(b->lane) - LANE_PX * 0.40);
		xo_num(w, "y", y0 + 12);
		xo_textf(w, "%s at %.3f s", b->label, b->t0);
		xo_close(w);
		xo_close(w);
	}
}

static const char *marker_kind(const char *kind)
{
	if (strcmp(kind, "rst") == 0 || strcmp(kind, "fin") == 0 || strcmp(kind, "icmp") == 0)
		return kind;
	return strcmp(kind, "syn") == 0 || strcmp(kind, "synack") == 0 ? "syn" : "plain";
}

static void arrow(xmlTextWriterPtr w, const struct ladder *l, const struct ladder_arrow *a,
		  const char *id)
{
	double x1, x2, y1 = TOP_PX + ladder_y(l, a->t_sent), y2 = TOP_PX + ladder_y(l, a->t_recv);
	bool lost = !a->recv_seen;
	char cls[128], head[96], deciding_id[128];

	if (a->from < 0 && a->to < 0)
		return;
	x1 = a->from >= 0 ? lane_x(a->from) : lane_x(a->to) + (a->to ? -STUB_PX : STUB_PX);
	x2 = a->to >= 0 ? lane_x(a->to) : x1 + STUB_PX;
	if (lost && a->to >= 0)
		x2 = x1 + (x2 - x1) * LOST_FRAC;
	snprintf(cls, sizeof(cls), "packet %s%s%s%s%s%s", a->kind, a->mark ? " " : "",
		 a->mark ? a->mark : "", a->count > 1 ? " folded" : "", lost ? " lost" : "",
		 a->decides[0] ? " deciding" : "");
	snprintf(deciding_id, sizeof(deciding_id), "%s-decides-%.*s", id,
		 (int)strcspn(a->decides, ":"), a->decides);
	xo_open(w, "g", "class", cls, "id", a->decides[0] ? deciding_id : NULL,
		"data-from", a->from >= 0 ? l->lanes[a->from] : "",
		"data-to", a->to >= 0 ? l->lanes[a->to] : "", NULL);
	xo_attrf(w, "data-t-sent", "%.6f", a->t_sent);
	xo_attrf(w, "data-t-recv", "%.6f", a->t_recv);
	xo_attrf(w, "data-count", "%u", a->count);
	xo_open(w, "line", NULL);
	xo_num(w, "x1", x1);
	xo_num(w, "y1", y1);
	xo_num(w, "x2", x2);
	xo_num(w, "y2", y2);
	snprintf(head, sizeof(head), "url(#%s-head-%s)", id, marker_kind(a->kind));
	if (!lost)
		xmlTextWriterWriteAttribute(w, (const xmlChar *)"marker-end", (const xmlChar *)head);
	xo_close(w);
	/* a folded arrow's label nearer its sender: the ACKs folded the other
	 * way run over the same rows */
	xo_open(w, "text", NULL);
	xo_num(w, "x", x1 + (x2 - x1) * (a->count > 1 ? LABEL_FOLDED : 0.5));
	xo_num(w, "y", y1 + (y2 - y1) * (a->count > 1 ? LABEL_FOLDED : 0.5) - 4);
	xo_textf(w, "%s%s%s%s%s", a->label, lost ? " (not seen arriving)" : "",
		 a->from < 0 ? " (sender not a host of the run)" : "",
		 a->decides[0] ? " \u2192 " : "", a->decides);
	xo_close(w);
	if (lost) {
		xo_open(w, "text", NULL);
		xo_num(w, "x", x2);
		xo_num(w, "y", y2 + 4);
		xo_text(w, "\u00d7");
		xo_close(w);
	}
	xo_close(w);
}

static void labels(xmlTextWriterPtr w, const struct ladder *l)
{
	char cls[64];

	for (size_t i = 0; i < l->nlabels; i++) {
		const struct ladder_label *lb = &l->labels[i];

		snprintf(cls, sizeof(cls), "%s%s", lb->cls, lb->bad ? " bad" : "");
		xo_open(w, "text", "class", cls, "data-host", l->lanes[lb->lane], NULL);
		xo_attrf(w, "data-t", "%.6f", lb->t);
		xo_num(w, "x", lane_x(lb->lane) + 5);
		xo_num(w, "y", TOP_PX + ladder_y(l, lb->t) + 12);
		xo_text(w, lb->text);
		xo_close(w);
	}
}

double ladder_svg_width(const struct ladder *l)
{
	return LEFT_PX + (double)l->nlanes * LANE_PX + 200;
}

double ladder_svg_height(const struct ladder *l)
{
	return TOP_PX + l->height + BOTTOM_PX;
}

void ladder_svg_write(xmlTextWriterPtr w, const struct ladder *l, const char *title,
		      const char *id)
{
	double width = ladder_svg_width(l), height = ladder_svg_height(l);

	xo_open(w, "svg", "xmlns", "http://www.w3.org/2000/svg", "class", "ladder", "id", id,
		"font-family", "DejaVu Sans, Helvetica, Arial, sans-serif", NULL);
	xo_num(w, "width", width);
	xo_num(w, "height", height);
	xo_attrf(w, "viewBox", "0 0 %.1f %.1f", width, height);
	xo_attrf(w, "data-lanes", "%zu", l->nlanes);
	if (title)
		xo_text_element(w, "title", title, NULL);
	xo_text_element(w, "style", style, NULL);
	markers(w, id);
	xo_open(w, "rect", "class", "background", "fill", "white", "x", "0", "y", "0", NULL);
	xo_num(w, "width", width);
	xo_num(w, "height", height);
	xo_close(w);
	breaks_and_times(w, l, width);
	lanes(w, l, height - BOTTOM_PX / 2);
	faults(w, l);
	xo_open(w, "g", "class", "packets", NULL);
	for (size_t i = 0; i < l->narrows; i++)
		arrow(w, l, &l->arrows[i], id);
	xo_close(w);
	labels(w, l);
	xo_close(w);
}
