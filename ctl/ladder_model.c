/*
 * ladder_model.c: a run's events into a ladder (see ladder.h).
 *
 * Packets: every packet event is one host's capture of one packet, "out"
 * where it left and "in" where it arrived. An "in" pairs with an "out" at
 * another host, no later, with the same TCP flags, raw sequence and
 * acknowledgement numbers and length (they survive a router and a NAT
 * gateway; an ICMP error pairs by its text): the first such, or the last
 * retransmission among them (sender_of): one arrow from the sender's lane
 * to the receiver's. An "out" nobody saw arrive points at
 * the host its address names and stops short; an "in" nobody saw leave
 * (a router's ICMP error, a reset in another's name) starts at the lane
 * of the host its source address names, at the same time.
 *
 * Folding: LADDER_FOLD_MIN or more arrows in a row between one pair of
 * hosts that are new data or pure ACKs (no SYN, FIN, RST, retransmission
 * or probe between them, no gap over FOLD_GAP_S) become one arrow per
 * direction with the packets' count and bytes.
 *
 * Rows: every time something is drawn at is a row; rows are PX_PER_S
 * apart per second, at least MIN_ROW_PX, and a gap that would be taller
 * than BREAK_PX is drawn as a break of BREAK_ROW_PX instead.
 */
#include "ctl/ladder.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/member.h"

#define PX_PER_S     400.0
#define MIN_ROW_PX   18.0
#define BREAK_PX     140.0
#define BREAK_ROW_PX 44.0
#define FOLD_GAP_S   0.25
#define SAME_T       2e-6      /* event times are rounded to the microsecond */

struct packet {
	int lane, peer;            /* where captured; the other end's host */
	bool out, used;
	double t;
	const char *flags, *mark, *line, *src, *dst;
	unsigned long long seq, ack, len;
};

static int lane_of(const struct ladder *l, const char *host)
{
	for (size_t i = 0; host && i < l->nlanes; i++)
		if (strcmp(l->lanes[i], host) == 0)
			return (int)i;
	return -1;
}

static int lane_add(struct ladder *l, const char *host)
{
	if (!host || !*host || lane_of(l, host) >= 0 || l->nlanes >= LADDER_MAX_LANES)
		return 0;
	l->lanes[l->nlanes] = strdup(host);
	if (!l->lanes[l->nlanes])
		return -ENOMEM;
	l->nlanes++;
	return 0;
}

void *ladder_grow(void *arr_ptr, size_t *n, size_t *cap, size_t size)
{
	void **arr = arr_ptr;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		void *bigger = realloc(*arr, ncap * size);

		if (!bigger)
			return NULL;
		*arr = bigger;
		*cap = ncap;
	}
	return (char *)*arr + (*n)++ * size;
}

