/* SPDX-License-Identifier: MIT */
/*
 * nrf51_uart.c - the trace link on an nRF51 UART: the port's transmit functions, its kick,
 * the interrupt handler, and the transmit retry on the timestamp timer's alarm (see
 * nrf51_uart.h for what board.h names).
 */
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "nrf51_timer.h"
#include "nrf51_uart.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

#define LINK(off) NRF_REG(NRF_LINK_UART_BASE, off)
#define GPIO(off) NRF_REG(NRF_GPIO_BASE, off)

/*
 * NOTE(qemu-txdrdy): QEMU 7.2's nRF51 UART sets TXDRDY without updating its interrupt line
 * when a byte completes late (the pty reader was slow, the byte waited for the chardev), so a
 * purely interrupt-driven transmitter stalls for good. Whenever the handler leaves a byte in
 * flight (sent but TXDRDY not yet set, or refused because of that) it arms the timestamp
 * timer's alarm; when that fires it pends the UART interrupt, which retries. Each new byte
 * moves the alarm, so it fires only when the link has stalled for two byte times. On hardware
 * TXDRDY's own interrupt comes first and the alarm finds nothing to do.
 */
void nrf51_ts_alarm_fired(void)
{
	tp_nvic_set_pending(NRF_LINK_UART_IRQ);
}

/*
 * Transmit state. TXDRDY is set when a byte has left; writing TXD while a byte is still in
 * flight is silently ignored (the byte is lost), so tx_in_flight remembers whether TXDRDY is
 * still owed. tx_taken/tx_refused let the handler tell "nothing to send" (switch the TX
 * interrupt off, TXDRDY would hold it asserted) from "transmitter busy" (keep it on).
 */
static volatile uint8_t tx_in_flight;
static volatile uint8_t tx_refused;
static volatile uint32_t tx_taken;

int tp_port_tx_put(uint8_t b)
{
	uint32_t primask = tp_port_irq_save();
	int taken = 0;
	if (!tx_in_flight || LINK(NRF_UART_EVENTS_TXDRDY) != 0u) {
		/* A byte in flight always has an interrupt coming, whoever sent it (thread tp_poll
		 * too): apps wait for the link with WFI (board_link_busy). */
		LINK(NRF_UART_INTENSET) = NRF_UART_INT_TXDRDY;
		LINK(NRF_UART_EVENTS_TXDRDY) = 0u;
		LINK(NRF_UART_TXD) = b;
		tx_in_flight = 1;
		tx_taken++;
		taken = 1;
		if (LINK(NRF_UART_EVENTS_TXDRDY) == 0u)
			nrf51_ts_alarm_arm(NRF_LINK_TX_RETRY_TICKS); /* NOTE(qemu-txdrdy) */
	} else {
		tx_refused = 1;
	}
	tp_port_irq_restore(primask);
	return taken;
}

/*
 * Bulk form for the drain (port.h). The nRF51 UART has no transmit FIFO (RM 29.4: a new byte
 * may be written to TXD once TXDRDY says the last one has gone), so this is the per-byte
 * handshake without a call, a mask and an alarm per byte: the drain is the UART's only writer
 * and only one drain runs at a time. It stops at the first byte still in flight.
 */
size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	if (n == 0u)
		return 0;
	if (tx_in_flight && LINK(NRF_UART_EVENTS_TXDRDY) == 0u) {
		tx_refused = 1;
		return 0;
	}
	tx_in_flight = 1;
	size_t k = 0;
	do {
		LINK(NRF_UART_EVENTS_TXDRDY) = 0u;
		LINK(NRF_UART_TXD) = p[k++];
	} while (k < n && LINK(NRF_UART_EVENTS_TXDRDY) != 0u);
	tx_taken += (uint32_t)k;
	if (k < n)
		tx_refused = 1;
	/* The byte in flight needs its interrupt, also when thread-mode tp_poll sent it. Set after
	 * the writes, masked: the handler's idle test (masked too) switches it off only when no
	 * byte is in flight, so it cannot undo this for the byte just written. */
	uint32_t primask = tp_port_irq_save();
	LINK(NRF_UART_INTENSET) = NRF_UART_INT_TXDRDY;
	if (LINK(NRF_UART_EVENTS_TXDRDY) == 0u)
		nrf51_ts_alarm_arm(NRF_LINK_TX_RETRY_TICKS); /* NOTE(qemu-txdrdy) */
	tp_port_irq_restore(primask);
	return k;
}

