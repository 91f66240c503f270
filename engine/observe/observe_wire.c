/*
 * observe_wire.c: what each host's capture sees (observe_int.h). A frame is
 * decoded (netns/tcpdecode.h); a TCP segment or an ICMP error quoting one
 * is put to its connection at that host (local end = the host's address),
 * made on first sight and given to the app it belongs to:
 *
 *   - the app whose own record named the connection (observe_connection);
 *   - else an app of that host whose listen port is the local port, or
 *     whose connect target is the remote end (of several, the first whose
 *     own record has not named a connection yet: two clients of one host
 *     with the same target each get their own); a cmd app with neither
 *     owns every connection of its host that no app before it claims.
 *
 * Facts go into the connection's wire log before the sequence numbers are
 * made relative for the event's text: FIN, RST and ICMP errors arriving
 * (the last two with their IP source, who sent them: observe_from.c),
 * our SYN, the SYN-ACK answering it, and retries going out. A retry is a
 * segment carrying nothing new (its data, SYN or FIN ends at or before the
 * highest sequence sent: a retransmission), or an empty one with sequence
 * snd_una - 1 (a keepalive or zero-window probe); a series of retries is
 * one fact with a count, closed by the next packet that arrives.
 */
#include "engine/observe/observe_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/monotime.h"

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

const char *obs_endpoint_text(const struct ip_endpoint *e, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (ip_endpoint_format_addr(e, addr, sizeof(addr)) < 0)
		snprintf(buf, len, "?");
	else if (e->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, (unsigned)e->port);
	else
		snprintf(buf, len, "%s:%u", addr, (unsigned)e->port);
	return buf;
}

int obs_endpoint_parse(const char *text, struct ip_endpoint *e)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *colon = text ? strrchr(text, ':') : NULL;
	char *end;
	unsigned long port;
	size_t n;

	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - text);
	if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
		text++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, text, n);
	addr[n] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535)
		return -EINVAL;
	return ip_endpoint_parse(e, addr, (uint16_t)port);
}

/* The client's target as an endpoint (family 0 when none). */
static void app_target(const struct run_app *a, struct ip_endpoint *e)
{
	const struct sockaddr_storage *ss = &a->ctx.target;

	memset(e, 0, sizeof(*e));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		e->family = AF_INET;
		e->addr.v4 = s4->sin_addr;
		e->port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		e->family = AF_INET6;
		e->addr.v6 = s6->sin6_addr;
		e->port = ntohs(s6->sin6_port);
	}
}

/* App I owns a connection its own record named. */
static bool has_exact(const struct engine_run *r, size_t i)
{
	for (size_t c = 0; c < r->obs->nconns; c++)
		if (r->obs->conns[c].exact && r->obs->conns[c].app == (int)i)
			return true;
	return false;
}

/* The app of HOST this connection belongs to by the rules above, or -1.
 * Of several apps the rules give (two clients of one host with the same
 * target), the first whose own record has not named a connection yet:
 * a built-in app has one connection, and the one that named its own is
 * not the owner of another. */
static int app_by_rule(const struct engine_run *r, size_t host, const struct ip_endpoint *local,
		       const struct ip_endpoint *remote)
{
	int first = -1;

	for (size_t i = 0; i < r->napps; i++) {
		const struct run_app *a = &r->apps[i];
		const struct sc_app *sa = a->sc;
		struct ip_endpoint target;
		bool match = false;

		if (sa->host < 0 || (size_t)sa->host != host)
			continue;
		if (sa->is_server && sa->listen_port == local->port)
			match = true;
		if (sa->is_client) {
			app_target(a, &target);
			if (target.family && ip_endpoint_equal(&target, remote))
				match = true;
		}
		if (sa->cmd && !sa->is_server && !sa->is_client)
			return first >= 0 ? first : (int)i;
		if (!match)
			continue;
		if (sa->cmd || !has_exact(r, i))
			return (int)i;
		if (first < 0)
			first = (int)i;
	}
	return first;
}

