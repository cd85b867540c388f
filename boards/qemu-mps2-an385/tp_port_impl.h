/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for qemu-mps2-an385 (Cortex-M3), inlined into
 * the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include <stdint.h>

#if TP_BOARD_TIMER_BITS == 32
#define MPS2_TIMER0_RELOAD 0xFFFFFFFFu
#elif TP_BOARD_TIMER_BITS >= 8 && TP_BOARD_TIMER_BITS < 32
#define MPS2_TIMER0_RELOAD ((1u << TP_BOARD_TIMER_BITS) - 1u)
#else
#error "TIMER0 is 32 bits wide: TP_BOARD_TIMER_BITS must be 8..32"
#endif

/* CMSDK TIMER0 counts down from RELOAD to 0, so RELOAD - VALUE counts up from 0 and wraps
 * to 0 at the same moment the down-counter reloads. */
static inline uint32_t tp_port_timer_lo(void)
{
	return MPS2_TIMER0_RELOAD - *(volatile uint32_t *)(CMSDK_TIMER0_BASE + CMSDK_TIMER_VALUE);
}

/* The record path's per-event check: the raw wrap flag (INTSTATUS holds only that bit). It
 * may answer 1 a tick early (see NOTE(wrap) in port.c); that only sends the writer to the slow
 * path, where tp_port_timer_overflow_pending() gives the exact answer. */
#define TP_PORT_OVF_PENDING_INLINE 1
static inline int tp_port_timer_overflow_pending_inline(void)
{
	return *(volatile uint32_t *)(CMSDK_TIMER0_BASE + CMSDK_TIMER_INTSTATUS) != 0u;
}

static inline uint32_t tp_port_irq_save(void)
{
	uint32_t primask;
	__asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
	return primask;
}

static inline void tp_port_irq_restore(uint32_t primask)
{
	__asm__ volatile("msr primask, %0" : : "r"(primask) : "memory");
}

static inline unsigned tp_port_core_id(void)
{
	return 0;
}

static inline void tp_port_dmb(void)
{
	__asm__ volatile("dmb" : : : "memory");
}

#endif /* TP_PORT_IMPL_H */
