/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for qemu-mps2-an521 (two Cortex-M33 cores),
 * inlined into the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include <stdint.h>

#include "tp_arch.h" /* IRQ mask and barrier: firmware/arch/<profile>/ */

#if TP_BOARD_TIMER_BITS != 32
#error "the core is given all 32 bits of TIMER0: TP_BOARD_TIMER_BITS must be 32"
#endif

/* TIMER0 counts down from 0xFFFFFFFF and reloads at 0, so its complement counts up from 0
 * and wraps to 0 at the moment the down-counter reloads. Both cores read the same timer,
 * so their timestamps share one time base with no skew. */
static inline uint32_t tp_port_timer_lo(void)
{
	return ~*(volatile uint32_t *)(CMSDK_TIMER0_BASE + CMSDK_TIMER_VALUE);
}

/* The record path's per-event check. Conservative: it also answers 1 while core 0's wrap
 * handler is half-way (an521_wrap_busy, see port.c), which only sends the writer to the
 * slow path, where tp_port_timer_overflow_pending() gives the exact answer. */
extern volatile uint32_t an521_wrap_busy;
#define TP_PORT_OVF_PENDING_INLINE 1
static inline int tp_port_timer_overflow_pending_inline(void)
{
	return ((*(volatile uint32_t *)(CMSDK_TIMER0_BASE + CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT) |
		an521_wrap_busy) != 0u;
}

/* The SSE-200 CPU_IDENTITY block is banked per CPU: the same address reads 0 on CPU0 and
 * 1 on CPU1 (SCB CPUID is identical on both and cannot tell them apart). */
static inline unsigned tp_port_core_id(void)
{
	return *(volatile uint32_t *)SSE200_CPU_IDENTITY_CPUID;
}

#endif /* TP_PORT_IMPL_H */