static double number(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

/* ---- lanes and apps ------------------------------------------------------ */

static int read_lanes(struct ladder *l, json_t *events, json_t *app_hosts)
{
	json_t *ev, *host;
	size_t i, j;
	int err = 0;

	json_array_foreach(events, i, ev) {
		if (strcmp(member(ev, "event"), "topology") == 0)
			json_array_foreach(json_object_get(ev, "hosts"), j, host)
				err = err ? err : lane_add(l, member(host, "name"));
		if (strcmp(member(ev, "event"), "app") == 0 && *member(ev, "host"))
			json_object_set_new(app_hosts, member(ev, "app"),
					    json_string(member(ev, "host")));
	}
	/* a run without its topology event (cut short): the hosts events name */
	json_array_foreach(events, i, ev)
		err = err ? err : lane_add(l, json_string_value(json_object_get(ev, "host")));
	return err;
}

int ladder_lane(const struct ladder *l, const char *host)
{
	return lane_of(l, host);
}

static int app_lane(const struct ladder *l, const json_t *app_hosts, const char *app)
{
	return lane_of(l, member(app_hosts, app));
}

/* ---- packets into arrows -------------------------------------------------- */

static bool same_packet(const struct packet *a, const struct packet *b)
{
	if (!a->flags || !b->flags)
		return !a->flags && !b->flags && strcmp(strchr(a->line, ':') ? strchr(a->line, ':') :
							a->line, strchr(b->line, ':') ?
							strchr(b->line, ':') : b->line) == 0;
	return strcmp(a->flags, b->flags) == 0 && a->seq == b->seq && a->ack == b->ack &&
	       a->len == b->len;
}

static void packet_label(struct ladder_arrow *a, const struct packet *p)
{
	const char *f = p->flags;

	a->bytes = p->len;
	if (!f) {
		const char *icmp = strstr(p->line, "ICMP");
		int n = icmp ? (int)strcspn(icmp, ",") : 0;

		a->kind = "icmp";
		snprintf(a->label, sizeof(a->label), "%.*s", n ? n : 4, icmp ? icmp : "ICMP");
		return;
	}
	if (strchr(f, 'R')) {
		a->kind = "rst";
		snprintf(a->label, sizeof(a->label), "RST");
	} else if (strchr(f, 'S')) {
		a->kind = strchr(f, '.') ? "synack" : "syn";
		snprintf(a->label, sizeof(a->label), "%s", strchr(f, '.') ? "SYN-ACK" : "SYN");
	} else if (strchr(f, 'F')) {
		a->kind = "fin";
		snprintf(a->label, sizeof(a->label), p->len ? "FIN, %llu B" : "FIN", p->len);
	} else if (p->len) {
		a->kind = "data";
		snprintf(a->label, sizeof(a->label), "%llu B", p->len);
	} else {
		a->kind = "ack";
		snprintf(a->label, sizeof(a->label), "ACK");
	}
	if (p->mark && strcmp(p->mark, "probe") == 0)
		snprintf(a->label, sizeof(a->label), "probe (keepalive)");
	else if (p->mark)
		snprintf(a->label + strlen(a->label), sizeof(a->label) - strlen(a->label),
			 " (%s)", p->mark);
}

static int read_packets(const struct ladder *l, json_t *events, struct packet **out,
			size_t *n)
{
	size_t cap = 0, i;
	json_t *ev;

	json_array_foreach(events, i, ev) {
		struct packet *p;
		bool sent = strcmp(member(ev, "dir"), "out") == 0;

		if (strcmp(member(ev, "event"), "packet") != 0 || lane_of(l, member(ev, "host")) < 0)
			continue;
		p = ladder_grow(out, n, &cap, sizeof(*p));
		if (!p)
			return -ENOMEM;
		*p = (struct packet){
			.lane = lane_of(l, member(ev, "host")),
			.peer = lane_of(l, json_string_value(json_object_get(ev, sent ? "to" : "from"))),
			.out = sent, .t = number(ev, "t"),
			.flags = json_string_value(json_object_get(ev, "flags")),
			.mark = json_string_value(json_object_get(ev, "mark")),
			.line = member(ev, "line"), .src = member(ev, "src"), .dst = member(ev, "dst"),
			.seq = (unsigned long long)json_integer_value(json_object_get(ev, "seq")),
			.ack = (unsigned long long)json_integer_value(json_object_get(ev, "ack")),
			.len = (unsigned long long)json_integer_value(json_object_get(ev, "len")),
		};
	}
	return 0;
}

static int by_time(const void *a, const void *b)
{
	double ta = ((const struct packet *)a)->t, tb = ((const struct packet *)b)->t;

	return ta < tb ? -1 : ta > tb;
}

/* The capture of the packet IN left at: among the "out" captures of the
 * same packet at another host, unpaired, no later than IN, the last one
 * that is a retransmission or probe (its sender took the copies before
 * it for lost), else the first (copies in flight arrive in order). */
static struct packet *sender_of(struct packet *p, size_t n, const struct packet *in)
{
	struct packet *first = NULL, *marked = NULL;

	for (size_t j = 0; j < n && p[j].t <= in->t + 1e-3; j++) {
		if (!p[j].out || p[j].used || p[j].lane == in->lane || !same_packet(&p[j], in))
			continue;
		first = first ? first : &p[j];
		marked = p[j].mark ? &p[j] : marked;
	}
	return marked ? marked : first;
}

static int pair_packets(struct ladder *l, struct packet *p, size_t n)
{
	size_t cap = 0;
	struct packet **match = calloc(n + 1, sizeof(*match));
	int err = 0;

	if (!match)
		return -ENOMEM;
	qsort(p, n, sizeof(*p), by_time);
	for (size_t i = 0; i < n; i++) {
		struct packet *out = p[i].out ? NULL : sender_of(p, n, &p[i]);

		if (out) {
			out->used = p[i].used = true;
			match[out - p] = &p[i];
		}
	}
	/* one arrow per out (arrived or not) and per in nobody saw leave */
	for (size_t i = 0; i < n; i++) {
		struct ladder_arrow *a;
		struct packet *in = match[i];

		if (!p[i].out && p[i].used)
			continue;
		a = ladder_grow(&l->arrows, &l->narrows, &cap, sizeof(*a));
		if (!a) {
			err = -ENOMEM;
			break;
		}
		*a = (struct ladder_arrow){ .count = 1 };
		packet_label(a, &p[i]);
		a->from = p[i].out ? p[i].lane : p[i].peer;
		a->to = in ? in->lane : p[i].out ? p[i].peer : p[i].lane;
		a->t_sent = p[i].t;
		a->t_recv = in ? in->t : p[i].t;
		a->sent_seen = p[i].out;
		a->recv_seen = in || !p[i].out;
		a->mark = p[i].mark;
	}
	free(match);
	return err;
}

/* ---- folding ---------------------------------------------------------------- */

static bool foldable(const struct ladder_arrow *a)
{
	return a->from >= 0 && a->to >= 0 && a->sent_seen && a->recv_seen && !a->mark &&
	       !a->decides[0] && (strcmp(a->kind, "data") == 0 || strcmp(a->kind, "ack") == 0);
}

static void fold_into(struct ladder_arrow *sum, const struct ladder_arrow *a, bool first)
{
	if (first) {
		*sum = *a;
		sum->count = 0;
		sum->bytes = 0;
	}
	sum->count++;
	sum->bytes += a->bytes;
	sum->acks += strcmp(a->kind, "ack") == 0;
	sum->t_recv = a->t_recv > sum->t_recv ? a->t_recv : sum->t_recv;
	if (a->bytes)
		sum->kind = "data";
}

/* Arrows I..J-1 (all of pair PAIR among others) as one arrow per
 * direction, appended to OUT. */
static void fold_run(const struct ladder_arrow *in, const int *pair_of, size_t i, size_t j,
		     int pair, struct ladder_arrow *out, size_t *nout)
{
	struct ladder_arrow dir[2];
	const struct ladder_arrow *only[2] = { NULL, NULL };
	bool seen[2] = { false, false };

	for (size_t k = i; k < j; k++) {
		int d;

		if (pair_of[k] != pair)
			continue;
		d = in[k].from > in[k].to;
		fold_into(&dir[d], &in[k], !seen[d]);
		only[d] = &in[k];
		seen[d] = true;
	}
	for (int d = 0; d < 2; d++) {
		struct ladder_arrow *a = &dir[d];

		if (!seen[d])
			continue;
		if (a->count == 1) {     /* one packet that way: as it is */
			out[(*nout)++] = *only[d];
			continue;
		}
		if (a->bytes)
			snprintf(a->label, sizeof(a->label), "%u segments, %llu B", a->count - a->acks,
				 a->bytes);
		else
			snprintf(a->label, sizeof(a->label), "ACK x%u", a->count);
		out[(*nout)++] = *a;
	}
}

static int fold_arrows(struct ladder *l)
{
	size_t n = l->narrows, nout = 0;
	int *pair_of = calloc(n + 1, sizeof(int));
	struct ladder_arrow *out = calloc(n + 1, sizeof(*out));
	bool *done = calloc(n + 1, sizeof(bool));
	int err = -ENOMEM;

	if (!pair_of || !out || !done)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct ladder_arrow *a = &l->arrows[i];

		pair_of[i] = a->from < 0 || a->to < 0 ? -1 : a->from < a->to ?
			a->from * LADDER_MAX_LANES + a->to : a->to * LADDER_MAX_LANES + a->from;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = i, members = 0;
		double last = l->arrows[i].t_sent;

		if (done[i])
			continue;
		/* the run of foldable arrows of i's pair that starts at i */
		while (j < n && foldable(&l->arrows[i])) {
			if (pair_of[j] == pair_of[i]) {
				if (!foldable(&l->arrows[j]) || l->arrows[j].t_sent - last > FOLD_GAP_S)
					break;
				last = l->arrows[j].t_sent;
				members++;
			}
			j++;
		}
		if (members < LADDER_FOLD_MIN) {
			out[nout++] = l->arrows[i];
			done[i] = true;
			continue;
		}
		fold_run(l->arrows, pair_of, i, j, pair_of[i], out, &nout);
		for (size_t k = i; k < j; k++)
			done[k] |= pair_of[k] == pair_of[i];
	}
	free(l->arrows);
	l->arrows = out;
	l->narrows = nout;
	out = NULL;
	err = 0;
out:
	free(pair_of);
	free(out);
	free(done);
	return err;
}

