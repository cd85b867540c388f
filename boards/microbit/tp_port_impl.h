/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for the micro:bit (nRF51822, Cortex-M0), inlined
 * into the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include <stdint.h>

#include "tp_arch.h" /* IRQ mask and barrier: firmware/arch/<profile>/ */

#if TP_BOARD_TIMER_BITS == 32
#define MICROBIT_TIMER0_BITMODE NRF_TIMER_BITMODE_32
#define MICROBIT_TIMER0_MASK 0xFFFFFFFFu
#elif TP_BOARD_TIMER_BITS == 24
#define MICROBIT_TIMER0_BITMODE NRF_TIMER_BITMODE_24
#define MICROBIT_TIMER0_MASK 0x00FFFFFFu
#elif TP_BOARD_TIMER_BITS == 16
#define MICROBIT_TIMER0_BITMODE NRF_TIMER_BITMODE_16
#define MICROBIT_TIMER0_MASK 0x0000FFFFu
#else
#error "the nRF51 TIMER0 is 16, 24 or 32 bits wide"
#endif

/* The nRF51 TIMER has no readable counter: the CAPTURE task copies it into a CC register.
 * A handler that preempts between the two accesses and reads the timer itself leaves a
 * later value in CC[3], which is still a correct (later) reading of the same clock. */
static inline uint32_t tp_port_timer_lo(void)
{
	*(volatile uint32_t *)(NRF_TIMER0_BASE + NRF_TIMER_TASKS_CAPTURE(MICROBIT_TS_CC_READ)) = 1u;
	return *(volatile uint32_t *)(NRF_TIMER0_BASE + NRF_TIMER_CC(MICROBIT_TS_CC_READ));
}

/* COMPARE0 fires when the count rolls over to 0 (CC[0] = 0): the wrap (see port.c). */
#define TP_PORT_OVF_PENDING_INLINE 1
static inline int tp_port_timer_overflow_pending_inline(void)
{
	return *(volatile uint32_t *)(NRF_TIMER0_BASE + NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_WRAP)) != 0u;
}

static inline unsigned tp_port_core_id(void)
{
	return 0;
}

#endif /* TP_PORT_IMPL_H */
