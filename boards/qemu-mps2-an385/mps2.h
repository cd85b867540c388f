/* SPDX-License-Identifier: MIT */
/*
 * mps2.h - register access and NVIC helpers shared by this board's port.c and app_board.c.
 * Not part of any contract; apps and the core never include it.
 */
#ifndef MPS2_H
#define MPS2_H

#include <stdint.h>
#include "board.h"

#define MPS2_REG(base, off) (*(volatile uint32_t *)((base) + (off)))

static inline void mps2_nvic_set_priority(unsigned irq, unsigned level)
{
	volatile uint8_t *ipr = (volatile uint8_t *)ARMV7M_NVIC_IPR0;
	ipr[irq] = (uint8_t)((level & 7u) << MPS2_NVIC_PRIO_SHIFT);
}

static inline void mps2_nvic_enable(unsigned irq)
{
	MPS2_REG(ARMV7M_NVIC_ISER0, 4u * (irq / 32u)) = 1u << (irq % 32u);
}

static inline void mps2_nvic_disable(unsigned irq)
{
	MPS2_REG(ARMV7M_NVIC_ICER0, 4u * (irq / 32u)) = 1u << (irq % 32u);
	__asm__ volatile("dsb\n\tisb" : : : "memory");
}

static inline void mps2_nvic_set_pending(unsigned irq)
{
	MPS2_REG(ARMV7M_NVIC_ISPR0, 4u * (irq / 32u)) = 1u << (irq % 32u);
}

static inline void mps2_nvic_clear_pending(unsigned irq)
{
	MPS2_REG(ARMV7M_NVIC_ICPR0, 4u * (irq / 32u)) = 1u << (irq % 32u);
}

/* port.c: the UART0 and TIMER0 set-up the transport and the timestamp need. */
void mps2_port_init(void);

/* Set by every interrupt handler of the board, cleared by board_idle: an interrupt that lands
 * between an app's "nothing to do" check and its board_idle() makes that idle return at once
 * instead of sleeping on a wake-up that already happened. */
extern volatile uint32_t mps2_irq_seen;

#endif /* MPS2_H */
