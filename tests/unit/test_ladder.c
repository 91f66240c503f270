/*
 * test_ladder.c: netfaultctl's ladder of a run (ctl/ladder_model.c,
 * ladder_marks.c, ladder_svg.c), alone: events made here, no daemon.
 *
 * Checked: a packet's "out" and "in" captures paired into one arrow from
 * the sender's lane to the receiver's, also across a NAT (other addresses,
 * same sequence numbers); a packet nobody saw arrive pointing at the host
 * its address names, not seen arriving, and its retransmission taking
 * the arrival; copies in flight at once arriving in order; an ICMP error
 * nobody saw leave
 * starting at its sender's lane; the arrow that brought a verdict marked
 * with it; a bulk transfer folded into one arrow per direction with its
 * count and bytes, and not across a retransmission; retransmissions and
 * probes marked; fault bands from a fault to what ends it, a crash as a
 * moment, a partition over its groups; rows going down, a long idle gap
 * as a break; and the SVG: well-formed, one lane per host, one packet
 * group per arrow, labels as text.
 */
#include <check.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <string.h>

#include "ctl/ladder.h"
#include "tests/lib/testlib.h"

static json_t *events;

static void setup(void)
{
	events = json_pack("[{s:s, s:[{s:s}, {s:s}, {s:s}]}]", "event", "topology", "hosts",
			   "name", "client", "name", "gw", "name", "server");
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, s:f}", "event", "app",
						"app", "c", "host", "client", "state", "started",
						"t", 0.0));
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, s:f}", "event", "app",
						"app", "s", "host", "server", "state", "listening",
						"t", 0.0));
}

static void teardown(void)
{
	json_decref(events);
}

/* A TCP packet event. */
static void packet(const char *host, const char *dir, const char *flags, unsigned seq,
		   unsigned ack, unsigned len, const char *from, const char *to,
		   const char *mark, double t)
{
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "event", "packet",
			       "host", host, "app", "x", "dir", dir, "flags", flags,
			       "line", "...", "src", "a:1", "dst", "b:2");

	ck_assert_ptr_nonnull(ev);
	json_object_set_new(ev, "from", from ? json_string(from) : json_null());
	json_object_set_new(ev, "to", to ? json_string(to) : json_null());
	json_object_set_new(ev, "mark", mark ? json_string(mark) : json_null());
	json_object_set_new(ev, "seq", json_integer(seq));
	json_object_set_new(ev, "ack", json_integer(ack));
	json_object_set_new(ev, "len", json_integer(len));
	json_object_set_new(ev, "t", json_real(t));
	json_array_append_new(events, ev);
}

/* Both captures of one packet from A to B: out at A at T, in at B 100 us later. */
static void sent(const char *a, const char *b, const char *flags, unsigned seq,
		 unsigned len, const char *mark, double t)
{
	packet(a, "out", flags, seq, 7, len, a, b, mark, t);
	packet(b, "in", flags, seq, 7, len, a, b, NULL, t + 1e-4);
}

static void fault(const char *kind, const char *host, double t)
{
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s?, s:f}", "event", "fault",
						"fault", kind, "phase", "begin", "host", host,
						"t", t));
}

static const struct ladder_arrow none = { .kind = "none" };

/* The NTH arrow of KIND; a failed check when there is none. */
static const struct ladder_arrow *find_arrow(const struct ladder *l, const char *kind,
					     int nth)
{
	for (size_t i = 0; i < l->narrows; i++)
		if (strcmp(l->arrows[i].kind, kind) == 0 && nth-- == 0)
			return &l->arrows[i];
	ck_abort_msg("no %s arrow", kind);
	return &none;
}

static bool has_arrow(const struct ladder *l, const char *kind, int nth)
{
	for (size_t i = 0; i < l->narrows; i++)
		if (strcmp(l->arrows[i].kind, kind) == 0 && nth-- == 0)
			return true;
	return false;
}

