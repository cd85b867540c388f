/* SPDX-License-Identifier: MIT */
/*
 * flight_recorder - post-mortem use of overwrite mode: the app records from boot, with no host
 * and nothing transmitted, into a small ring that keeps only the newest packets. A host that
 * sends CMD_DUMP (`tracepipe dump`) stops the recording and receives the ring.
 *
 * Two writers share core 0's channel, with the payload of apps/stress_common/stress.c:
 *     tp_event3(FR_ID = 3, ctx, seq, seq ^ 0xA5A5A5A5 ^ (ctx * 0x9E3779B9))
 *   context 0  thread mode, a tight loop
 *   context 1  app timer 0, a burst of BURST1 events per tick (preempts the thread)
 * Once the dump is requested neither writer records again, so the FINAL status the dump ends
 * with holds the final counters. The thread checks and records with interrupts masked: a
 * command arriving between its check and its record would otherwise count one drop after
 * the FINAL status (the transmit interrupt can finish the whole dump before the thread runs).
 * After the host's CMD_STOP (or 2 s): ground truth (apps/tpgt.h), one TPCTX line per context
 * (as stress.c), exit 0.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "port.h"
#include "tpgt.h"
#include "tracepipe.h"

#define FR_ID 3u
#define CONTEXTS 2u
#define BURST1 4u
#define PERIOD1 5000u /* timer ticks: 200 us at 25 MHz */
#define RING_PACKETS 8u
#define PACKET_SIZE 512u

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];
static volatile uint32_t generated[CONTEXTS];
static volatile struct tpgt_tally tally[CONTEXTS];

static void emit(uint32_t ctx, unsigned n)
{
	uint32_t seq = generated[ctx];
	for (unsigned i = 0; i < n; i++, seq++) {
		tpgt_count(&tally[ctx], tp_event3_checked(FR_ID, ctx, seq, seq ^ 0xA5A5A5A5u ^ (ctx * 0x9E3779B9u)));
	}
	generated[ctx] = seq;
}

static void tick1(void)
{
	if (!tp_dump_requested()) {
		emit(1, BURST1);
	}
}

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_OVERWRITE, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (tp_init(&cfg) != 0) {
		board_puts("flight_recorder: tp_init failed\n");
		return 2;
	}
	/* after tp_init: see app_board.h */
	board_init();
	board_periodic_start(0, PERIOD1, 0, tick1);
	for (;;) {
		uint32_t key = tp_port_irq_save();
		int stop = tp_dump_requested();
		if (!stop) {
			emit(0, 1);
		}
		tp_port_irq_restore(key);
		if (stop) {
			break;
		}
		/* handles commands; sends nothing until a host asks */
		tp_poll();
	}
	board_periodic_stop(0);
	/* the dump's own flush runs in tp_poll; the host answers its FINAL status with CMD_STOP */
	tpgt_wait_host_ack();

	uint32_t total = 0;
	for (unsigned c = 0; c < CONTEXTS; c++) {
		total += generated[c];
	}
	tpgt_report_core(&cfg, 0, total, tally, CONTEXTS);
	tpgt_report_contexts(generated, CONTEXTS);
	tpgt_done();
	return 0;
}
