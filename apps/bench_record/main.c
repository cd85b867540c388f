/* SPDX-License-Identifier: MIT */
/*
 * bench_record - instructions per recorded event, for `npm run bench`.
 *
 * Run under QEMU with -icount shift=0: every guest instruction advances virtual time by
 * exactly 1 ns, so timer ticks measure instructions (40 per tick at 25 MHz). For each kind
 * the app times N records and N iterations of the same loop with no record, and prints
 *   TPBENCH record kind=<k> n=<N> ticks=<t> base=<b>
 * so that (t - b) * (1e9 / hz) / N is the net cost of one record in instructions.
 *
 * Nothing is transmitted (no CMD_START), and the channel is re-initialised between
 * blocks outside the timed region, so the figure is the record path itself: reserve,
 * timestamp, stores, commit, plus the packet switch amortised over a packet. It holds no
 * eviction or drop path.
 */
#include <stdint.h>
#include "tracepipe.h"
#include "app_board.h"

#define N_EVENTS 100000u
#define PACKET_SIZE 1024u
#define PACKETS 8u
/* Events per block: what surely fits in the ring (largest record: 6 words). */
#define BLOCK 256u

static uint32_t ring[PACKET_SIZE * PACKETS / 4];
static volatile uint32_t sink;

enum bench_kind { B_EVENT0, B_EVENT1, B_EVENT2, B_EVENT4, B_MARK, B_SPAN_BEGIN, B_SPAN_END,
	B_COUNTER, B_ISR_ENTER, B_ISR_EXIT, B_LOG2, B_COUNT };
static const char *const kind_names[B_COUNT] = { "event0", "event1", "event2", "event4", "mark",
	"span_begin", "span_end", "counter", "isr_enter", "isr_exit", "log2" };

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

/* noinline keeps the loop shape identical between the measured and the empty run; the
 * record call is the only difference. */
static __attribute__((noinline)) void run_block(enum bench_kind k, uint32_t base, int empty)
{
	for (uint32_t i = base; i < base + BLOCK; i++) {
		if (empty) {
			sink = i;
			continue;
		}
		switch (k) {
		case B_EVENT0: tp_event0(1); break;
		case B_EVENT1: tp_event1(1, i); break;
		case B_EVENT2: tp_event2(1, i, i + 1); break;
		case B_EVENT4: tp_event4(1, i, i + 1, i + 2, i + 3); break;
		case B_MARK: tp_mark(2); break;
		case B_SPAN_BEGIN: tp_span_begin(3); break;
		case B_SPAN_END: tp_span_end(3); break;
		case B_COUNTER: tp_counter(4, i); break;
		case B_ISR_ENTER: tp_isr_enter(16); break;
		case B_ISR_EXIT: tp_isr_exit(16); break;
		case B_LOG2: {
			uint32_t a[2] = { i, i + 1 };
			tp_record(TP_KIND_LOG, 5, a, 2);
			break;
		}
		default: break;
		}
		sink = i;
	}
}

static uint64_t time_kind(enum bench_kind k, int empty)
{
	uint64_t total = 0;
	for (uint32_t done = 0; done < N_EVENTS; done += BLOCK) {
		channel_reset();
		uint64_t t0 = tp_now();
		run_block(k, done, empty);
		total += tp_now() - t0;
	}
	return total;
}

int main(void)
{
	board_init();
	for (int k = 0; k < B_COUNT; k++) {
		uint64_t t = time_kind((enum bench_kind)k, 0);
		uint64_t b = time_kind((enum bench_kind)k, 1);
		board_puts("TPBENCH record kind=");
		board_puts(kind_names[k]);
		board_puts(" n=");
		board_put_u32(N_EVENTS);
		board_puts(" ticks=");
		board_put_u32((uint32_t)t);
		board_puts(" base=");
		board_put_u32((uint32_t)b);
		board_puts("\n");
	}
	board_puts("TPBENCH done\n");
	board_exit(0);
}
