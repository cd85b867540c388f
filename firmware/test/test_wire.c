/* SPDX-License-Identifier: MIT */
/* test_wire.c - primitive encodings, events, message heads and framing against SPEC.md. */
#include <string.h>
#include "tp_test.h"

static int bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

static void varint_table(void)
{
	static const struct {
		uint64_t v;
		uint8_t n;
		uint8_t b[10];
	} t[] = {
		{0, 1, {0x00}},
		{127, 1, {0x7F}},
		{128, 2, {0x80, 0x01}},
		{300, 2, {0xAC, 0x02}},
		{0xFFFFFFFFu, 5, {0xFF, 0xFF, 0xFF, 0xFF, 0x0F}},
		{UINT64_MAX, 10, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint8_t out[10];
		CHECK_EQ(tp_put_varint(out, t[i].v), t[i].n);
		CHECK(bytes_eq(out, t[i].b, t[i].n));
	}
}

static void crc_check_value(void)
{
	CHECK_EQ(tp_crc32c((const uint8_t *)"123456789", 9), 0xE3069283u);
	CHECK_EQ(tp_crc32c(NULL, 0), 0u);
	/* Random buffers against a bitwise reference. */
	for (int k = 0; k < 200; k++) {
		uint8_t b[64];
		size_t n = tt_rand() % sizeof b;
		for (size_t i = 0; i < n; i++)
			b[i] = (uint8_t)tt_rand();
		uint32_t c = 0xFFFFFFFFu;
		for (size_t i = 0; i < n; i++) {
			c ^= b[i];
			for (int j = 0; j < 8; j++)
				c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
		}
		CHECK_EQ(tp_crc32c(b, n), ~c);
	}
}

/* Frames messages of many lengths and zero densities; the reference decoder must get the
 * same message back, and the frame must hold exactly one 0x00, at its end. */
static void framing_roundtrip(void)
{
	static uint8_t msg[1200], frame[1400], back[1400];
	static const size_t lens[] = {1, 2, 249, 250, 251, 253, 254, 255, 256, 507, 508, 509, 1000, 1199};
	for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
		for (int density = 0; density < 3; density++) {
			size_t n = lens[li];
			for (size_t i = 0; i < n; i++) {
				uint8_t b = (uint8_t)(tt_rand() | 1u);
				if (density == 1 && tt_rand() % 8 == 0)
					b = 0;
				if (density == 2 && tt_rand() % 2 == 0)
					b = 0;
				msg[i] = b;
			}
			size_t fl = tp_frame_buffer(msg, n, frame);
			CHECK(fl >= n + 6 && fl <= n + 4 + (n + 4) / 254 + 2);
			CHECK_EQ(frame[fl - 1], 0);
			CHECK(memchr(frame, 0, fl - 1) == NULL);
			long bl = dec_cobs(frame, fl - 1, back);
			REQUIRE(bl == (long)n + 4);
			CHECK(bytes_eq(back, msg, n));
			uint32_t crc = tp_crc32c(msg, n);
			CHECK_EQ(back[n] | back[n + 1] << 8 | back[n + 2] << 16 | (uint32_t)back[n + 3] << 24, crc);
		}
	}
}

/* The drain's way into the framer: message bytes written in place (tp_frame_wp, then
 * tp_frame_commit; pieces up to the slack, so past the ring's end too) mixed with copies
 * (tp_frame_bytes), while a port takes few final bytes at a time, so that groups reach 254
 * data bytes with bytes behind them not yet scanned and the ring wraps everywhere. The frame
 * must equal the reference COBS of message and CRC, byte for byte. */
