/* SPDX-License-Identifier: MIT */
/*
 * rp2040_sio.c - the cross-core pieces of the RP2040 port: tp_port_cas on a hardware
 * spinlock, the bootrom's core-1 launch, and the doorbell by which core 1 reaches core 0's
 * transport interrupt (see rp2040_sio.h for what board.h names).
 */
#include <stdint.h>

#include "board_idle.h"
#include "port.h"
#include "rp2040_sio.h"
#include "tp_nvic.h"

#define SIO_REG(off) RP2040_REG(SIO_BASE, off)

static volatile uint8_t doorbell_on;

uint32_t tp_port_cas(volatile uint32_t *p, uint32_t expected, uint32_t desired)
{
	/* Masking interrupts keeps this core's handlers out; the spinlock keeps the other core
	 * out. Every tp_port_cas on either core takes the same lock. */
	uint32_t primask = tp_port_irq_save();
	rp2040_spin_lock(RP2040_SPINLOCK_CAS);
	uint32_t seen = *p;
	if (seen == expected) {
		*p = desired;
	}
	rp2040_spin_unlock(RP2040_SPINLOCK_CAS);
	tp_port_irq_restore(primask);
	return seen;
}

static void fifo_drain(void)
{
	while (SIO_REG(SIO_FIFO_ST) & SIO_FIFO_ST_VLD) {
		(void)SIO_REG(SIO_FIFO_RD);
	}
}

static void fifo_push(uint32_t v)
{
	while ((SIO_REG(SIO_FIFO_ST) & SIO_FIFO_ST_RDY) == 0u) {
	}
	SIO_REG(SIO_FIFO_WR) = v;
	__asm__ volatile("sev");
}

static uint32_t fifo_pop(void)
{
	while ((SIO_REG(SIO_FIFO_ST) & SIO_FIFO_ST_VLD) == 0u) {
		__asm__ volatile("wfe");
	}
	return SIO_REG(SIO_FIFO_RD);
}

static void doorbell_enable(void)
{
	/* The handshake left the FIFO empty; only the sticky error flags may be set. */
	SIO_REG(SIO_FIFO_ST) = SIO_FIFO_ST_CLEAR_ERRORS;
	doorbell_on = 1;
	__asm__ volatile("dmb" : : : "memory");
	tp_nvic_set_priority(RP2040_IRQ_SIO_PROC0, BOARD_PRIO_LINK);
	tp_nvic_enable(RP2040_IRQ_SIO_PROC0);
	/* A ring core 1 made before it saw doorbell_on was dropped: this stands in for it. */
	rp2040_sio_doorbell_rang();
}

/*
 * The bootrom parks core 1 reading its FIFO. It accepts the words 0, 0, 1, vector table,
 * stack pointer, entry, echoing each; any wrong echo restarts the sequence. A 0 is sent
 * only after draining our RX FIFO, so a stale word cannot be mistaken for an echo.
 * The SIO interrupt of core 0 stays off during the handshake (it would eat the echoes).
 */
void rp2040_sio_core1_launch(const void *vectors, const uint32_t *stack_top, void (*fn)(void))
{
	const uint32_t seq[6] = {
		0u, 0u, 1u, (uint32_t)(uintptr_t)vectors, (uint32_t)(uintptr_t)stack_top, (uint32_t)(uintptr_t)fn,
	};
	unsigned i = 0;
	while (i < 6u) {
		uint32_t cmd = seq[i];
		if (cmd == 0u) {
			fifo_drain();
			__asm__ volatile("sev");
		}
		fifo_push(cmd);
		i = fifo_pop() == cmd ? i + 1u : 0u;
	}
	doorbell_enable();
}

void rp2040_sio_doorbell_ring(void)
{
	if (doorbell_on && (SIO_REG(SIO_FIFO_ST) & SIO_FIFO_ST_RDY)) {
		SIO_REG(SIO_FIFO_WR) = 1u;
		__asm__ volatile("sev");
	}
}

void rp2040_sio_proc0_irq(void)
{
	board_irq_seen = 1;
	fifo_drain();
	SIO_REG(SIO_FIFO_ST) = SIO_FIFO_ST_CLEAR_ERRORS;
	rp2040_sio_doorbell_rang();
}