struct obs_conn *obs_conn_get(struct engine_run *r, size_t host, const struct ip_endpoint *local,
			      const struct ip_endpoint *remote, bool create)
{
	struct observer *o = r->obs;
	unsigned boot = o->hosts[host].boot;
	struct obs_conn *c;

	for (size_t i = 0; i < o->nconns; i++) {
		c = &o->conns[i];
		if (c->host == host && c->boot == boot && ip_endpoint_equal(&c->local, local) &&
		    ip_endpoint_equal(&c->remote, remote))
			return c;
	}
	if (!create)
		return NULL;
	if (o->nconns >= OBS_MAX_CONNS) {
		if (!o->conns_full)
			run_warning(r, "more than %d TCP connections: the later ones are in the "
				    "pcap files only", OBS_MAX_CONNS);
		o->conns_full = true;
		return NULL;
	}
	c = &o->conns[o->nconns++];
	memset(c, 0, sizeof(*c));
	c->host = host;
	c->boot = boot;
	c->local = *local;
	c->remote = *remote;
	c->first_t = mono_usec();
	c->app = app_by_rule(r, host, local, remote);
	return c;
}

static void wire_log(struct obs_conn *c, int64_t t, enum obs_wire_fact fact, int icmp_kind)
{
	if (c->nwire >= OBS_LOG_MAX)
		return;
	c->wire[c->nwire++] = (struct obs_wire_ev){ .t = t, .fact = (uint8_t)fact,
						    .icmp_kind = (uint8_t)icmp_kind, .count = 1 };
}

static bool last_fact_is(const struct obs_conn *c, enum obs_wire_fact fact)
{
	return c->nwire > 0 && c->wire[c->nwire - 1].fact == fact;
}

/* Returns the segment's mark for its event: "retransmit", "probe" or NULL. */
static const char *wire_out(struct obs_conn *c, const struct decoded_packet *p, int64_t t)
{
	uint8_t f = p->tcp_flags;
	uint32_t len = p->payload_len + !!(f & TCPDECODE_SYN) + !!(f & TCPDECODE_FIN);
	uint32_t end = p->seq + len;
	bool retry = false, probe = false;

	if (f & TCPDECODE_RST) {
		wire_log(c, t, OW_RST_OUT, 0);
		return NULL;
	}
	if ((f & TCPDECODE_SYN) && !(f & TCPDECODE_ACK) && !c->snd_valid)
		wire_log(c, t, OW_SYN_OUT, 0);
	if (c->snd_valid) {
		if (len > 0 && !seq_after(end, c->snd_max))
			retry = true;
		else if (len == 0 && c->una_valid && p->seq == c->snd_una - 1)
			retry = probe = true;
	}
	if (retry) {
		c->last_retry = t;
		if (!last_fact_is(c, OW_RETRY_OUT)) {
			wire_log(c, t, OW_RETRY_OUT, 0);
			if (last_fact_is(c, OW_RETRY_OUT))
				c->wire[c->nwire - 1].count = 0;
		}
		if (last_fact_is(c, OW_RETRY_OUT)) {
			if (probe)
				c->wire[c->nwire - 1].probes++;
			else
				c->wire[c->nwire - 1].count++;
		}
	} else if (f & TCPDECODE_FIN) {
		wire_log(c, t, OW_FIN_OUT, 0);
	}
	if (!c->snd_valid || seq_after(end, c->snd_max)) {
		c->snd_max = end;
		c->snd_valid = true;
	}
	return probe ? "probe" : retry ? "retransmit" : NULL;
}

/* Who sent the RST or ICMP error E: its IP source, TTL and the frame's
 * source MAC (FRAME holds at least an Ethernet header). */
static void note_sender(struct obs_wire_ev *e, const struct decoded_packet *p,
			const uint8_t *frame)
{
	e->from = p->src;
	e->from.port = 0;
	e->ttl = p->ttl;
	memcpy(e->mac, frame + 6, 6);
}

