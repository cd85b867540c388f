/* SPDX-License-Identifier: MIT */
/*
 * port.c - the tracepipe port of rp2040-pico: the drivers do the work (board.mk: rp2040_timer
 * for the timestamp on the shared TIMER, rp2040_sio for the cross-core compare-and-swap and
 * doorbell, and the TRANSPORT's driver for the link, by default rp2040_uart on UART0, GP0/GP1);
 * this is the pins the link needs and their start-up.
 */
#include <stdint.h>

#include "rp2040.h"
#include "rp2040_timer.h"
#include RP2040_TRANSPORT_H

/* The wake-up flag of board_idle.h. Defined here, not in app_board.c, so that a port.c built
 * without app_board.c (PORTING.md) links; this board's board_idle is its own (app_board.c). */
volatile uint32_t board_irq_seen;

void rp2040_port_init(void)
{
#if RP2040_LINK_PINS
	/* GP0 = UART0 TX, GP1 = UART0 RX; pull RX up so an unconnected pin reads idle. */
	volatile uint32_t *rx_pad = &RP2040_REG(PADS_BANK0_BASE, PADS_BANK0_GPIO(RP2040_TRACE_RX_PIN));
	*rx_pad = (*rx_pad & ~(PADS_PDE | PADS_OD)) | PADS_IE | PADS_PUE;
	RP2040_REG(IO_BANK0_BASE, IO_BANK0_GPIO_CTRL(RP2040_TRACE_TX_PIN)) = IO_BANK0_FUNCSEL_UART;
	RP2040_REG(IO_BANK0_BASE, IO_BANK0_GPIO_CTRL(RP2040_TRACE_RX_PIN)) = IO_BANK0_FUNCSEL_UART;
#endif
	rp2040_timer_ts_init();
	rp2040_link_init();
}
