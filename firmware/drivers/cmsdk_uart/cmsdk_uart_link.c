/* SPDX-License-Identifier: MIT */
/*
 * cmsdk_uart_link.c - the trace link's start-up and receiver on a CMSDK APB UART, both
 * profiles' (the transmitters: cmsdk_uart.c, interrupt driven, and tiny/cmsdk_uart.c, polled).
 */
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "cmsdk_uart.h"
#include "port.h"
#include "tp_nvic.h"
#include "tracepipe.h"

void cmsdk_uart_link_rx_irq(void)
{
	board_irq_seen = 1;
	/* Clear first: a byte that lands after the loop sets the flag again and re-enters. */
	CMSDK_LINK(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_RX;
	while (CMSDK_LINK(CMSDK_UART_STATE) & CMSDK_UART_STATE_RXFULL)
		tp_rx_byte((uint8_t)CMSDK_LINK(CMSDK_UART_DATA));
}

int board_link_busy(void)
{
	return CMSDK_UART_TX_FULL();
}

void cmsdk_uart_link_init(void)
{
	CMSDK_LINK(CMSDK_UART_CTRL) = 0u;
	CMSDK_LINK(CMSDK_UART_BAUDDIV) = CMSDK_LINK_UART_BAUDDIV;
	CMSDK_LINK(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_TX | CMSDK_UART_INT_RX;
	/* The full profile's transmitter is interrupt driven (cmsdk_uart.c: TXINTEN stays off
	 * until a kick); the tiny one's is polled and leaves its interrupt disabled. */
	tp_nvic_set_priority(CMSDK_LINK_UART_RX_IRQ, BOARD_PRIO_LINK);
	tp_nvic_clear_pending(CMSDK_LINK_UART_RX_IRQ);
#if !(defined(TP_PROFILE_TINY) && TP_PROFILE_TINY)
	tp_nvic_set_priority(CMSDK_LINK_UART_TX_IRQ, BOARD_PRIO_LINK);
	tp_nvic_clear_pending(CMSDK_LINK_UART_TX_IRQ);
	tp_nvic_enable(CMSDK_LINK_UART_TX_IRQ);
#endif
	tp_nvic_enable(CMSDK_LINK_UART_RX_IRQ);
	CMSDK_LINK(CMSDK_UART_CTRL) = CMSDK_UART_CTRL_TXEN | CMSDK_UART_CTRL_RXEN | CMSDK_UART_CTRL_RXINTEN;
}
