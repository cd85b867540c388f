/* SPDX-License-Identifier: MIT */
/*
 * nrf51_uart_link.c - the trace link's start-up on an nRF51 UART, both profiles' (the
 * transmitters: nrf51_uart.c, interrupt driven, and tiny/nrf51_uart.c, polled).
 *
 * Size: registers are reached from one base per block (NRF_BLOCK, nrf51_timer.h), and only
 * the registers whose reset value is wrong are written (nRF51 RM v3.0, UART registers: CONFIG
 * and the events reset to 0).
 */
#include <stdint.h>

#include "nrf51_uart.h"
#include "tp_nvic.h"

#define DATA(off) NRF_UART_DATA(off)
#define LINK(off) NRF_REG(NRF_LINK_UART_BASE, off)

void nrf51_uart_link_init(void)
{
	/* TX drives high when idle. RX has its pull-up: with nothing driving it (on battery the
	 * interface chip is unpowered) the line would float into framing errors and junk
	 * command bytes. */
	volatile uint32_t *gpio = NRF_BLOCK(NRF_GPIO_BASE + 0x500u);
	gpio[(NRF_GPIO_OUTSET - 0x500u) / 4u] = 1u << NRF_LINK_TX_PIN;
	gpio[(NRF_GPIO_DIRSET - 0x500u) / 4u] = 1u << NRF_LINK_TX_PIN;
	NRF_REG(NRF_GPIO_BASE, NRF_GPIO_PIN_CNF(NRF_LINK_RX_PIN)) = NRF_GPIO_PIN_CNF_PULLUP;
	volatile uint32_t *data = NRF_BLOCK(NRF_LINK_UART_BASE + 0x500u);
	data[DATA(NRF_UART_PSELTXD)] = NRF_LINK_TX_PIN;
	data[DATA(NRF_UART_PSELRXD)] = NRF_LINK_RX_PIN;
	data[DATA(NRF_UART_BAUDRATE)] = NRF_LINK_UART_BAUDRATE;
	data[DATA(NRF_UART_ENABLE)] = NRF_UART_ENABLE_ENABLED; /* CONFIG resets to 8N1, no flow control */
	volatile uint32_t *tasks = NRF_BLOCK(NRF_LINK_UART_BASE);
	tasks[NRF_UART_TASKS_STARTTX / 4u] = 1u;
	tasks[NRF_UART_TASKS_STARTRX / 4u] = 1u;
	LINK(NRF_UART_INTENSET) = NRF_UART_INT_RXDRDY;
	/* Not cleared: a byte that arrived since STARTRX has pended it, and is wanted. */
	tp_nvic_set_priority(NRF_LINK_UART_IRQ, BOARD_PRIO_LINK);
	tp_nvic_enable(NRF_LINK_UART_IRQ);
}
