/* SPDX-License-Identifier: MIT */
/*
 * e2e_clean - a known sequence of 100000 self-checking events that must all arrive.
 *
 * After CMD_START the app records, for seq = 0 .. 99999 in order:
 *     tp_event2(E2E_CLEAN_ID = 1, seq, seq ^ 0xA5A5A5A5)
 * from thread mode only, then tp_flush(), waits for the host's CMD_STOP (at most 2 s, see
 * tpgt_wait_host_ack), prints the ground truth (apps/tpgt.h) on the semihosting console and
 * exits 0. A decoder checks: exactly these 100000 events, in this
 * order, every second argument equal to the first XOR 0xA5A5A5A5, time non-decreasing,
 * dropped = overwritten = link_lost = 0.
 *
 * Nothing may be dropped however slowly the host reads, so the app paces itself: every
 * PACE_EVENTS events it polls until every finished packet has left the board. PACE_EVENTS
 * fills at most RING_PACKETS - 3 packets, assuming a 2-argument record takes at most 32 ring
 * bytes (the core stores 20); the packet still open and one being sent fit in the rest.
 * If that assumption ever breaks, the ground truth shows dropped > 0 and the test fails.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "board.h"
#include "tpgt.h"
#include "tracepipe.h"

#define E2E_CLEAN_ID 1u
#ifndef E2E_EVENTS /* smaller for slow emulators (test/boards/rp2040-usb.test.ts) */
#define E2E_EVENTS 100000u
#endif
#define E2E_XOR 0xA5A5A5A5u

#define PACKET_SIZE 1024u
#define RING_PACKETS (APP_RING_BYTES / PACKET_SIZE) /* 16, or fewer on a board short of RAM */
#define PACE_EVENTS APP_PACE_EVENTS(RING_PACKETS, PACKET_SIZE, 32u)

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "e2e_clean") != 0) {
		return 2;
	}

	uint32_t generated = 0;
	struct tpgt_tally tally = {0, 0, 0};
	for (uint32_t seq = 0; seq < E2E_EVENTS; seq++) {
		tpgt_count(&tally, tp_event2_checked(E2E_CLEAN_ID, seq, seq ^ E2E_XOR));
		generated++;
		if (generated % PACE_EVENTS == 0u) {
			app_drain_link();
		}
	}
	tp_flush();
	tpgt_wait_host_ack();

	tpgt_report_core(&cfg, 0, generated, &tally, 1);
	tpgt_done();
	return 0;
}
