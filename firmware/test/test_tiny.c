/* SPDX-License-Identifier: MIT */
/*
 * test_tiny.c - the tiny profile (TP_PROFILE_TINY=1, boards/host/board.mk builds this file
 * with it; PORTING.md, SPEC §8.1): discard mode only; CMD_START/STOP/HEADER; CMD_FLUSH and
 * CMD_DUMP only start a silent target, whose HEADER says NO_FLUSH; no periodic STATUS; and
 * tp_flush() still closes the books, so the identity holds end to end.
 */
#include <string.h>
#include "tp_test.h"

#if !TP_PROFILE_TINY
#error "test_tiny.c is built with -DTP_PROFILE_TINY=1"
#endif

#define FLAGS_BOOT_NO_FLUSH (TP_WIRE_HEADER_BOOT | TP_WIRE_HEADER_NO_FLUSH)

static void discard_only(void)
{
	CHECK(tt_init(TP_MODE_OVERWRITE, 128, 4, 1) != 0);
	CHECK(tt_init(TP_MODE_DISCARD, 128, 4, 2) != 0); /* one channel */
	CHECK(tt_init(TP_MODE_DISCARD, 128, 4, 1) == 0);
}

/* A dump or flush request to a silent target starts it (the requester learns NO_FLUSH from the
 * header) and stops nothing: recording goes on, nothing is closed, no STATUS follows. */
static void dump_only_starts(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 4, 1) == 0);
	for (uint32_t i = 0; i < 3; i++)
		CHECK_EQ(tp_event1_checked(7, i), TP_RECORDED);
	tt_command(TP_CMD_DUMP);
	CHECK(tp_started());
	CHECK(!tp_dump_requested());
	tt_drain();
	CHECK_EQ(tp_event1_checked(7, 3), TP_RECORDED);
	tt_command(TP_CMD_FLUSH);
	tt_drain();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_headers == 1);
	CHECK_EQ(s.order[0], DEC_HEADER);
	CHECK_EQ(s.headers[0].flags, FLAGS_BOOT_NO_FLUSH);
	CHECK_EQ(s.headers[0].mode, TP_MODE_DISCARD);
	CHECK_EQ(s.n_packets, 0); /* the open packet stays open */
	CHECK_EQ(s.n_statuses, 0);
	dec_free(&s);
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK_EQ(c.committed, 4);
	CHECK_EQ(c.dropped, 0);
}

static void stop_header_start(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 4, 1) == 0);
	tt_command(TP_CMD_START);
	tt_drain();
	tt_command(TP_CMD_HEADER);
	tt_drain();
	tt_command(TP_CMD_STOP);
	CHECK(!tp_started());
	size_t before = host_tx_len;
	tt_command(TP_CMD_HEADER);
	for (int i = 0; i < 40; i++)
		tp_event2(1, 2, 3);
	tt_drain();
	CHECK_EQ(host_tx_len, before); /* stopped: nothing sent */
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	REQUIRE(s.n_headers == 2);
	CHECK_EQ(s.headers[0].flags, FLAGS_BOOT_NO_FLUSH);
	CHECK_EQ(s.headers[1].flags, TP_WIRE_HEADER_NO_FLUSH);
	dec_free(&s);
}

/* Many packets with drops, drained as they close: no periodic STATUS; then tp_flush: every
 * packet, then the FINAL, and the books add up. */
static void flush_closes_books(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 4, 1) == 0);
	tt_command(TP_CMD_START);
	uint32_t generated = 0, committed = 0, dropped = 0;
	for (int round = 0; round < 60; round++) {
		for (int i = 0; i < 12; i++) {
			generated++;
			tp_result_t r = tp_event2_checked((uint32_t)round, (uint32_t)i, 0x12345u);
			committed += r == TP_RECORDED;
			dropped += r == TP_DROPPED;
			host_advance(3);
		}
		if (round % 3 == 0)
			tt_drain();
	}
	tt_drain();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK(s.n_packets > 32u); /* twice the full profile's STATUS period (16 packets) */
	CHECK_EQ(s.n_statuses, 0);
	dec_free(&s);
	CHECK(dropped > 0);
	tp_flush();
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	CHECK_EQ(s.time_unproven, 0);
	REQUIRE(s.n_statuses == 1);
	CHECK(s.statuses[0].final);
	CHECK_EQ(s.order[s.n_frames - s.n_bad - 1], DEC_STATUS);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, generated);
	CHECK_EQ(t.decoded, committed);
	CHECK_EQ(t.dropped, dropped);
	CHECK_EQ(t.overwritten, 0);
	CHECK_EQ(t.link_lost, 0);
	CHECK_EQ(s.n_events, committed);
	dec_free(&s);
	/* The target keeps transmitting after its flush: later packets follow. */
	tp_event0(9);
	tp_flush();
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_statuses, 2);
	CHECK_EQ(s.n_events, committed + 1);
	dec_free(&s);
}