static void framing_in_place(void)
{
	static uint8_t msg[1200], frame[1400], ref[1400];
	for (int round = 0; round < 300; round++) {
		size_t n = tt_rand() % sizeof msg;
		unsigned density = (unsigned)(tt_rand() % 4u); /* 0: no zeros ... 3: half zeros */
		for (size_t i = 0; i < n; i++) {
			uint8_t b = (uint8_t)(tt_rand() | 1u);
			if (density != 0 && tt_rand() % (density == 1 ? 300u : density == 2 ? 8u : 2u) == 0)
				b = 0;
			msg[i] = b;
		}
		struct tp_framer f;
		f.head = f.tail = f.code = (uint32_t)tt_rand(); /* anywhere in the ring, and near 2^32 */
		tp_frame_begin(&f);
		size_t i = 0, o = 0;
		int ended = 0;
		unsigned take = (unsigned)(tt_rand() % 40u) + 1u;
		while (!ended || tp_frame_pending(&f)) {
			if (i < n) {
				size_t k = tt_rand() % (TP_FRAME_SLACK + 1u);
				if (k > n - i)
					k = n - i;
				if (tt_rand() % 2 == 0 && tp_frame_space(&f) > k) {
					memcpy(tp_frame_wp(&f), msg + i, k);
					tp_frame_commit(&f, (unsigned)k);
					i += k;
				} else {
					i += tp_frame_bytes(&f, msg + i, k);
				}
			} else if (!ended) {
				ended = tp_frame_end(&f);
			}
			CHECK(f.head - f.tail <= TP_FRAME_RING);
			const uint8_t *run;
			uint32_t k = tp_frame_run(&f, &run);
			if (k > take)
				k = take;
			REQUIRE(o + k <= sizeof frame);
			memcpy(frame + o, run, k);
			o += k;
			f.tail += k;
		}
		memcpy(ref, msg, n);
		uint32_t crc = tp_crc32c(msg, n);
		for (unsigned b = 0; b < 4; b++)
			ref[n + b] = (uint8_t)(crc >> (8u * b));
		static uint8_t enc[1400];
		size_t r = enc_cobs(ref, n + 4, enc);
		enc[r++] = 0;
		CHECK_EQ(o, r);
		CHECK(o == r && bytes_eq(frame, enc, r));
	}
}

/* A 254-byte run of non-zero bytes that ends the frame: the group code is 0xFF and one empty
 * final group (code 01) follows, as the TypeScript encoder does. */
static void cobs_254_boundary(void)
{
	uint8_t msg[250], frame[300], back[300];
	for (;;) {
		for (size_t i = 0; i < sizeof msg; i++)
			msg[i] = (uint8_t)(i % 255 + 1);
		uint32_t crc = tp_crc32c(msg, sizeof msg);
		if ((crc & 0xFF) && (crc >> 8 & 0xFF) && (crc >> 16 & 0xFF) && (crc >> 24))
			break;
		msg[0]++;
	}
	size_t fl = tp_frame_buffer(msg, sizeof msg, frame);
	CHECK_EQ(fl, 1 + 254 + 1 + 1);
	CHECK_EQ(frame[0], 0xFF);
	CHECK_EQ(frame[255], 0x01);
	CHECK_EQ(frame[256], 0x00);
	CHECK_EQ(dec_cobs(frame, fl - 1, back), 254);
}

static void spec_examples(void)
{
	uint8_t out[80];
	const uint32_t small[2] = {5, 100};
	static const uint8_t ex1[] = {0x08, 0x03, 0x0c, 0x05, 0x64};
	CHECK_EQ(tp_enc_event(out, TP_KIND_EVENT, 3, 12, small, 2), sizeof ex1);
	CHECK(bytes_eq(out, ex1, sizeof ex1));
	const uint32_t big[2] = {0xDEADBEEFu, 0x12345678u};
	static const uint8_t ex2[] = {0x09, 0x03, 0x0c, 0xef, 0xbe, 0xad, 0xde, 0x78, 0x56, 0x34, 0x12};
	CHECK_EQ(tp_enc_event(out, TP_KIND_EVENT, 3, 12, big, 2), sizeof ex2);
	CHECK(bytes_eq(out, ex2, sizeof ex2));

	/* SPEC §10.3 (version 2: rejected follows overwritten) */
	struct tp_packet_info pi = {.core = 0, .seq = 7, .ts_begin = 1000, .duration = 100, .events_before = 42,
				    .dropped = 0, .overwritten = 0, .n_events = 2};
	static const uint8_t pk[] = {0x02, 0x00, 0x07, 0xe8, 0x03, 0, 0, 0, 0, 0, 0, 0x64, 0x2a, 0x00, 0x00, 0x00,
				     0x02, 0x20, 0x01, 0x0a, 0x84, 0x02, 0x05, 0x07};
	unsigned n = tp_enc_packet_head(out, &pi);
	n += tp_enc_event(out + n, TP_KIND_MARK, 1, 10, NULL, 0);
	const uint32_t seven = 7;
	n += tp_enc_event(out + n, TP_KIND_COUNTER, 2, 5, &seven, 1);
	CHECK_EQ(n, sizeof pk);
	CHECK(bytes_eq(out, pk, sizeof pk));
}

