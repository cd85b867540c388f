/* SPDX-License-Identifier: MIT */
/*
 * tp_nvic.h - the NVIC of an ARMv6-M core (at most 32 interrupts), for drivers and boards:
 * each core has its own at the same address, so these act on the calling core only. Its
 * priority registers take word accesses only. board.h gives TP_BOARD_NVIC_PRIO_BITS.
 */
#ifndef TP_NVIC_H
#define TP_NVIC_H

#include <stdint.h>

#include "board.h"

#ifndef TP_BOARD_NVIC_PRIO_BITS
#error "board.h must define TP_BOARD_NVIC_PRIO_BITS"
#endif

#define TP_NVIC_ISER 0xE000E100u
#define TP_NVIC_ICER 0xE000E180u
#define TP_NVIC_ISPR 0xE000E200u
#define TP_NVIC_ICPR 0xE000E280u
#define TP_NVIC_IPR0 0xE000E400u

/* level 0 (highest) .. 2^TP_BOARD_NVIC_PRIO_BITS - 1 */
static inline void tp_nvic_set_priority(unsigned irq, unsigned level)
{
	volatile uint32_t *ipr = (volatile uint32_t *)TP_NVIC_IPR0 + irq / 4u;
	const uint32_t mask = (1u << TP_BOARD_NVIC_PRIO_BITS) - 1u;
	unsigned shift = 8u * (irq % 4u) + 8u - TP_BOARD_NVIC_PRIO_BITS;
	*ipr = (*ipr & ~(mask << shift)) | ((level & mask) << shift);
}

static inline void tp_nvic_enable(unsigned irq)
{
	*(volatile uint32_t *)TP_NVIC_ISER = 1u << irq;
}

/* Returns once the interrupt can no longer be taken. */
static inline void tp_nvic_disable(unsigned irq)
{
	*(volatile uint32_t *)TP_NVIC_ICER = 1u << irq;
	__asm__ volatile("dsb\n\tisb" : : : "memory");
}

static inline void tp_nvic_set_pending(unsigned irq)
{
	*(volatile uint32_t *)TP_NVIC_ISPR = 1u << irq;
}

static inline void tp_nvic_clear_pending(unsigned irq)
{
	*(volatile uint32_t *)TP_NVIC_ICPR = 1u << irq;
}

#endif /* TP_NVIC_H */
