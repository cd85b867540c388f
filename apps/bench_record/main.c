/* SPDX-License-Identifier: MIT */
/*
 * bench_record - instructions per recorded event, for `npm run bench`.
 *
 * Run under QEMU with -icount shift=0: every guest instruction advances virtual time by
 * exactly 1 ns, so timer ticks measure instructions (1e9 / TP_BOARD_TIMER_HZ per tick).
 * For each kind the app times N records and N iterations of the same loop without the
 * record, and prints
 *   TPBENCH record kind=<k> n=<N> ticks=<t> base=<b>
 * so that (t - b) * (1e9 / hz) / N is the net cost of one record in instructions, call
 * and argument set-up included (what an instrumented line pays).
 *
 * Nothing is transmitted (no CMD_START), and the channel is re-initialised between
 * blocks outside the timed region, so the figure is the record path itself: reserve,
 * timestamp, stores, commit, plus the packet switch amortised over a packet. It holds no
 * eviction or drop path.
 */
#include <stdint.h>
#include "tracepipe.h"
#include "app_board.h"
#include "board.h"

#define PACKET_SIZE 1024u
#define PACKETS 8u
/* Events per block: what surely fits in the ring (largest record: 7 words). */
#define BLOCK 256u
#define BLOCKS 391u /* BLOCK * BLOCKS = 100096 >= 100000 */
#define N_EVENTS (BLOCK * BLOCKS)

static uint32_t ring[PACKET_SIZE * PACKETS / 4];
static volatile uint32_t sink;

static void channel_reset(void)
{
	struct tp_config cfg = { 0 };
	cfg.mode = TP_MODE_DISCARD;
	cfg.ring = ring;
	cfg.packet_size = PACKET_SIZE;
	cfg.packets = PACKETS;
	cfg.cores = 1;
	(void)tp_init(&cfg);
}

/* One noinline loop per kind, and the same loop with no record: the record call (and its
 * argument set-up) is the only difference between a measured loop and the empty one. */
#define BLOCK_FN(name, stmt)                                                   \
	static __attribute__((noinline)) void blk_##name(uint32_t base)       \
	{                                                                      \
		for (uint32_t i = base; i < base + BLOCK; i++) {               \
			stmt;                                                  \
			sink = i;                                              \
		}                                                              \
	}

static void rec_log2(uint32_t a, uint32_t b)
{
	uint32_t w[2] = { a, b };
	tp_record(TP_KIND_LOG, 5, w, 2);
}

BLOCK_FN(empty, (void)0)
BLOCK_FN(event0, tp_event0(1))
BLOCK_FN(event1, tp_event1(1, i))
BLOCK_FN(event2, tp_event2(1, i, i + 1))
BLOCK_FN(event4, tp_event4(1, i, i + 1, i + 2, i + 3))
BLOCK_FN(mark, tp_mark(2))
BLOCK_FN(span_begin, tp_span_begin(3))
BLOCK_FN(span_end, tp_span_end(3))
BLOCK_FN(counter, tp_counter(4, i))
BLOCK_FN(isr_enter, tp_isr_enter(16))
BLOCK_FN(isr_exit, tp_isr_exit(16))
BLOCK_FN(log2, rec_log2(i, i + 1))

struct kind_fn {
	const char *name;
	void (*fn)(uint32_t base);
};

static const struct kind_fn kinds[] = {
	{ "event0", blk_event0 }, { "event1", blk_event1 }, { "event2", blk_event2 },
	{ "event4", blk_event4 }, { "mark", blk_mark }, { "span_begin", blk_span_begin },
	{ "span_end", blk_span_end }, { "counter", blk_counter }, { "isr_enter", blk_isr_enter },
	{ "isr_exit", blk_isr_exit }, { "log2", blk_log2 },
};

static uint64_t time_blocks(void (*fn)(uint32_t))
{
	uint64_t total = 0;
	for (uint32_t b = 0; b < BLOCKS; b++) {
		channel_reset();
		uint64_t t0 = tp_now();
		fn(b * BLOCK);
		total += tp_now() - t0;
	}
	return total;
}

int main(void)
{
	channel_reset();
	board_init();
	uint64_t base = time_blocks(blk_empty);
	for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		uint64_t t = time_blocks(kinds[k].fn);
		board_puts("TPBENCH record kind=");
		board_puts(kinds[k].name);
		board_puts(" n=");
		board_put_u32(N_EVENTS);
		board_puts(" ticks=");
		board_put_u32((uint32_t)t);
		board_puts(" base=");
		board_put_u32((uint32_t)base);
		board_puts("\n");
	}
	board_puts("TPBENCH done\n");
	board_exit(0);
}
