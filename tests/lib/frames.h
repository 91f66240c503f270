/*
 * frames.h: hand-made Ethernet frames for the decoder's unit tests
 * (tests/unit/test_tcpdecode*.c): an IPv4 data segment written out byte by
 * byte, builders for Ethernet, IPv4, IPv6 and TCP headers and for ICMP and
 * ICMPv6 errors quoting a TCP segment, and a decode that holds the frame in
 * a heap buffer of exactly its captured length, so that the ASan build sees
 * any read past it.
 */
#ifndef NETFAULT_TESTS_FRAMES_H
#define NETFAULT_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "netns/tcpdecode.h"

/* 10.0.0.2.5000 > 10.0.0.1.43210: Flags [P.], seq 1:27, ack 1, win 502,
 * length 26, written out byte by byte (80 bytes). */
extern const uint8_t data_frame_v4[80];

struct frame {
	uint8_t b[512];
	size_t len;
};

struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	size_t optlen;     /* multiple of 4 */
	size_t payload;
};

/* Big-endian stores. */
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
/* Each writes its header at P and returns its length. */
size_t put_eth(uint8_t *p, uint16_t type);
/* An IPv4 header for L4LEN bytes of protocol PROTO. */
size_t put_ipv4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
		size_t l4len);
size_t put_ipv6(uint8_t *p, const char *src, const char *dst, uint8_t nh,
		size_t payload);
/* The TCP header with S's options (NOPs) and payload ('x's). */
size_t put_tcp(uint8_t *p, const struct seg *s);
/* Whole frames of one TCP segment. */
void tcp4_frame(struct frame *f, const char *src, const char *dst,
		const struct seg *s);
void tcp6_frame(struct frame *f, const char *src, const char *dst,
		const struct seg *s);
/* An ICMP error from ROUTER to the TCP segment's sender quoting QUOTE bytes
 * of the segment 10.0.0.1.43210 > 10.0.0.9.5000 seq 1234. */
void icmp4_error_frame(struct frame *f, uint8_t type, uint8_t code, size_t quote);
/* An ICMPv6 error from fd00::fe quoting QUOTE bytes of the segment
 * fd00::1.43210 > fd00::9.5000 seq 99 with 8 bytes of data. */
void icmp6_error_frame(struct frame *f, uint8_t type, uint8_t code, size_t quote);

/* Decodes the first CAPLEN bytes of FRAME from a heap buffer of exactly
 * that size, so that ASan sees any read past them. */
int decode_exact(const uint8_t *frame, size_t caplen, struct decoded_packet *p);
/* P as decoded_packet_format prints it (asserted to fit); a static buffer. */
const char *format(const struct decoded_packet *p);

#endif