static void wire_in(struct obs_conn *c, const struct decoded_packet *p, int64_t t,
		    const uint8_t *frame)
{
	uint8_t f = p->tcp_flags;

	if ((f & TCPDECODE_ACK) && (!c->una_valid || seq_after(p->ack, c->snd_una))) {
		c->snd_una = p->ack;
		c->una_valid = true;
	}
	if (last_fact_is(c, OW_RETRY_OUT))
		wire_log(c, t, OW_ANSWER_IN, 0);
	if ((f & TCPDECODE_SYN) && (f & TCPDECODE_ACK))
		wire_log(c, t, OW_SYNACK_IN, 0);
	if (f & TCPDECODE_RST) {
		wire_log(c, t, OW_RST_IN, 0);
		if (last_fact_is(c, OW_RST_IN))
			note_sender(&c->wire[c->nwire - 1], p, frame);
	} else if (f & TCPDECODE_FIN)
		wire_log(c, t, OW_FIN_IN, 0);
	c->last_in = t;
	if (!(f & TCPDECODE_RST))
		c->last_in_alive = t;
}

/* True when E is one of the host's own addresses: eth0's, or on a host
 * with several interfaces any of theirs (its captures see them all). */
static bool is_host(const struct obs_host *oh, const struct ip_endpoint *e)
{
	if (ip_endpoint_same_addr(e, e->family == AF_INET6 ? &oh->addr6 : &oh->addr4))
		return true;
	return oh->r->topo->hosts[oh->index].nifaces > 1 &&
	       obs_addr_host(oh->r, e) == (int)oh->index;
}

/* A destination-unreachable's verdict: refused for a port unreachable
 * (ECONNREFUSED), unreachable for the others; -1 for other ICMP types. */
static int icmp_verdict(const struct decoded_packet *p)
{
	if (p->ip_proto == IPPROTO_ICMP && p->icmp_type == 3)
		return p->icmp_code == 3 ? SC_VERDICT_REFUSED : SC_VERDICT_UNREACHABLE;
	if (p->ip_proto == IPPROTO_ICMPV6 && p->icmp_type == 1)
		return p->icmp_code == 4 ? SC_VERDICT_REFUSED : SC_VERDICT_UNREACHABLE;
	return -1;
}

/* The host that has E's address, by name; NULL for none of the run's. */
static const char *addr_host_name(const struct engine_run *r, const struct ip_endpoint *e)
{
	int h = obs_addr_host(r, e);

	return h < 0 ? NULL : r->topo->hosts[h].name;
}

