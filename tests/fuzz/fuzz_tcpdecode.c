/*
 * fuzz_tcpdecode.c: libFuzzer target for the capture's frame decoder
 * (netns/tcpdecode.h).
 *
 * The input is one captured frame, decoded as an Ethernet frame; then its
 * IP packet (the bytes from offset 14 on) and the whole input are each
 * decoded again as the IP packet of a frame, behind a made-up Ethernet
 * header whose type follows the IP version nibble. Each result is printed
 * the way the timeline does, into a buffer of the documented size and into
 * a short one, then rebased with tcpdump's relative sequence numbers and
 * printed again. libFuzzer hands the bytes in a heap block of exactly SIZE
 * bytes, and the made-up frames are heap blocks of exactly 14 + their
 * size, so ASan catches any read past the captured length.
 *
 * Checked beyond "no crash": the decoder returns 0 or -EBADMSG only, a TCP
 * result never claims more captured payload than declared, the text always
 * fits in DECODED_PACKET_TEXT_MAX bytes, and a short buffer gets -ENOSPC
 * and a terminated text.
 *
 * tests/fuzz/run reads these lines:
 * FUZZ-SEEDS:
 * FUZZ-MAX-LEN: 2048
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns/tcpdecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_tcpdecode: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static void check_format(const struct decoded_packet *p, size_t short_len)
{
	char full[DECODED_PACKET_TEXT_MAX], part[DECODED_PACKET_TEXT_MAX];
	int n;

	n = decoded_packet_format(p, full, sizeof(full));
	fuzz_assert(n >= 0 && (size_t)n < sizeof(full) && strlen(full) == (size_t)n);
	n = decoded_packet_format(p, part, short_len);
	if (n == -ENOSPC) {
		fuzz_assert(strlen(part) < short_len);
		fuzz_assert(strncmp(part, full, strlen(part)) == 0);
	} else {
		fuzz_assert(n >= 0 && strcmp(part, full) == 0);
	}
}

static void check_packet(struct decoded_packet *p, int r, size_t short_len)
{
	struct tcp_relseq rel;
	char flags[9];

	fuzz_assert(r == 0 || r == -EBADMSG);
	if (r == 0 && p->kind == DECODED_TCP) {
		fuzz_assert(p->tcp_header_len >= 20);
		fuzz_assert(p->payload_captured <= p->payload_len);
		tcp_flags_format(p->tcp_flags, flags);
		fuzz_assert(strlen(flags) < sizeof(flags));
	}
	check_format(p, short_len);
	tcp_relseq_init(&rel);
	/* the first ACK sets the bases, the same packet again is rebased */
	tcp_relseq_apply(&rel, p);
	tcp_relseq_apply(&rel, p);
	check_format(p, short_len);
}

/* PACKET (SIZE bytes from its IP header on) as the IP packet of a frame:
 * a made-up Ethernet header, IPv6 for version 6, else IPv4, then PACKET. */
static void check_as_ip(const uint8_t *packet, size_t size, size_t short_len)
{
	struct decoded_packet p;
	uint8_t *frame = malloc(14 + size);
	bool v6 = size > 0 && packet[0] >> 4 == 6;

	if (!frame)
		abort();
	memset(frame, 0x02, 12);
	frame[12] = v6 ? 0x86 : 0x08;
	frame[13] = v6 ? 0xdd : 0x00;
	if (size > 0)
		memcpy(frame + 14, packet, size);
	check_packet(&p, decode_ethernet_frame(frame, 14 + size, &p), short_len);
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoded_packet p;
	/* a short buffer's length, from a byte the decoder reads anyway */
	size_t short_len = size > 0 ? 1 + data[size - 1] % 64 : 1;

	check_packet(&p, decode_ethernet_frame(data, size, &p), short_len);
	if (size > 14)
		check_as_ip(data + 14, size - 14, short_len);
	check_as_ip(data, size, short_len);
	return 0;
}
