/* SPDX-License-Identifier: MIT */
/*
 * cmsdk_timer.c - the timestamp timer's wrap (tp_port_timer_overflow_pending and the
 * overflow interrupt) on a CMSDK timer (see cmsdk_timer.h for what board.h names). The apps'
 * periodic interrupts are the board's (boards/common/cmsdk_periodic.c), not the port's.
 */
#include <stdint.h>

#include "board_idle.h"
#include "cmsdk_timer.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

#define TS(off) CMSDK_REG(CMSDK_TS_TIMER_BASE, off)

/*
 * NOTE(wrap): INTSTATUS and VALUE do not change together around a wrap. The timer raises
 * INTSTATUS on its 1 -> 0 step and holds VALUE at 0 for one tick before reloading, and QEMU's
 * model can show the flag while VALUE still reads 0 or 1 (its counter rounds up, and reads 0
 * or 1 past a deadline whose callback has not run yet). In both cases the up-count reads
 * RELOAD - 0 or RELOAD - 1, the end of the old period, one wrap ahead once counted. Waiting
 * until the up-count is in the lower half of the range makes "pending" mean what port.h says:
 * the wrap happened and a re-read returns the wrapped value. It takes a tick or two; only a
 * flag left pending for half a wrap period (masked that long) would make it wait longer.
 */
static void ts_wait_wrapped(void)
{
	while (tp_port_timer_lo() > CMSDK_TS_RELOAD / 2u) {
	}
}

#if TP_BOARD_CORES > 1
/*
 * NOTE(cross-core): core 0 takes the wrap interrupt, but the other cores read the 64-bit time
 * too, and core 0's PRIMASK does not stop them. The core's tp_ring_now_locked() reads the
 * count h, the timer, this pending flag, then retries if the count changed. That is exact
 * against a handler that runs entirely inside the read, but not against one caught halfway,
 * between "count + 1" and "flag cleared" (a reader would add the wrap twice) or the reverse
 * order (it would miss it). So the handler raises cmsdk_ts_wrap_busy around both steps, and a
 * reader that finds it raised waits (a few instructions of core 0) and then reports "not
 * pending": the count has changed by then, so the core's retry loop reads again.
 */
volatile uint32_t cmsdk_ts_wrap_busy;
#endif

int tp_port_timer_overflow_pending(void)
{
#if TP_BOARD_CORES > 1
	if (cmsdk_ts_wrap_busy) {
		while (cmsdk_ts_wrap_busy)
			__asm__ volatile("yield"); /* lets core 0 run under round-robin TCG */
		tp_port_dmb();
		return 0;
	}
	tp_port_dmb();
#endif
	if ((TS(CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT) == 0u)
		return 0;
	ts_wait_wrapped();
	return 1;
}

/* Clearing the flag and counting the wrap happen with interrupts masked, so a reader of any
 * priority on this core sees either (old count, flag set) or (new count, flag clear);
 * cmsdk_ts_wrap_busy does the same for readers on other cores. */
void cmsdk_timer_ts_irq(void)
{
	board_irq_seen = 1;
	/* The settle wait (NOTE(wrap)) runs before masking: it only polls the timer, and a tick
	 * or two of it under the mask would be latency every interrupt pays (issue 13 bounds the
	 * masked section). Nothing can undo a wrap between here and the mask; the wait below
	 * returns at once unless the flag rose after this first look. */
	if (TS(CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT)
		ts_wait_wrapped();
	uint32_t primask = tp_port_irq_save();
	if (TS(CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT) {
		ts_wait_wrapped();
#if TP_BOARD_CORES > 1
		cmsdk_ts_wrap_busy = 1;
		tp_port_dmb();
		tp_timer_overflow();
		TS(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		/* The clear must have reached the timer before a reader can see busy == 0. */
		__asm__ volatile("dsb" : : : "memory");
		cmsdk_ts_wrap_busy = 0;
#else
		TS(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		tp_timer_overflow();
#endif
	}
	tp_port_irq_restore(primask);
}

void cmsdk_timer_ts_init(void)
{
	/* Free-running, wrap interrupt only. Writing RELOAD also loads VALUE on hardware; the
	 * SSE-200 model wants VALUE written too. */
	TS(CMSDK_TIMER_CTRL) = 0u;
	TS(CMSDK_TIMER_RELOAD) = CMSDK_TS_RELOAD;
	TS(CMSDK_TIMER_VALUE) = CMSDK_TS_RELOAD;
	TS(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
	tp_nvic_set_priority(CMSDK_TS_TIMER_IRQ, BOARD_PRIO_TIMESTAMP);
	tp_nvic_enable(CMSDK_TS_TIMER_IRQ);
	TS(CMSDK_TIMER_CTRL) = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
}
