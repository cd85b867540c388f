/* SPDX-License-Identifier: MIT */
/*
 * tp_test.h - tiny assertion macros, a reference decoder of the wire format written from
 * SPEC.md (independent of the firmware's encoder), and helpers shared by the unit tests.
 */
#ifndef TP_TEST_H
#define TP_TEST_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "host_port.h"
#include "tp_internal.h"

extern unsigned tt_checks, tt_failures;
extern const char *tt_current;

#define CHECK(cond)                                                                               \
	do {                                                                                      \
		tt_checks++;                                                                      \
		if (!(cond)) {                                                                    \
			tt_failures++;                                                            \
			fprintf(stderr, "%s:%d: [%s] check failed: %s\n", __FILE__, __LINE__,     \
				tt_current, #cond);                                               \
		}                                                                                 \
	} while (0)

#define CHECK_EQ(a, b)                                                                            \
	do {                                                                                      \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);     \
		tt_checks++;                                                                      \
		if (a_ != b_) {                                                                   \
			tt_failures++;                                                            \
			fprintf(stderr, "%s:%d: [%s] %s == %s failed: %llu != %llu\n", __FILE__,  \
				__LINE__, tt_current, #a, #b, a_, b_);                           \
		}                                                                                 \
	} while (0)

/* Stops the current test case (used where continuing would only cascade). `cond` is
 * evaluated once: it may have effects (tt_init, pthread_create). Evaluating it twice once
 * started test_xcore's drain thread twice, a flake of about 1 run in 50. */
#define REQUIRE(cond)                                                                             \
	do {                                                                                      \
		const int ok_ = !!(cond);                                                         \
		CHECK(ok_ && #cond);                                                              \
		if (!ok_)                                                                         \
			return;                                                                   \
	} while (0)

#define RUN(fn)                                          \
	do {                                             \
		unsigned f0_ = tt_failures;              \
		tt_current = #fn;                        \
		tt_reset();                              \
		fn();                                    \
		tt_cases++;                              \
		if (tt_failures != f0_)                  \
			fprintf(stderr, "FAILED %s\n", #fn); \
	} while (0)

extern unsigned tt_cases;
/* Prints "<name>: N cases, N checks, N failed" and returns the exit status. */
int tt_summary(const char *name);
/* Resets the host board, the core's time base and the test hook. */
void tt_reset(void);
/* Deterministic PRNG (xorshift64*). */
uint64_t tt_rand(void);
void tt_seed(uint64_t s);

/* ---- reference decoder ---- */

struct dec_event {
	uint8_t core, kind, nargs, enc;
	uint32_t id;
	uint64_t t;
	uint64_t args[6];
	uint16_t blob_len;
	uint8_t blob[255];
};

struct dec_packet {
	uint8_t core;
	uint32_t seq;
	uint64_t ts_begin, duration;
	uint32_t events_before, dropped, overwritten, rejected, n_events;
	size_t first_event;
};

struct dec_status {
	uint8_t core, final;
	uint64_t ts;
	uint32_t next_seq, committed, dropped, overwritten, rejected;
};

struct dec_header {
	uint8_t version, flags, cores, mode, timer_bits;
	uint32_t timer_hz;
	uint16_t packet_size, packets;
	uint64_t ts;
	uint32_t session;
	uint8_t build_id_len;
	uint8_t build_id[32];
	uint32_t origin[8][5]; /* seq, events, dropped, overwritten, rejected (0 in v1) */
};

/* What kind of message each frame held, in order. */
enum { DEC_HEADER = 1, DEC_PACKET = 2, DEC_STATUS = 3, DEC_CMD = 0x10 };

struct dec_stream {
	size_t n_frames, n_bad; /* bad: COBS, CRC, length or parse errors */
	uint8_t *order;         /* message type per good frame */
	struct dec_header *headers;
	size_t n_headers;
	struct dec_packet *packets;
	size_t n_packets;
	struct dec_event *events;
	size_t n_events;
	struct dec_status *statuses;
	size_t n_statuses;
	int time_unproven; /* an event after its packet's end */
	uint8_t version_hint; /* wire version of frames before the first header: that header's */
};

/* Decodes a whole byte stream (frames must be complete). */
void dec_stream(const uint8_t *buf, size_t n, struct dec_stream *out);
void dec_free(struct dec_stream *s);
/* COBS-decodes one frame without its delimiter; returns the length or -1. */
/* Reference COBS (SPEC §2), written apart from the firmware's framer: no delimiter added. */
size_t enc_cobs(const uint8_t *in, size_t n, uint8_t *out);
long dec_cobs(const uint8_t *in, size_t n, uint8_t *out);

/* Loss accounting per SPEC §9 for one core, from a stream that starts with a BOOT header
 * and ends with a FINAL status. Returns 0 when the stream cannot be accounted. */
struct dec_totals {
	uint64_t decoded, dropped, overwritten, link_lost, rejected, generated;
};
int dec_account(const struct dec_stream *s, unsigned core, struct dec_totals *t);

/* Drains everything the core has to send (tp_poll until it returns 0). */
void tt_drain(void);
/* tp_init with a fresh ring of the given geometry (origins 0 unless given). */
int tt_init(tp_mode_t mode, uint16_t packet_size, uint16_t packets, uint8_t cores);
int tt_init_origins(tp_mode_t mode, uint16_t packet_size, uint16_t packets, uint8_t cores, uint32_t o_seq,
		    uint32_t o_events, uint32_t o_dropped, uint32_t o_overwritten, uint32_t o_rejected);
/* Sends a command frame to tp_rx_byte. */
void tt_command(uint8_t type);

#endif /* TP_TEST_H */
