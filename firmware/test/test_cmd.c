/* SPDX-License-Identifier: MIT */
/*
 * test_cmd.c - host commands (SPEC §8) and transport behaviour: nothing is sent before
 * CMD_START, STOP/HEADER/FLUSH/DUMP do what the spec says, and garbage, bad CRCs, bodies,
 * unknown types and oversized frames are ignored.
 */
#include <string.h>
#include "tp_test.h"

static void feed(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tp_rx_byte(b[i]);
}

/* Frames an arbitrary message (with a correct or broken CRC) to the target. */
static void send_msg(const uint8_t *msg, size_t n, int break_crc)
{
	uint8_t m[64], f[80];
	memcpy(m, msg, n);
	uint32_t crc = tp_crc32c(msg, n);
	if (break_crc)
		crc ^= 0xFF000000u;
	for (int i = 0; i < 4; i++)
		m[n + i] = (uint8_t)(crc >> (8 * i));
	/* Frame message+crc with the tests' own COBS encoder (the framer would add its own CRC). */
	size_t o = enc_cobs(m, n + 4, f);
	f[o++] = 0;
	feed(f, o);
}

static void nothing_before_start(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 4, 1) == 0);
	for (int i = 0; i < 100; i++) {
		tp_event2(1, 2, 3);
		host_advance(5);
		tp_poll();
	}
	tp_flush(); /* not started: returns without sending */
	CHECK_EQ(host_tx_len, 0);
	CHECK(!tp_started());
	/* Recording went on: the ring filled, the rest was dropped. */
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK(c.committed > 0);
	CHECK(c.dropped > 0);
	CHECK_EQ(c.committed + c.dropped, 100);
	/* START: BOOT header, a status, then the held packets; the identity holds. */
	tt_command(TP_CMD_START);
	CHECK(tp_started());
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_headers >= 1);
	CHECK_EQ(s.order[0], DEC_HEADER);
	CHECK_EQ(s.headers[0].flags, 1);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, 100);
	CHECK_EQ(t.dropped, c.dropped);
	CHECK_EQ(t.link_lost, 0);
	dec_free(&s);
}

static void header_stop_start(void)
{
	static const uint8_t id[4] = {0xDE, 0xAD, 0xBE, 0xEF};
	host_set_build_id(id, 4);
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 4, 2) == 0);
	tt_command(TP_CMD_START);
	tt_drain();
	tt_command(TP_CMD_HEADER);
	tt_drain();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	REQUIRE(s.n_headers == 2);
	CHECK_EQ(s.headers[0].flags, 1);
	CHECK_EQ(s.headers[1].flags, 0); /* BOOT only on the first */
	CHECK_EQ(s.headers[1].mode, 1);
	CHECK_EQ(s.headers[1].cores, 2);
	CHECK_EQ(s.headers[1].build_id_len, 4);
	CHECK(memcmp(s.headers[1].build_id, id, 4) == 0);
	CHECK_EQ(s.headers[0].session, s.headers[1].session);
	CHECK_EQ(s.n_statuses, 2); /* one per core after START */
	dec_free(&s);

	tt_command(TP_CMD_STOP);
	CHECK(!tp_started());
	size_t before = host_tx_len;
	for (int i = 0; i < 50; i++)
		tp_event0(1);
	tt_drain();
	tt_command(TP_CMD_HEADER); /* stopped: asked for, but not sent until START */
	tt_drain();
	CHECK_EQ(host_tx_len, before);
	tt_command(TP_CMD_START);
	tt_drain();
	CHECK(host_tx_len > before);
	host_set_build_id(NULL, 0);
}

/* A frame in flight when STOP arrives is finished, never cut. */
static void stop_mid_frame(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 512, 4, 1) == 0);
	tt_command(TP_CMD_START);
	tt_drain();
	for (int i = 0; i < 60; i++)
		tp_event4(i, 1, 2, 3, 4);
	tp_poll(); /* nothing closed yet */
	tp_flush();
	size_t full = host_tx_len;
	tt_reset();
	REQUIRE(tt_init(TP_MODE_DISCARD, 512, 4, 1) == 0);
	tt_command(TP_CMD_START);
	tt_drain();
	for (int i = 0; i < 60; i++)
		tp_event4(i, 1, 2, 3, 4);
	host_tx_budget = 0;
	tt_command(TP_CMD_FLUSH);
	host_tx_budget = 20;
	tp_poll(); /* 20 bytes of the packet frame */
	tt_command(TP_CMD_STOP);
	host_tx_budget = SIZE_MAX;
	tt_drain();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0); /* the frame completed */
	CHECK(host_tx_len < full); /* and nothing after it */
	dec_free(&s);
}