/* SPEC §6.1: fewest argument bytes, ties to the lower enc; enc 1 only below 2^32. */
static void enc_choice(void)
{
	uint8_t out[80];
	struct {
		unsigned nargs;
		uint64_t a[3];
		unsigned enc;
	} t[] = {
		{0, {0}, 0},
		{1, {0x0FFFFFFF}, 0},         /* varint 4 bytes == fixed 4: tie -> varint */
		{1, {0x10000000}, 1},         /* varint 5 > 4 */
		{2, {0x10000000, 1}, 0},      /* 5 + 1 = 6 < 8 */
		{2, {0x10000000, 0x1FFFFF}, 0}, /* 5 + 3 = 8 == 8: tie -> varint */
		{2, {0x10000000, 0x10000000}, 1},
		{1, {0x100000000ull}, 0},     /* 5 bytes < 8 */
		{1, {UINT64_MAX}, 2},         /* 10 > 8 */
		{2, {UINT64_MAX, 1}, 0},      /* 10 + 1 = 11 < 16 */
		{3, {UINT64_MAX, UINT64_MAX, UINT64_MAX}, 2},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		unsigned n = tp_enc_event64(out, TP_KIND_EVENT, 1, 0, t[i].a, t[i].nargs);
		CHECK_EQ(out[0] & 3u, t[i].enc);
		CHECK_EQ((out[0] >> 2) & 7u, t[i].nargs);
		CHECK(n >= 3);
	}
}

static void header_layout(void)
{
	uint8_t out[80];
	static const uint8_t id[3] = {0xAB, 0xCD, 0xEF};
	struct tp_header_info hi = {.boot = 1, .cores = 2, .mode = 1, .timer_bits = 24, .timer_hz = 25000000u,
				    .packet_size = 256, .packets = 8, .ts = 0x0102030405060708ull,
				    .session = 0xA1B2C3D4u, .build_id = id, .build_id_len = 3};
	unsigned n = tp_enc_header_fixed(out, &hi);
	CHECK_EQ(n, 34);
	static const uint8_t want[] = {0x01, 'T', 'P', 'I', 'P', 2, 1, 2, 1, 24, 0x40, 0x78, 0x7D, 0x01, 0x00,
				       0x01, 0x08, 0x00, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
				       0xD4, 0xC3, 0xB2, 0xA1, 3, 0xAB, 0xCD, 0xEF};
	CHECK(bytes_eq(out, want, sizeof want));
}

/* The GNU build-id note the linker writes, and the notes the reader must refuse. */
static void build_id_note(void)
{
	uint8_t note[16 + 32 + 4];
	const uint8_t head[16] = {4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0};
	memcpy(note, head, sizeof head);
	for (unsigned i = 0; i < 36u; i++)
		note[16 + i] = (uint8_t)(0xA0u + i);
	unsigned len = 99;
	const uint8_t *id = tp_build_id_parse(note, 36, &len);
	CHECK_EQ(len, 20u);
	CHECK(id == note + 16);
	/* descriptor longer than the section */
	CHECK(tp_build_id_parse(note, 35, &len) == note);
	CHECK_EQ(len, 0u);
	/* not a GNU build-id: wrong type, wrong name, longer than the HEADER's 32 bytes */
	note[8] = 1;
	tp_build_id_parse(note, 36, &len);
	CHECK_EQ(len, 0u);
	note[8] = 3;
	note[13] = 'X';
	tp_build_id_parse(note, 36, &len);
	CHECK_EQ(len, 0u);
	note[13] = 'N';
	note[4] = 33;
	tp_build_id_parse(note, sizeof note, &len);
	CHECK_EQ(len, 0u);
	note[4] = 32;
	tp_build_id_parse(note, sizeof note - 4, &len);
	CHECK_EQ(len, 32u);
	/* no note at all (a build without the linker lines) */
	CHECK(tp_build_id_parse(NULL, 0, &len) == NULL);
	CHECK_EQ(len, 0u);
}

/* The drain's encoder, its fast 2-argument shapes included (one-byte fields, fixed-word args),
 * against the reference encoder: every event decodes to what was recorded, at its time, with
 * the SPEC §6.1 enc. Values sit on every boundary of those shapes (zero fields and zero
 * bytes, 127/128, 2^21, 2^28), mixed with other kinds and blobs; runs of zero-free one-byte
 * events let open groups reach their 254th byte; a port that takes a few bytes a poll leaves
 * final bytes pending, so pieces of every size and the kept-back piece (d.chunk) occur. */
