/* SPDX-License-Identifier: MIT */
/*
 * tp_frame.h - the framer (SPEC §2): CRC-32C and COBS, streamed into a 256-byte output ring
 * from which the link hands runs of final bytes to the port. It is the framer that ships,
 * and the one the unit tests, the vectors and fuzz_framing check (directly, and through
 * tp_frame_buffer in tp_frame.c, which runs the same functions).
 *
 *   message bytes --CRC, COBS--> out[256] --runs of final bytes--> port
 *                                [tail .. code)  final bytes, may be sent
 *                                [code .. head)  open COBS group: its code byte (at `code`)
 *                                                is known only once the group closes
 *
 * COBS needs a group's length before its first byte goes out, so the framer holds at most
 * one open group (254 bytes) instead of a whole frame: the link needs 256 bytes of RAM for
 * any packet size. Runs only in the drain, never on the record path. Static inline: the
 * byte loop is the drain's hot path (tp_frame.c holds only the whole-buffer form).
 */
#ifndef TP_FRAME_H
#define TP_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Needs tp_crc32c_step: included by tp_internal.h, after it. */

#define TP_FRAME_RING 256u
/* Framed bytes ready for the port, COBS-encoded in place: [tail, code) are final, [code, head)
 * the open group, its code byte at `code` written when the group closes. Free-running
 * indices, masked by TP_FRAME_RING - 1. */
struct tp_framer {
	uint8_t out[TP_FRAME_RING];
	uint32_t head, tail, code;
	uint32_t crc;
	uint16_t glen;   /* data bytes in the open group */
	uint8_t trailer; /* CRC bytes of the current message already framed (0..4), 5 once the
			  * frame's delimiter is in `out` */
};
/* Free bytes in `out`. Every framed byte needs at most 2 (itself and a new group's code). */
static inline unsigned tp_frame_space(const struct tp_framer *f)
{
	return TP_FRAME_RING - (f->head - f->tail);
}
/* Final bytes not taken yet. */
static inline int tp_frame_pending(const struct tp_framer *f)
{
	return f->tail != f->code;
}
/* The next contiguous run of final bytes (*p, the length returned; 0 when none). The caller
 * takes k of them by adding k to f->tail. */
static inline uint32_t tp_frame_run(const struct tp_framer *f, const uint8_t **p)
{
	uint32_t at = f->tail % TP_FRAME_RING;
	uint32_t run = f->code - f->tail;
	if (run > TP_FRAME_RING - at)
		run = TP_FRAME_RING - at;
	*p = f->out + at;
	return run;
}
/* A whole message framed at once, through the functions above (tests, vectors): returns the
 * frame length including the 0x00. */
size_t tp_frame_buffer(const uint8_t *msg, size_t n, uint8_t *out);

/* A new message. Needs 2 free bytes: call it when no final byte is left to send. */
static inline void tp_frame_begin(struct tp_framer *f)
{
	f->crc = 0xFFFFFFFFu;
	f->glen = 0;
	f->trailer = 0;
	f->code = f->head++; /* the first group's code byte (the caller leaves >= 2 free) */
}

/* Message bytes into `out`; returns how many were taken (fewer than n when `out` is full).
 * Each byte adds one byte to `out` (a zero: the next group's code slot), plus one when it
 * closes a group by length, which happens at most once in 253 bytes; so m <= 253 bytes need
 * at most m + 1 free bytes and the loop needs no check of its own. The open group holds at
 * most 254 bytes (code and 253 data), so when nothing final is left to send there are always
 * 2 free bytes: progress.
 */
static inline size_t tp_frame_bytes(struct tp_framer *f, const uint8_t *p, size_t n)
{
	unsigned space = tp_frame_space(f);
	if (space < 2u)
		return 0;
	if (n > space - 1u)
		n = space - 1u;
	if (n > 253u)
		n = 253u;
	uint32_t crc = f->crc, h = f->head, code = f->code;
	unsigned glen = f->glen;
	uint8_t *out = f->out;
	for (const uint8_t *q = p, *e = p + n; q < e; q++) {
		uint8_t b = *q;
		crc = tp_crc32c_step(crc, b);
		if (b != 0) {
			out[h++ % TP_FRAME_RING] = b;
			if (++glen < 254u)
				continue;
		}
		/* A zero ends the group (code = data + 1), and so do 254 data bytes (code 0xFF). */
		out[code % TP_FRAME_RING] = (uint8_t)(glen + 1u);
		code = h++;
		glen = 0;
	}
	f->crc = crc;
	f->head = h;
	f->code = code;
	f->glen = (uint16_t)glen;
	return n;
}

/* After the message: its CRC (framed like data, not part of the CRC), the last group (no
 * implicit zero after it) and the 0x00 delimiter. Returns 1 once all of it is in `out`;
 * call again after taking final bytes when it returns 0. */
static inline int tp_frame_end(struct tp_framer *f)
{
	while (f->trailer < 4u) {
		if (tp_frame_space(f) < 2u)
			return 0;
		uint8_t b = (uint8_t)((f->crc ^ 0xFFFFFFFFu) >> (8u * f->trailer));
		if (b != 0) {
			f->out[f->head++ % TP_FRAME_RING] = b;
			if (++f->glen < 254u) {
				f->trailer++;
				continue;
			}
		}
		f->out[f->code % TP_FRAME_RING] = (uint8_t)(f->glen + 1u);
		f->code = f->head++;
		f->glen = 0;
		f->trailer++;
	}
	if (f->trailer == 4u) {
		if (tp_frame_space(f) < 1u)
			return 0;
		f->out[f->code % TP_FRAME_RING] = (uint8_t)(f->glen + 1u);
		f->out[f->head++ % TP_FRAME_RING] = 0;
		f->code = f->head;
		f->trailer = 5;
	}
	return 1;
}

#endif /* TP_FRAME_H */
