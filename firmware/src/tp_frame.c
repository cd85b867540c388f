/* SPDX-License-Identifier: MIT */
/*
 * tp_frame.c - the framer of tp_frame.h: CRC-32C and COBS over message bytes already in the
 * output ring, and a whole message framed at once through the same functions (unit tests,
 * vectors, fuzz_framing).
 */
#include "tp_internal.h"

#define RING TP_FRAME_RING

/* A word of message bytes, read from the byte ring. */
typedef uint32_t __attribute__((may_alias)) tp_frame_word;

/* The byte loop: CRC over [p, e) up to and including the first zero; returns the end of what
 * it read. Aligned words without a zero byte go four bytes at a time (one load, one zero
 * test, one XOR into the register). A function of its own so that nothing else competes for
 * registers in the loop (on Thumb-1 there are 8 to go round). */
__attribute__((noinline)) static const uint8_t *crc_to_zero(const uint8_t *p, const uint8_t *e, uint32_t *crcp)
{
	uint32_t crc = *crcp;
	uint8_t b = 1;
	while (((uintptr_t)p & 3u) != 0u && p != e) {
		b = *p++;
		crc = tp_crc32c_step(crc, b);
		if (b == 0u)
			goto out;
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (e - p >= 4) {
		uint32_t v = *(const tp_frame_word *)(const void *)p;
		if (((v - 0x01010101u) & ~v & 0x80808080u) != 0u)
			break; /* a zero byte in it: the byte loop finds it */
		crc ^= v; /* the first byte is the low one: the reflected CRC takes it first */
		crc = tp_crc32c_shift8(crc);
		crc = tp_crc32c_shift8(crc);
		crc = tp_crc32c_shift8(crc);
		crc = tp_crc32c_shift8(crc);
		p += 4;
	}
#endif
	while (p != e) {
		b = *p++;
		crc = tp_crc32c_step(crc, b);
		if (b == 0u)
			break;
	}
out:
	*crcp = crc;
	return p;
}

/*
 * CRC and COBS over [scan, head). A zero closes the open group: its code byte gets the
 * group's length and the zero's own slot becomes the next group's code byte. A group that
 * reaches 254 data bytes closes with 0xFF (SPEC §2) and needs a code byte of its own: the
 * one byte the callers leave free (head - tail < TP_FRAME_RING before, <= after).
 */
static void scan(struct tp_framer *f)
{
	uint32_t crc = f->crc, s = f->scan, h = f->head, code = f->code;
	uint8_t *out = f->out;
	while (s != h) {
		uint32_t at = s % RING;
		/* one linear stretch: up to the ring's end and the open group's 254th data byte */
		uint32_t n = h - s;
		if (n > code + 255u - s)
			n = code + 255u - s;
		if (n > RING - at)
			n = RING - at;
		const uint8_t *p = out + at, *e = p + n;
		uint32_t base = s - at - 1u; /* s - at, less the post-increment of p */
		do {
			p = crc_to_zero(p, e, &crc);
			if (p[-1] == 0u) {
				uint32_t z = base + (uint32_t)(p - out);
				out[code % RING] = (uint8_t)(z - code);
				code = z;
			}
		} while (p != e);
		s += n;
		if (s == code + 255u) {
			/* Nothing waits behind a group this long: with every byte of the ring from
			 * tail on in use, head - code <= 255, so s == head. */
			out[code % RING] = 0xFFu;
			code = h++;
			s = h;
		}
	}
	f->crc = crc;
	f->scan = s;
	f->head = h;
	f->code = code;
}

/* The encoder ran into the slack: those bytes belong at the ring's front. */
static void fold(struct tp_framer *f, unsigned n)
{
	uint32_t at = f->head % RING;
	uint32_t i = RING;
#ifndef __OPTIMIZE_SIZE__
	/* A word at a time while whole words remain (out is word aligned, and so is RING): the
	 * bytes past the last word are free room, not to be written. */
	for (; i + 4u <= at + n; i += 4u)
		*(tp_frame_word *)(void *)(f->out + i - RING) = *(const tp_frame_word *)(const void *)(f->out + i);
#endif
	for (; i < at + n; i++)
		f->out[i - RING] = f->out[i];
}

void tp_frame_commit(struct tp_framer *f, unsigned n)
{
#ifndef __OPTIMIZE_SIZE__
	if (n <= tp_frame_clean_room(f)) {
		/* Short pieces, zeros in plenty (message heads, trailers): one byte loop costs less
		 * than the scan's word loop and its turn per zero. */
		uint8_t *wp = tp_frame_wp(f), *code = tp_frame_code(f);
		uint32_t crc = tp_frame_in_place(wp, wp + n, f->crc, &code);
		tp_frame_commit_framed(f, n, crc, code);
		return;
	}
#endif
	fold(f, n);
	f->head += n;
	scan(f);
}

void tp_frame_commit_framed(struct tp_framer *f, unsigned n, uint32_t crc, const uint8_t *code)
{
	const uint8_t *wp = tp_frame_wp(f);
	if (code != tp_frame_code(f))
		f->code = f->head + (uint32_t)(code - wp); /* a zero of these bytes: in [wp, wp + n) */
	fold(f, n);
	f->head += n;
	f->scan = f->head;
	f->crc = crc;
}

size_t tp_frame_bytes(struct tp_framer *f, const uint8_t *p, size_t n)
{
	unsigned space = tp_frame_space(f);
	if (space < 2u)
		return 0;
	if (n > space - 1u)
		n = space - 1u;
	if (n > TP_FRAME_SLACK)
		n = TP_FRAME_SLACK;
	uint8_t *w = tp_frame_wp(f);
	for (size_t i = 0; i < n; i++)
		w[i] = p[i];
	tp_frame_commit(f, (unsigned)n);
	return n;
}

int tp_frame_end(struct tp_framer *f)
{
#ifndef __OPTIMIZE_SIZE__
	if (f->trailer == 0u && tp_frame_space(f) >= 5u && tp_frame_clean_room(f) >= 4u) {
		/* Room for all of it: the CRC bytes, COBS alone (they are not under the CRC), the
		 * last group's code byte and the 0x00, in one step. */
		uint32_t fcs = f->crc ^ 0xFFFFFFFFu;
		uint8_t *w = tp_frame_wp(f), *code = tp_frame_code(f);
		for (unsigned i = 0; i < 4u; i++, fcs >>= 8) {
			w[i] = (uint8_t)fcs;
			if ((uint8_t)fcs == 0u) {
				*code = (uint8_t)(w + i - code);
				code = w + i;
			}
		}
		*code = (uint8_t)(w + 4 - code);
		w[4] = 0;
		fold(f, 5u);
		f->head += 5u;
		f->code = f->scan = f->head;
		f->trailer = 5;
		return 1;
	}
#endif
	while (f->trailer < 4u) {
		/* Framed like data but not part of the CRC: scan() runs the CRC on, so keep it. */
		unsigned space = tp_frame_space(f);
		if (space < 2u)
			return 0;
		uint32_t crc = f->crc, fcs = crc ^ 0xFFFFFFFFu;
		unsigned k = 4u - f->trailer;
		if (k > space - 1u)
			k = space - 1u;
		uint8_t *w = tp_frame_wp(f);
		for (unsigned i = 0; i < k; i++)
			w[i] = (uint8_t)(fcs >> (8u * (f->trailer + i)));
		f->trailer = (uint8_t)(f->trailer + k);
		tp_frame_commit(f, k);
		f->crc = crc;
	}
	if (f->trailer == 4u) {
		if (tp_frame_space(f) < 1u)
			return 0;
		f->out[f->code % RING] = (uint8_t)(f->head - f->code);
		f->out[f->head++ % RING] = 0;
		f->code = f->head;
		f->trailer = 5;
	}
	return 1;
}

/* Moves every final byte to out; returns how many. */
static size_t take_all(struct tp_framer *f, uint8_t *out)
{
	size_t o = 0;
	const uint8_t *run;
	uint32_t k;
	while ((k = tp_frame_run(f, &run)) != 0) {
		for (uint32_t i = 0; i < k; i++)
			out[o++] = run[i];
		f->tail += k;
	}
	return o;
}

size_t tp_frame_buffer(const uint8_t *msg, size_t n, uint8_t *out)
{
	struct tp_framer f;
	f.head = f.tail = f.code = 0;
	size_t i = 0, o = 0;
	tp_frame_begin(&f);
	while (i < n) {
		i += tp_frame_bytes(&f, msg + i, n - i);
		o += take_all(&f, out + o);
	}
	while (!tp_frame_end(&f))
		o += take_all(&f, out + o);
	return o + take_all(&f, out + o);
}
