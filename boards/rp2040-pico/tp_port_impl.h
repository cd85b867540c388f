/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for rp2040-pico (Cortex-M0+, two cores),
 * inlined into the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include <stdint.h>

#include "tp_arch.h" /* IRQ mask and barrier: firmware/arch/<profile>/ */

#if TP_BOARD_TIMER_BITS != 32
#error "rp2040-pico gives the core TIMERAWL: TP_BOARD_TIMER_BITS must be 32"
#endif

/*
 * TIMERAWL, not TIMELR: reading TIMELR latches TIMEHR until TIMEHR is read, so two cores (or
 * a thread and an interrupt) reading the latched pair corrupt each other's high word. The raw
 * register has no latch, and one 32-bit read of it is atomic.
 */
static inline uint32_t tp_port_timer_lo(void)
{
	return *(volatile uint32_t *)(TIMER_BASE + TIMER_TIMERAWL);
}

static inline unsigned tp_port_core_id(void)
{
	return (unsigned)*(volatile uint32_t *)(SIO_BASE + SIO_CPUID);
}

#endif /* TP_PORT_IMPL_H */
