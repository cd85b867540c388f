/* SPDX-License-Identifier: MIT */
/*
 * nrf51_timer.c - the timestamp timer's wrap (tp_port_timer_overflow_pending and its
 * interrupt), the link driver's alarm and the apps' two periodic interrupts, on nRF51 TIMERs
 * (see nrf51_timer.h for what board.h names).
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "nrf51_timer.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

#define TS(off) NRF_REG(NRF_TS_TIMER_BASE, off)

/*
 * NOTE(wrap): COMPARE0 with CC[0] = 0 fires when the count rolls over to 0, so "event set"
 * means "wrapped". QEMU 7.2's model also sets the event on any timer update that finds the
 * count exactly 0 (its distance-to-compare wraps to 0 in a uint32_t): right after START and
 * for the first tick after a real wrap. Clearing the event only once the count has left 0
 * (at most one 62.5 ns tick on hardware) keeps a wrap from being counted twice.
 */
static void ts_wait_past_zero(void)
{
	while (tp_port_timer_lo() == 0u) {
	}
}

int tp_port_timer_overflow_pending(void)
{
	return TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_WRAP)) != 0u;
}

void nrf51_ts_alarm_arm(uint32_t ticks)
{
	TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_ALARM)) = 0u;
	TS(NRF_TIMER_CC(NRF_TS_CC_ALARM)) = (tp_port_timer_lo() + ticks) & NRF_TS_MASK;
	TS(NRF_TIMER_INTENSET) = NRF_TIMER_INT_COMPARE1;
}

void nrf51_timer_ts_irq(void)
{
	board_irq_seen = 1;
	if (TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_ALARM)) != 0u) {
		TS(NRF_TIMER_INTENCLR) = NRF_TIMER_INT_COMPARE1;
		TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_ALARM)) = 0u;
		nrf51_ts_alarm_fired();
	}
	/* Clearing the event and counting the wrap happen with interrupts masked, so a reader of
	 * any priority sees either (old count, event set) or (new count, event clear). The wait
	 * past zero runs before masking (it only polls the timer: issue 13 bounds the masked
	 * section); the one inside returns at once unless the event rose after this first look. */
	if (TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_WRAP)) != 0u)
		ts_wait_past_zero();
	uint32_t primask = tp_port_irq_save();
	if (TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_WRAP)) != 0u) {
		ts_wait_past_zero();
		TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_WRAP)) = 0u;
		tp_timer_overflow();
	}
	tp_port_irq_restore(primask);
}

void nrf51_timer_ts_init(void)
{
	TS(NRF_TIMER_TASKS_STOP) = 1u;
	TS(NRF_TIMER_TASKS_CLEAR) = 1u;
	TS(NRF_TIMER_MODE) = 0u;
	TS(NRF_TIMER_BITMODE) = NRF_TS_BITMODE;
	TS(NRF_TIMER_PRESCALER) = 0u;
	TS(NRF_TIMER_SHORTS) = 0u;
	TS(NRF_TIMER_CC(NRF_TS_CC_WRAP)) = 0u;
	TS(NRF_TIMER_TASKS_START) = 1u;
	ts_wait_past_zero();
	TS(NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_WRAP)) = 0u;
	TS(NRF_TIMER_INTENSET) = NRF_TIMER_INT_COMPARE0;
	tp_nvic_set_priority(NRF_TS_TIMER_IRQ, BOARD_PRIO_TIMESTAMP);
	tp_nvic_clear_pending(NRF_TS_TIMER_IRQ);
	tp_nvic_enable(NRF_TS_TIMER_IRQ);
}

/* ---- the apps' periodic interrupts (apps/app_board.h) ---- */

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