START_TEST(test_pairing)
{
	struct ladder l;
	const struct ladder_arrow *a;
	json_t *result;

	sent("client", "server", "S", 100, 0, NULL, 0.001);
	/* through a NAT: the server's capture has other addresses, same numbers */
	packet("server", "out", "S.", 500, 101, 0, "server", "gw", NULL, 0.002);
	packet("client", "in", "S.", 500, 101, 0, "server", "client", NULL, 0.0021);
	/* lost: left the client, nobody saw it arrive */
	packet("client", "out", "P.", 101, 501, 26, "client", "server", NULL, 0.5);
	/* a router's ICMP error: only its arrival was captured */
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:f}",
		"event", "packet", "host", "client", "app", "c", "dir", "in",
		"line", "10.1.0.2 > 10.1.0.1: ICMP host 10.2.0.2 unreachable, length 68",
		"from", "gw", "to", "client", "t", 0.9));
	sent("server", "client", "R.", 501, 0, NULL, 1.0);
	result = json_pack("{s:[{s:s, s:{s:{s:s, s:f}}}]}", "apps", "app", "c", "views", "wire",
			   "verdict", "rst", "t", 1.0 + 1e-4);
	ck_assert_int_eq(ladder_build(&l, events, result), 0);
	ck_assert_uint_eq(l.nlanes, 3);
	ck_assert_str_eq(l.lanes[1], "gw");
	ck_assert_uint_eq(l.packets, 8);
	ck_assert_uint_eq(l.narrows, 5);
	a = find_arrow(&l, "syn", 0);
	ck_assert_int_eq(a->from, 0);
	ck_assert_int_eq(a->to, 2);
	ck_assert(a->sent_seen && a->recv_seen);
	ck_assert_double_eq_tol(a->t_recv - a->t_sent, 1e-4, 1e-9);
	ck_assert_str_eq(a->label, "SYN");
	a = find_arrow(&l, "synack", 0);
	ck_assert_int_eq(a->from, 2);
	ck_assert_int_eq(a->to, 0);
	ck_assert(a->recv_seen);
	a = find_arrow(&l, "data", 0);
	ck_assert_int_eq(a->to, 2);
	ck_assert(a->sent_seen && !a->recv_seen);
	ck_assert_str_eq(a->label, "26 B");
	a = find_arrow(&l, "icmp", 0);
	ck_assert_int_eq(a->from, 1);
	ck_assert_int_eq(a->to, 0);
	ck_assert(!a->sent_seen && a->recv_seen);
	ck_assert_str_eq(a->label, "ICMP host 10.2.0.2 unreachable");
	a = find_arrow(&l, "rst", 0);
	ck_assert_int_eq(a->from, 2);
	ck_assert_int_eq(a->to, 0);
	ck_assert_str_eq(a->decides, "c: rst");
	ck_assert_str_eq(find_arrow(&l, "syn", 0)->decides, "");
	ladder_free(&l);
	json_decref(result);
}
END_TEST

START_TEST(test_lost_then_retransmitted)
{
	struct ladder l;
	const struct ladder_arrow *a;

	/* the first copy is lost; its retransmission arrives: the arrival is
	 * the retransmission's, the first copy not seen arriving */
	packet("client", "out", "P.", 9, 7, 500, "client", "server", NULL, 0.1);
	sent("client", "server", "P.", 9, 500, "retransmit", 0.3);
	/* two copies of one ACK in flight at once arrive in order */
	packet("server", "out", ".", 1, 509, 0, "server", "client", NULL, 0.5);
	packet("server", "out", ".", 1, 509, 0, "server", "client", NULL, 0.51);
	packet("client", "in", ".", 1, 509, 0, "server", "client", NULL, 0.6);
	packet("client", "in", ".", 1, 509, 0, "server", "client", NULL, 0.61);
	ck_assert_int_eq(ladder_build(&l, events, NULL), 0);
	ck_assert_uint_eq(l.narrows, 4);
	a = find_arrow(&l, "data", 0);
	ck_assert(!a->recv_seen);
	ck_assert_ptr_null(a->mark);
	a = find_arrow(&l, "data", 1);
	ck_assert(a->recv_seen);
	ck_assert_str_eq(a->mark, "retransmit");
	ck_assert_double_eq_tol(a->t_recv, 0.3001, 1e-9);
	ck_assert_double_eq_tol(find_arrow(&l, "ack", 0)->t_recv, 0.6, 1e-9);
	ck_assert_double_eq_tol(find_arrow(&l, "ack", 1)->t_recv, 0.61, 1e-9);
	ladder_free(&l);
}
END_TEST

START_TEST(test_folding)
{
	struct ladder l;
	const struct ladder_arrow *a;
	unsigned seq = 1;

	sent("client", "server", "S", 0, 0, NULL, 0.0);
	for (int i = 0; i < 12; i++, seq += 1000) {
		sent("server", "client", "P.", seq, 1000, NULL, 0.01 + i * 0.001);
		sent("client", "server", ".", 1, 0, NULL, 0.0105 + i * 0.001);
	}
	/* a retransmission ends the run; three more after it stay apart */
	sent("server", "client", "P.", 1, 1000, "retransmit", 0.1);
	for (int i = 0; i < 3; i++, seq += 1000)
		sent("server", "client", "P.", seq, 1000, NULL, 0.2 + i * 0.001);
	ck_assert_int_eq(ladder_build(&l, events, NULL), 0);
	a = find_arrow(&l, "data", 0);
	ck_assert_uint_eq(a->count, 12);
	ck_assert_uint_eq(a->bytes, 12000);
	ck_assert_int_eq(a->from, 2);
	ck_assert_str_eq(a->label, "12 segments, 12000 B");
	a = find_arrow(&l, "ack", 0);
	ck_assert_uint_eq(a->count, 12);
	ck_assert_int_eq(a->from, 0);
	ck_assert_str_eq(a->label, "ACK x12");
	a = find_arrow(&l, "data", 1);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_str_eq(a->mark, "retransmit");
	ck_assert_str_eq(a->label, "1000 B (retransmit)");
	for (int i = 2; i < 5; i++)
		ck_assert_uint_eq(find_arrow(&l, "data", i)->count, 1);
	ck_assert(!has_arrow(&l, "data", 5));
	ladder_free(&l);
}
END_TEST

