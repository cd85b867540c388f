/* SPDX-License-Identifier: MIT */
/*
 * test_time.c - the 64-bit time base and the per-packet dt rule, built once per timer width
 * (TP_BOARD_TIMER_BITS = 16, 24, 32). Times reconstructed by the reference decoder from
 * ts_begin + sum(dt) must equal the fake timer's true time at every event, across wraps,
 * idle gaps many wraps long, and wraps left pending while the overflow interrupt is held.
 */
#include <string.h>
#include "tp_test.h"

#define PERIOD ((uint64_t)1 << TP_BOARD_TIMER_BITS)
#define MAXEV 4000

static uint64_t when[MAXEV];
static unsigned n_rec;

static void rec(void)
{
	REQUIRE(n_rec < MAXEV);
	when[n_rec] = host_time;
	tp_event1(n_rec, (uint32_t)host_time);
	n_rec++;
}

static void check_times(void)
{
	host_ovf_held = 0;
	host_run_overflow_isr();
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	CHECK_EQ(s.n_events, n_rec);
	CHECK(s.time_unproven == 0);
	for (size_t i = 0; i < s.n_events && i < n_rec; i++) {
		CHECK_EQ(s.events[i].id, i);
		if (s.events[i].t != when[i]) {
			CHECK_EQ(s.events[i].t, when[i]);
			break;
		}
	}
	/* SPEC §6.2: a packet with two or more events lasts less than one timer period. */
	for (size_t i = 0; i < s.n_packets; i++)
		if (s.packets[i].n_events > 1)
			CHECK(s.packets[i].duration < PERIOD);
	struct dec_totals t;
	CHECK(dec_account(&s, 0, &t));
	CHECK_EQ(t.generated, n_rec);
	CHECK_EQ(t.decoded, n_rec);
	dec_free(&s);
}

static void start(void)
{
	n_rec = 0;
	REQUIRE(tt_init(TP_MODE_DISCARD, 256, 64, 1) == 0);
	tt_command(TP_CMD_START);
}

/* tp_now is exact and monotonic at and around every wrap, also with the wrap pending. */
static void now_around_wraps(void)
{
	for (int w = 0; w < 5; w++) {
		uint64_t base = PERIOD * (uint64_t)w;
		for (int64_t off = -3; off <= 3; off++) {
			host_ovf_held = 1;
			host_time = base + (uint64_t)(off + 3) + PERIOD - 3;
			CHECK_EQ(tp_now(), host_time); /* pending: not counted yet */
			host_ovf_held = 0;
			host_run_overflow_isr();
			CHECK_EQ(tp_now(), host_time);
		}
	}
}

static void random_gaps(void)
{
	start();
	for (int i = 0; i < 1500; i++) {
		uint64_t r = tt_rand() % 100, gap;
		if (r < 50)
			gap = tt_rand() % 64;
		else if (r < 80)
			gap = tt_rand() % PERIOD;
		else if (r < 95)
			gap = PERIOD - 1 - tt_rand() % 4; /* one tick short of a period: lows nearly equal */
		else
			gap = PERIOD * (1 + tt_rand() % 40) + tt_rand() % PERIOD; /* idle, many wraps */
		host_advance(gap);
		rec();
		if (i % 32 == 0)
			tt_drain();
	}
	check_times();
}

/* The wrap happens while the overflow interrupt is held (the event is recorded in a
 * critical section): the pending flag alone must split the packet. */
static void pending_wrap_in_critical_section(void)
{
	start();
	for (int i = 0; i < 300; i++) {
		host_advance(tt_rand() % 16);
		rec(); /* the packet's previous event, early in the epoch */
		/* About one period later, across a wrap, interrupt held: just short of a period
		 * (the low bits went down) or just over (they went up: only the flag tells). */
		host_ovf_held = 1;
		if (i % 2)
			host_advance(PERIOD - 1 - tt_rand() % 8);
		else
			host_advance(PERIOD + tt_rand() % 8);
		rec();
		rec();
		host_ovf_held = 0;
		host_run_overflow_isr();
		rec();
		if (i % 16 == 0)
			tt_drain();
	}
	check_times();
}

/* Idle across many wraps with the interrupt running every time; also a packet idle-closed
 * by tp_poll in an older epoch. */
static void long_idle(void)
{
	start();
	rec();
	host_advance(PERIOD * 100 + 7);
	rec();
	host_advance(3);
	rec();
	tp_poll();
	host_advance(PERIOD * 3);
	tp_poll(); /* closes the idle head; its epoch is long gone */
	rec();
	check_times();
}

int main(void)
{
	tt_seed(TP_BOARD_TIMER_BITS);
	RUN(now_around_wraps);
	RUN(random_gaps);
	RUN(pending_wrap_in_critical_section);
	RUN(long_idle);
	char name[32];
	snprintf(name, sizeof name, "test_time (%d-bit timer)", TP_BOARD_TIMER_BITS);
	return tt_summary(name);
}
