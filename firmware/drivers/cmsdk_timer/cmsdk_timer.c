/* SPDX-License-Identifier: MIT */
/*
 * cmsdk_timer.c - the timestamp timer's wrap (tp_port_timer_overflow_pending and the
 * overflow interrupt) and the apps' two periodic interrupts, on CMSDK timers (see
 * cmsdk_timer.h for what board.h names).
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "cmsdk_timer.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

#define TS(off) CMSDK_REG(CMSDK_TS_TIMER_BASE, off)
#define APP(off) CMSDK_REG(CMSDK_APP_TIMER_BASE, off)
#define DUAL1(off) CMSDK_REG(CMSDK_APP_DUALTIMER_BASE, CMSDK_DUALTIMER1_OFFSET + (off))

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

/* ---- the apps' periodic interrupts (apps/app_board.h) ---- */

/* which 0 = the APB app timer, which 1 = the dual timer's timer 1. */
static void (*volatile periodic_fn[2])(void);

static unsigned app_prio_level(unsigned prio)
{
	/* App level 0 maps just below the timestamp timer; the link stays below them all. */
	unsigned level = prio + 1u + BOARD_PRIO_TIMESTAMP;
	return level < BOARD_PRIO_LINK ? level : BOARD_PRIO_LINK - 1u;
}

void board_periodic_start(unsigned which, uint32_t period_ticks, unsigned prio, void (*fn)(void))
{
	if (period_ticks < 2u)
		period_ticks = 2u;
	if (which == 0u) {
		tp_nvic_disable(CMSDK_APP_TIMER_IRQ);
		APP(CMSDK_TIMER_CTRL) = 0u;
		periodic_fn[0] = fn;
		/* The timer counts RELOAD..0 inclusive: RELOAD + 1 ticks per interrupt. */
		APP(CMSDK_TIMER_RELOAD) = period_ticks - 1u;
		APP(CMSDK_TIMER_VALUE) = period_ticks - 1u;
		APP(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		tp_nvic_clear_pending(CMSDK_APP_TIMER_IRQ);
		tp_nvic_set_priority(CMSDK_APP_TIMER_IRQ, app_prio_level(prio));
		tp_nvic_enable(CMSDK_APP_TIMER_IRQ);
		APP(CMSDK_TIMER_CTRL) = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
	} else {
		tp_nvic_disable(CMSDK_APP_DUALTIMER_IRQ);
		DUAL1(CMSDK_DUALTIMER_CONTROL) = 0u;
		periodic_fn[1] = fn;
		DUAL1(CMSDK_DUALTIMER_LOAD) = period_ticks;
		DUAL1(CMSDK_DUALTIMER_INTCLR) = 1u;
		tp_nvic_clear_pending(CMSDK_APP_DUALTIMER_IRQ);
		tp_nvic_set_priority(CMSDK_APP_DUALTIMER_IRQ, app_prio_level(prio));
		tp_nvic_enable(CMSDK_APP_DUALTIMER_IRQ);
		DUAL1(CMSDK_DUALTIMER_CONTROL) = CMSDK_DUALTIMER_CTRL_EN | CMSDK_DUALTIMER_CTRL_MODE_PERIODIC |
						 CMSDK_DUALTIMER_CTRL_INTEN | CMSDK_DUALTIMER_CTRL_SIZE32;
	}
}

void board_periodic_stop(unsigned which)
{
	if (which == 0u) {
		APP(CMSDK_TIMER_CTRL) = 0u;
		tp_nvic_disable(CMSDK_APP_TIMER_IRQ);
		APP(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		tp_nvic_clear_pending(CMSDK_APP_TIMER_IRQ);
		periodic_fn[0] = NULL;
	} else {
		DUAL1(CMSDK_DUALTIMER_CONTROL) = 0u;
		tp_nvic_disable(CMSDK_APP_DUALTIMER_IRQ);
		DUAL1(CMSDK_DUALTIMER_INTCLR) = 1u;
		tp_nvic_clear_pending(CMSDK_APP_DUALTIMER_IRQ);
		periodic_fn[1] = NULL;
	}
}

static void periodic_call(unsigned which)
{
	void (*fn)(void) = periodic_fn[which];
	if (fn != NULL)
		fn();
}

void cmsdk_app_timer_irq(void)
{
	board_irq_seen = 1;
	/* Clear before the callback: a tick that comes due while it runs is kept, not merged. */
	APP(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
	periodic_call(0);
}

void cmsdk_app_dualtimer_irq(void)
{
	board_irq_seen = 1;
	DUAL1(CMSDK_DUALTIMER_INTCLR) = 1u;
	periodic_call(1);
}
