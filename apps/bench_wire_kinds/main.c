/* SPDX-License-Identifier: MIT */
/*
 * bench_wire_kinds - wire bytes per event for every record kind, for `npm run bench`.
 *
 * For each argument range (small: every argument < 128; random: full-range 32-bit
 * xorshift values) and each kind, the app records N_EVENTS events, polling the drain after
 * each, then flushes, so that no packet on the wire mixes two groups. The host splits the
 * `-serial file:` dump into frames and charges each PACKET frame (COBS, CRC and delimiter
 * included) to the kind and argument count of its events (bench/host-bench.ts wirekinds).
 * Run under -icount shift=0 so the time deltas, and hence the bytes, are reproducible.
 *
 * Then, with the link stopped, it drives the loss paths too (overwrite-mode evictions,
 * discard-mode drops), so that bench/masked_plugin.c sees every path that masks
 * interrupts in one run.
 */
#include <stdint.h>
#include "tracepipe.h"
#include "app_board.h"
#include "app_util.h"

#define N_EVENTS 5000u

static uint32_t ring[1024 * 8 / 4];
static volatile uint32_t sink;
static uint32_t seed = 0x12345678u;

static uint32_t arg(int random, uint32_t i)
{
	if (!random)
		return i & 0x7fu;
	uint32_t x = seed;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	seed = x;
	return x;
}

static void record(unsigned kind, int random, uint32_t i)
{
	switch (kind) {
	case 0: tp_event0(1); break;
	case 1: tp_event1(1, arg(random, i)); break;
	case 2: tp_event2(1, arg(random, i), arg(random, i + 1)); break;
	case 3: tp_event4(1, arg(random, i), arg(random, i + 1), arg(random, i + 2), arg(random, i + 3)); break;
	case 4: tp_mark(2); break;
	case 5: tp_span_begin(3); break;
	case 6: tp_span_end(3); break;
	case 7: tp_counter(4, arg(random, i)); break;
	case 8: tp_isr_enter(16); break;
	case 9: tp_isr_exit(16); break;
	default: {
		uint32_t w[2] = { arg(random, i), arg(random, i + 1) };
		tp_record(TP_KIND_LOG, 5, w, 2);
		break;
	}
	}
}

int main(void)
{
	struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, 1024, 8, 1);
	cfg.autostart = 1; /* the bench sends no CMD_START */
	(void)tp_init(&cfg);
	board_init();
	for (int random = 0; random < 2; random++) {
		for (unsigned kind = 0; kind < 11; kind++) {
			for (uint32_t i = 0; i < N_EVENTS; i++) {
				record(kind, random, i);
				(void)tp_poll();
			}
			tp_flush();
		}
	}
	struct tp_counters c;
	tp_get_counters(0, &c);
	uint32_t committed = c.committed, dropped = c.dropped;

	/* Loss paths, nothing transmitted: a full ring evicts (overwrite), then drops (discard). */
	cfg.autostart = 0;
	cfg.mode = TP_MODE_OVERWRITE;
	(void)tp_init(&cfg);
	for (uint32_t i = 0; i < 4 * N_EVENTS; i++)
		tp_event2(1, i, i);
	struct tp_counters ov;
	tp_get_counters(0, &ov);
	cfg.mode = TP_MODE_DISCARD;
	(void)tp_init(&cfg);
	for (uint32_t i = 0; i < 4 * N_EVENTS; i++)
		tp_event2(1, i, i);
	struct tp_counters dr;
	tp_get_counters(0, &dr);

	board_puts("TPBENCH kinds n=");
	board_put_u32(N_EVENTS);
	board_puts(" committed=");
	board_put_u32(committed);
	board_puts(" dropped=");
	board_put_u32(dropped);
	board_puts(" stress_overwritten=");
	board_put_u32(ov.overwritten);
	board_puts(" stress_dropped=");
	board_put_u32(dr.dropped);
	board_puts("\nTPBENCH done\n");
	board_exit(0);
}