static void garbage_ignored(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 4, 1) == 0);
	/* random bytes, never a valid START */
	for (int i = 0; i < 20000; i++) {
		uint8_t b = (uint8_t)tt_rand();
		if (b == 0x10)
			b = 0x11;
		tp_rx_byte(b);
	}
	tp_rx_byte(0);
	const uint8_t start = TP_CMD_START;
	send_msg(&start, 1, 1); /* bad CRC */
	const uint8_t with_body[2] = {TP_CMD_START, 0x01};
	send_msg(with_body, 2, 0); /* commands have no body */
	const uint8_t unknown = 0x15;
	send_msg(&unknown, 1, 0);
	const uint8_t packet_type = TP_MSG_PACKET;
	send_msg(&packet_type, 1, 0);
	uint8_t huge[40];
	memset(huge, 0x10, sizeof huge);
	feed(huge, sizeof huge); /* oversized, then a valid frame glued to its end */
	uint8_t fr[16];
	size_t n = tp_frame_buffer(&start, 1, fr);
	feed(fr, n);
	uint8_t bad_cobs[] = {0x09, 0x10, 0x01, 0x00}; /* code points past the end */
	feed(bad_cobs, sizeof bad_cobs);
	tt_drain();
	CHECK(!tp_started());
	CHECK_EQ(host_tx_len, 0);
	/* After all that the parser is in sync: a clean START works. */
	tt_command(TP_CMD_START);
	CHECK(tp_started());
	/* A START split by a stray delimiter is two broken frames, not a command. */
	tt_command(TP_CMD_STOP);
	CHECK(!tp_started());
	tp_rx_byte(fr[0]);
	tp_rx_byte(0);
	feed(fr + 1, n - 1);
	CHECK(!tp_started());
}

static void dump_stops_recording(void)
{
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 4, 1) == 0);
	for (int i = 0; i < 500; i++) {
		tp_event1(i, i);
		host_advance(3);
	}
	struct tp_counters c0;
	tp_get_counters(0, &c0);
	CHECK(c0.overwritten > 0);
	tt_command(TP_CMD_DUMP); /* implies start */
	CHECK(tp_dump_requested());
	CHECK(tp_started());
	for (int i = 0; i < 10; i++)
		tp_event0(1); /* after the dump: rejected (recording stopped), not dropped */
	tt_drain();
	struct tp_counters c1;
	tp_get_counters(0, &c1);
	CHECK_EQ(c1.rejected, c0.rejected + 10);
	CHECK_EQ(c1.dropped, c0.dropped);
	CHECK_EQ(c1.committed, c0.committed);
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_statuses >= 1);
	CHECK(s.statuses[s.n_statuses - 1].final);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, 510);
	CHECK_EQ(t.overwritten, c1.overwritten);
	CHECK_EQ(t.rejected, 10);
	CHECK_EQ(t.link_lost, 0);
	/* The newest events survived: the last decoded event is the last one recorded. */
	REQUIRE(s.n_events > 0);
	CHECK_EQ(s.events[s.n_events - 1].id, 499);
	dec_free(&s);
}

/* The drain is not re-entered: a tx interrupt during a poll returns at once. */
static int reentered;
static void reenter_hook(void)
{
	size_t before = host_tx_len;
	tp_tx_isr();
	reentered = host_tx_len != before;
}

static void drain_not_reentrant(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 4, 1) == 0);
	tt_command(TP_CMD_START);
	host_tx_hook = reenter_hook; /* a TX interrupt in the middle of a poll */
	tt_drain();
	CHECK(host_tx_len > 0);
	CHECK(!reentered);
}

/* tp_poll sends a packet that stayed open TP_IDLE_CLOSE_TICKS (a quiet app still shows up
 * live), and not before. */
static void idle_packet_closed_by_poll(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 512, 4, 1) == 0);
	tt_command(TP_CMD_START);
	tt_drain();
	tp_mark(7);
	host_advance(TP_BOARD_TIMER_HZ / 50u - 1u);
	tt_drain();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_packets, 0);
	dec_free(&s);
	host_advance(1);
	tt_drain();
	dec_stream(host_tx_buf, host_tx_len, &s);
	REQUIRE(s.n_packets == 1);
	CHECK_EQ(s.n_events, 1);
	CHECK_EQ(s.events[0].id, 7);
	dec_free(&s);
}

/* A HEADER at least every 64 packets and a STATUS every 16 packets of a core, sent from
 * the TX interrupt path (tp_tx_isr) with a transmitter that takes a few bytes at a time. */
