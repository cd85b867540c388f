/* SPDX-License-Identifier: MIT */
/*
 * cmsdk_periodic.c - the apps' two periodic interrupts (apps/app_board.h board_periodic_start)
 * on a CMSDK APB timer and the dual timer's timer 1. App support, not the tracer's port: the
 * footprint does not count it (bench/target.mjs counts firmware/ and boards/<b>/port.o).
 * board.h names CMSDK_APP_TIMER_BASE/_IRQ, CMSDK_APP_DUALTIMER_BASE/_IRQ, and
 * BOARD_PRIO_TIMESTAMP and BOARD_PRIO_LINK (the app levels sit between); the handlers for the
 * vector table are cmsdk_app_timer_irq and cmsdk_app_dualtimer_irq.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "cmsdk_timer.h"
#include "tp_nvic.h"

#define APP(off) CMSDK_REG(CMSDK_APP_TIMER_BASE, off)
#define DUAL1(off) CMSDK_REG(CMSDK_APP_DUALTIMER_BASE, CMSDK_DUALTIMER1_OFFSET + (off))

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
