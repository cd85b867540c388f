/* SPDX-License-Identifier: MIT */
/*
 * demo - what an instrumented app looks like: a main loop doing paced "work" and a periodic
 * interrupt, producing user events, spans, counters, marks and ISR enter/exit.
 *
 * It waits for CMD_START, then runs until the host stops it (QEMU is killed; CMD_FLUSH and
 * CMD_DUMP are handled by the core inside tp_poll()). Event ids:
 *   ISR enter/exit  exception number of app timer 0 (TIMER1: 25 on this board)
 *   user event 1    tick(n)                       from the interrupt, 1 kHz
 *   user event 2    work(iteration, checksum)     main loop
 *   span 1          "work" around each iteration's computation
 *   counter 1       queue depth (ticks not yet handled by the loop)
 *   mark 1          every 100th iteration
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "tracepipe.h"

#define TICK_PERIOD 25000u /* 1 ms at 25 MHz */
#define RING_PACKETS 8u
#define PACKET_SIZE 512u

enum { EV_TICK = 1, EV_WORK = 2 };
enum { SPAN_WORK = 1 };
enum { CTR_QUEUE = 1 };
enum { MARK_HUNDRED = 1 };

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];
static volatile uint32_t ticks;

static void tick(void)
{
	unsigned exc = board_active_exception();
	tp_isr_enter(exc);
	ticks++;
	tp_event1(EV_TICK, ticks);
	tp_isr_exit(exc);
}

static uint32_t work(uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1u;
	for (unsigned i = 0; i < 200u; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
	return x;
}

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "demo") != 0) {
		return 2;
	}

	board_periodic_start(0, TICK_PERIOD, 0, tick);
	uint32_t handled = 0;
	uint32_t iteration = 0;
	for (;;) {
		while (handled == ticks) {
			tp_poll();
			board_idle();
		}
		tp_counter(CTR_QUEUE, ticks - handled);
		handled++;
		iteration++;
		tp_span_begin(SPAN_WORK);
		uint32_t sum = work(iteration);
		tp_span_end(SPAN_WORK);
		tp_event2(EV_WORK, iteration, sum);
		if (iteration % 100u == 0u) {
			tp_mark(MARK_HUNDRED);
		}
		tp_poll();
	}
}
