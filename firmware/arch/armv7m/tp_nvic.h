/* SPDX-License-Identifier: MIT */
/*
 * tp_nvic.h - the NVIC of an ARMv7-M / ARMv8-M mainline core, for drivers and boards: each
 * core has its own at the same address, so these act on the calling core only. board.h
 * gives TP_BOARD_NVIC_PRIO_BITS (implemented priority bits, the top ones of each byte).
 */
#ifndef TP_NVIC_H
#define TP_NVIC_H

#include <stdint.h>

#include "board.h"

#ifndef TP_BOARD_NVIC_PRIO_BITS
#error "board.h must define TP_BOARD_NVIC_PRIO_BITS"
#endif

#define TP_NVIC_ISER0 0xE000E100u
#define TP_NVIC_ICER0 0xE000E180u
#define TP_NVIC_ISPR0 0xE000E200u
#define TP_NVIC_ICPR0 0xE000E280u
#define TP_NVIC_IPR0 0xE000E400u
#define TP_NVIC_REG(base, irq) (*(volatile uint32_t *)((base) + 4u * ((irq) / 32u)))

/* level 0 (highest) .. 2^TP_BOARD_NVIC_PRIO_BITS - 1 */
static inline void tp_nvic_set_priority(unsigned irq, unsigned level)
{
	volatile uint8_t *ipr = (volatile uint8_t *)TP_NVIC_IPR0;
	ipr[irq] = (uint8_t)((level & ((1u << TP_BOARD_NVIC_PRIO_BITS) - 1u)) << (8u - TP_BOARD_NVIC_PRIO_BITS));
}

static inline void tp_nvic_enable(unsigned irq)
{
	TP_NVIC_REG(TP_NVIC_ISER0, irq) = 1u << (irq % 32u);
}

/* Returns once the interrupt can no longer be taken. */
static inline void tp_nvic_disable(unsigned irq)
{
	TP_NVIC_REG(TP_NVIC_ICER0, irq) = 1u << (irq % 32u);
	__asm__ volatile("dsb\n\tisb" : : : "memory");
}

static inline void tp_nvic_set_pending(unsigned irq)
{
	TP_NVIC_REG(TP_NVIC_ISPR0, irq) = 1u << (irq % 32u);
}

static inline void tp_nvic_clear_pending(unsigned irq)
{
	TP_NVIC_REG(TP_NVIC_ICPR0, irq) = 1u << (irq % 32u);
}

#endif /* TP_NVIC_H */
