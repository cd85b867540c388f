/* SPDX-License-Identifier: MIT */
/*
 * port.c - the tracepipe port of qemu-mps2-an385: TIMER0 is the timestamp timer, UART0 the
 * trace link (TX and RX interrupt driven), LDREX/STREX for compare-and-swap.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "mps2.h"
#include "port.h"
#include "tracepipe.h"

#define TIMER0_REG(off) MPS2_REG(CMSDK_TIMER0_BASE, off)
#define UART0_REG(off) MPS2_REG(CMSDK_UART0_BASE, off)

/* Bytes UART0 accepted, and whether the last drain pass found the transmitter busy. The TX
 * handler uses them to tell "nothing left to send" (switch the TX interrupt off) from
 * "transmitter full" (keep it on: the interrupt comes back when the byte has gone). */
volatile uint32_t mps2_tx_taken;
volatile uint8_t mps2_tx_refused;
static volatile uint8_t tx_int_on; /* shadow of CTRL.TXINTEN */

/* Defined here, not in app_board.c: a port.c built without app_board.c (PORTING.md) links. */
volatile uint32_t mps2_irq_seen;

/*
 * NOTE(wrap): INTSTATUS and VALUE do not change together around a wrap. The CMSDK timer raises
 * INTSTATUS on its 1 -> 0 step and holds VALUE at 0 for one tick before reloading, and QEMU's
 * model can show the flag while VALUE still reads 0 or 1 (its counter rounds up, and reads 0
 * or 1 past a deadline whose callback has not run yet). In both cases the up-count reads
 * RELOAD - 0 or RELOAD - 1, the end of the old period, one wrap ahead once counted. Waiting
 * until the up-count is in the lower half of the range makes "pending" mean what port.h says:
 * the wrap happened and a re-read returns the wrapped value. It takes a tick or two; only a
 * flag left pending for half a wrap period (masked that long) would make it wait longer.
 */
static void timer0_wait_wrapped(void)
{
	while (tp_port_timer_lo() > MPS2_TIMER0_RELOAD / 2u) {
	}
}

int tp_port_timer_overflow_pending(void)
{
	if ((TIMER0_REG(CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT) == 0u) {
		return 0;
	}
	timer0_wait_wrapped();
	return 1;
}

void TIMER0_Handler(void)
{
	mps2_irq_seen = 1;
	/* Clearing the flag and counting the wrap happen with interrupts masked, so a reader of
	 * any priority sees either (old count, flag set) or (new count, flag clear). */
	uint32_t primask = tp_port_irq_save();
	if (TIMER0_REG(CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT) {
		timer0_wait_wrapped();
		TIMER0_REG(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		tp_timer_overflow();
	}
	tp_port_irq_restore(primask);
}

int tp_port_tx_put(uint8_t b)
{
	/* Checking TXFULL and writing DATA must not be split by another writer of this UART:
	 * a DATA write while TXFULL is set replaces the pending byte (TXOVR) and loses it. */
	uint32_t primask = tp_port_irq_save();
	int taken = 0;
	if ((UART0_REG(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) == 0u) {
		/* A byte in flight must always have a TX interrupt coming, also when thread-mode
		 * tp_poll sent it: apps wait for the link with WFI (board_link_busy), and the
		 * interrupt only latches if TXINTEN is on when the byte leaves. */
		if (!tx_int_on) {
			UART0_REG(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
			tx_int_on = 1;
		}
		UART0_REG(CMSDK_UART_DATA) = b;
		mps2_tx_taken++;
		taken = 1;
	} else {
		mps2_tx_refused = 1;
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
void mps2_tx_int_ensure(void)
{
	uint32_t primask = tp_port_irq_save();
	if (!tx_int_on) {
		UART0_REG(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
		tx_int_on = 1;
	}
	tp_port_irq_restore(primask);
}

/*
 * The CMSDK UART raises its TX interrupt only when TXFULL goes from set to clear, never merely
 * because TXINTEN was set on an idle transmitter. So the kick also pends the TX interrupt in
 * the NVIC: the handler then runs at UART priority and starts the drain itself.
 */
void tp_port_tx_kick(void)
{
	uint32_t primask = tp_port_irq_save();
	UART0_REG(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
	tx_int_on = 1;
	mps2_nvic_set_pending(MPS2_IRQ_UART0_TX);
	tp_port_irq_restore(primask);
}

/* A closed packet wakes the transport as a kick does. */
void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void UART0TX_Handler(void)
{
	mps2_irq_seen = 1;
	UART0_REG(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_TX;
	uint32_t taken_before = mps2_tx_taken;
	mps2_tx_refused = 0;
	tp_tx_isr();
	if (mps2_tx_taken == taken_before && !mps2_tx_refused) {
		/* Idle: nothing was waiting. A kick from a higher-priority handler after this check
		 * re-pends the interrupt in the NVIC, so switching TXINTEN off cannot strand bytes;
		 * but a byte still in flight (sent by thread-mode tp_poll) keeps it on. */
		uint32_t primask = tp_port_irq_save();
		if ((UART0_REG(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) == 0u) {
			UART0_REG(CMSDK_UART_CTRL) &= ~CMSDK_UART_CTRL_TXINTEN;
			tx_int_on = 0;
		}
		tp_port_irq_restore(primask);
	}
}

void UART0RX_Handler(void)
{
	mps2_irq_seen = 1;
	/* Clear first: a byte that lands after the loop sets the flag again and re-enters. */
	UART0_REG(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_RX;
	while (UART0_REG(CMSDK_UART_STATE) & CMSDK_UART_STATE_RXFULL) {
		tp_rx_byte((uint8_t)UART0_REG(CMSDK_UART_DATA));
	}
}

void mps2_port_init(void)
{
	/* TIMER0: free-running, wrap interrupt only. Writing RELOAD also loads VALUE. */
	TIMER0_REG(CMSDK_TIMER_CTRL) = 0u;
	TIMER0_REG(CMSDK_TIMER_RELOAD) = MPS2_TIMER0_RELOAD;
	TIMER0_REG(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
	TIMER0_REG(CMSDK_TIMER_CTRL) = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
	mps2_nvic_set_priority(MPS2_IRQ_TIMER0, MPS2_PRIO_TIMESTAMP);
	mps2_nvic_enable(MPS2_IRQ_TIMER0);

	/* UART0: TX and RX on, RX interrupt on; the TX interrupt is switched on by tp_port_tx_kick. */
	UART0_REG(CMSDK_UART_CTRL) = 0u;
	tx_int_on = 0;
	UART0_REG(CMSDK_UART_BAUDDIV) = MPS2_UART0_BAUDDIV;
	UART0_REG(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_TX | CMSDK_UART_INT_RX;
	mps2_nvic_set_priority(MPS2_IRQ_UART0_RX, MPS2_PRIO_UART);
	mps2_nvic_set_priority(MPS2_IRQ_UART0_TX, MPS2_PRIO_UART);
	mps2_nvic_clear_pending(MPS2_IRQ_UART0_RX);
	mps2_nvic_clear_pending(MPS2_IRQ_UART0_TX);
	mps2_nvic_enable(MPS2_IRQ_UART0_RX);
	mps2_nvic_enable(MPS2_IRQ_UART0_TX);
	UART0_REG(CMSDK_UART_CTRL) = CMSDK_UART_CTRL_TXEN | CMSDK_UART_CTRL_RXEN | CMSDK_UART_CTRL_RXINTEN;
}

int board_link_busy(void)
{
	return (UART0_REG(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) != 0u;
}