static void periodic_header_and_status(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 64, 8, 1) == 0);
	tt_command(TP_CMD_START);
	for (int i = 0; i < 3000; i++) {
		tp_event0((uint32_t)i); /* 12-byte records: 2 per 64-byte packet */
		host_advance(1);
		host_tx_budget = 40;
		tp_tx_isr();
	}
	host_tx_budget = SIZE_MAX;
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	CHECK(s.n_packets >= 1000);
	CHECK(s.n_headers >= 1 + s.n_packets / 64 - 1);
	CHECK(s.n_statuses >= s.n_packets / 16);
	/* no run of more than 64 packets without a header */
	size_t run = 0, worst = 0;
	for (size_t i = 0; i < s.n_frames - s.n_bad; i++) {
		if (s.order[i] == DEC_HEADER)
			run = 0;
		else if (s.order[i] == DEC_PACKET && ++run > worst)
			worst = run;
	}
	CHECK(worst <= 64);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, 3000);
	CHECK_EQ(t.link_lost, 0);
	dec_free(&s);
}

/* Writers keep recording (from the TX interrupt) while a flush runs: the flush still ends
 * with FINAL statuses, and a second flush accounts for everything recorded meanwhile. */
static unsigned busy_left, busy_recorded;
static void record_during_flush(void)
{
	if (busy_left == 0)
		return;
	busy_left--;
	tp_event1(1000 + busy_recorded, busy_recorded);
	busy_recorded++;
	host_advance(2);
	host_tx_hook = record_during_flush;
}

/* A started channel holding 100 events, whose writers record 3000 more from the TX hook. */
static int start_with_busy_writers(tp_mode_t mode, unsigned packets)
{
	if (tt_init(mode, 128, packets, 1) != 0)
		return 0;
	tt_command(TP_CMD_START);
	for (int i = 0; i < 100; i++)
		tp_event1(i, i);
	busy_left = 3000;
	busy_recorded = 0;
	host_tx_hook = record_during_flush;
	return 1;
}

static void flush_under_load(void)
{
	REQUIRE(start_with_busy_writers(TP_MODE_OVERWRITE, 4));
	tp_flush();
	host_tx_hook = NULL;
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	size_t finals = 0;
	for (size_t i = 0; i < s.n_statuses; i++)
		finals += s.statuses[i].final;
	CHECK_EQ(finals, 1);
	CHECK(busy_recorded > 100); /* the flush really ran under load */
	dec_free(&s);
	tp_flush();
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, 100 + busy_recorded);
	CHECK_EQ(t.link_lost, 0);
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK_EQ(t.overwritten, c.overwritten);
	CHECK_EQ(t.dropped, c.dropped);
	dec_free(&s);
}

/* The host's CMD_FLUSH closes the books: its FINAL is the last frame, however busy the
 * writers are meanwhile, and the link stays quiet until the host's CMD_STOP or CMD_START
 * (SPEC §8); tp_started() stays true meanwhile (apps wait for the STOP as the host's
 * acknowledgement). tp_flush() from the app does not quiet the link. */
static void host_flush_ends_with_final(void)
{
	REQUIRE(start_with_busy_writers(TP_MODE_DISCARD, 8));
	tt_command(TP_CMD_FLUSH);
	tt_drain();
	host_tx_hook = NULL;
	CHECK(tp_started());
	CHECK(busy_recorded > 0); /* writers ran while the flush was sent */
	for (int i = 0; i < 200; i++)
		tp_event1(i, i); /* recorded after the flush: kept in the ring, not sent */
	size_t silent = host_tx_len;
	tt_drain();
	CHECK_EQ(host_tx_len, silent);
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_frames > 0 && s.n_statuses > 0);
	CHECK_EQ(s.order[s.n_frames - 1], TP_MSG_STATUS);
	CHECK(s.statuses[s.n_statuses - 1].final);
	dec_free(&s);
	/* the host's CMD_STOP ends it; a new CMD_START resumes with a header and the packets
	 * recorded meanwhile; the app's own tp_flush() leaves the link sending */
	tt_command(TP_CMD_STOP);
	CHECK(!tp_started());
	tt_command(TP_CMD_START);
	tt_drain();
	CHECK(host_tx_len > silent);
	size_t resumed = host_tx_len;
	tp_flush();
	for (int i = 0; i < 200; i++)
		tp_event1(i, i);
	tt_drain();
	CHECK(tp_started());
	CHECK(host_tx_len > resumed);
}

int main(void)
{
	RUN(nothing_before_start);
	RUN(header_stop_start);
	RUN(stop_mid_frame);
	RUN(garbage_ignored);
	RUN(dump_stops_recording);
	RUN(drain_not_reentrant);
	RUN(idle_packet_closed_by_poll);
	RUN(periodic_header_and_status);
	RUN(flush_under_load);
	RUN(host_flush_ends_with_final);
	return tt_summary("test_cmd");
}
