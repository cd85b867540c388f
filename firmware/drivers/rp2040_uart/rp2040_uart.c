/* SPDX-License-Identifier: MIT */
/*
 * rp2040_uart.c - the trace link on an RP2040 PL011: the port's transmit functions, its kick
 * (from either core), the interrupt handler and board_link_busy (see rp2040_uart.h for what
 * board.h names).
 */
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "port.h"
#include "rp2040_sio.h"
#include "rp2040_uart.h"
#include "tp_nvic.h"
#include "tracepipe.h"

#define LINK(off) RP2040_REG(RP2040_LINK_UART_BASE, off)

/* Bytes the UART accepted, and whether the last drain pass found the FIFO full. The TX handler
 * uses them to tell "nothing left to send" (TX interrupt off) from "FIFO full" (keep it on:
 * the interrupt comes back when the FIFO drains below its trigger level). */
static volatile uint32_t tx_taken;
static volatile uint8_t tx_refused;

int tp_port_tx_put(uint8_t b)
{
	/* Another writer between the TXFF check and the DR write would overflow the FIFO and
	 * lose a byte: mask this core's interrupts and lock out the other core. */
	uint32_t primask = tp_port_irq_save();
	int taken = 0;
	rp2040_spin_lock(RP2040_SPINLOCK_LINK_TX);
	if ((LINK(UART_FR) & UART_FR_TXFF) == 0u) {
		/* Bytes sent by thread-mode tp_poll need the TX interrupt on too: the FIFO falling
		 * through its trigger level is what calls the drain back. */
		RP2040_SET(RP2040_LINK_UART_BASE, UART_IMSC) = UART_INT_TX;
		LINK(UART_DR) = b;
		tx_taken++;
		taken = 1;
	} else {
		tx_refused = 1;
	}
	rp2040_spin_unlock(RP2040_SPINLOCK_LINK_TX);
	tp_port_irq_restore(primask);
	return taken;
}

/*
 * Bulk form for the drain (port.h), on the PL011's 32-byte transmit FIFO (RP2040 datasheet
 * 4.2, ARM DDI 0183): an empty FIFO (TXFE) takes 32 bytes with no look at the flags between
 * them, after that a byte whenever TXFF is clear. No lock: the drain is the UART's only
 * writer and only one drain runs at a time, on either core.
 */
size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	size_t k = 0;
	if (LINK(UART_FR) & UART_FR_TXFE) {
		size_t burst = n < RP2040_UART_TX_FIFO ? n : RP2040_UART_TX_FIFO;
		while (k < burst)
			LINK(UART_DR) = p[k++];
	}
	while (k < n && (LINK(UART_FR) & UART_FR_TXFF) == 0u)
		LINK(UART_DR) = p[k++];
	if (k != 0u) {
		/* As in tp_port_tx_put: the FIFO falling through its trigger level calls back. */
		RP2040_SET(RP2040_LINK_UART_BASE, UART_IMSC) = UART_INT_TX;
		tx_taken += (uint32_t)k;
	}
	if (k < n)
		tx_refused = 1;
	return k;
}

/*
 * The PL011 raises its TX interrupt when the FIFO level falls through the trigger level, not
 * merely because TXIM was set on an idle transmitter, so a kick also pends the UART interrupt.
 * The UART interrupt is enabled on core 0 only and each core has its own NVIC: core 1 rings
 * the doorbell instead, whose handler on core 0 pends the UART there.
 */
void tp_port_tx_kick(void)
{
	RP2040_SET(RP2040_LINK_UART_BASE, UART_IMSC) = UART_INT_TX;
	if (tp_port_core_id() == 0u) {
		tp_nvic_set_pending(RP2040_LINK_UART_IRQ);
	} else {
		rp2040_sio_doorbell_ring();
	}
}

/* A closed packet wakes the transport as a kick does. */
void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void rp2040_sio_doorbell_rang(void)
{
	tp_nvic_set_pending(RP2040_LINK_UART_IRQ);
}

/* The PL011 raises no interrupt when the last bytes below the trigger level have gone, so
 * this is a register check; the board's board_idle spins on it instead of sleeping. */
int board_link_busy(void)
{
	uint32_t fr = LINK(UART_FR);
	return (fr & UART_FR_TXFE) == 0u || (fr & UART_FR_BUSY) != 0u;
}

void rp2040_link_irq(void)
{
	board_irq_seen = 1;
	uint32_t mis = LINK(UART_MIS);
	if (mis & (UART_INT_RX | UART_INT_RT)) {
		/* Clear first: a byte that lands after the loop raises the interrupt again. */
		LINK(UART_ICR) = UART_INT_RX | UART_INT_RT;
		while ((LINK(UART_FR) & UART_FR_RXFE) == 0u) {
			tp_rx_byte((uint8_t)LINK(UART_DR));
		}
	}
	LINK(UART_ICR) = UART_INT_TX;
	uint32_t taken_before = tx_taken;
	tx_refused = 0;
	tp_tx_isr();
	if (tx_taken == taken_before && !tx_refused) {
		/* Idle. A kick after this check pends the interrupt again, so nothing is stranded. */
		RP2040_CLR(RP2040_LINK_UART_BASE, UART_IMSC) = UART_INT_TX;
	} else {
		/* Bytes are in flight: the FIFO draining below its trigger level must call back, even
		 * if an earlier pass switched TXIM off after a kick from core 1 had switched it on. */
		RP2040_SET(RP2040_LINK_UART_BASE, UART_IMSC) = UART_INT_TX;
	}
}

void rp2040_link_init(void)
{
	/* 115200 8N1, FIFOs on. LCR_H is written after the divisors: that write latches them. */
	LINK(UART_CR) = 0u;
	LINK(UART_IBRD) = RP2040_UART_IBRD;
	LINK(UART_FBRD) = RP2040_UART_FBRD;
	LINK(UART_LCR_H) = UART_LCR_H_WLEN8 | UART_LCR_H_FEN;
	LINK(UART_IFLS) = 0u; /* TX below 1/8 full, RX from 1/8 full (plus the RX timeout) */
	LINK(UART_ICR) = UART_INT_ALL;
	LINK(UART_IMSC) = UART_INT_RX | UART_INT_RT;
	tp_nvic_set_priority(RP2040_LINK_UART_IRQ, BOARD_PRIO_LINK);
	tp_nvic_clear_pending(RP2040_LINK_UART_IRQ);
	tp_nvic_enable(RP2040_LINK_UART_IRQ);
	LINK(UART_CR) = UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE;
}
