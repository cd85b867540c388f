/* SPDX-License-Identifier: MIT */
/*
 * nrf51_uart.h - the nRF51 UART (nRF51 Series Reference Manual v3.0, chapter 29) as the
 * trace link of the tracepipe port, 8N1, no flow control. RX is interrupt driven. TX is
 * interrupt driven in the full profile (nrf51_uart.c), using the timestamp timer's alarm
 * (nrf51_timer) to retry a stalled transmitter (NOTE(qemu-txdrdy)); in the tiny profile it is
 * polled (tiny/nrf51_uart.c, PORTING.md 1.5): no TX interrupt, no alarm. nrf51_uart_link.c,
 * the pins and the start-up, is both profiles'.
 *
 * board.h names the instance and its pins: NRF_LINK_UART_BASE, NRF_LINK_UART_IRQ,
 * NRF_LINK_UART_BAUDRATE (a BAUDRATE register value), NRF_LINK_TX_PIN, NRF_LINK_RX_PIN,
 * BOARD_PRIO_LINK. The handler to put in the vector table: nrf51_uart_link_irq.
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

/* Word indices in the blocks at NRF_LINK_UART_BASE + 0x100 (events) and + 0x500 (data). */
#define NRF_UART_EV(off) (((off) - 0x100u) / 4u)
#define NRF_UART_DATA(off) (((off) - 0x500u) / 4u)

/*
 * The per-byte handshake both transmitters' bulk form runs (RM 29.4: no transmit FIFO; a
 * byte written to TXD while the last one is still in flight is lost, and TXDRDY says it has
 * gone). wait_each 0 (interrupt driven): stop at the first byte still in flight, which is
 * counted as taken, its TXDRDY still owed. wait_each 1 (polled): wait for every byte's
 * TXDRDY, so none is in flight on return. ev: the event block (NRF_LINK_UART_BASE + 0x100),
 * the caller's own, so that it is one register. Returns the bytes taken.
 */
static inline size_t nrf51_uart_tx_bytes(volatile uint32_t *ev, const uint8_t *p, size_t n, int wait_each)
{
	volatile uint32_t *data = NRF_BLOCK(NRF_LINK_UART_BASE + 0x500u);
	size_t k = 0;
	while (k < n) {
		ev[NRF_UART_EV(NRF_UART_EVENTS_TXDRDY)] = 0u;
		data[NRF_UART_DATA(NRF_UART_TXD)] = p[k++];
		if (wait_each) {
			while (ev[NRF_UART_EV(NRF_UART_EVENTS_TXDRDY)] == 0u) {
			}
		} else if (ev[NRF_UART_EV(NRF_UART_EVENTS_TXDRDY)] == 0u) {
			break;
		}
	}
	return k;
}

/* Every byte received to the core: both profiles' interrupt handlers. Cleared before RXD is
 * read: the read raises RXDRDY again when another byte is waiting. ERROR (framing, overrun on
 * a real line) is not an enabled interrupt and stops nothing: the byte is gone and the
 * command framer resyncs at the next 0x00. */
void tp_rx_byte(uint8_t b); /* tracepipe.h's: that header may be this one's includer */
static inline void nrf51_uart_rx_all(void)
{
	volatile uint32_t *ev = NRF_BLOCK(NRF_LINK_UART_BASE + 0x100u);
	while (ev[NRF_UART_EV(NRF_UART_EVENTS_RXDRDY)] != 0u) {
		ev[NRF_UART_EV(NRF_UART_EVENTS_RXDRDY)] = 0u;
		tp_rx_byte((uint8_t)NRF_REG(NRF_LINK_UART_BASE, NRF_UART_RXD));
	}
}

/* Two byte times at 115200 baud (10 bits each), in 16 MHz ticks. */
#define NRF_LINK_TX_RETRY_TICKS 2800u

/* Pins, baud rate, RX interrupt; tp_port_tx_kick switches the TX interrupt on. Once. */
void nrf51_uart_link_init(void);

#if defined(TP_PROFILE_TINY) && TP_PROFILE_TINY
/* Polled (port.h): every byte has left TXD when tp_port_tx_write returns. */
#define TP_PORT_TX_POLLED 1
static inline int nrf51_uart_busy(void)
{
	return 0;
}
#else
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
#endif

#endif /* NRF51_UART_H */
