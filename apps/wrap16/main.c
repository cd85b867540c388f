/* SPDX-License-Identifier: MIT */
/*
 * wrap16 - 64-bit time across many timer wraps, checked by payload.
 *
 * Meant for a build whose timestamp timer is 16 bits wide, so that TIMER0 wraps every
 * 65536 ticks (2.62 ms at 25 MHz):
 *     make BOARD=qemu-mps2-an385 BUILD=build/qemu-mps2-an385-t16 BOARD_CFLAGS=-DTP_BOARD_TIMER_BITS=16
 * (board.h lets a build narrow TP_BOARD_TIMER_BITS; TIMER0 then reloads at 2^bits - 1 and the
 * HEADER says timer_bits=16). The default 32-bit build runs the same app, with gaps in
 * milliseconds instead of wraps, so it stays quick.
 *
 * After CMD_START every record is
 *     tp_event3(WRAP_ID = 5, seq, (uint32_t)t, (uint32_t)(t >> 32))    t = tp_now() just before
 * so the decoded time T of event seq (in ticks: t_ns * timer_hz / 10^9) must satisfy
 *     t(seq) <= T(seq) <= t(seq + 1)
 * which fails if the 64-bit extension ever loses or invents a wrap.
 *   phase 1: BURST_EVENTS events with a varying busy spin between them (many wraps in all);
 *   phase 2: GAP_EVENTS events, each after an idle gap (WFI) of k wraps plus a fraction,
 *            k = 0, 1, 2, 3, 5, 8, 13, ...: the overflow interrupt alone keeps time meanwhile.
 * Run it under -icount (e.g. -icount shift=0,sleep=off, with the START frame fed on -serial
 * stdio): without icount QEMU's virtual time follows the host clock, and when QEMU runs its
 * timer callback late, VALUE reads stale around the wrap; with a 2.6 ms wrap about one event
 * in 20000 then fails the check. Under icount 20011 events over up to 1210 wraps were exact.
 * Nothing may be dropped (paced as e2e_clean). Then flush, wait for the host's CMD_STOP,
 * ground truth, exit 0.
 *
 * Built with -DWRAP16_EVENT2 (test/boards/microbit-wrap.test.ts) every record is
 *     tp_event2_checked(WRAP_ID, seq, (uint32_t)t)    (the app fails if t reaches 2^32)
 * the 2-argument path, which on a one-core ARMv6-M board with a capture-read timer is the
 * assembly fast path of tp_record_inline.h; and every MASKED_EVERY-th burst record is made
 * with interrupts masked, after the timer has wrapped inside that masked section: the wrap
 * is pending and not counted, so only the record path's wrap-flag check keeps the event out
 * of a packet of the earlier epoch (where it would decode one wrap too early).
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "board.h"
#include "port.h" /* tp_port_irq_save for WRAP16_EVENT2 */
#include "tpgt.h"
#include "tracepipe.h"

#define WRAP_ID 5u
#ifndef BURST_EVENTS /* a slow emulator's test builds ask for fewer (test/boards/rp2040-wrap.test.ts) */
#define BURST_EVENTS 20000u
#endif
#define GAP_EVENTS 10u

#if TP_BOARD_TIMER_BITS <= 24
#define WRAP_TICKS (1u << TP_BOARD_TIMER_BITS)
#else
#define WRAP_TICKS (TP_BOARD_TIMER_HZ / 1000u) /* a wrap would take minutes: 1 ms units */
#endif

#define RING_PACKETS 16u
#define PACKET_SIZE 512u
/* An event3 record takes 24 ring bytes; allow 32 and keep 3 packets spare (see e2e_clean). */
#define PACE_EVENTS APP_PACE_EVENTS(RING_PACKETS, PACKET_SIZE, 32u)

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];
static volatile uint32_t spin_sink;
static struct tpgt_tally tally;

#ifdef WRAP16_EVENT2
#if TP_BOARD_TIMER_BITS > 24
#error "WRAP16_EVENT2 waits for a timer wrap with interrupts masked: build it with a narrow timer"
#endif
#ifndef MASKED_EVERY /* each waits half a wrap on average: the test's build asks for fewer */
#define MASKED_EVERY 128u
#endif

static void record(uint32_t seq)
{
	uint64_t t = tp_now();
	if (t >> 32) {
		board_puts("wrap16: the time no longer fits the 2-argument record\n");
		board_exit(3);
	}
	tpgt_count(&tally, tp_event2_checked(WRAP_ID, seq, (uint32_t)t));
}

static void record_masked_after_wrap(uint32_t seq)
{
	uint32_t key = tp_port_irq_save();
	const uint64_t epoch = tp_now() >> TP_BOARD_TIMER_BITS;
	while ((tp_now() >> TP_BOARD_TIMER_BITS) == epoch) {
	}
	record(seq);
	tp_port_irq_restore(key);
}
#else
/* No masked records: the other builds keep the phases above as they were (other boards'
 * tests, the masked-section benchmark). */
#define MASKED_EVERY 0u

static void record(uint32_t seq)
{
	uint64_t t = tp_now();
	tpgt_count(&tally, tp_event3_checked(WRAP_ID, seq, (uint32_t)t, (uint32_t)(t >> 32)));
}

static void record_masked_after_wrap(uint32_t seq)
{
	record(seq);
}
#endif

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "wrap16") != 0) {
		return 2;
	}

	uint32_t seq = 0;
	for (; seq < BURST_EVENTS; seq++) {
		if (MASKED_EVERY != 0u && seq % MASKED_EVERY == MASKED_EVERY - 1u)
			record_masked_after_wrap(seq);
		else
			record(seq);
		/* 0 .. 4095 loop iterations, scrambled so events land at every phase of the wrap */
		uint32_t spins = (seq * 2654435761u) >> 20;
		for (uint32_t i = 0; i < spins; i++) {
			spin_sink = i;
		}
		if ((seq + 1u) % PACE_EVENTS == 0u) {
			app_drain_link();
		}
	}
	app_drain_link();

	static const uint8_t gap_wraps[GAP_EVENTS] = {0, 1, 2, 3, 5, 8, 13, 1, 0, 2};
	for (unsigned g = 0; g < GAP_EVENTS; g++, seq++) {
		uint64_t until = tp_now() + (uint64_t)gap_wraps[g] * WRAP_TICKS + WRAP_TICKS / 3u + g * 97u;
		while (tp_now() < until) {
			board_idle();
		}
		record(seq);
		app_drain_link();
	}
	/* the last event's upper bound */
	record(seq++);
	tp_flush();
	tpgt_wait_host_ack();

	tpgt_report_core(&cfg, 0, seq, &tally, 1);
	tpgt_done();
	return 0;
}