static void drain_event_shapes(void)
{
	static const uint32_t vals[] = {0,	   1,	       2,	  0x7F,	      0x80,	  0xFF,
					0x100,	   0x3FFF,     0x4000,	  0x1FFFFF,   0x200000,	  0xFFFFFFF,
					0x10000000, 0x01000001, 0x10000001, 0x01010100, 0x80000000, 0xFFFFFFFF,
					0x12345678, 0xFEDCBA98};
	static const uint32_t dts[] = {0, 1, 2, 0x7F, 0x80, 5000};
	enum { N = 6000 };
	static uint32_t ids[N], as[N], bs[N];
	static uint8_t kinds[N];
	static uint64_t times[N];
	for (int round = 0; round < 4; round++) {
		tt_reset();
		REQUIRE(tt_init(TP_MODE_DISCARD, (uint16_t)(round & 1 ? 4096 : 256), 16, 1) == 0);
		tt_command(TP_CMD_START);
		for (unsigned i = 0; i < N; i++) {
			unsigned mode = (unsigned)(i / 300u + (unsigned)round) % 3u; /* 0 boundaries, 1 zero-free small, 2 wide */
			uint32_t r = (uint32_t)tt_rand();
			uint32_t id, a, b, dt;
			if (mode == 1) {
				id = 1u + r % 127u;
				a = 1u + (r >> 8) % 127u;
				b = 1u + (r >> 16) % 127u;
				dt = 1u + (r >> 24) % 100u;
			} else if (mode == 2) {
				id = r % 3u;
				a = (uint32_t)tt_rand();
				b = (uint32_t)tt_rand();
				dt = (r >> 8) % 3u;
			} else {
				id = vals[r % 6u];
				a = vals[(r >> 8) % (sizeof vals / sizeof vals[0])];
				b = vals[(r >> 16) % (sizeof vals / sizeof vals[0])];
				dt = dts[(r >> 24) % (sizeof dts / sizeof dts[0])];
			}
			host_advance(dt);
			times[i] = host_time;
			ids[i] = id;
			as[i] = a;
			bs[i] = b;
			kinds[i] = (uint8_t)(r % 50u == 0 ? 3 : r % 50u == 1 ? 1 : r % 50u == 2 ? 7 : 2);
			if (kinds[i] == 2) {
				tp_event2(id, a, b);
			} else if (kinds[i] == 1) {
				tp_event1(id, a);
			} else if (kinds[i] == 3) {
				uint32_t args[3] = {a, b, id};
				tp_record(TP_KIND_EVENT, id, args, 3);
			} else {
				uint8_t blob[40];
				for (unsigned k = 0; k < sizeof blob; k++)
					blob[k] = (uint8_t)(k * (a | 1u)); /* zeros in it too */
				tp_record_blob(TP_KIND_LOG, id, blob, (unsigned)(b % sizeof blob));
			}
			host_tx_budget = (size_t)(tt_rand() % 40u);
			tp_poll();
		}
		host_tx_budget = SIZE_MAX;
		tp_flush();
		struct tp_counters c;
		tp_get_counters(0, &c);
		REQUIRE(c.dropped == 0 && c.rejected == 0);
		struct dec_stream s;
		dec_stream(host_tx_buf, host_tx_len, &s);
		CHECK_EQ(s.n_bad, 0);
		REQUIRE(s.n_events == N);
		for (unsigned i = 0; i < N; i++) {
			const struct dec_event *e = &s.events[i];
			CHECK_EQ(e->id, ids[i]);
			CHECK_EQ(e->t, times[i]);
			if (kinds[i] == 7) {
				CHECK_EQ(e->nargs, 7);
				CHECK_EQ(e->blob_len, bs[i] % 40u);
				continue;
			}
			uint64_t want[3] = {as[i], bs[i], ids[i]};
			unsigned nargs = kinds[i];
			uint8_t ref[80];
			tp_enc_event64(ref, TP_KIND_EVENT, ids[i], 0, want, nargs);
			CHECK_EQ(e->nargs, nargs);
			CHECK_EQ(e->enc, ref[0] & 3u);
			for (unsigned k = 0; k < nargs; k++)
				CHECK_EQ(e->args[k], want[k]);
		}
		dec_free(&s);
	}
}

int main(void)
{
	RUN(varint_table);
	RUN(crc_check_value);
	RUN(framing_roundtrip);
	RUN(framing_in_place);
	RUN(cobs_254_boundary);
	RUN(spec_examples);
	RUN(enc_choice);
	RUN(header_layout);
	RUN(build_id_note);
	RUN(drain_event_shapes);
	return tt_summary("test_wire");
}
