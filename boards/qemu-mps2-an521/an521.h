/* SPDX-License-Identifier: MIT */
/*
 * an521.h - register access and NVIC helpers shared by this board's port.c, app_board.c
 * and startup.c. Not part of any contract; apps and the core never include it.
 * The NVIC, SCB and PRIMASK are per core: these helpers act on the calling core only.
 */
#ifndef AN521_H
#define AN521_H

#include <stdint.h>
#include "board.h"

#define AN521_REG(base, off) (*(volatile uint32_t *)((base) + (off)))

static inline void an521_nvic_set_priority(unsigned irq, unsigned level)
{
	volatile uint8_t *ipr = (volatile uint8_t *)ARMV8M_NVIC_IPR0;
	ipr[irq] = (uint8_t)((level & 7u) << AN521_NVIC_PRIO_SHIFT);
}

static inline void an521_nvic_enable(unsigned irq)
{
	AN521_REG(ARMV8M_NVIC_ISER0, 4u * (irq / 32u)) = 1u << (irq % 32u);
}

static inline void an521_nvic_disable(unsigned irq)
{
	AN521_REG(ARMV8M_NVIC_ICER0, 4u * (irq / 32u)) = 1u << (irq % 32u);
	__asm__ volatile("dsb\n\tisb" : : : "memory");
}

static inline void an521_nvic_set_pending(unsigned irq)
{
	AN521_REG(ARMV8M_NVIC_ISPR0, 4u * (irq / 32u)) = 1u << (irq % 32u);
}

static inline void an521_nvic_clear_pending(unsigned irq)
{
	AN521_REG(ARMV8M_NVIC_ICPR0, 4u * (irq / 32u)) = 1u << (irq % 32u);
}

/* port.c: the UART0 and TIMER0 set-up the transport and the timestamp need (core 0). */
void an521_port_init(void);
/* startup.c: CPU1's vector table, handed to INITSVTOR1 by app_board.c. */
extern void (*const an521_cpu1_vector_table[])(void);
/* app_board.c: what CPU1 runs after its reset handler has set it up. */
void an521_cpu1_main(void) __attribute__((noreturn));

/* Set by every interrupt handler of the board (core 0's handlers: only core 0 calls board_idle); board_idle() sleeps only when no
 * interrupt has run since it last returned. An app checks its condition, then idles: an
 * interrupt that lands between the two (and completes what the app waits for) would
 * otherwise be followed by a WFI that nothing wakes. */
extern volatile uint32_t an521_irq_seen;

#endif /* AN521_H */
