/* SPDX-License-Identifier: MIT */
/*
 * blob_writer.c - runs the firmware's blob serialiser (firmware/src/tp_meta.c) natively and
 * prints each blob as hex, one line per case, for test/meta/blob.test.ts to decode with the
 * host's reader. Built with ASan/UBSan by the test.
 */
#include <stdio.h>
#include <string.h>

#include "tracepipe_meta.h"

static unsigned char got[256];
static unsigned got_len;

void tp_record_blob(enum tp_kind kind, uint32_t id, const void *bytes, unsigned len)
{
	(void)kind;
	(void)id;
	got_len = len;
	memcpy(got, bytes, len);
}

static void print_blob(void)
{
	for (unsigned i = 0; i < got_len; i++)
		printf("%02x", got[i]);
	printf("\n");
}

static uint64_t dbits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

static uint64_t fbits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

int main(void)
{
	static const char long_text[] = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";

	/* case 1: u64, i8, str, f64, i64, f32, u8 */
	const uint64_t v1[7] = {18446744073709551615ull, (uint64_t)(int64_t)-3, (uint64_t)(uintptr_t) "hi",
				dbits(-2.25), (uint64_t)INT64_MIN, fbits(0.1f), 200};
	tp_meta_record_blob(TP_KIND_LOG, 1,
			    TP_T_U64 | TP_T_I8 << 4 | TP_T_STR << 8 | TP_T_F64 << 12 | TP_T_I64 << 16 |
				    TP_T_F32 << 20 | (uint32_t)TP_T_U8 << 24,
			    v1, 7);
	print_blob();

	/* case 2: a long string is cut to TP_META_STR_MAX bytes; an empty one stays empty */
	const uint64_t v2[3] = {(uint64_t)(uintptr_t)long_text, (uint64_t)(uintptr_t) "", 7};
	tp_meta_record_blob(TP_KIND_LOG, 2, TP_T_STR | TP_T_STR << 4 | TP_T_U32 << 8, v2, 3);
	print_blob();

	/* case 3: eight long strings never overflow TP_META_BLOB_MAX */
	uint64_t v3[8];
	for (int i = 0; i < 8; i++)
		v3[i] = (uint64_t)(uintptr_t)long_text;
	tp_meta_record_blob(TP_KIND_LOG, 3, 0xBBBBBBBBu, v3, 8);
	print_blob();
	return 0;
}