/* An endpoint as "addr:port" ("addr" without a port), for packet events. */
static const char *endpoint_or_addr(const struct ip_endpoint *e, char *buf, size_t len)
{
	if (e->port)
		return obs_endpoint_text(e, buf, len);
	if (ip_endpoint_format_addr(e, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* FRAME's packet P: "from" is who sent it as the wire saw it (a host
 * that answered in another's name too, observe_from.c), "to" the owner of
 * its destination address. */
static void emit_packet(struct engine_run *r, struct obs_host *oh, const struct obs_conn *c,
			struct decoded_packet *p, bool out, const char *mark, int64_t t,
			const uint8_t *frame)
{
	struct observer *o = r->obs;
	char line[DECODED_PACKET_TEXT_MAX], flags[9], src[64], dst[64];
	int sender = out ? (int)oh->index : obs_packet_sender(r, p, frame);
	struct packet_facts facts = {
		.src = endpoint_or_addr(&p->src, src, sizeof(src)),
		.dst = endpoint_or_addr(&p->dst, dst, sizeof(dst)),
		.from = sender < 0 ? NULL : r->topo->hosts[sender].name,
		.to = addr_host_name(r, &p->dst),
		.mark = mark, .tcp = p->kind == DECODED_TCP, .seq = p->seq, .ack = p->ack,
		.len = p->payload_len,
	};

	if (p->kind == DECODED_TCP)
		tcp_relseq_apply(&oh->rel, p);
	if (c->app < 0)
		return;
	if (o->packet_events >= OBS_MAX_PACKET_EVENTS) {
		if (!o->packet_capped)
			run_warning(r, "more than %d packets: later ones are not events (the pcap "
				    "files have them)", OBS_MAX_PACKET_EVENTS);
		o->packet_capped = true;
		return;
	}
	o->packet_events++;
	decoded_packet_format(p, line, sizeof(line));
	if (p->kind == DECODED_TCP)
		tcp_flags_format(p->tcp_flags, flags);
	run_emit_packet(r, r->topo->hosts[oh->index].name, r->apps[c->app].sc->name,
			out ? "out" : "in", line, p->kind == DECODED_TCP ? flags : NULL, &facts, t);
}

static void icmp_packet(struct engine_run *r, struct obs_host *oh, struct decoded_packet *p,
			int64_t t, const uint8_t *frame)
{
	bool in = is_host(oh, &p->dst);
	struct obs_conn *c;
	int kind;

	if (!p->icmp_error || p->inner_proto != IPPROTO_TCP || !p->inner_has_ports)
		return;
	/* a router's captures also see the errors it forwards: not its own */
	if (!in && !is_host(oh, &p->src))
		return;
	/* in: it quotes our packet (inner source is us); out: the other's */
	c = in ? obs_conn_get(r, oh->index, &p->inner_src, &p->inner_dst, true)
	       : obs_conn_get(r, oh->index, &p->inner_dst, &p->inner_src, true);
	if (!c)
		return;
	if (!c->first_pkt)
		c->first_pkt = t;
	if (in)
		c->pkts_in++;
	else
		c->pkts_out++;
	kind = icmp_verdict(p);
	if (in && kind >= 0) {
		wire_log(c, t, OW_ICMP_IN, kind);
		if (last_fact_is(c, OW_ICMP_IN)) {
			struct obs_wire_ev *e = &c->wire[c->nwire - 1];

			e->icmp_proto = p->ip_proto;
			e->icmp_code = p->icmp_code;
			note_sender(e, p, frame);
		}
	}
	emit_packet(r, oh, c, p, !in, NULL, t, frame);
}

void obs_wire_packet(void *user, const struct capture_packet *pkt)
{
	struct obs_host *oh = user;
	struct engine_run *r = oh->r;
	struct decoded_packet p;
	struct obs_conn *c;
	int64_t t = pkt->mono_ns / 1000;
	const char *mark = NULL;
	bool out;

	if (r->obs->finished || decode_ethernet_frame(pkt->data, pkt->caplen, &p) < 0)
		return;
	if (p.kind == DECODED_ICMP) {
		icmp_packet(r, oh, &p, t, pkt->data);
		return;
	}
	if (p.kind != DECODED_TCP)
		return;
	out = is_host(oh, &p.src);
	if (!out && !is_host(oh, &p.dst))
		return;
	c = out ? obs_conn_get(r, oh->index, &p.src, &p.dst, true)
		: obs_conn_get(r, oh->index, &p.dst, &p.src, true);
	if (!c)
		return;
	if (!c->first_pkt)
		c->first_pkt = t;
	c->last_pkt = t;
	if (out)
		c->pkts_out++;
	else
		c->pkts_in++;
	if (out)
		mark = wire_out(c, &p, t);
	else
		wire_in(c, &p, t, pkt->data);
	emit_packet(r, oh, c, &p, out, mark, t, pkt->data);
}

bool obs_wire_quiet(const struct engine_run *r)
{
	const struct observer *o = r->obs;

	if (o->conns_full)
		return false;
	for (size_t i = 0; i < o->nconns; i++) {
		const struct obs_conn *c = &o->conns[i], *peer = NULL;

		if (c->boot != o->hosts[c->host].boot || (!c->pkts_out && !c->pkts_in))
			continue;   /* a host's earlier boot: nothing of it can move */
		for (size_t k = 0; k < o->nconns && !peer; k++) {
			const struct obs_conn *d = &o->conns[k];

			if (d->host != c->host && d->boot == o->hosts[d->host].boot &&
			    ip_endpoint_equal(&d->local, &c->remote) &&
			    ip_endpoint_equal(&d->remote, &c->local))
				peer = d;
		}
		if (!peer || peer->pkts_in != c->pkts_out || peer->pkts_out != c->pkts_in)
			return false;
	}
	return true;
}
