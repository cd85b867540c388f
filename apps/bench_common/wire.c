/* SPDX-License-Identifier: MIT */
/*
 * Shared body of bench_wire_small and bench_wire_random (included with BENCH_RANDOM set).
 *
 * Emits N (30 000) two-argument events and drains them by polling to the UART, then flushes,
 * twice: once polling after every event, once polling per batch of BATCH events (until the
 * drain has nothing left to send). Under -icount shift=0 the printed tick counts give the
 * whole target CPU per event (record + drain + encoding + COBS + CRC + UART register writes,
 * minus the empty loop); the bytes QEMU writes to `-serial file:` (both passes, the same
 * events) give the wire bytes per event, framing included.
 *   TPBENCH wire random=<0|1> n=<N> ticks=<t> base=<b> batched=<t2> batch=<B>
 */
#include <stdint.h>
#include "tracepipe.h"
#include "app_board.h"
#include "app_util.h"

/* The host bench builds a longer run (-DN_EVENTS=...) for a large real capture. */
#ifndef N_EVENTS
#define N_EVENTS 30000u
#endif
/* Events between polls in the batched pass: well under one packet's worth. */
#define BATCH 32u

static uint32_t ring[1024 * 8 / 4];
static volatile uint32_t sink;

static uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

enum { RUN_EMPTY, RUN_POLL_EACH, RUN_BATCHED };

static __attribute__((noinline)) uint64_t run(int mode)
{
	uint32_t seed = 0x12345678u;
	uint64_t t0 = tp_now();
	for (uint32_t i = 0; i < N_EVENTS; i++) {
		uint32_t a = BENCH_RANDOM ? xorshift32(&seed) : (i & 0x7f);
		uint32_t b = BENCH_RANDOM ? xorshift32(&seed) : ((i >> 7) & 0x7f);
		if (mode == RUN_EMPTY) {
			sink = a ^ b;
			continue;
		}
		tp_event2(1, a, b);
		sink = a ^ b;
		if (mode == RUN_POLL_EACH)
			(void)tp_poll();
		else if ((i + 1) % BATCH == 0)
			while (tp_poll() != 0)
				;
	}
	if (mode != RUN_EMPTY) {
		tp_flush();
	}
	return tp_now() - t0;
}

int main(void)
{
	struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, 1024, 8, 1);
	cfg.autostart = 1; /* the bench sends no CMD_START */
	(void)tp_init(&cfg);
	board_init(); /* after tp_init: see app_board.h */
	uint64_t b = run(RUN_EMPTY);
	uint64_t t = run(RUN_POLL_EACH);
	uint64_t t2 = run(RUN_BATCHED);
	struct tp_counters c;
	tp_get_counters(0, &c);
	board_puts("TPBENCH wire random=");
	board_put_u32(BENCH_RANDOM);
	board_puts(" n=");
	board_put_u32(N_EVENTS);
	board_puts(" ticks=");
	board_put_u32((uint32_t)t);
	board_puts(" base=");
	board_put_u32((uint32_t)b);
	board_puts(" dropped=");
	board_put_u32(c.dropped);
	board_puts(" batched=");
	board_put_u32((uint32_t)t2);
	board_puts(" batch=");
	board_put_u32(BATCH);
	board_puts("\nTPBENCH done\n");
	/* No host will send CMD_STOP to a -serial file: run; a channel that is not started
	 * spares board_exit its wait for one (a second of spinning under -icount). */
	cfg.autostart = 0;
	(void)tp_init(&cfg);
	board_exit(0);
}
