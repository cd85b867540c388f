/* SPDX-License-Identifier: MIT */
/*
 * e2e_overload - a small discard-mode ring fed faster than the link drains it, so events are
 * dropped; the firmware's ground truth must equal the host's numbers exactly.
 *
 * After CMD_START a periodic interrupt (app timer 0) records a burst of BURST events per tick,
 *     tp_event2(E2E_OVERLOAD_ID = 2, seq, seq ^ 0xA5A5A5A5)     seq = 0, 1, 2 ... (one count)
 * while thread mode only polls the drain. The UART interrupt that also drains has the lowest
 * priority, so nothing leaves the ring during a burst: a burst (64 events, about 1.3 KiB of
 * records) overfills the 4 x 128 B ring every time, whatever the host's read speed. After
 * BURSTS ticks the app flushes, waits for the host's CMD_STOP (tpgt_wait_host_ack), prints the
 * ground truth (apps/tpgt.h) and exits 0.
 * Received events must still carry consistent payloads (arg1 = arg0 ^ 0xA5A5A5A5) with
 * strictly increasing seq.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "tpgt.h"
#include "tracepipe.h"

#define E2E_OVERLOAD_ID 2u
#define E2E_XOR 0xA5A5A5A5u
#define BURST 64u
#ifndef BURSTS /* fewer and faster on slow emulators (test/boards/rp2040-usb.test.ts) */
#define BURSTS 400u
#endif
#ifndef TICK_PERIOD
#define TICK_PERIOD 20000u /* timer ticks (25 MHz): 0.8 ms */
#endif

#define RING_PACKETS 4u
#define PACKET_SIZE 128u

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];
static volatile uint32_t generated;
static volatile uint32_t bursts_done;
static volatile struct tpgt_tally tally;

static void burst_tick(void)
{
	if (bursts_done >= BURSTS) {
		return;
	}
	uint32_t seq = generated;
	for (uint32_t i = 0; i < BURST; i++, seq++) {
		tpgt_count(&tally, tp_event2_checked(E2E_OVERLOAD_ID, seq, seq ^ E2E_XOR));
	}
	generated = seq;
	bursts_done++;
}

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "e2e_overload") != 0) {
		return 2;
	}

	board_periodic_start(0, TICK_PERIOD, 0, burst_tick);
	while (bursts_done < BURSTS) {
		tp_poll();
	}
	board_periodic_stop(0);
	tp_flush();
	tpgt_wait_host_ack();

	tpgt_report_core(&cfg, 0, generated, &tally, 1);
	tpgt_done();
	return 0;
}
