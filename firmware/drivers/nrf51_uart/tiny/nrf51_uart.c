/* SPDX-License-Identifier: MIT */
/*
 * tiny/nrf51_uart.c - the tiny profile's transmitter on an nRF51 UART (PORTING.md 1.5),
 * polled: built instead of nrf51_uart.c (boards/cross.mk), with nrf51_uart_link.c.
 *
 * Bytes leave only from the drain, which the tiny core runs from tp_poll() (and tp_flush()):
 * each is written to TXD, then the drain waits for its TXDRDY (RM 29.4: TXD takes a byte only
 * once the last has gone), about 87 us a byte at 115200 baud. The caller of tp_poll() is
 * blocked that long per byte it sends; the record path never sends (tp_port_packet_ready
 * does nothing here), so no event's cost and no masked section includes a byte time. What
 * this buys: no TX interrupt, no transmit state, no retry on the timer's alarm
 * (NOTE(qemu-txdrdy) in nrf51_uart.c: polling TXDRDY does not depend on the interrupt line),
 * and the UART interrupt serves RX alone.
 */
#include <stdint.h>

#include "board_idle.h"
#include "nrf51_uart.h"
#include "port.h"

size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	return nrf51_uart_tx_bytes(NRF_BLOCK(NRF_LINK_UART_BASE + 0x100u), p, n, 1);
}

int tp_port_tx_put(uint8_t b)
{
	return (int)tp_port_tx_write(&b, 1);
}

/* Polled: the next tp_poll() sends what is waiting; nothing to wake. */
void tp_port_tx_kick(void)
{
}

void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void nrf51_uart_link_irq(void)
{
	board_irq_seen = 1;
	nrf51_uart_rx_all();
}
