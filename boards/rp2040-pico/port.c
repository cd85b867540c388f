/* SPDX-License-Identifier: MIT */
/*
 * port.c - the tracepipe port of rp2040-pico: the shared TIMER is the timestamp timer (ALARM0
 * marks the wrap of its low word), UART0 on GP0/GP1 the trace link (interrupts on core 0),
 * and SIO hardware spinlocks make compare-and-swap atomic across the two cores, which have
 * no LDREX/STREX.
 */
#include <stddef.h>
#include <stdint.h>

#include "port.h"
#include "rp2040.h"
#include "tracepipe.h"

#define TIMER_REG(off) RP2040_REG(TIMER_BASE, off)
#define UART0_REG(off) RP2040_REG(UART0_BASE, off)
#define SIO_REG(off) RP2040_REG(SIO_BASE, off)

/* Spinlock 30 serialises the UART's TX FIFO check-and-write between the cores. */
#define TX_SPINLOCK 30u

/* Bytes UART0 accepted, and whether the last drain pass found the FIFO full. The TX handler
 * uses them to tell "nothing left to send" (TX interrupt off) from "FIFO full" (keep it on:
 * the interrupt comes back when the FIFO drains below its trigger level). */
static volatile uint32_t tx_taken;
static volatile uint8_t tx_refused;
static volatile uint8_t doorbell_on;
/* Defined here, not in app_board.c: a port.c built without app_board.c (PORTING.md) links. */
volatile uint32_t rp2040_irq_seen;

static inline void spin_lock(unsigned n)
{
	/* Reading a spinlock register claims it and returns nonzero, or returns 0 if the other
	 * core holds it. The datasheet asks for a barrier after the claim. */
	while (SIO_REG(SIO_SPINLOCK(n)) == 0u) {
	}
	__asm__ volatile("dmb" : : : "memory");
}

static inline void spin_unlock(unsigned n)
{
	__asm__ volatile("dmb" : : : "memory");
	SIO_REG(SIO_SPINLOCK(n)) = 0u;
}

/* Spinlock 29 makes "count the wrap, clear the flag" one step as seen from the other core. */
#define WRAP_SPINLOCK 29u

/*
 * ALARM0 compares against TIMERAWL only and is armed for 0, so it fires exactly when the low
 * word wraps, and its raw flag in INTR (one register, seen by both cores) stays set until the
 * handler below has counted the wrap.
 *
 * NOTE(cross-core): the handler runs on core 0 while core 1 may be reading the time. The core
 * reads (count, TIMERAWL, pending) and retries if the count moved, which is enough on one core
 * (interrupts are masked) but not across cores: core 1 could see the new count with the flag
 * still set, and count the wrap twice. So the handler counts and clears under a spinlock, in
 * that order, and a reader that sees the flag set re-reads it under the same lock. A clear
 * flag needs no lock: with that order it is never seen before the count moved.
 */
int tp_port_timer_overflow_pending(void)
{
	if ((TIMER_REG(TIMER_INTR) & TIMER_ALARM(0)) == 0u) {
		return 0;
	}
	spin_lock(WRAP_SPINLOCK);
	int pending = (TIMER_REG(TIMER_INTR) & TIMER_ALARM(0)) != 0u;
	spin_unlock(WRAP_SPINLOCK);
	return pending;
}

void TIMER_IRQ_0_Handler(void)
{
	rp2040_irq_seen = 1;
	uint32_t primask = tp_port_irq_save();
	spin_lock(WRAP_SPINLOCK);
	if (TIMER_REG(TIMER_INTR) & TIMER_ALARM(0)) {
		/* Re-arm for the next wrap, 2^32 us after this one. The alarm fires when ALARM0
		 * equals the count (datasheet, "Alarms"), and this runs well within the first
		 * microsecond after the wrap: armed while TIMERAWL still reads 0, it would fire and
		 * disarm at once, the INTR clear below would wipe that, and no later wrap would ever
		 * be counted. So wait for the count to leave 0 first (at most 1 us). */
		while (TIMER_REG(TIMER_TIMERAWL) == 0u) {
		}
		TIMER_REG(TIMER_ALARM0) = 0u;
		tp_timer_overflow();
		__asm__ volatile("dmb" : : : "memory");
		TIMER_REG(TIMER_INTR) = TIMER_ALARM(0);
	}
	spin_unlock(WRAP_SPINLOCK);
	tp_port_irq_restore(primask);
}

