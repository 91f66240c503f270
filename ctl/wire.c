/*
 * wire.c: packet, socket and output events as text (see wire.h).
 *
 *   0.998s  client   -> 10.0.0.1.40312 > 10.0.0.2.5000: Flags [F.], seq 1, ...
 *   0.999s  server   socket 10.0.0.2:5000 -> 10.0.0.1:40312: CLOSE_WAIT
 *   1.002s  nginx    stderr: ... writev() failed (32: Broken pipe) ...
 *
 * Packets come with the host in the second column and an arrow for their
 * direction (-> sent by the host, <- received); the rest is the engine's
 * tcpdump-like line as it is.
 */
#include "ctl/wire.h"

#include <string.h>

#include "ctl/member.h"

static long long number(const json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

bool wire_only_kind(const char *kind)
{
	return strcmp(kind, "packet") == 0 || strcmp(kind, "socket") == 0;
}

void wire_packet(FILE *out, json_t *ev)
{
	const char *dir = member(ev, "dir");

	fprintf(out, "%s %s", strcmp(dir, "in") == 0 ? "<-" :
		strcmp(dir, "out") == 0 ? "->" : "--", member(ev, "line"));
}

void wire_socket(FILE *out, json_t *ev)
{
	const char *change = member(ev, "change");
	const char *state = member(ev, "state");

	fprintf(out, "socket %s -> %s: ", member(ev, "local"), member(ev, "remote"));
	if (strcmp(change, "new") == 0)
		fprintf(out, "new, %s", state);
	else if (strcmp(change, "state") == 0)
		fputs(state, out);
	else if (strcmp(change, "retransmit") == 0)
		fprintf(out, "retransmit %lld, rto %lldms, backoff %lld, %lld unacked (%s)",
			number(ev, "retransmits"), number(ev, "rto_ms"), number(ev, "backoff"),
			number(ev, "unacked"), state);
	else if (strcmp(change, "probe") == 0)
		fprintf(out, "probe %lld, %s timer (%s)", number(ev, "probes"),
			member(ev, "timer"), state);
	else if (strcmp(change, "gone") == 0 && number(ev, "total_retrans") > 0)
		fprintf(out, "gone, last %s, %lld retransmitted in all", state,
			number(ev, "total_retrans"));
	else if (strcmp(change, "gone") == 0)
		fprintf(out, "gone, last %s", state);
	else if (strcmp(change, "host-off") == 0)
		fprintf(out, "host off, last %s", state);
	else
		fprintf(out, "%s, %s", change, state);
}

void wire_text(FILE *out, const char *text)
{
	for (; *text; text++)
		fputc((unsigned char)*text < 0x20 && *text != '\t' ? '?' :
		      *text == 0x7f ? '?' : *text, out);
}

void wire_output(FILE *out, json_t *ev)
{
	fprintf(out, "%s: ", member(ev, "stream"));
	wire_text(out, member(ev, "line"));
}
