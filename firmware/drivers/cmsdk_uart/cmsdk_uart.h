/* SPDX-License-Identifier: MIT */
/*
 * cmsdk_uart.h - the Arm CMSDK APB UART (CMSDK TRM, DDI 0479) as the trace link of the
 * tracepipe port. Used by every board with a CMSDK subsystem. RX is interrupt driven; TX is
 * interrupt driven in the full profile (cmsdk_uart.c) and polled in the tiny one
 * (tiny/cmsdk_uart.c, PORTING.md 1.5); cmsdk_uart_link.c, the start-up and RX, is both's.
 *
 * board.h names the instance: CMSDK_LINK_UART_BASE, CMSDK_LINK_UART_RX_IRQ,
 * CMSDK_LINK_UART_TX_IRQ, CMSDK_LINK_UART_BAUDDIV, BOARD_PRIO_LINK. The handlers to put in
 * the vector table: cmsdk_uart_link_rx_irq, cmsdk_uart_link_tx_irq. On a multi-core board
 * core 0 owns the UART; another core's kick only wakes core 0 (SEV), whose loop polls.
 */
#ifndef CMSDK_UART_H
#define CMSDK_UART_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"

#define CMSDK_UART_DATA 0x00u
#define CMSDK_UART_STATE 0x04u
#define CMSDK_UART_CTRL 0x08u
#define CMSDK_UART_INTSTATUS 0x0Cu /* read */
#define CMSDK_UART_INTCLEAR 0x0Cu  /* write 1 to clear */
#define CMSDK_UART_BAUDDIV 0x10u
#define CMSDK_UART_STATE_TXFULL (1u << 0)
#define CMSDK_UART_STATE_RXFULL (1u << 1)
#define CMSDK_UART_STATE_TXOVR (1u << 2)
#define CMSDK_UART_STATE_RXOVR (1u << 3)
#define CMSDK_UART_CTRL_TXEN (1u << 0)
#define CMSDK_UART_CTRL_RXEN (1u << 1)
#define CMSDK_UART_CTRL_TXINTEN (1u << 2)
#define CMSDK_UART_CTRL_RXINTEN (1u << 3)
#define CMSDK_UART_INT_TX (1u << 0)
#define CMSDK_UART_INT_RX (1u << 1)

#define CMSDK_LINK(off) (*(volatile uint32_t *)(CMSDK_LINK_UART_BASE + (off)))

#define CMSDK_UART_TX_FULL() ((CMSDK_LINK(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) != 0u)

/*
 * The handshake both transmitters' bulk form runs: no TX FIFO (a one-byte holding register
 * whose STATE.TXFULL says it holds a byte not yet moved to the shifter; a DATA write while it
 * is set replaces that byte, TXOVR), so a status read per byte. refused non-NULL (interrupt
 * driven): stop at the first byte the register cannot take, and set *refused. NULL (polled):
 * wait for room before every byte. Returns the bytes taken; the drain is the UART's only
 * writer and only one drain runs at a time, so no mask is needed between the check and the
 * write.
 */
static inline size_t cmsdk_uart_tx_bytes(const uint8_t *p, size_t n, volatile uint8_t *refused)
{
	const uint8_t *q = p, *e = p + n;
#define CMSDK_UART_ROOM_OR(give_up)                 \
	do {                                        \
		if (CMSDK_UART_TX_FULL()) {         \
			if (refused != NULL) {      \
				*refused = 1;       \
				give_up;            \
			}                           \
			while (CMSDK_UART_TX_FULL()) { \
			}                           \
		}                                   \
	} while (0)
#ifndef __OPTIMIZE_SIZE__
	/* Eight bytes a turn: the loop's own compare and branch once per eight. */
#define CMSDK_UART_PUT_AT(i)                            \
	do {                                            \
		CMSDK_UART_ROOM_OR(q += (i); goto out); \
		CMSDK_LINK(CMSDK_UART_DATA) = q[i];     \
	} while (0)
	for (const uint8_t *e8 = p + (n & ~(size_t)7); q != e8; q += 8) {
		CMSDK_UART_PUT_AT(0);
		CMSDK_UART_PUT_AT(1);
		CMSDK_UART_PUT_AT(2);
		CMSDK_UART_PUT_AT(3);
		CMSDK_UART_PUT_AT(4);
		CMSDK_UART_PUT_AT(5);
		CMSDK_UART_PUT_AT(6);
		CMSDK_UART_PUT_AT(7);
	}
#undef CMSDK_UART_PUT_AT
#endif
	while (q != e) {
		CMSDK_UART_ROOM_OR(goto out);
		CMSDK_LINK(CMSDK_UART_DATA) = *q++;
	}
#undef CMSDK_UART_ROOM_OR
out:
	return (size_t)(q - p);
}

#if defined(TP_PROFILE_TINY) && TP_PROFILE_TINY
/* Polled (tiny/cmsdk_uart.c): the drain waits for room before each byte; the call returns
 * once its last byte is in the holding register. */
#define TP_PORT_HAS_TX_WRITE 1
#define TP_PORT_TX_POLLED 1 /* port.h */
static inline size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	return cmsdk_uart_tx_bytes(p, n, NULL);
}
#else
/* Bulk UART writes for the drain (see port.h). tx_taken / tx_refused feed the TX handler's
 * idle test (cmsdk_uart.c).
 * NOTE(multi-core): single-core boards only, for now. On the AN521 the bulk path changes how
 * the two cores' packets interleave on the wire, and test/boards/an521-multicore.test.ts then
 * sees the host's merged timeline go back in time (per-byte path: never). Until that is
 * understood, a multi-core board keeps the per-byte path it was measured with. */
#if TP_BOARD_CORES == 1
#define TP_PORT_HAS_TX_WRITE 1
#endif

extern volatile uint32_t cmsdk_uart_tx_taken;
extern volatile uint8_t cmsdk_uart_tx_refused;
void cmsdk_uart_tx_int_ensure(void);

#ifdef TP_PORT_HAS_TX_WRITE
static inline size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	size_t k = cmsdk_uart_tx_bytes(p, n, &cmsdk_uart_tx_refused);
	cmsdk_uart_tx_taken += (uint32_t)k;
	if (k != 0u)
		cmsdk_uart_tx_int_ensure(); /* the byte in flight needs its TX interrupt */
	return k;
}
#endif
#endif

/* TX and RX on, RX interrupt on; the TX interrupt is switched on by tp_port_tx_kick. Core 0,
 * once. */
void cmsdk_uart_link_init(void);

#endif /* CMSDK_UART_H */
