/* SPDX-License-Identifier: MIT */
/*
 * nrf51_uart.h - the nRF51 UART (nRF51 Series Reference Manual v3.0, chapter 29) as the
 * trace link of the tracepipe port: TX and RX interrupt driven, 8N1, no flow control.
 *
 * board.h names the instance and its pins: NRF_LINK_UART_BASE, NRF_LINK_UART_IRQ,
 * NRF_LINK_UART_BAUDRATE (a BAUDRATE register value), NRF_LINK_TX_PIN, NRF_LINK_RX_PIN,
 * BOARD_PRIO_LINK. The handler to put in the vector table: nrf51_uart_link_irq. It uses the
 * timestamp timer's alarm (nrf51_timer) to retry a stalled transmitter (NOTE(qemu-txdrdy)).
 */
#ifndef NRF51_UART_H
#define NRF51_UART_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "nrf51_timer.h" /* NRF_REG, NRF_BLOCK */

/* Bulk UART writes for the drain (port.h), one byte at a time as the UART allows. */
#define TP_PORT_HAS_TX_WRITE 1
size_t tp_port_tx_write(const uint8_t *p, size_t n);

#define NRF_UART_TASKS_STARTRX 0x000u
#define NRF_UART_TASKS_STARTTX 0x008u
#define NRF_UART_EVENTS_RXDRDY 0x108u
#define NRF_UART_EVENTS_TXDRDY 0x11Cu
#define NRF_UART_EVENTS_ERROR 0x124u
#define NRF_UART_INTEN 0x300u
#define NRF_UART_INTENSET 0x304u
#define NRF_UART_INTENCLR 0x308u
#define NRF_UART_ERRORSRC 0x480u
#define NRF_UART_ENABLE 0x500u
#define NRF_UART_PSELTXD 0x50Cu
#define NRF_UART_PSELRXD 0x514u
#define NRF_UART_RXD 0x518u
#define NRF_UART_TXD 0x51Cu
#define NRF_UART_BAUDRATE 0x524u
#define NRF_UART_CONFIG 0x56Cu
#define NRF_UART_ENABLE_ENABLED 4u
#define NRF_UART_INT_RXDRDY (1u << 2)
#define NRF_UART_INT_TXDRDY (1u << 7)
#define NRF_UART_BAUDRATE_115200 0x01D7E000u

/* GPIO, for the link's pins */
#define NRF_GPIO_BASE 0x50000000u
#define NRF_GPIO_OUTSET 0x508u
#define NRF_GPIO_DIRSET 0x518u
#define NRF_GPIO_PIN_CNF(n) (0x700u + 4u * (n))
#define NRF_GPIO_PIN_CNF_PULLUP (3u << 2) /* DIR input, INPUT connected, PULL = pull-up */

/* Two byte times at 115200 baud (10 bits each), in 16 MHz ticks. */
#define NRF_LINK_TX_RETRY_TICKS 2800u

/* Pins, baud rate, RX interrupt; tp_port_tx_kick switches the TX interrupt on. Once. */
void nrf51_uart_link_init(void);

/*
 * Transmit state. TXDRDY is set when a byte has left; writing TXD while a byte is still in
 * flight is silently ignored (the byte is lost), so in_flight remembers whether TXDRDY is
 * still owed. refused lets the handler tell "nothing to send" (switch the TX interrupt off,
 * TXDRDY would hold it asserted) from "transmitter busy" (keep it on, arm the retry).
 */
struct nrf51_uart_tx {
	uint8_t in_flight, refused;
};
extern volatile struct nrf51_uart_tx nrf51_uart_tx;

/* A byte is still on its way out: the board's board_link_busy (apps/app_board.h, app
 * support, not the tracer's port). */
static inline int nrf51_uart_busy(void)
{
	return nrf51_uart_tx.in_flight && NRF_REG(NRF_LINK_UART_BASE, NRF_UART_EVENTS_TXDRDY) == 0u;
}

#endif /* NRF51_UART_H */