int tp_port_tx_put(uint8_t b)
{
	/* Another writer between the TXFF check and the DR write would overflow the FIFO and
	 * lose a byte: mask this core's interrupts and lock out the other core. */
	uint32_t primask = tp_port_irq_save();
	int taken = 0;
	spin_lock(TX_SPINLOCK);
	if ((UART0_REG(UART_FR) & UART_FR_TXFF) == 0u) {
		/* Bytes sent by thread-mode tp_poll need the TX interrupt on too: the FIFO falling
		 * through its trigger level is what calls the drain back. */
		RP2040_SET(UART0_BASE, UART_IMSC) = UART_INT_TX;
		UART0_REG(UART_DR) = b;
		tx_taken++;
		taken = 1;
	} else {
		tx_refused = 1;
	}
	spin_unlock(TX_SPINLOCK);
	tp_port_irq_restore(primask);
	return taken;
}

/*
 * The PL011 raises its TX interrupt when the FIFO level falls through the trigger level, not
 * merely because TXIM was set on an idle transmitter, so a kick also pends the UART interrupt.
 * The UART interrupt is enabled on core 0 only and each core has its own NVIC: core 1 rings a
 * doorbell instead, a word in the SIO FIFO to core 0, whose handler pends the UART there.
 */
void tp_port_tx_kick(void)
{
	RP2040_SET(UART0_BASE, UART_IMSC) = UART_INT_TX;
	if (tp_port_core_id() == 0u) {
		rp2040_nvic_set_pending(RP2040_IRQ_UART0);
	} else if (doorbell_on && (SIO_REG(SIO_FIFO_ST) & SIO_FIFO_ST_RDY)) {
		/* A full FIFO already holds an unanswered doorbell, so dropping this one loses nothing. */
		SIO_REG(SIO_FIFO_WR) = 1u;
		__asm__ volatile("sev");
	}
}

/* A closed packet wakes the transport as a kick does. */
void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void SIO_IRQ_PROC0_Handler(void)
{
	rp2040_irq_seen = 1;
	while (SIO_REG(SIO_FIFO_ST) & SIO_FIFO_ST_VLD) {
		(void)SIO_REG(SIO_FIFO_RD);
	}
	SIO_REG(SIO_FIFO_ST) = 0xFFu; /* ROE/WOF are write-1-to-clear: clear both sticky flags */
	rp2040_nvic_set_pending(RP2040_IRQ_UART0);
}

void UART0_IRQ_Handler(void)
{
	rp2040_irq_seen = 1;
	uint32_t mis = UART0_REG(UART_MIS);
	if (mis & (UART_INT_RX | UART_INT_RT)) {
		/* Clear first: a byte that lands after the loop raises the interrupt again. */
		UART0_REG(UART_ICR) = UART_INT_RX | UART_INT_RT;
		while ((UART0_REG(UART_FR) & UART_FR_RXFE) == 0u) {
			tp_rx_byte((uint8_t)UART0_REG(UART_DR));
		}
	}
	UART0_REG(UART_ICR) = UART_INT_TX;
	uint32_t taken_before = tx_taken;
	tx_refused = 0;
	tp_tx_isr();
	if (tx_taken == taken_before && !tx_refused) {
		/* Idle. A kick after this check pends the interrupt again, so nothing is stranded. */
		RP2040_CLR(UART0_BASE, UART_IMSC) = UART_INT_TX;
	} else {
		/* Bytes are in flight: the FIFO draining below its trigger level must call back, even
		 * if an earlier pass switched TXIM off after a kick from core 1 had switched it on. */
		RP2040_SET(UART0_BASE, UART_IMSC) = UART_INT_TX;
	}
}

