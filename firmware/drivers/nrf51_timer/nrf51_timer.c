/* SPDX-License-Identifier: MIT */
/*
 * nrf51_timer.c - the timestamp timer's wrap (tp_port_timer_overflow_pending and its
 * interrupt) and the link driver's alarm, on an nRF51 TIMER (see nrf51_timer.h for what
 * board.h names). The apps' periodic interrupts are the board's (boards/common/nrf51_periodic.c):
 * they are not part of the tracer's port.
 *
 * Size: registers are reached from one base each (NRF_BLOCK, nrf51_timer.h), and only the
 * registers whose reset value is wrong are written (nRF51 RM v3.0, TIMER registers: MODE,
 * SHORTS and CC[n] reset to 0; after any reset the timer is stopped at 0).
 */
#include <stdint.h>

#include "board_idle.h"
#include "nrf51_timer.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

/*
 * NOTE(wrap): COMPARE0 with CC[0] = 0 fires when the count rolls over to 0, so "event set"
 * means "wrapped". QEMU 7.2's model also sets the event on any timer update that finds the
 * count exactly 0 (its distance-to-compare wraps to 0 in a uint32_t): right after START and
 * for the first tick after a real wrap. Clearing the event only once the count has left 0
 * (at most one 62.5 ns tick on hardware) keeps a wrap from being counted twice. Out of line:
 * the start-up and the handler share it (8 B less on a Cortex-M0; the call is once a wrap).
 */
__attribute__((noinline)) static void ts_wait_past_zero(void)
{
	while (tp_port_timer_lo() == 0u) {
	}
}

int tp_port_timer_overflow_pending(void)
{
	return *TP_PORT_TS_WRAP_FLAG != 0u;
}

#if NRF_TS_HAS_ALARM
/* COMPARE1's interrupt stays enabled from init on: arming is one store. A late or spare
 * COMPARE1 (the count passing CC[1] again a wrap later) only pends the alarm's interrupt
 * once more, which finds nothing to do (nrf51_timer.h). */
void nrf51_ts_alarm_arm(uint32_t ticks)
{
	NRF_REG(NRF_TS_TIMER_BASE, NRF_TIMER_CC(NRF_TS_CC_ALARM)) = (tp_port_timer_lo() + ticks) & NRF_TS_MASK;
}
#endif

void nrf51_timer_ts_irq(void)
{
	volatile uint32_t *ev = NRF_BLOCK(NRF_TS_TIMER_BASE + NRF_TIMER_EVENTS_COMPARE(0));
	board_irq_seen = 1;
#if NRF_TS_HAS_ALARM
	if (ev[NRF_TS_CC_ALARM] != 0u) {
		ev[NRF_TS_CC_ALARM] = 0u;
		tp_nvic_set_pending(NRF_TS_ALARM_IRQ);
	}
#endif
	/* Clearing the event and counting the wrap must look as one step to every reader, which
	 * sees either (old count, event set) or (new count, event clear). At NVIC level 0 (the
	 * highest) nothing that records can preempt this handler: an interrupt of the same level
	 * waits, and NMI and HardFault, which no tracer call may come from, pass PRIMASK as well.
	 * So the step is masked only at a lower level. The wait past zero runs before masking (it
	 * only polls the timer: issue 13 bounds the masked section); the one inside returns at
	 * once unless the event rose after this first look. */
#if BOARD_PRIO_TIMESTAMP == 0
	if (ev[NRF_TS_CC_WRAP] != 0u) {
		ts_wait_past_zero();
		ev[NRF_TS_CC_WRAP] = 0u;
		tp_timer_overflow();
	}
#else
	if (ev[NRF_TS_CC_WRAP] != 0u)
		ts_wait_past_zero();
	uint32_t primask = tp_port_irq_save();
	if (ev[NRF_TS_CC_WRAP] != 0u) {
		ts_wait_past_zero();
		ev[NRF_TS_CC_WRAP] = 0u;
		tp_timer_overflow();
	}
	tp_port_irq_restore(primask);
#endif
}

void nrf51_timer_ts_init(void)
{
	volatile uint32_t *cfg = NRF_BLOCK(NRF_TS_TIMER_BASE + NRF_TIMER_MODE);
	cfg[(NRF_TIMER_BITMODE - NRF_TIMER_MODE) / 4u] = NRF_TS_BITMODE;
	cfg[(NRF_TIMER_PRESCALER - NRF_TIMER_MODE) / 4u] = 0u; /* resets to 4 */
	NRF_REG(NRF_TS_TIMER_BASE, NRF_TIMER_TASKS_START) = 1u;
	ts_wait_past_zero();
	NRF_REG(NRF_TS_TIMER_BASE, NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_WRAP)) = 0u;
	NRF_REG(NRF_TS_TIMER_BASE, NRF_TIMER_INTENSET) = NRF_TIMER_INT_COMPARE0 | (NRF_TS_HAS_ALARM ? NRF_TIMER_INT_COMPARE1 : 0u);
	/* Level 0 is the NVIC's reset value; nothing pends before INTENSET. */
#if BOARD_PRIO_TIMESTAMP != 0
	tp_nvic_set_priority(NRF_TS_TIMER_IRQ, BOARD_PRIO_TIMESTAMP);
#endif
	tp_nvic_enable(NRF_TS_TIMER_IRQ);
}
