/* SPDX-License-Identifier: MIT */
/*
 * rp2040_sio.h - the RP2040's single-cycle IO block (datasheet 2.3.1 "SIO") for the other
 * rp2040 drivers and the board: CPUID, the hardware spinlocks that make the two cores' shared
 * state atomic (the Cortex-M0+ has no LDREX/STREX), and the inter-core FIFOs, which carry the
 * bootrom's core-1 launch handshake and, after it, the transport's doorbell. Also the chip's
 * register access with its atomic set/clear aliases, which every rp2040 driver uses.
 *
 * board.h names: SIO_BASE, RP2040_ALIAS_SET/_CLR, RP2040_IRQ_SIO_PROC0, the spinlock numbers
 * (RP2040_SPINLOCK_CAS for tp_port_cas) and BOARD_PRIO_LINK (the doorbell's level). The
 * handler to put in the vector table: rp2040_sio_proc0_irq (core 0's FIFO).
 */
#ifndef RP2040_SIO_H
#define RP2040_SIO_H

#include <stdint.h>

#include "board.h"

#define RP2040_REG(base, off) (*(volatile uint32_t *)((base) + (off)))
/* +0x2000 sets bits, +0x3000 clears them, without a read-modify-write race against the
 * other core (datasheet 2.1.2 "Atomic Register Access"). SIO itself has no aliases. */
#define RP2040_SET(base, off) (*(volatile uint32_t *)((base) + RP2040_ALIAS_SET + (off)))
#define RP2040_CLR(base, off) (*(volatile uint32_t *)((base) + RP2040_ALIAS_CLR + (off)))

#define SIO_CPUID 0x000u
#define SIO_FIFO_ST 0x050u
#define SIO_FIFO_WR 0x054u
#define SIO_FIFO_RD 0x058u
#define SIO_SPINLOCK(n) (0x100u + 4u * (n))
#define SIO_FIFO_ST_VLD (1u << 0)
#define SIO_FIFO_ST_RDY (1u << 1)
/* WOF (bit 2) and ROE (bit 3) are sticky and write-1-to-clear; the other bits ignore writes. */
#define SIO_FIFO_ST_CLEAR_ERRORS 0xFFu

static inline unsigned rp2040_sio_core_id(void)
{
	return (unsigned)RP2040_REG(SIO_BASE, SIO_CPUID);
}

static inline void rp2040_spin_lock(unsigned n)
{
	/* Reading a spinlock register claims it and returns nonzero, or returns 0 if the other
	 * core holds it. The datasheet asks for a barrier after the claim. */
	while (RP2040_REG(SIO_BASE, SIO_SPINLOCK(n)) == 0u) {
	}
	__asm__ volatile("dmb" : : : "memory");
}

static inline void rp2040_spin_unlock(unsigned n)
{
	__asm__ volatile("dmb" : : : "memory");
	RP2040_REG(SIO_BASE, SIO_SPINLOCK(n)) = 0u;
}

/* Start core 1 at fn, with the given vector table and stack, through the bootrom's FIFO
 * handshake; then enables the doorbell. Core 0, once. Returns once core 1 has echoed all. */
void rp2040_sio_core1_launch(const void *vectors, const uint32_t *stack_top, void (*fn)(void));
/* Core 1: ask core 0 to run rp2040_sio_doorbell_rang(). Dropped before the doorbell is on
 * (the enable stands in for it) and when the FIFO is full (it already holds one). */
void rp2040_sio_doorbell_ring(void);
/* Defined by the transport driver (board.mk TRANSPORT): runs on core 0 for every ring. */
void rp2040_sio_doorbell_rang(void);

#endif /* RP2040_SIO_H */
