/* SPDX-License-Identifier: MIT */
/*
 * cmsdk_timer.h - the Arm CMSDK APB timer and dual timer (CMSDK TRM, DDI 0479), as the
 * timestamp timer of the tracepipe port and as the apps' two periodic interrupts. Used by
 * every board with a CMSDK subsystem (MPS2 AN385/AN386/AN500, the SSE-200 of AN521).
 *
 * board.h names the instances:
 *   CMSDK_TS_TIMER_BASE, CMSDK_TS_TIMER_IRQ        timestamps (an APB timer)
 *   CMSDK_APP_TIMER_BASE, CMSDK_APP_TIMER_IRQ      board_periodic_start(0, ...) (an APB timer)
 *   CMSDK_APP_DUALTIMER_BASE, CMSDK_APP_DUALTIMER_IRQ   board_periodic_start(1, ...) (its timer 1)
 *   BOARD_PRIO_TIMESTAMP, BOARD_PRIO_LINK           NVIC levels (app timers sit between)
 * The handlers to put in the vector table: cmsdk_timer_ts_irq, and the app timers'
 * cmsdk_app_timer_irq and cmsdk_app_dualtimer_irq (boards/common/cmsdk_periodic.c: app
 * support, not the tracer's port). On a multi-core board (TP_BOARD_CORES > 1) the timestamp timer is
 * shared by all cores and its interrupt is taken by core 0 only.
 */
#ifndef CMSDK_TIMER_H
#define CMSDK_TIMER_H

#include <stdint.h>

#include "board.h"

/* APB timer registers */
#define CMSDK_TIMER_CTRL 0x00u
#define CMSDK_TIMER_VALUE 0x04u
#define CMSDK_TIMER_RELOAD 0x08u
#define CMSDK_TIMER_INTSTATUS 0x0Cu /* read */
#define CMSDK_TIMER_INTCLEAR 0x0Cu  /* write 1 to clear */
#define CMSDK_TIMER_CTRL_EN (1u << 0)
#define CMSDK_TIMER_CTRL_IRQEN (1u << 3)
#define CMSDK_TIMER_INT (1u << 0)

/* Dual timer registers (timer 1 at +0x00, timer 2 at +0x20) */
#define CMSDK_DUALTIMER1_OFFSET 0x00u
#define CMSDK_DUALTIMER2_OFFSET 0x20u
#define CMSDK_DUALTIMER_LOAD 0x00u
#define CMSDK_DUALTIMER_VALUE 0x04u
#define CMSDK_DUALTIMER_CONTROL 0x08u
#define CMSDK_DUALTIMER_INTCLR 0x0Cu
#define CMSDK_DUALTIMER_RIS 0x10u
#define CMSDK_DUALTIMER_MIS 0x14u
#define CMSDK_DUALTIMER_BGLOAD 0x18u
#define CMSDK_DUALTIMER_CTRL_ONESHOT (1u << 0)
#define CMSDK_DUALTIMER_CTRL_SIZE32 (1u << 1)
#define CMSDK_DUALTIMER_CTRL_INTEN (1u << 5)
#define CMSDK_DUALTIMER_CTRL_MODE_PERIODIC (1u << 6)
#define CMSDK_DUALTIMER_CTRL_EN (1u << 7)

#define CMSDK_REG(base, off) (*(volatile uint32_t *)((base) + (off)))

/* The timestamp timer reloads at 2^bits - 1: a build may narrow it for wrap tests. */
#if TP_BOARD_TIMER_BITS == 32
#define CMSDK_TS_RELOAD 0xFFFFFFFFu
#elif TP_BOARD_TIMER_BITS >= 8 && TP_BOARD_TIMER_BITS < 32
#define CMSDK_TS_RELOAD ((1u << TP_BOARD_TIMER_BITS) - 1u)
#else
#error "the CMSDK timer is 32 bits wide: TP_BOARD_TIMER_BITS must be 8..32"
#endif

/* The timer counts down from RELOAD to 0, so RELOAD - VALUE counts up from 0 and wraps to 0
 * at the same moment the down-counter reloads. On a multi-core board every core reads the
 * same timer: one time base, no skew. */
static inline uint32_t tp_port_timer_lo(void)
{
	return CMSDK_TS_RELOAD - CMSDK_REG(CMSDK_TS_TIMER_BASE, CMSDK_TIMER_VALUE);
}

#if TP_BOARD_CORES > 1
/* Raised by core 0's wrap handler around "count, clear" (cmsdk_timer.c, NOTE(cross-core)). */
extern volatile uint32_t cmsdk_ts_wrap_busy;
#endif

/* The record path's per-event check: the raw wrap flag (INTSTATUS holds only that bit). It
 * may answer 1 a tick early (NOTE(wrap) in cmsdk_timer.c), or while core 0's wrap handler is
 * half-way; that only sends the writer to the slow path, where
 * tp_port_timer_overflow_pending() gives the exact answer. */
#define TP_PORT_OVF_PENDING_INLINE 1
static inline int tp_port_timer_overflow_pending_inline(void)
{
#if TP_BOARD_CORES > 1
	return (CMSDK_REG(CMSDK_TS_TIMER_BASE, CMSDK_TIMER_INTSTATUS) | cmsdk_ts_wrap_busy) != 0u;
#else
	return CMSDK_REG(CMSDK_TS_TIMER_BASE, CMSDK_TIMER_INTSTATUS) != 0u;
#endif
}

/* The timestamp timer: free-running over 2^bits ticks, wrap interrupt at the highest level.
 * Core 0, once, before anything records. */
void cmsdk_timer_ts_init(void);

#endif /* CMSDK_TIMER_H */
