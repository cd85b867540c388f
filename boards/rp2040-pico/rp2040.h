/* SPDX-License-Identifier: MIT */
/*
 * rp2040.h - register access, NVIC and reset helpers shared by this board's startup.c,
 * port.c and app_board.c. Not part of any contract; the core never includes it.
 */
#ifndef RP2040_H
#define RP2040_H

#include <stdint.h>
#include "board.h"

#define RP2040_REG(base, off) (*(volatile uint32_t *)((base) + (off)))
#define RP2040_SET(base, off) (*(volatile uint32_t *)((base) + RP2040_ALIAS_SET + (off)))
#define RP2040_CLR(base, off) (*(volatile uint32_t *)((base) + RP2040_ALIAS_CLR + (off)))

/* Each core has its own NVIC at the same address: these act on the calling core only. */
static inline void rp2040_nvic_set_priority(unsigned irq, unsigned level)
{
	/* Cortex-M0+ IPR registers take word accesses only. */
	volatile uint32_t *ipr = (volatile uint32_t *)ARMV6M_NVIC_IPR0 + irq / 4u;
	unsigned shift = 8u * (irq % 4u) + 6u;
	*ipr = (*ipr & ~(3u << shift)) | ((level & 3u) << shift);
}

static inline void rp2040_nvic_enable(unsigned irq)
{
	*(volatile uint32_t *)ARMV6M_NVIC_ISER = 1u << irq;
}

static inline void rp2040_nvic_disable(unsigned irq)
{
	*(volatile uint32_t *)ARMV6M_NVIC_ICER = 1u << irq;
	__asm__ volatile("dsb\n\tisb" : : : "memory");
}

static inline void rp2040_nvic_set_pending(unsigned irq)
{
	*(volatile uint32_t *)ARMV6M_NVIC_ISPR = 1u << irq;
}

static inline void rp2040_nvic_clear_pending(unsigned irq)
{
	*(volatile uint32_t *)ARMV6M_NVIC_ICPR = 1u << irq;
}

/* Hold the given RESETS bits in reset, release them, and wait until they are out. */
static inline void rp2040_reset_cycle(uint32_t bits)
{
	RP2040_SET(RESETS_BASE, RESETS_RESET) = bits;
	RP2040_CLR(RESETS_BASE, RESETS_RESET) = bits;
	while ((RP2040_REG(RESETS_BASE, RESETS_RESET_DONE) & bits) != bits) {
	}
}

/* The 64-bit microsecond count, for apps. TIMERAWH / TIMERAWL / TIMERAWH: the raw pair has
 * no latch, so this is safe on both cores at once (the latched TIMELR/TIMEHR pair is not). */
static inline uint64_t rp2040_time_us(void)
{
	uint32_t hi = RP2040_REG(TIMER_BASE, TIMER_TIMERAWH);
	for (;;) {
		uint32_t lo = RP2040_REG(TIMER_BASE, TIMER_TIMERAWL);
		uint32_t hi2 = RP2040_REG(TIMER_BASE, TIMER_TIMERAWH);
		if (hi2 == hi) {
			return (uint64_t)hi << 32 | lo;
		}
		hi = hi2;
	}
}

/* port.c: the TIMER alarm, UART0 and doorbell set-up the timestamp and the transport need.
 * Call on core 0 after the clocks run. */
void rp2040_port_init(void);
/* port.c: call on core 0 once core 1 runs, so a kick from core 1 reaches the UART handler. */
void rp2040_port_enable_doorbell(void);

/* app_board.c: start core 1 at fn (with its own stack in SRAM4) through the bootrom's SIO
 * FIFO handshake. Returns once core 1 has echoed the whole sequence. */
void rp2040_core1_start(void (*fn)(void));

/* Set by every core-0 interrupt handler of the board, cleared by board_idle: an interrupt that
 * lands between an app's "nothing to do" check and its board_idle() makes that idle return at
 * once instead of sleeping on a wake-up that already happened. */
extern volatile uint32_t rp2040_irq_seen;

#endif /* RP2040_H */
