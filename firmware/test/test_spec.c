/* SPDX-License-Identifier: MIT */
/*
 * test_spec.c - the writer rules SPEC states for choices a second encoder could make either
 * way, checked on what the firmware really sends: origin.seq is the first packet's seq (§5);
 * only the first header has BOOT and repeats differ only in ts (§5); no packet is empty and
 * none is longer than packet_size (§6); every packet's first event has dt 0, its ts_begin
 * is >= the previous ts_end and its duration < one wrap (§6.2); a FINAL status is not older
 * than its core's last ts_end (§7).
 */
#include <string.h>
#include "tp_test.h"

/* Decoded length of every frame of the capture whose message type is `type`, in order. */
static size_t message_lengths(uint8_t type, size_t *lens, size_t max)
{
	static uint8_t m[8192];
	size_t n = 0, start = 0;
	for (size_t i = 0; i < host_tx_len; i++) {
		if (host_tx_buf[i] != 0)
			continue;
		long len = dec_cobs(host_tx_buf + start, i - start, m);
		if (len >= 5 && m[0] == type && n < max)
			lens[n++] = (size_t)len - 4u;
		start = i + 1;
	}
	return n;
}

static void check_stream(uint16_t psize, uint32_t o_seq, uint32_t o_events)
{
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_headers >= 2);
	REQUIRE(s.n_packets >= 8);

	/* §5: BOOT in the first header only (and it comes first); every repeat equal but for ts. */
	CHECK_EQ(s.order[0], DEC_HEADER);
	CHECK_EQ(s.headers[0].flags, TP_WIRE_HEADER_BOOT);
	for (size_t i = 1; i < s.n_headers; i++) {
		const struct dec_header *a = &s.headers[0], *b = &s.headers[i];
		CHECK_EQ(b->flags, 0);
		CHECK_EQ(b->session, a->session);
		CHECK_EQ(b->packet_size, a->packet_size);
		CHECK(memcmp(b->origin, a->origin, sizeof a->origin) == 0);
		CHECK(b->ts >= s.headers[i - 1].ts);
	}
	/* §5: origin.seq is the seq of the first packet after reset, origin.events its events_before. */
	CHECK_EQ(s.headers[0].origin[0][0], o_seq);
	CHECK_EQ(s.headers[0].origin[0][1], o_events);
	CHECK_EQ(s.packets[0].seq, o_seq);
	CHECK_EQ(s.packets[0].events_before, o_events);

	/* §6: no message longer than packet_size; no empty packet; §6.2: time rules. */
	static size_t lens[4096];
	size_t nl = message_lengths(TP_MSG_PACKET, lens, 4096);
	CHECK_EQ(nl, s.n_packets);
	size_t longest = 0;
	for (size_t i = 0; i < nl; i++) {
		CHECK(lens[i] <= psize);
		if (lens[i] > longest)
			longest = lens[i];
	}
	/* Full packets were sent (the wire is denser than the ring, so a full one is not psize). */
	CHECK(2u * longest > psize);
	uint64_t prev_end = 0;
	for (size_t i = 0; i < s.n_packets; i++) {
		const struct dec_packet *p = &s.packets[i];
		CHECK(p->n_events > 0);
		CHECK_EQ(p->seq, o_seq + (uint32_t)i); /* discard mode, nothing lost: no seq skipped */
		CHECK(p->ts_begin >= prev_end);
		CHECK(p->duration < (1ull << TP_BOARD_TIMER_BITS));
		/* The record that opens a packet gives it its ts_begin (first dt 0); a later first
		 * event means that record was refused (larger than a packet). */
		if (p->n_events > 0)
			CHECK(s.events[p->first_event].t >= p->ts_begin);
		prev_end = p->ts_begin + p->duration;
	}
	/* §7: the FINAL status is not older than the last packet's end, and next_seq follows it. */
	REQUIRE(s.n_statuses > 0);
	const struct dec_status *fin = &s.statuses[s.n_statuses - 1];
	CHECK_EQ(fin->final, 1);
	CHECK(fin->ts >= prev_end);
	CHECK_EQ(fin->next_seq, s.packets[s.n_packets - 1].seq + 1u);
	dec_free(&s);
}

/* Worst-case records (full-range ids and args, long blobs, long gaps across timer wraps), a
 * repeat header on request, and enough packets for periodic headers. */
static void writer_rules(void)
{
	static const uint16_t sizes[] = {64, 132, 512, 4096};
	for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		uint16_t psize = sizes[k];
		tt_reset();
		tt_seed(0x5eed + k);
		const uint32_t o_seq = 0xFFFFFFF0u, o_events = 0xFFFFFF00u;
		REQUIRE(tt_init_origins(TP_MODE_DISCARD, psize, 4, 1, o_seq, o_events, 0, 0, 0) == 0);
		tt_command(TP_CMD_START);
		uint8_t blob[255];
		for (unsigned i = 0; i < sizeof blob; i++)
			blob[i] = (uint8_t)(0x80u + i);
		for (unsigned i = 0; i < 1500; i++) {
			uint64_t r = tt_rand();
			if (r % 5 == 0)
				tp_record_blob(TP_KIND_LOG, 0xFFFFFFFFu, blob, (unsigned)(r >> 8) % (psize >= 312 ? 256u : psize - 56u));
			else if (psize < 72)
				tp_event2(0xFFFFFFFFu, 0xFFFFFFFFu, (uint32_t)r); /* an event4 record needs 28 bytes */
			else
				tp_event4(0xFFFFFFFFu, 0xFFFFFFFFu, 0x80000000u, 0xFFFFFFFEu, (uint32_t)r);
			/* mostly short gaps, sometimes one across one or more wraps */
			host_advance(r % 211 == 0 ? (r >> 16) % (3ull << TP_BOARD_TIMER_BITS) : (r >> 16) % 100u);
			if (i == 700)
				tt_command(TP_CMD_HEADER);
			if (i % 8 == 0)
				tt_drain();
		}
		tp_flush();
		tt_current = psize == 64 ? "psize 64" : psize == 132 ? "psize 132" : psize == 512 ? "psize 512" : "psize 4096";
		check_stream(psize, o_seq, o_events);
	}
}

int main(void)
{
	RUN(writer_rules);
	return tt_summary("test_spec");
}