/* The arrow that brought app APP's verdict: arriving at its lane at the
 * time its wire view gives. */
static void mark_deciding(struct ladder *l, const json_t *result, const json_t *app_hosts)
{
	const json_t *app;
	size_t i;

	json_array_foreach(json_object_get(result, "apps"), i, app) {
		const json_t *wire = json_object_get(json_object_get(app, "views"), "wire");
		int lane = app_lane(l, app_hosts, member(app, "app"));

		if (!json_is_number(json_object_get(wire, "t")) || lane < 0)
			continue;
		for (size_t k = 0; k < l->narrows; k++) {
			struct ladder_arrow *a = &l->arrows[k];

			if (a->to == lane && a->recv_seen &&
			    fabs(a->t_recv - number(wire, "t")) < SAME_T && !a->decides[0]) {
				snprintf(a->decides, sizeof(a->decides), "%s: %s", member(app, "app"),
					 member(wire, "verdict"));
				break;
			}
		}
	}
}

/* ---- rows ------------------------------------------------------------------- */

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int ladder_rows(struct ladder *l, double end)
{
	size_t n = 0, cap = 2 * l->narrows + 2 * l->nbands + l->nlabels + 2;
	double *ts = malloc(cap * sizeof(double)), y = 0;

	if (!ts)
		return -ENOMEM;
	ts[n++] = 0;
	ts[n++] = end;
	for (size_t i = 0; i < l->narrows; i++) {
		ts[n++] = l->arrows[i].t_sent;
		ts[n++] = l->arrows[i].t_recv;
	}
	for (size_t i = 0; i < l->nbands; i++) {
		ts[n++] = l->bands[i].t0;
		ts[n++] = l->bands[i].t1;
	}
	for (size_t i = 0; i < l->nlabels; i++)
		ts[n++] = l->labels[i].t;
	qsort(ts, n, sizeof(double), by_double);
	l->rows = calloc(n, sizeof(*l->rows));
	for (size_t i = 0; l->rows && i < n; i++) {
		struct ladder_row *row;
		double gap;

		if (l->nrows && ts[i] - l->rows[l->nrows - 1].t < SAME_T / 2)
			continue;
		row = &l->rows[l->nrows];
		row->t = ts[i];
		if (l->nrows) {
			gap = (ts[i] - l->rows[l->nrows - 1].t) * PX_PER_S;
			row->after_break = gap > BREAK_PX;
			y += row->after_break ? BREAK_ROW_PX : gap < MIN_ROW_PX ? MIN_ROW_PX : gap;
		}
		row->y = y;
		l->nrows++;
	}
	l->height = y;
	free(ts);
	return l->rows ? 0 : -ENOMEM;
}

