/* SPDX-License-Identifier: MIT */
/*
 * cmsdk_uart.c - the full profile's transmitter on a CMSDK APB UART, interrupt driven: the
 * port's transmit functions, its kick and the TX interrupt handler (see cmsdk_uart.h for what
 * board.h names; the tiny profile builds tiny/cmsdk_uart.c instead, cmsdk_uart_link.c the
 * start-up and RX in both).
 */
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "cmsdk_uart.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

/* Bytes the UART accepted, and whether the last drain pass found the transmitter busy. The TX
 * handler uses them to tell "nothing left to send" (switch the TX interrupt off) from
 * "transmitter full" (keep it on: the interrupt comes back when the byte has gone). */
volatile uint32_t cmsdk_uart_tx_taken;
volatile uint8_t cmsdk_uart_tx_refused;
static volatile uint8_t tx_int_on; /* shadow of CTRL.TXINTEN: 0, as CTRL, from the one init */

int tp_port_tx_put(uint8_t b)
{
	/* Checking TXFULL and writing DATA must not be split by another writer of this UART:
	 * a DATA write while TXFULL is set replaces the pending byte (TXOVR) and loses it. */
	uint32_t primask = tp_port_irq_save();
	int taken = 0;
	if ((CMSDK_LINK(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) == 0u) {
		/* A byte in flight must always have a TX interrupt coming, also when thread-mode
		 * tp_poll sent it: apps wait for the link with WFI (board_link_busy), and the
		 * interrupt only latches if TXINTEN is on when the byte leaves. */
		if (!tx_int_on) {
			CMSDK_LINK(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
			tx_int_on = 1;
		}
		CMSDK_LINK(CMSDK_UART_DATA) = b;
		cmsdk_uart_tx_taken++;
		taken = 1;
	} else {
		cmsdk_uart_tx_refused = 1;
	}
	tp_port_irq_restore(primask);
	return taken;
}

/*
 * After a bulk write (tp_port_tx_write, thread-mode tp_poll included): the byte in flight
 * must have a TX interrupt coming, or an app that waits for board_link_busy() with WFI may
 * not wake. Masked, so the TX handler cannot switch TXINTEN off between the check and the
 * set; once set while TXFULL is, the handler leaves it on until the byte has gone. If the
 * byte has gone already, TXFULL is clear and nobody waits for it.
 */
void cmsdk_uart_tx_int_ensure(void)
{
	uint32_t primask = tp_port_irq_save();
	if (!tx_int_on) {
		CMSDK_LINK(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
		tx_int_on = 1;
	}
	tp_port_irq_restore(primask);
}

/*
 * The CMSDK UART raises its TX interrupt only when TXFULL goes from set to clear, never merely
 * because TXINTEN was set on an idle transmitter. So the kick also pends the TX interrupt in
 * the NVIC: the handler then runs at link priority and starts the drain itself.
 */
void tp_port_tx_kick(void)
{
#if TP_BOARD_CORES > 1
	if (tp_port_core_id() != 0u) {
		/* Another core cannot reach core 0's NVIC: wake core 0 from WFE; its loop polls. */
		__asm__ volatile("dsb\n\tsev" : : : "memory");
		return;
	}
#endif
	uint32_t primask = tp_port_irq_save();
	CMSDK_LINK(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
	tx_int_on = 1;
	tp_nvic_set_pending(CMSDK_LINK_UART_TX_IRQ);
	tp_port_irq_restore(primask);
}

/* A closed packet wakes the transport as a kick does. */
void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void cmsdk_uart_link_tx_irq(void)
{
	board_irq_seen = 1;
	CMSDK_LINK(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_TX;
	uint32_t taken_before = cmsdk_uart_tx_taken;
	cmsdk_uart_tx_refused = 0;
	tp_tx_isr();
	if (cmsdk_uart_tx_taken == taken_before && !cmsdk_uart_tx_refused) {
		/* Idle: nothing was waiting. A kick from a higher-priority handler after this check
		 * re-pends the interrupt in the NVIC, so switching TXINTEN off cannot strand bytes;
		 * but a byte still in flight (sent by thread-mode tp_poll) keeps it on. */
		uint32_t primask = tp_port_irq_save();
		if ((CMSDK_LINK(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) == 0u) {
			CMSDK_LINK(CMSDK_UART_CTRL) &= ~CMSDK_UART_CTRL_TXINTEN;
			tx_int_on = 0;
		}
		tp_port_irq_restore(primask);
	}
}
