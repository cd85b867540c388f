/* SPDX-License-Identifier: MIT */
/*
 * Shared body of bench_wire_small and bench_wire_random (included with BENCH_RANDOM set).
 *
 * Emits N (30 000) two-argument events and drains them by polling to the UART, then flushes.
 * Under -icount shift=0 the printed tick counts give the whole target CPU per event
 * (record + drain + encoding + COBS + CRC + UART register writes, minus the empty loop);
 * the bytes QEMU writes to `-serial file:` give the wire bytes per event, framing included.
 *   TPBENCH wire random=<0|1> n=<N> ticks=<t> base=<b>
 */
#include <stdint.h>
#include "tracepipe.h"
#include "app_board.h"

#define N_EVENTS 30000u

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

static __attribute__((noinline)) uint64_t run(int empty)
{
	uint32_t seed = 0x12345678u;
	uint64_t t0 = tp_now();
	for (uint32_t i = 0; i < N_EVENTS; i++) {
		uint32_t a = BENCH_RANDOM ? xorshift32(&seed) : (i & 0x7f);
		uint32_t b = BENCH_RANDOM ? xorshift32(&seed) : ((i >> 7) & 0x7f);
		if (empty) {
			sink = a ^ b;
			continue;
		}
		tp_event2(1, a, b);
		sink = a ^ b;
		(void)tp_poll();
	}
	if (!empty) {
		tp_flush();
	}
	return tp_now() - t0;
}

int main(void)
{
	struct tp_config cfg = { 0 };
	cfg.mode = TP_MODE_DISCARD;
	cfg.ring = ring;
	cfg.packet_size = 1024;
	cfg.packets = 8;
	cfg.cores = 1;
	cfg.autostart = 1;
	(void)tp_init(&cfg);
	board_init(); /* after tp_init: see app_board.h */
	uint64_t b = run(1);
	uint64_t t = run(0);
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
	board_puts("\nTPBENCH done\n");
	/* No host will send CMD_STOP to a -serial file: run; a channel that is not started
	 * spares board_exit its wait for one (a second of spinning under -icount). */
	cfg.autostart = 0;
	(void)tp_init(&cfg);
	board_exit(0);
}
