/* SPDX-License-Identifier: MIT */
/*
 * fuzz_framing.c - libFuzzer target for the streaming COBS + CRC-32C framer: any message
 * (up to the 4096-byte limit) framed through tp_framer_* with the output taken in random
 * slices must give exactly one 0x00, at the end, stay within the COBS size bound, and
 * decode (reference decoder) to the message and its CRC.
 */
#include <string.h>
#include "tp_test.h"

static uint8_t frame[4096 + 4 + 4096 / 254 + 16], back[4096 + 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		size = 4096;
	/* The slice sizes come from the message itself, so the split points vary too. */
	struct tp_framer f;
	tp_framer_begin(&f);
	size_t o = 0, i = 0;
	unsigned slice = size ? data[0] % 7u + 1u : 1u;
	for (;;) {
		unsigned k = 0;
		while (f.out_pos < f.out_len && k++ < slice)
			frame[o++] = f.grp[f.out_pos++];
		if (f.out_pos < f.out_len)
			continue;
		if (i < size) {
			if (!tp_framer_feed(&f, data[i]))
				__builtin_trap();
			i++;
			continue;
		}
		if (tp_framer_finish(&f))
			break;
	}
	if (o > size + 4 + (size + 4) / 254 + 2 || frame[o - 1] != 0 || memchr(frame, 0, o - 1) != NULL)
		__builtin_trap();
	long n = dec_cobs(frame, o - 1, back);
	if (n != (long)size + 4 || memcmp(back, data, size) != 0)
		__builtin_trap();
	uint32_t crc = tp_crc32c(data, size);
	if ((back[size] | back[size + 1] << 8 | back[size + 2] << 16 | (uint32_t)back[size + 3] << 24) != crc)
		__builtin_trap();
	/* The one-shot helper gives the same bytes. */
	static uint8_t again[sizeof frame];
	if (tp_frame_buffer(data, size, again) != o || memcmp(again, frame, o) != 0)
		__builtin_trap();
	return 0;
}
