/* SPDX-License-Identifier: MIT */
/*
 * nrf51_periodic.c - the apps' two periodic interrupts (apps/app_board.h board_periodic_start)
 * on two nRF51 TIMERs. App support, not the tracer's port: the footprint does not count it
 * (bench/target.mjs counts firmware/ and boards/<b>/port.o). board.h names
 * NRF_APP_TIMER1_BASE/_IRQ and NRF_APP_TIMER2_BASE/_IRQ, and BOARD_PRIO_TIMESTAMP and
 * BOARD_PRIO_LINK (the app levels sit between); the handlers for the vector table are
 * nrf51_app_timer1_irq and nrf51_app_timer2_irq.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "nrf51_timer.h"
#include "tp_nvic.h"

/* Both app timers are 16-bit, so long periods use the prescaler: period_ticks is rounded
 * down to a multiple of 2^prescaler ticks of the 16 MHz clock. */
static void (*volatile periodic_fn[2])(void);
static const uint32_t periodic_base[2] = {NRF_APP_TIMER1_BASE, NRF_APP_TIMER2_BASE};
static const unsigned periodic_irq[2] = {NRF_APP_TIMER1_IRQ, NRF_APP_TIMER2_IRQ};

static unsigned app_prio_level(unsigned prio)
{
	/* Two levels between the timestamp timer and the link. */
	return prio == 0u ? BOARD_PRIO_TIMESTAMP + 1u : BOARD_PRIO_LINK - 1u;
}

void board_periodic_start(unsigned which, uint32_t period_ticks, unsigned prio, void (*fn)(void))
{
	which = which != 0u;
	uint32_t base = periodic_base[which];
	unsigned irq = periodic_irq[which];
	unsigned prescaler = 0;
	while (prescaler < 9u && (period_ticks >> prescaler) > 0xFFFFu)
		prescaler++;
	uint32_t cc = period_ticks >> prescaler;
	if (cc > 0xFFFFu)
		cc = 0xFFFFu;
	if (cc < 2u)
		cc = 2u;
	tp_nvic_disable(irq);
	NRF_REG(base, NRF_TIMER_TASKS_STOP) = 1u;
	NRF_REG(base, NRF_TIMER_TASKS_CLEAR) = 1u;
	periodic_fn[which] = fn;
	NRF_REG(base, NRF_TIMER_MODE) = 0u;
	NRF_REG(base, NRF_TIMER_BITMODE) = NRF_TIMER_BITMODE_16;
	NRF_REG(base, NRF_TIMER_PRESCALER) = prescaler;
	NRF_REG(base, NRF_TIMER_CC(0)) = cc;
	NRF_REG(base, NRF_TIMER_SHORTS) = NRF_TIMER_SHORTS_COMPARE0_CLEAR;
	NRF_REG(base, NRF_TIMER_EVENTS_COMPARE(0)) = 0u;
	NRF_REG(base, NRF_TIMER_INTENSET) = NRF_TIMER_INT_COMPARE0;
	tp_nvic_clear_pending(irq);
	tp_nvic_set_priority(irq, app_prio_level(prio));
	tp_nvic_enable(irq);
	NRF_REG(base, NRF_TIMER_TASKS_START) = 1u;
}

void board_periodic_stop(unsigned which)
{
	which = which != 0u;
	uint32_t base = periodic_base[which];
	NRF_REG(base, NRF_TIMER_TASKS_STOP) = 1u;
	NRF_REG(base, NRF_TIMER_INTENCLR) = NRF_TIMER_INT_COMPARE0;
	tp_nvic_disable(periodic_irq[which]);
	NRF_REG(base, NRF_TIMER_EVENTS_COMPARE(0)) = 0u;
	tp_nvic_clear_pending(periodic_irq[which]);
	periodic_fn[which] = NULL;
}

static void periodic_irq_common(unsigned which)
{
	board_irq_seen = 1;
	/* Clear before the callback: a period that ends while it runs is kept, not merged. */
	NRF_REG(periodic_base[which], NRF_TIMER_EVENTS_COMPARE(0)) = 0u;
	void (*fn)(void) = periodic_fn[which];
	if (fn != NULL)
		fn();
}

void nrf51_app_timer1_irq(void)
{
	periodic_irq_common(0);
}

void nrf51_app_timer2_irq(void)
{
	periodic_irq_common(1);
}