uint32_t tp_port_cas(volatile uint32_t *p, uint32_t expected, uint32_t desired)
{
	/* Masking interrupts keeps this core's handlers out; the spinlock keeps the other core
	 * out. Every tp_port_cas on either core takes the same lock. */
	uint32_t primask = tp_port_irq_save();
	spin_lock(RP2040_CAS_SPINLOCK);
	uint32_t seen = *p;
	if (seen == expected) {
		*p = desired;
	}
	spin_unlock(RP2040_CAS_SPINLOCK);
	tp_port_irq_restore(primask);
	return seen;
}

void rp2040_port_init(void)
{
	/* TIMER: left reset by board_init, so it counts up from 0. Arm ALARM0 for the wrap only
	 * once the count has left 0, or the alarm would fire at once for a wrap that never was. */
	while (TIMER_REG(TIMER_TIMERAWL) == 0u) {
	}
	TIMER_REG(TIMER_INTR) = TIMER_ALARM(0);
	RP2040_SET(TIMER_BASE, TIMER_INTE) = TIMER_ALARM(0);
	TIMER_REG(TIMER_ALARM0) = 0u;
	rp2040_nvic_set_priority(RP2040_IRQ_TIMER0, RP2040_PRIO_TIMESTAMP);
	rp2040_nvic_clear_pending(RP2040_IRQ_TIMER0);
	rp2040_nvic_enable(RP2040_IRQ_TIMER0);

	/* GP0 = UART0 TX, GP1 = UART0 RX; pull RX up so an unconnected pin reads idle. */
	volatile uint32_t *rx_pad = &RP2040_REG(PADS_BANK0_BASE, PADS_BANK0_GPIO(RP2040_TRACE_RX_PIN));
	*rx_pad = (*rx_pad & ~(PADS_PDE | PADS_OD)) | PADS_IE | PADS_PUE;
	RP2040_REG(IO_BANK0_BASE, IO_BANK0_GPIO_CTRL(RP2040_TRACE_TX_PIN)) = IO_BANK0_FUNCSEL_UART;
	RP2040_REG(IO_BANK0_BASE, IO_BANK0_GPIO_CTRL(RP2040_TRACE_RX_PIN)) = IO_BANK0_FUNCSEL_UART;

	/* UART0 115200 8N1, FIFOs on. LCR_H is written after the divisors: that write latches them. */
	UART0_REG(UART_CR) = 0u;
	UART0_REG(UART_IBRD) = RP2040_UART_IBRD;
	UART0_REG(UART_FBRD) = RP2040_UART_FBRD;
	UART0_REG(UART_LCR_H) = UART_LCR_H_WLEN8 | UART_LCR_H_FEN;
	UART0_REG(UART_IFLS) = 0u; /* TX below 1/8 full, RX from 1/8 full (plus the RX timeout) */
	UART0_REG(UART_ICR) = UART_INT_ALL;
	UART0_REG(UART_IMSC) = UART_INT_RX | UART_INT_RT;
	rp2040_nvic_set_priority(RP2040_IRQ_UART0, RP2040_PRIO_UART);
	rp2040_nvic_clear_pending(RP2040_IRQ_UART0);
	rp2040_nvic_enable(RP2040_IRQ_UART0);
	UART0_REG(UART_CR) = UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE;
}

void rp2040_port_enable_doorbell(void)
{
	/* The handshake left the FIFO empty; only the sticky error flags (write 1 to clear) may
	 * be set. */
	SIO_REG(SIO_FIFO_ST) = 0xFFu;
	doorbell_on = 1;
	__asm__ volatile("dmb" : : : "memory");
	rp2040_nvic_set_priority(RP2040_IRQ_SIO_PROC0, RP2040_PRIO_UART);
	rp2040_nvic_enable(RP2040_IRQ_SIO_PROC0);
	/* A kick core 1 made before it saw doorbell_on was dropped: this pend stands in for it. */
	rp2040_nvic_set_pending(RP2040_IRQ_UART0);
}