START_TEST(test_bands_and_rows)
{
	struct ladder l;
	size_t breaks = 0;

	sent("client", "server", "S", 0, 0, NULL, 0.0);
	sent("client", "server", ".", 0, 0, "probe", 0.01);
	fault("crash", "client", 0.5);
	fault("poweroff", "server", 1.0);
	fault("poweron", "server", 3.0);
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:[[s], [s]], s:f}", "event",
						"fault", "fault", "partition", "phase", "begin",
						"groups", "client", "server", "t", 4.0));
	json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:f}",
						"event", "step", "app", "s", "step", "recv",
						"arg", "", "result", "ECONNRESET", "expect_ok", 0,
						"t", 4.5));
	json_array_append_new(events, json_pack("{s:s, s:s, s:f}", "event", "end", "reason",
						"finished", "t", 6.0));
	ck_assert_int_eq(ladder_build(&l, events, NULL), 0);
	ck_assert_str_eq(find_arrow(&l, "ack", 0)->label, "probe (keepalive)");
	ck_assert_uint_eq(l.nbands, 5);   /* crash, poweroff, poweron, partition x2 */
	ck_assert_str_eq(l.bands[0].kind, "crash");
	ck_assert_int_eq(l.bands[0].lane, 0);
	ck_assert_double_eq(l.bands[0].t1, l.bands[0].t0);
	ck_assert_str_eq(l.bands[1].kind, "poweroff");
	ck_assert_int_eq(l.bands[1].lane, 2);
	ck_assert_double_eq_tol(l.bands[1].t1, 3.0, 1e-9);
	ck_assert_str_eq(l.bands[3].kind, "partition");
	ck_assert_int_eq(l.bands[3].lane, 0);
	ck_assert_int_eq(l.bands[4].lane, 2);
	ck_assert_double_eq_tol(l.bands[4].t1, 6.0, 1e-9);   /* to the end */
	ck_assert_uint_eq(l.nlabels, 1);
	ck_assert_str_eq(l.labels[0].text, "s: recv: ECONNRESET");
	ck_assert(l.labels[0].bad);
	for (size_t i = 1; i < l.nrows; i++) {
		ck_assert(l.rows[i].y > l.rows[i - 1].y);
		ck_assert(l.rows[i].t > l.rows[i - 1].t);
		breaks += l.rows[i].after_break;
		ck_assert_double_eq(ladder_y(&l, l.rows[i].t), l.rows[i].y);
	}
	ck_assert_uint_ge(breaks, 4);   /* 0.01 -> 0.5 -> 1 -> 3 -> 4 -> 4.5 -> 6 */
	ck_assert_double_eq(ladder_y(&l, 0.0), 0.0);
	ck_assert(ladder_y(&l, 2.0) > ladder_y(&l, 1.0) && ladder_y(&l, 2.0) < ladder_y(&l, 3.0));
	ladder_free(&l);
}
END_TEST

static size_t count_class(xmlNode *node, const char *word)
{
	size_t n = 0;

	for (; node; node = node->next) {
		xmlChar *cls = xmlGetProp(node, (const xmlChar *)"class");

		if (cls && strstr((const char *)cls, word) == (const char *)cls)
			n++;
		xmlFree(cls);
		n += count_class(node->children, word);
	}
	return n;
}

START_TEST(test_svg)
{
	struct ladder l;
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
	xmlDocPtr doc;

	sent("client", "server", "S", 0, 0, NULL, 0.0);
	sent("server", "client", "R", 0, 0, NULL, 2.0);
	fault("crash", "client", 1.0);
	ck_assert_int_eq(ladder_build(&l, events, NULL), 0);
	ladder_svg_write(w, &l, "a <title> & more", "t1");
	xmlFreeTextWriter(w);
	doc = xmlReadMemory((const char *)xmlBufferContent(buf), xmlBufferLength(buf),
			    "ladder.svg", NULL, XML_PARSE_NONET);
	ck_assert_msg(doc, "not well-formed: %s", xmlBufferContent(buf));
	ck_assert_str_eq((const char *)xmlDocGetRootElement(doc)->name, "svg");
	ck_assert_uint_eq(count_class(xmlDocGetRootElement(doc), "lane"), 3);
	ck_assert_uint_eq(count_class(xmlDocGetRootElement(doc), "packet "), 2);
	ck_assert_uint_eq(count_class(xmlDocGetRootElement(doc), "fault"), 1);
	ck_assert_ptr_nonnull(strstr((const char *)xmlBufferContent(buf),
				     "<title>a &lt;title&gt; &amp; more</title>"));
	ck_assert_ptr_nonnull(strstr((const char *)xmlBufferContent(buf), ">RST</text>"));
	xmlFreeDoc(doc);
	xmlBufferFree(buf);
	ladder_free(&l);
}
END_TEST

static Suite *ladder_suite(void)
{
	Suite *s = suite_create("ladder");
	TCase *tc = tcase_create("Userspace-API");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pairing);
	tcase_add_test(tc, test_lost_then_retransmitted);
	tcase_add_test(tc, test_folding);
	tcase_add_test(tc, test_bands_and_rows);
	tcase_add_test(tc, test_svg);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(ladder_suite());
}
