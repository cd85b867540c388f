/* SPDX-License-Identifier: MIT */
/*
 * rp2040_uart.h - an RP2040 UART (Arm PL011, datasheet 4.2 "UART") as the trace link of the
 * tracepipe port: 115200 8N1, FIFOs on, TX and RX interrupt driven on core 0; core 1's kicks
 * reach it through the SIO doorbell (rp2040_sio). One of the board's transports (board.mk
 * TRANSPORT = uart).
 *
 * The transport contract (what the board's startup.c and port.c use, whatever the transport):
 * RP2040_LINK_IRQ, the interrupt to route to rp2040_link_irq; rp2040_link_init(), core 0, once
 * the clocks run and the board has set the link's pins (RP2040_LINK_PINS: the board muxes
 * RP2040_TRACE_TX_PIN/_RX_PIN to the UART); RP2040_LINK_CLK_USB, whether the board must start
 * clk_usb (48 MHz from PLL_USB) first; RP2040_LINK_RESETS, the RESETS bits the board cycles
 * with its own peripherals. The PL011 register layout is in board.h: the
 * console uses it whatever the transport.
 *
 * board.h names: RP2040_LINK_UART_BASE, RP2040_LINK_UART_IRQ, RP2040_UART_IBRD/_FBRD,
 * BOARD_PRIO_LINK, RP2040_SPINLOCK_LINK_TX.
 */
#ifndef RP2040_UART_H
#define RP2040_UART_H

#include "board.h"

#define RP2040_LINK_IRQ RP2040_LINK_UART_IRQ
#define RP2040_LINK_PINS 1
#define RP2040_LINK_CLK_USB 0
#define RP2040_LINK_RESETS RESETS_UART0

void rp2040_link_init(void);
void rp2040_link_irq(void);

#endif /* RP2040_UART_H */
