/* SPDX-License-Identifier: MIT */
/*
 * rp2040_timer.c - the timestamp timer's wrap (tp_port_timer_overflow_pending and ALARM0's
 * interrupt; see rp2040_timer.h for what board.h names). The apps' periodic interrupts on
 * ALARM1 and ALARM2 are the board's (boards/common/rp2040_periodic.c), not the port's.
 */
#include <stdint.h>

#include "board_idle.h"
#include "port.h"
#include "rp2040_sio.h"
#include "rp2040_timer.h"
#include "tp_nvic.h"
#include "tracepipe.h"

#define TIMER_REG(off) RP2040_REG(TIMER_BASE, off)

/*
 * ALARM0 compares against TIMERAWL only and is armed for 0, so it fires exactly when the low
 * word wraps, and its raw flag in INTR (one register, seen by both cores) stays set until the
 * handler below has counted the wrap.
 *
 * NOTE(cross-core): the handler runs on core 0 while core 1 may be reading the time. The core
 * reads (count, TIMERAWL, pending) and retries if the count moved, which is enough on one core
 * (interrupts are masked) but not across cores: core 1 could see the new count with the flag
 * still set, and count the wrap twice. So the handler counts and clears under a spinlock, in
 * that order, and a reader that sees the flag set re-reads it under the same lock. A clear
 * flag needs no lock: with that order it is never seen before the count moved.
 */
int tp_port_timer_overflow_pending(void)
{
	if ((TIMER_REG(TIMER_INTR) & TIMER_ALARM(0)) == 0u) {
		return 0;
	}
	rp2040_spin_lock(RP2040_SPINLOCK_TS_WRAP);
	int pending = (TIMER_REG(TIMER_INTR) & TIMER_ALARM(0)) != 0u;
	rp2040_spin_unlock(RP2040_SPINLOCK_TS_WRAP);
	return pending;
}

/* ALARM0 fires when it equals the count (datasheet, "Alarms"): armed while TIMERAWL still
 * reads 0 it would fire and disarm at once for a wrap that is not there, and the INTR clear
 * after it would wipe that, so no later wrap would ever be counted. Waits at most 1 us. */
static void ts_alarm_arm_past_zero(void)
{
	while (TIMER_REG(TIMER_TIMERAWL) == 0u) {
	}
	TIMER_REG(TIMER_ALARM0) = 0u;
}

void rp2040_timer_ts_irq(void)
{
	board_irq_seen = 1;
	uint32_t primask = tp_port_irq_save();
	rp2040_spin_lock(RP2040_SPINLOCK_TS_WRAP);
	if (TIMER_REG(TIMER_INTR) & TIMER_ALARM(0)) {
		/* Re-arm for the next wrap, 2^32 us after this one; this runs well within the first
		 * microsecond after the wrap, hence the wait. */
		ts_alarm_arm_past_zero();
		tp_timer_overflow();
		__asm__ volatile("dmb" : : : "memory");
		TIMER_REG(TIMER_INTR) = TIMER_ALARM(0);
	}
	rp2040_spin_unlock(RP2040_SPINLOCK_TS_WRAP);
	tp_port_irq_restore(primask);
}

void rp2040_timer_ts_init(void)
{
	/* Fresh from reset the TIMER counts up from 0: clear the flag only after the wait, or a
	 * wrap that never was would be counted. */
	while (TIMER_REG(TIMER_TIMERAWL) == 0u) {
	}
	TIMER_REG(TIMER_INTR) = TIMER_ALARM(0);
	RP2040_SET(TIMER_BASE, TIMER_INTE) = TIMER_ALARM(0);
	ts_alarm_arm_past_zero();
	tp_nvic_set_priority(RP2040_IRQ_TIMER0, BOARD_PRIO_TIMESTAMP);
	tp_nvic_clear_pending(RP2040_IRQ_TIMER0);
	tp_nvic_enable(RP2040_IRQ_TIMER0);
}
