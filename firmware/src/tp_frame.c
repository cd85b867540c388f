/* SPDX-License-Identifier: MIT */
/*
 * tp_frame.c - a whole message framed at once through the framer of tp_frame.h, the one the
 * drain runs: for the unit tests, the vectors and fuzz_framing.
 */
#include "tp_internal.h"

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
