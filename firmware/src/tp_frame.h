/* SPDX-License-Identifier: MIT */
/*
 * tp_frame.h - the framer (SPEC §2): CRC-32C and COBS in place, in a 256-byte output ring
 * from which the link hands runs of final bytes to the port. It is the framer that ships,
 * and the one the unit tests, the vectors and fuzz_framing check (directly, and through
 * tp_frame_buffer in tp_frame.c, which runs the same functions).
 *
 *   encoder --message bytes in place--> out[256] --runs of final bytes--> port
 *                                [tail .. code)  final bytes, may be sent
 *                                [code .. scan)  open COBS group: its code byte (at `code`)
 *                                                is known only once the group closes
 *                                [scan .. head)  message bytes not yet through CRC and COBS
 *
 * COBS in place: every zero of the message becomes the code byte of the group after it (it
 * gets that group's length once the group closes), so the encoder's bytes need no copy; only
 * a group that reaches 254 data bytes adds a code byte, and then it fills the ring: no byte
 * waits behind it, the code byte goes at head.
 * COBS needs a group's length before its first byte goes out, so the framer holds at most
 * one open group (254 bytes) instead of a whole frame: the link needs 256 bytes of RAM (and
 * the encoder's slack) for any packet size. Runs only in the drain, never on the record path.
 */
#ifndef TP_FRAME_H
#define TP_FRAME_H

#include <stddef.h>
#include <stdint.h>


#define TP_FRAME_RING 256u
/* An encoder writes its bytes in place (tp_frame_wp) and may run this far past the ring's
 * end: tp_frame_commit folds the overflow to the front. */
#define TP_FRAME_SLACK 96u
/* [tail, code) are final, [code, scan) the open group (its code byte at `code`, written when
 * the group closes), [scan, head) message bytes written in place but not yet through CRC and
 * COBS. Free-running indices, masked by TP_FRAME_RING - 1. */
struct tp_framer {
	uint8_t out[TP_FRAME_RING + TP_FRAME_SLACK];
	uint32_t head, tail, code, scan;
	uint32_t crc;
	uint8_t trailer; /* CRC bytes of the current message already framed (0..4), 5 once the
			  * frame's delimiter is in `out` */
};
/* Free bytes in `out`. */
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
/* A whole message framed at once, through the functions below (tests, vectors): returns the
 * frame length including the 0x00. */
size_t tp_frame_buffer(const uint8_t *msg, size_t n, uint8_t *out);

/* A new message. Needs 2 free bytes: call it when no final byte is left to send. */
static inline void tp_frame_begin(struct tp_framer *f)
{
	f->crc = 0xFFFFFFFFu;
	f->trailer = 0;
	f->code = f->head++; /* the first group's code byte (the caller leaves >= 2 free) */
	f->scan = f->head;
}

/*
 * Encoding in place, the drain's way (one pass: no message buffer between encoder and
 * framer): n message bytes, at most TP_FRAME_SLACK of them past the ring's end, go to
 * tp_frame_wp(f), contiguous, then
 * tp_frame_commit(f, n) takes them. Needs tp_frame_space(f) > n: the one byte more is for
 * the code byte a group that reaches 254 data bytes inserts.
 */
static inline uint8_t *tp_frame_wp(struct tp_framer *f)
{
	return f->out + f->head % TP_FRAME_RING;
}
void tp_frame_commit(struct tp_framer *f, unsigned n);

/*
 * Framing in the encoder (the drain's fast events: no second pass over their bytes): the
 * encoder runs the CRC on from f->crc and does COBS itself, from the open group's code byte
 * (tp_frame_code(f)) on: each zero it writes gets the code byte the length (mod 256 of the
 * pointers' difference: the slack continues the ring) and becomes the next code byte. Its
 * bytes must end by tp_frame_clean_room(f) past tp_frame_wp(f), so that no group reaches
 * 254 data bytes there (the scan alone closes such a group), and within what
 * tp_frame_commit allows. tp_frame_commit_framed(f, n, crc, code) then takes them: crc is
 * the register after them, code the open group's code byte.
 */
static inline uint8_t *tp_frame_code(struct tp_framer *f)
{
	return f->out + f->code % TP_FRAME_RING;
}
/* After a commit the open group holds at most 253 data bytes (a 254th closes it), so this
 * is never negative. */
static inline unsigned tp_frame_clean_room(const struct tp_framer *f)
{
	return f->code + 254u - f->head;
}
void tp_frame_commit_framed(struct tp_framer *f, unsigned n, uint32_t crc, const uint8_t *code);
/* The byte loop of that rule over [p, e): returns the CRC register after them, *code
 * follows their zeros. */
static inline uint32_t tp_frame_in_place(uint8_t *p, const uint8_t *e, uint32_t crc, uint8_t **code)
{
	uint8_t *c = *code;
	for (; p != e; p++) {
		uint8_t b = *p;
		crc = tp_crc32c_step(crc, b);
		if (b == 0u) {
			*c = (uint8_t)(p - c);
			c = p;
		}
	}
	*code = c;
	return crc;
}

/* Message bytes copied in (blob bytes, a piece kept back for lack of room); returns how many
 * were taken, at least 1 when tp_frame_space(f) >= 2 and n > 0. The open group holds at most
 * 254 bytes (code and 253 data), so when nothing final is left to send there are always 2
 * free bytes: progress. */
size_t tp_frame_bytes(struct tp_framer *f, const uint8_t *p, size_t n);

/* After the message: its CRC (framed like data, not part of the CRC), the last group (no
 * implicit zero after it) and the 0x00 delimiter. Returns 1 once all of it is in `out`;
 * call again after taking final bytes when it returns 0. */
int tp_frame_end(struct tp_framer *f);

#endif /* TP_FRAME_H */