/* Every frame in the stream is the one SPEC §2 allows (the decoder would also accept the
 * trailing-zero optimisation): decoded, then encoded again by the tests' own COBS, it gives
 * the same bytes. */
/* Returns how many frames end with a run of 254 * k non-zero bytes (k >= 1): those end with
 * the empty group 01 after the last FF group. */
static unsigned frames_canonical(const uint8_t *buf, size_t n)
{
	static uint8_t data[4200], again[4300];
	size_t start = 0;
	unsigned run_254k = 0;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != 0)
			continue;
		long k = dec_cobs(buf + start, i - start, data);
		CHECK(k >= 0);
		if (k < 0)
			return 0;
		size_t m = enc_cobs(data, (size_t)k, again);
		CHECK_EQ(m, i - start);
		CHECK(m == i - start && memcmp(again, buf + start, m) == 0);
		long run = 0;
		while (run < k && data[k - 1 - run] != 0)
			run++;
		run_254k += run > 0 && run % 254 == 0;
		start = i + 1;
	}
	CHECK_EQ(start, n); /* the stream ends with a delimiter */
	return run_254k;
}

/* The tiny link's COBS runs: one blob per packet (320-byte packets), 1..255 bytes without a
 * zero, so each frame's last run (the blob's length, its bytes and the CRC after the first
 * event's dt of 0) sweeps across 254 and the 254-byte groups; and blobs with zeros in them. */
static void blob_cobs_runs(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 320, 4, 1) == 0);
	tt_command(TP_CMD_START);
	uint8_t bytes[255];
	unsigned n_blobs = 0;
	for (unsigned len = 1; len <= 255u; len++) {
		for (unsigned i = 0; i < len; i++)
			bytes[i] = (uint8_t)(len % 3u != 0u || i % 37u != 5u ? 0xA0u + (i + len) % 31u : 0u);
		tp_record_blob(TP_KIND_LOG, 0x1234u, bytes, len);
		n_blobs++;
		host_advance(5);
		tt_drain();
	}
	tp_flush();
	CHECK(frames_canonical(host_tx_buf, host_tx_len) > 0);
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_events == n_blobs);
	for (unsigned k = 0; k < s.n_events; k++) {
		const struct dec_event *e = &s.events[k];
		unsigned len = k + 1u;
		int same = e->kind == TP_KIND_LOG && e->nargs == 7u && e->id == 0x1234u && e->blob_len == len;
		for (unsigned i = 0; same && i < len; i++)
			same = e->blob[i] == (uint8_t)(len % 3u != 0u || i % 37u != 5u ? 0xA0u + (i + len) % 31u : 0u);
		CHECK(same);
	}
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, n_blobs);
	CHECK_EQ(t.decoded, n_blobs);
	dec_free(&s);
}

/* Every kind and argument count, full-range and small values, through the fast path, the
 * checked calls and tp_record, with the timer wrapping under them (held pending for some
 * records, as in a critical section) and the counters starting just below 2^32: the decoded
 * events are the recorded ones, with their exact times, and the books add up. */
struct want {
	uint8_t kind, nargs;
	uint32_t id;
	uint64_t t;
	uint32_t args[6];
};

