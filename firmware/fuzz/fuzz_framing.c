/* SPDX-License-Identifier: MIT */
/*
 * fuzz_framing.c - libFuzzer target for the framer that ships (tp_frame.c): any message (up
 * to the 4096-byte limit) fed in pieces of varying size, with the port taking varying runs
 * of final bytes, as the drain does, must give exactly one 0x00, at the end, stay within the
 * COBS size bound, equal the reference encoder's bytes (test helpers, written apart from the
 * firmware), and decode to the message and its CRC. tp_frame_buffer gives the same bytes.
 */
#include <string.h>
#include "tp_test.h"

static uint8_t frame[4096 + 4 + 4096 / 254 + 16], back[4096 + 8], ref[sizeof frame];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		size = 4096;
	/* The piece and run sizes come from the message itself, so the split points vary too. */
	unsigned piece = size ? data[0] % 97u + 1u : 1u;
	unsigned take = size > 1 ? data[1] % 13u + 1u : 1u;
	struct tp_framer f;
	f.head = f.tail = f.code = 0;
	tp_frame_begin(&f);
	size_t o = 0, i = 0;
	int ended = 0;
	while (!ended || tp_frame_pending(&f)) {
		if (i < size) {
			size_t n = size - i < piece ? size - i : piece;
			i += tp_frame_bytes(&f, data + i, n);
		} else if (!ended) {
			ended = tp_frame_end(&f);
		}
		/* a port that takes at most `take` bytes per pass */
		const uint8_t *run;
		uint32_t k = tp_frame_run(&f, &run);
		if (k > take)
			k = take;
		if (o + k > sizeof frame)
			__builtin_trap();
		memcpy(frame + o, run, k);
		o += k;
		f.tail += k;
	}
	if (o > size + 4 + (size + 4) / 254 + 2 || frame[o - 1] != 0 || memchr(frame, 0, o - 1) != NULL)
		__builtin_trap();
	long n = dec_cobs(frame, o - 1, back);
	if (n != (long)size + 4 || memcmp(back, data, size) != 0)
		__builtin_trap();
	uint32_t crc = tp_crc32c(data, size);
	if ((back[size] | back[size + 1] << 8 | back[size + 2] << 16 | (uint32_t)back[size + 3] << 24) != crc)
		__builtin_trap();
	/* The reference encoder, over message and CRC, gives the same bytes. */
	memcpy(back, data, size);
	size_t r = enc_cobs(back, size + 4, ref);
	ref[r++] = 0;
	if (r != o || memcmp(ref, frame, o) != 0)
		__builtin_trap();
	static uint8_t again[sizeof frame];
	if (tp_frame_buffer(data, size, again) != o || memcmp(again, frame, o) != 0)
		__builtin_trap();
	return 0;
}