double ladder_y(const struct ladder *l, double t)
{
	size_t lo = 0, hi = l->nrows;

	if (l->nrows == 0 || t <= l->rows[0].t)
		return 0;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (l->rows[mid].t <= t + SAME_T / 2)
			lo = mid;
		else
			hi = mid;
	}
	if (lo + 1 >= l->nrows || fabs(l->rows[lo].t - t) < SAME_T)
		return l->rows[lo].y;
	return l->rows[lo].y + (l->rows[lo + 1].y - l->rows[lo].y) *
		(t - l->rows[lo].t) / (l->rows[lo + 1].t - l->rows[lo].t);
}

/* ---- the whole ------------------------------------------------------------ */

int ladder_build(struct ladder *l, json_t *events, const json_t *result)
{
	json_t *app_hosts = json_object();
	struct packet *packets = NULL;
	double end = 0;
	int err = -ENOMEM;

	*l = (struct ladder){ 0 };
	if (!app_hosts)
		goto out;
	err = read_lanes(l, events, app_hosts);
	err = err ? err : read_packets(l, events, &packets, &l->packets);
	err = err ? err : pair_packets(l, packets, l->packets);
	if (!err)
		mark_deciding(l, result, app_hosts);
	err = err ? err : fold_arrows(l);
	err = err ? err : ladder_marks(l, events, result, app_hosts, &end);
	err = err ? err : ladder_rows(l, end);
out:
	free(packets);
	json_decref(app_hosts);
	if (err)
		ladder_free(l);
	return err;
}

void ladder_free(struct ladder *l)
{
	for (size_t i = 0; i < l->nlanes; i++)
		free(l->lanes[i]);
	free(l->arrows);
	free(l->bands);
	free(l->labels);
	free(l->rows);
	*l = (struct ladder){ 0 };
}