static void payloads_time_origins(void)
{
	const uint32_t o = 0xFFFFFFF0u;
	REQUIRE(tt_init_origins(TP_MODE_DISCARD, 256, 8, 1, o, o - 3u, o - 7u, 0, o - 11u) == 0);
	tt_command(TP_CMD_START);
	host_advance(0xFFFFFF00u); /* the first wrap at the first record */
	static struct want w[2000];
	unsigned n = 0, rejected = 0;
	tt_seed(13);
	for (unsigned i = 0; i < 2000u; i++) {
		struct want *e = &w[n];
		e->nargs = (uint8_t)(tt_rand() % 7u);
		e->kind = (uint8_t)(tt_rand() % 7u);
		e->id = (uint32_t)tt_rand() >> (tt_rand() % 32u);
		for (unsigned k = 0; k < e->nargs; k++)
			e->args[k] = (uint32_t)tt_rand() >> (tt_rand() % 33u % 32u);
		e->t = host_time;
		tp_result_t r;
		switch (i % 4u) {
		case 0:
			tp_record(e->kind, e->id, e->args, e->nargs);
			r = TP_RECORDED;
			break;
		case 1:
			r = tp_record_checked(e->kind, e->id, e->args, e->nargs);
			break;
		case 2:
			e->kind = TP_KIND_EVENT;
			e->nargs = 2;
			tp_event2(e->id, e->args[0], e->args[1]);
			r = TP_RECORDED;
			break;
		default:
			e->kind = TP_KIND_EVENT;
			e->nargs = (uint8_t)(e->nargs % 5u);
			r = e->nargs == 0 ? tp_event0_checked(e->id)
			  : e->nargs == 1 ? tp_event1_checked(e->id, e->args[0])
			  : e->nargs == 2 ? tp_event2_checked(e->id, e->args[0], e->args[1])
			  : e->nargs == 3 ? tp_event3_checked(e->id, e->args[0], e->args[1], e->args[2])
					  : tp_event4_checked(e->id, e->args[0], e->args[1], e->args[2], e->args[3]);
			break;
		}
		CHECK_EQ(r, TP_RECORDED);
		n++;
		if (i % 97u == 0) {
			tp_record(TP_KIND_EVENT, 1, e->args, 7); /* misuse: rejected, counted */
			rejected++;
		}
		host_ovf_held = i % 5u == 0;
		host_advance(tt_rand() % 30000000u); /* about 7 wraps in all */
		if (i % 5u != 0)
			host_run_overflow_isr();
		if (i % 3u == 0)
			tt_drain();
	}
	/* the last turn (1999) held no wrap */
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	CHECK_EQ(s.time_unproven, 0);
	REQUIRE(s.n_headers >= 1);
	CHECK_EQ(s.headers[0].origin[0][0], o);
	CHECK_EQ(s.headers[0].origin[0][4], o - 11u);
	REQUIRE(s.n_events == n);
	unsigned same = 0;
	for (unsigned k = 0; k < n; k++) {
		const struct dec_event *e = &s.events[k];
		int ok = e->kind == w[k].kind && e->nargs == w[k].nargs && e->id == w[k].id && e->t == w[k].t;
		for (unsigned a = 0; ok && a < w[k].nargs; a++)
			ok = e->args[a] == w[k].args[a];
		same += ok;
	}
	CHECK_EQ(same, n);
	REQUIRE(s.n_statuses == 1);
	CHECK_EQ(s.statuses[0].rejected, o - 11u + rejected);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, (uint64_t)n + rejected);
	CHECK_EQ(t.decoded, n);
	CHECK_EQ(t.rejected, rejected);
	CHECK_EQ(t.dropped + t.overwritten + t.link_lost, 0);
	dec_free(&s);
}

/* Overload: a port that takes a few bytes per poll while a record loop runs far faster: the
 * ring fills, drops are counted, every received packet is whole, and tp_flush's FINAL makes
 * the books exact; tp_get_counters agrees with the host. */
static void overload_slow_port(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 3, 1) == 0);
	tt_command(TP_CMD_START);
	unsigned generated = 0, committed = 0;
	for (unsigned i = 0; i < 3000u; i++) {
		generated++;
		committed += tp_event2_checked(5, i, 0xFFFFFFFFu - i) == TP_RECORDED;
		host_advance(7);
		if (i % 8u == 0) {
			host_tx_budget = 9; /* bytes the port takes before it says busy */
			(void)tp_poll();
			host_tx_budget = SIZE_MAX;
		}
	}
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK(c.dropped > 0);
	CHECK_EQ(c.committed, committed);
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_statuses == 1);
	CHECK_EQ(s.statuses[0].dropped, c.dropped);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, generated);
	CHECK_EQ(t.decoded, committed);
	CHECK_EQ(t.dropped, generated - committed);
	CHECK_EQ(t.link_lost, 0);
	CHECK_EQ(frames_canonical(host_tx_buf, host_tx_len), 0);
	dec_free(&s);
}

int main(void)
{
	RUN(discard_only);
	RUN(dump_only_starts);
	RUN(stop_header_start);
	RUN(flush_closes_books);
	RUN(blob_cobs_runs);
	RUN(payloads_time_origins);
	RUN(overload_slow_port);
	return tt_summary("test_tiny");
}
