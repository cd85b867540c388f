/* SPDX-License-Identifier: MIT */
/*
 * nrf51.h - register access and NVIC helpers shared by this board's port.c and app_board.c.
 * Not part of any contract; apps and the core never include it.
 */
#ifndef NRF51_H
#define NRF51_H

#include <stdint.h>
#include "board.h"

#define NRF_REG(base, off) (*(volatile uint32_t *)((base) + (off)))

static inline void nrf51_nvic_set_priority(unsigned irq, unsigned level)
{
	/* Armv6-M: the priority registers take word accesses only. */
	volatile uint32_t *ipr = (volatile uint32_t *)ARMV6M_NVIC_IPR0 + irq / 4u;
	unsigned shift = 8u * (irq % 4u) + NRF_NVIC_PRIO_SHIFT;
	*ipr = (*ipr & ~(3u << shift)) | ((level & 3u) << shift);
}

static inline void nrf51_nvic_enable(unsigned irq)
{
	NRF_REG(ARMV6M_NVIC_ISER, 0) = 1u << irq;
}

static inline void nrf51_nvic_disable(unsigned irq)
{
	NRF_REG(ARMV6M_NVIC_ICER, 0) = 1u << irq;
	__asm__ volatile("dsb\n\tisb" : : : "memory");
}

static inline void nrf51_nvic_set_pending(unsigned irq)
{
	NRF_REG(ARMV6M_NVIC_ISPR, 0) = 1u << irq;
}

static inline void nrf51_nvic_clear_pending(unsigned irq)
{
	NRF_REG(ARMV6M_NVIC_ICPR, 0) = 1u << irq;
}

/* port.c: clock, UART0 and TIMER0 set-up for the transport and the timestamp. */
void nrf51_port_init(void);
/* Set by nrf51_port_init: 1 when HFCLK runs from the crystal, 0 when the crystal did not
 * start (the UART then runs on the RC oscillator, too loose for 115200 baud). */
extern uint8_t microbit_hfxo_ok;

/* Set by every interrupt handler of the board; board_idle() sleeps only when no
 * interrupt has run since it last returned. An app checks its condition, then idles: an
 * interrupt that lands between the two (and completes what the app waits for) would
 * otherwise be followed by a WFI that nothing wakes. */
extern volatile uint32_t nrf51_irq_seen;

#endif /* NRF51_H */