int board_link_busy(void)
{
	return tx_in_flight && LINK(NRF_UART_EVENTS_TXDRDY) == 0u;
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
	board_irq_seen = 1;
	/* Clear before reading RXD: the read raises RXDRDY again when another byte is waiting. */
	while (LINK(NRF_UART_EVENTS_RXDRDY) != 0u) {
		LINK(NRF_UART_EVENTS_RXDRDY) = 0u;
		tp_rx_byte((uint8_t)LINK(NRF_UART_RXD));
	}
	if (LINK(NRF_UART_EVENTS_ERROR) != 0u) {
		/* Framing/parity/overrun on a real line: the byte is gone, the framer resyncs. */
		LINK(NRF_UART_EVENTS_ERROR) = 0u;
		LINK(NRF_UART_ERRORSRC) = 0xFu;
	}
	/* Always offer bytes, also when only RX or a kick brought us here: a kick that lands
	 * just before the INTENCLR below re-enters this handler and must find its bytes. */
	uint32_t taken_before = tx_taken;
	tx_refused = 0;
	tp_tx_isr();
	if (tx_taken == taken_before && !tx_refused) {
		/* Idle: TXDRDY stays set and would hold the interrupt asserted. A later kick
		 * switches it back on and pends the interrupt, so no byte is stranded; a byte still
		 * in flight (sent by thread-mode tp_poll) keeps it on. */
		uint32_t primask = tp_port_irq_save();
		if (!tx_in_flight || LINK(NRF_UART_EVENTS_TXDRDY) != 0u)
			LINK(NRF_UART_INTENCLR) = NRF_UART_INT_TXDRDY;
		tp_port_irq_restore(primask);
	} else if (tx_refused) {
		nrf51_ts_alarm_arm(NRF_LINK_TX_RETRY_TICKS);
	}
}

void nrf51_uart_link_init(void)
{
	/* TX drives high when idle. RX has its pull-up: with nothing driving it (on battery the
	 * interface chip is unpowered) the line would float into framing errors and junk
	 * command bytes. */
	GPIO(NRF_GPIO_OUTSET) = 1u << NRF_LINK_TX_PIN;
	GPIO(NRF_GPIO_DIRSET) = 1u << NRF_LINK_TX_PIN;
	GPIO(NRF_GPIO_PIN_CNF(NRF_LINK_RX_PIN)) = NRF_GPIO_PIN_CNF_PULLUP;
	LINK(NRF_UART_PSELTXD) = NRF_LINK_TX_PIN;
	LINK(NRF_UART_PSELRXD) = NRF_LINK_RX_PIN;
	LINK(NRF_UART_BAUDRATE) = NRF_LINK_UART_BAUDRATE;
	LINK(NRF_UART_CONFIG) = 0u; /* no parity, no flow control */
	LINK(NRF_UART_ENABLE) = NRF_UART_ENABLE_ENABLED;
	LINK(NRF_UART_EVENTS_RXDRDY) = 0u;
	LINK(NRF_UART_EVENTS_TXDRDY) = 0u;
	LINK(NRF_UART_TASKS_STARTTX) = 1u;
	LINK(NRF_UART_TASKS_STARTRX) = 1u;
	LINK(NRF_UART_INTENSET) = NRF_UART_INT_RXDRDY;
	tp_nvic_set_priority(NRF_LINK_UART_IRQ, BOARD_PRIO_LINK);
	tp_nvic_clear_pending(NRF_LINK_UART_IRQ);
	tp_nvic_enable(NRF_LINK_UART_IRQ);
}
