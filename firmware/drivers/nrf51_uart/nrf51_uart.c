/* SPDX-License-Identifier: MIT */
/*
 * nrf51_uart.c - the full profile's transmitter on an nRF51 UART, interrupt driven: the
 * port's transmit functions, its kick, the interrupt handler, and the transmit retry on the
 * timestamp timer's alarm (see nrf51_uart.h for what board.h names; the tiny profile builds
 * tiny/nrf51_uart.c instead, nrf51_uart_link.c the start-up in both).
 */
#include <stdint.h>

#include "board_idle.h"
#include "nrf51_timer.h"
#include "nrf51_uart.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

#define EV(off) NRF_UART_EV(off)
#define LINK(off) NRF_REG(NRF_LINK_UART_BASE, off)

/*
 * NOTE(qemu-txdrdy): QEMU 7.2's nRF51 UART sets TXDRDY without updating its interrupt line
 * when a byte completes late (the pty reader was slow, the byte waited for the chardev), so a
 * purely interrupt-driven transmitter stalls for good. Whenever a byte is left in flight
 * (sent but TXDRDY not yet set, or refused because of that) the timestamp timer's alarm is
 * armed; it pends the UART interrupt (board.h: NRF_TS_ALARM_IRQ), which retries. Each new
 * byte moves the alarm, so it fires only when the link has stalled for two byte times. On
 * hardware TXDRDY's own interrupt comes first and the alarm finds nothing to do, as does a
 * spare one (nrf51_timer.h).
 */

/* The transmit state (nrf51_uart.h), one struct: one literal for both flags. */
volatile struct nrf51_uart_tx nrf51_uart_tx;
#define tx_in_flight nrf51_uart_tx.in_flight
#define tx_refused nrf51_uart_tx.refused

static int tx_busy(volatile uint32_t *ev)
{
	return tx_in_flight && ev[EV(NRF_UART_EVENTS_TXDRDY)] == 0u;
}

/*
 * Bulk form for the drain (port.h). The nRF51 UART has no transmit FIFO (RM 29.4: a new byte
 * may be written to TXD once TXDRDY says the last one has gone), so this is the per-byte
 * handshake: the drain is the UART's only writer and only one drain runs at a time. It stops
 * at the first byte still in flight.
 */
size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	volatile uint32_t *ev = NRF_BLOCK(NRF_LINK_UART_BASE + 0x100u);
	size_t k = 0;
	if (n != 0u && !tx_busy(ev)) {
		tx_in_flight = 1;
		k = nrf51_uart_tx_bytes(ev, p, n, 0);
		/* The byte in flight needs its interrupt, also when thread-mode tp_poll sent it. The
		 * handler's idle test switches it off only when no byte is in flight, so it cannot
		 * undo this for the byte just written. */
		LINK(NRF_UART_INTENSET) = NRF_UART_INT_TXDRDY;
		if (ev[EV(NRF_UART_EVENTS_TXDRDY)] == 0u)
			nrf51_ts_alarm_arm(NRF_LINK_TX_RETRY_TICKS); /* NOTE(qemu-txdrdy) */
	}
	if (k < n)
		tx_refused = 1;
	return k;
}

/* One byte: the bulk form's. */
int tp_port_tx_put(uint8_t b)
{
	return (int)tp_port_tx_write(&b, 1);
}

/* An idle transmitter raises no TXDRDY by itself, so the kick pends the UART interrupt in the
 * NVIC as well: the handler then starts the drain at link priority. */
void tp_port_tx_kick(void)
{
	LINK(NRF_UART_INTENSET) = NRF_UART_INT_TXDRDY;
	tp_nvic_set_pending(NRF_LINK_UART_IRQ);
}

/* A closed packet wakes the transport as a kick does. */
void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void nrf51_uart_link_irq(void)
{
	volatile uint32_t *ev = NRF_BLOCK(NRF_LINK_UART_BASE + 0x100u);
	board_irq_seen = 1;
	nrf51_uart_rx_all();
	/* Always offer bytes, also when only RX, a kick or a spare alarm brought us here: a kick
	 * that lands just before the INTENCLR below re-enters this handler and must find its
	 * bytes. */
	tx_refused = 0;
	tp_tx_isr();
	if (tx_refused) {
		nrf51_ts_alarm_arm(NRF_LINK_TX_RETRY_TICKS);
	} else {
		/* Nothing left: TXDRDY stays set and would hold the interrupt asserted. A later kick
		 * switches it back on and pends the interrupt, so no byte is stranded; a byte still
		 * in flight (sent by thread-mode tp_poll) keeps it on until TXDRDY. */
		uint32_t primask = tp_port_irq_save();
		if (!tx_busy(ev))
			LINK(NRF_UART_INTENCLR) = NRF_UART_INT_TXDRDY;
		tp_port_irq_restore(primask);
	}
}
