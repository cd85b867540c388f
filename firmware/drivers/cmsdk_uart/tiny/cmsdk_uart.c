/* SPDX-License-Identifier: MIT */
/*
 * tiny/cmsdk_uart.c - the tiny profile's transmitter on a CMSDK APB UART (PORTING.md 1.5),
 * polled: built instead of cmsdk_uart.c (boards/cross.mk), with cmsdk_uart_link.c.
 *
 * Bytes leave only from the drain, which the tiny core runs from tp_poll() (and tp_flush()):
 * tp_port_tx_write (cmsdk_uart.h) waits for STATE.TXFULL to clear before each byte, so the
 * caller of tp_poll() is blocked for the byte times of what it sends; the record path never
 * sends (tp_port_packet_ready does nothing here), so no event's cost and no masked section
 * includes a byte time. No TX interrupt, no transmit state.
 */
#include <stdint.h>

#include "cmsdk_uart.h"
#include "port.h"

int tp_port_tx_put(uint8_t b)
{
	return (int)tp_port_tx_write(&b, 1);
}

/* Polled: the next tp_poll() sends what is waiting; nothing to wake. */
void tp_port_tx_kick(void)
{
}

void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

/* The vector table names a TX handler; this profile never enables its interrupt. */
void cmsdk_uart_link_tx_irq(void) __attribute__((alias("tp_port_tx_kick")));
