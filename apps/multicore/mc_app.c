/* SPDX-License-Identifier: MIT */
/*
 * Shared body of multicore_discard and multicore_overwrite (included with MC_MODE set): every
 * core records MC_EVENTS self-checking events at the same time, into its own channel.
 *
 * After CMD_START core 0 releases core 1 and waits until it runs; then each core c records,
 * for seq = 0 .. MC_EVENTS - 1 in order:
 *     tp_event2(MC_ID = 0x10 + c, c, seq)
 * Core 1 records from thread mode in a tight loop. Core 0 records from a periodic interrupt
 * (app timer 0, MC_BURST events per tick): above the UART's priority, so the drain, which
 * runs in core 0's UART interrupt, neither starves core 0's recording (its packets would then
 * stay open for seconds while core 1's packets stream on) nor stops between bursts. When both are
 * done core 0 flushes, checks committed + dropped = generated per core, prints the ground
 * truth (apps/tpgt.h, one line per core) and exits 0. A decoder checks: per core, ids and
 * the core argument match the core, seq strictly increasing (none duplicated or invented),
 * the merged timeline non-decreasing, and the firmware's counts equal the host's.
 *
 * The ring (MC_PACKETS per core) is far smaller than what both cores record, and the cores
 * record much faster than the UART drains, so discard mode drops and overwrite mode evicts
 * on both cores while they race. On a single-core board the app runs core 0's part only.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "board.h"
#include "tpgt.h"
#include "tracepipe.h"

#ifndef MC_MODE
#error "define MC_MODE (TP_MODE_DISCARD or TP_MODE_OVERWRITE) before including mc_app.c"
#endif

#ifndef MC_EVENTS /* a slow emulator's test builds ask for fewer (test/boards/rp2040.test.ts) */
#define MC_EVENTS 1000000u
#endif
#define MC_ID_BASE 0x10u
#define MC_PACKETS 16u
#define MC_PACKET_SIZE 1024u
#define MC_BURST 256u
/* 1 ms at the board's timer clock: a burst takes a fraction of it under QEMU (about a third
 * on a 2-CPU host), the drain gets the rest. */
#define MC_TICK (TP_BOARD_TIMER_HZ / 1000u)
/* Twice the drain's idle-close age (tp_drain.c TP_IDLE_CLOSE_TICKS, 20 ms). */
#define MC_IDLE_CLOSE_WAIT (TP_BOARD_TIMER_HZ / 25u)

#if TP_BOARD_CORES > 2
#define MC_CORES 2
#else
#define MC_CORES TP_BOARD_CORES
#endif

static uint32_t ring[MC_CORES * MC_PACKETS * MC_PACKET_SIZE / 4u];

/* Core 1 -> core 0 hand-shake; each is written by one core only. */
static volatile uint32_t core1_running;
static volatile uint32_t core1_done;
static volatile uint32_t core1_generated;

/* Spin politely: under round-robin TCG (icount, thread=single) a plain busy-wait lets the
 * other core run only every 100 ms; YIELD hands it the CPU at once. */
static inline void relax(void)
{
	__asm__ volatile("yield" : : : "memory");
}

static inline void publish(void)
{
	__asm__ volatile("dmb" : : : "memory");
}

/* Core 0's recorder: app timer 0's interrupt. */
static volatile uint32_t core0_generated;
static volatile uint32_t core0_done;
/* Each core's tally of its record results (core 0: the timer interrupt is its only writer). */
static volatile struct tpgt_tally tally[2];

static void core0_burst(void)
{
	uint32_t seq = core0_generated;
	for (unsigned i = 0; i < MC_BURST && seq < MC_EVENTS; i++, seq++)
		tpgt_count(&tally[0], tp_event2_checked(MC_ID_BASE + 0u, 0u, seq));
	core0_generated = seq;
	if (seq >= MC_EVENTS)
		core0_done = 1;
}

#if MC_CORES > 1
static uint32_t record_all(unsigned core)
{
	uint32_t generated = 0;
	for (uint32_t seq = 0; seq < MC_EVENTS; seq++) {
		tpgt_count(&tally[core], tp_event2_checked(MC_ID_BASE + core, core, seq));
		generated++;
	}
	return generated;
}

static void core1_main(void)
{
	core1_running = 1;
	uint32_t generated = record_all(1);
	/* Core 1's last packet must not wait for the flush: only a core's own tp_poll closes its
	 * open packet once idle (a close from core 0 could race this core's writer), and while
	 * it stays open the host's merge cannot release core 0's later events in time order; it
	 * holds them up to its limit, then releases them ahead of this packet (the merged
	 * timeline would go back in time). Poll past the idle-close age, then park. */
	const uint64_t done_at = tp_now();
	while (tp_now() - done_at < MC_IDLE_CLOSE_WAIT) {
		tp_poll();
		relax();
	}
	core1_generated = generated;
	/* Its records and counters must be visible to core 0 before "done" is. */
	publish();
	core1_done = 1;
	__asm__ volatile("dsb\n\tsev" : : : "memory");
	/* Core 1 enables no interrupt, so WFI parks it for good (QEMU then stops running it,
	 * where a WFE loop would spin a host CPU). */
	for (;;)
		__asm__ volatile("wfi");
}
#endif

static int check_core(unsigned core, uint32_t generated)
{
	struct tp_counters c;
	tp_get_counters(core, &c);
	if (c.committed + c.dropped != generated) {
		board_puts("multicore: committed + dropped != generated on core ");
		board_put_u32(core);
		board_puts("\n");
		return 0;
	}
	return 1;
}

int main(void)
{
	const struct tp_config cfg = app_config(MC_MODE, ring, MC_PACKET_SIZE, MC_PACKETS, MC_CORES);
	if (app_start(&cfg, "multicore") != 0) {
		return 2;
	}

#if MC_CORES > 1
	if (board_core_start(1, core1_main) != 0) {
		board_puts("multicore: core 1 did not start\n");
		return 2;
	}
	while (!core1_running)
		relax();
#endif
	board_periodic_start(0, MC_TICK, 0, core0_burst);
	while (!core0_done) {
		tp_poll();
		relax();
	}
	board_periodic_stop(0);
	uint32_t generated0 = core0_generated;
#if MC_CORES > 1
	while (!core1_done) {
		tp_poll();
		relax();
	}
	publish();
#endif
	tp_flush();

	int ok = check_core(0, generated0);
	tpgt_report_core(&cfg, 0, generated0, &tally[0], 1);
#if MC_CORES > 1
	ok &= check_core(1, core1_generated);
	tpgt_report_core(&cfg, 1, core1_generated, &tally[1], 1);
#endif
	tpgt_done();
	return ok ? 0 : 1;
}
