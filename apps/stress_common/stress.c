/* SPDX-License-Identifier: MIT */
/*
 * stress.c - shared body of stress_discard and stress_overwrite (each app's main.c defines
 * STRESS_MODE and #includes this file; it is not an app of its own).
 *
 * Three writers share core 0's channel at a high rate and nest into each other:
 *   context 0  thread mode, a tight loop that also polls the drain every POLL_EVERY events
 *   context 1  app timer 0 (TIMER1), lower priority: a burst of BURST1 events per tick
 *   context 2  app timer 1 (dual timer), higher priority, preempts context 1: BURST2 per tick
 * Every record is
 *     tp_event3(STRESS_ID = 3, ctx, seq, seq ^ 0xA5A5A5A5 ^ (ctx * 0x9E3779B9))
 * with seq counting 0, 1, 2 ... per context. A decoder proves no event was torn (arg2
 * matches), duplicated or invented (seq strictly increasing per context, below that
 * context's generated count). The thread stops at STRESS_EVENTS events in total (the
 * interrupts may add a few more before they are stopped), then the app flushes, waits for the
 * host's CMD_STOP (tpgt_wait_host_ack) and prints
 * the ground truth (apps/tpgt.h) plus one line per context, before "TPGT done":
 *     TPCTX core=0 ctx=<c> generated=<n>
 * The ring is small (8 x 512 B) so both modes lose events: discard drops; overwrite evicts, and
 * drops when the packet it would evict is the one on the wire (most of its losses under QEMU).
 */
#ifndef STRESS_MODE
#error "define STRESS_MODE (TP_MODE_DISCARD or TP_MODE_OVERWRITE) before including stress.c"
#endif

#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "tpgt.h"
#include "tracepipe.h"

#define STRESS_ID 3u
#define STRESS_EVENTS 1000000u
#define STRESS_CONTEXTS 3u
#define POLL_EVERY 8u
#define BURST1 32u
#define BURST2 16u
/* Periods in timer ticks (25 MHz), not multiples of each other so the nesting point moves. */
#define PERIOD1 2000u
#define PERIOD2 1300u

#define RING_PACKETS 8u
#define PACKET_SIZE 512u

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];
static volatile uint32_t generated[STRESS_CONTEXTS];
static volatile struct tpgt_tally tally[STRESS_CONTEXTS];
static volatile uint8_t stopping;

static inline uint32_t stress_check(uint32_t ctx, uint32_t seq)
{
	return seq ^ 0xA5A5A5A5u ^ (ctx * 0x9E3779B9u);
}

/* Each context owns its generated[] and tally[] slots: only that context writes them. */
static void emit(uint32_t ctx, unsigned n)
{
	uint32_t seq = generated[ctx];
	for (unsigned i = 0; i < n; i++, seq++) {
		tpgt_count(&tally[ctx], tp_event3_checked(STRESS_ID, ctx, seq, stress_check(ctx, seq)));
	}
	generated[ctx] = seq;
}

static uint32_t total(void)
{
	uint32_t t = 0;
	for (unsigned c = 0; c < STRESS_CONTEXTS; c++) {
		t += generated[c];
	}
	return t;
}

/* The interrupts stop on their own at the target too: on a slow host they could otherwise
 * take all the CPU and the thread would never get to stop them. */
static void tick1(void)
{
	if (!stopping && total() < STRESS_EVENTS) {
		emit(1, BURST1);
	}
}

static void tick2(void)
{
	if (!stopping && total() < STRESS_EVENTS) {
		emit(2, BURST2);
	}
}

int main(void)
{
	const struct tp_config cfg = app_config(STRESS_MODE, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "stress") != 0) {
		return 2;
	}

	board_periodic_start(0, PERIOD1, 1, tick1);
	board_periodic_start(1, PERIOD2, 0, tick2);
	while (total() < STRESS_EVENTS) {
		emit(0, POLL_EVERY);
		tp_poll();
	}
	stopping = 1;
	board_periodic_stop(1);
	board_periodic_stop(0);
	tp_flush();
	tpgt_wait_host_ack();

	tpgt_report_core(&cfg, 0, total(), tally, STRESS_CONTEXTS);
	tpgt_report_contexts(generated, STRESS_CONTEXTS);
	tpgt_done();
	return 0;
}
