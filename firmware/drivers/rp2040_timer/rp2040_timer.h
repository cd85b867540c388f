/* SPDX-License-Identifier: MIT */
/*
 * rp2040_timer.h - the RP2040's shared 64-bit microsecond TIMER (datasheet 4.6 "Timer") as the
 * timestamp timer of the tracepipe port (ALARM0 marks each wrap of the low word) and the apps'
 * two periodic interrupts (ALARM1, ALARM2).
 *
 * board.h names: TIMER_BASE, RP2040_IRQ_TIMER0..2, BOARD_PRIO_TIMESTAMP and BOARD_PRIO_LINK
 * (the app alarms sit between), RP2040_SPINLOCK_TS_WRAP. The handlers to put in the vector
 * table: rp2040_timer_ts_irq (TIMER_IRQ_0), and the app alarms' rp2040_timer_app1_irq,
 * rp2040_timer_app2_irq (TIMER_IRQ_1, _2; boards/common/rp2040_periodic.c: app support, not
 * the tracer's port), on core 0. The timer counts only once the board runs the watchdog tick.
 */
#ifndef RP2040_TIMER_H
#define RP2040_TIMER_H

#include <stdint.h>

#include "board.h"
#include "rp2040_sio.h"

#define TIMER_ALARM0 0x10u
#define TIMER_ALARM1 0x14u
#define TIMER_ALARM2 0x18u
#define TIMER_ARMED 0x20u
#define TIMER_TIMERAWH 0x24u
#define TIMER_TIMERAWL 0x28u
#define TIMER_INTR 0x34u
#define TIMER_INTE 0x38u
#define TIMER_ALARM(n) (1u << (n))

#if TP_BOARD_TIMER_BITS != 32
#error "rp2040_timer gives the core TIMERAWL: TP_BOARD_TIMER_BITS must be 32"
#endif

/*
 * TIMERAWL, not TIMELR: reading TIMELR latches TIMEHR until TIMEHR is read, so two cores (or
 * a thread and an interrupt) reading the latched pair corrupt each other's high word. The raw
 * register has no latch, and one 32-bit read of it is atomic.
 */
static inline uint32_t tp_port_timer_lo(void)
{
	return RP2040_REG(TIMER_BASE, TIMER_TIMERAWL);
}

/* The 64-bit microsecond count, for apps. TIMERAWH / TIMERAWL / TIMERAWH: the raw pair has
 * no latch, so this is safe on both cores at once (the latched TIMELR/TIMEHR pair is not). */
static inline uint64_t rp2040_time_us(void)
{
	uint32_t hi = RP2040_REG(TIMER_BASE, TIMER_TIMERAWH);
	for (;;) {
		uint32_t lo = RP2040_REG(TIMER_BASE, TIMER_TIMERAWL);
		uint32_t hi2 = RP2040_REG(TIMER_BASE, TIMER_TIMERAWH);
		if (hi2 == hi) {
			return (uint64_t)hi << 32 | lo;
		}
		hi = hi2;
	}
}

/* ALARM0 armed for the wrap, its interrupt at BOARD_PRIO_TIMESTAMP. Core 0, once, with the
 * TIMER fresh from reset and the watchdog tick running. */
void rp2040_timer_ts_init(void);

#endif /* RP2040_TIMER_H */
