/* SPDX-License-Identifier: MIT */
/*
 * bench_live - live throughput through the trace link, for `npm run bench`.
 *
 * After CMD_START the app records 2-argument events with small arguments (the typical
 * event) as fast as the link drains them, for BENCH_LIVE_SECONDS of target time: it
 * records a burst that surely fits in the free part of the ring, then polls until every
 * finished packet has left the board (tp_poll returns 0 and the UART holds nothing), and
 * repeats. So the link, not the app, sets the rate, and nothing is dropped; the ground
 * truth line (apps/tpgt.h) proves it. Then it flushes, waits for the host's CMD_STOP and
 * exits.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "board.h"
#include "tpgt.h"
#include "tracepipe.h"

#ifndef BENCH_LIVE_SECONDS
#define BENCH_LIVE_SECONDS 10u
#endif

#define PACKET_SIZE 1024u
#define RING_PACKETS (APP_RING_BYTES / PACKET_SIZE) /* 16, or fewer on a board short of RAM */
/* A 2-argument record takes 20 ring bytes; 32 leaves room. The open packet and the one
 * being sent fit in the 3 packets kept free. */
#define BURST APP_PACE_EVENTS(RING_PACKETS, PACKET_SIZE, 32u)

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "bench_live") != 0) {
		return 2;
	}
	uint32_t generated = 0;
	uint64_t t0 = tp_now();
	uint64_t stop = t0 + (uint64_t)BENCH_LIVE_SECONDS * TP_BOARD_TIMER_HZ;
	while (tp_now() < stop) {
		for (uint32_t i = 0; i < BURST; i++) {
			tp_event2(1, generated & 0x7fu, (generated >> 7) & 0x7fu);
			generated++;
		}
		app_drain_link();
	}
	uint64_t t1 = tp_now();
	tp_flush();
	tpgt_wait_host_ack();
	tpgt_report_untallied(&cfg, 0, generated);
	board_puts("TPBENCH live ticks=");
	board_put_u32((uint32_t)(t1 - t0));
	board_puts("\n");
	tpgt_done();
	return 0;
}
