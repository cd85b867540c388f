/* SPDX-License-Identifier: MIT */
/*
 * rp2040_periodic.c - the apps' two periodic interrupts (apps/app_board.h
 * board_periodic_start) on the RP2040 TIMER's ALARM1 (which 0) and ALARM2 (which 1). App
 * support, not the tracer's port: the footprint does not count it (bench/target.mjs counts
 * firmware/ and boards/<b>/port.o). The handlers for the vector table are
 * rp2040_timer_app1_irq and rp2040_timer_app2_irq.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "rp2040_sio.h"
#include "rp2040_timer.h"
#include "tp_nvic.h"

#define TIMER_REG(off) RP2040_REG(TIMER_BASE, off)

static void (*volatile periodic_fn[2])(void);
static uint32_t periodic_period[2];
static uint32_t periodic_next[2];

static unsigned app_prio_level(unsigned prio)
{
	/* Two levels between the timestamp alarm and the link. */
	return prio == 0u ? BOARD_PRIO_TIMESTAMP + 1u : BOARD_PRIO_LINK - 1u;
}

static void alarm_arm(unsigned which)
{
	/* An alarm matches TIMERAWL exactly, so a target already passed would wait a full wrap
	 * (71 min). When the handler fell that far behind, skip to the next reachable period. */
	uint32_t next = periodic_next[which] + periodic_period[which];
	uint32_t now = TIMER_REG(TIMER_TIMERAWL);
	if ((int32_t)(next - now) < 2) {
		next = now + 2u;
	}
	periodic_next[which] = next;
	TIMER_REG(TIMER_ALARM1 + 4u * which) = next;
}

void board_periodic_start(unsigned which, uint32_t period_ticks, unsigned prio, void (*fn)(void))
{
	which &= 1u;
	unsigned irq = RP2040_IRQ_TIMER1 + which;
	uint32_t bit = TIMER_ALARM(1u + which);
	tp_nvic_disable(irq);
	TIMER_REG(TIMER_ARMED) = bit;
	TIMER_REG(TIMER_INTR) = bit;
	periodic_fn[which] = fn;
	periodic_period[which] = period_ticks < 2u ? 2u : period_ticks;
	periodic_next[which] = TIMER_REG(TIMER_TIMERAWL);
	RP2040_SET(TIMER_BASE, TIMER_INTE) = bit;
	tp_nvic_clear_pending(irq);
	tp_nvic_set_priority(irq, app_prio_level(prio));
	tp_nvic_enable(irq);
	alarm_arm(which);
}

void board_periodic_stop(unsigned which)
{
	which &= 1u;
	unsigned irq = RP2040_IRQ_TIMER1 + which;
	uint32_t bit = TIMER_ALARM(1u + which);
	tp_nvic_disable(irq);
	TIMER_REG(TIMER_ARMED) = bit; /* write 1 to disarm */
	RP2040_CLR(TIMER_BASE, TIMER_INTE) = bit;
	TIMER_REG(TIMER_INTR) = bit;
	tp_nvic_clear_pending(irq);
	periodic_fn[which] = NULL;
}

static void periodic_irq(unsigned which)
{
	board_irq_seen = 1;
	/* Clear and re-arm before the callback: a period that comes due while it runs is kept. */
	TIMER_REG(TIMER_INTR) = TIMER_ALARM(1u + which);
	alarm_arm(which);
	void (*fn)(void) = periodic_fn[which];
	if (fn != NULL) {
		fn();
	}
}

void rp2040_timer_app1_irq(void)
{
	periodic_irq(0u);
}

void rp2040_timer_app2_irq(void)
{
	periodic_irq(1u);
}
