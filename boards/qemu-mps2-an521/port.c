/* SPDX-License-Identifier: MIT */
/*
 * port.c - tracepipe port for qemu-mps2-an521: the shared TIMER0 timestamp and its
 * overflow interrupt, UART0 transport with TX/RX interrupts, cross-core compare-and-swap,
 * and the build id.
 *
 * Division of labour between the cores: both record into their own channel; only core 0
 * owns the UART and the timer interrupt (their NVIC lines are enabled on core 0 alone, the
 * SSE-200 splitter raises them on both NVICs). Core 1 therefore never drains: its kick only
 * wakes core 0, whose idle loop polls.
 */
#include <stdint.h>
#include "port.h"
#include "tracepipe.h"
#include "an521.h"

#define TIMER0(off) AN521_REG(CMSDK_TIMER0_BASE, off)
#define UART0(off) AN521_REG(CMSDK_UART0_BASE, off)

void an521_port_init(void)
{
	/* Free-running down-counter over the full 32 bits, wrap interrupt only. */
	TIMER0(CMSDK_TIMER_CTRL) = 0;
	TIMER0(CMSDK_TIMER_RELOAD) = 0xFFFFFFFFu;
	TIMER0(CMSDK_TIMER_VALUE) = 0xFFFFFFFFu;
	TIMER0(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
	an521_nvic_set_priority(AN521_IRQ_TIMER0, AN521_PRIO_TIMESTAMP);
	an521_nvic_enable(AN521_IRQ_TIMER0);
	TIMER0(CMSDK_TIMER_CTRL) = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;

	UART0(CMSDK_UART_CTRL) = 0;
	UART0(CMSDK_UART_BAUDDIV) = AN521_UART0_BAUDDIV;
	UART0(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_TX | CMSDK_UART_INT_RX;
	/* TX and RX on, RX interrupt on; tp_port_tx_kick switches the TX interrupt on. */
	UART0(CMSDK_UART_CTRL) = CMSDK_UART_CTRL_TXEN | CMSDK_UART_CTRL_RXEN | CMSDK_UART_CTRL_RXINTEN;
	an521_nvic_set_priority(AN521_IRQ_UART0_RX, AN521_PRIO_UART);
	an521_nvic_set_priority(AN521_IRQ_UART0_TX, AN521_PRIO_UART);
	an521_nvic_clear_pending(AN521_IRQ_UART0_RX);
	an521_nvic_clear_pending(AN521_IRQ_UART0_TX);
	an521_nvic_enable(AN521_IRQ_UART0_RX);
	an521_nvic_enable(AN521_IRQ_UART0_TX);
}

/*
 * The CMSDK timer sets INTSTATUS on its 1 -> 0 step and holds VALUE at 0 for one tick before
 * reloading: for that tick the flag is set while the up-count still reads 0xFFFFFFFF. Waiting
 * it out (one 50 ns clock at most) makes "pending" mean what port.h says: the timer has
 * wrapped and a re-read returns the wrapped value.
 */
static void timer0_wait_reloaded(void)
{
	while (TIMER0(CMSDK_TIMER_VALUE) == 0u) {
	}
}

/*
 * NOTE(cross-core wrap): core 0 takes the wrap interrupt, but core 1 reads the 64-bit time
 * too, and core 0's PRIMASK does not stop it. The core's tp_now_locked() reads the count h,
 * the timer, this pending flag, then retries if the count changed. That is exact against a
 * handler that runs entirely inside the read, but not against one caught halfway, between
 * "count + 1" and "flag cleared" (core 1 would add the wrap twice) or the reverse order
 * (core 1 would miss it). So the handler raises an521_wrap_busy around both steps, and a reader
 * that finds it raised waits (a few instructions of core 0) and then reports "not pending":
 * the count has changed by then, so the core's retry loop reads again.
 */
volatile uint32_t an521_wrap_busy;

int tp_port_timer_overflow_pending(void)
{
	if (an521_wrap_busy) {
		while (an521_wrap_busy)
			__asm__ volatile("yield"); /* lets core 0 run under round-robin TCG */
		tp_port_dmb();
		return 0;
	}
	tp_port_dmb();
	if ((TIMER0(CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT) == 0u)
		return 0;
	timer0_wait_reloaded();
	return 1;
}

/* Core 0 only: TIMER0's interrupt is enabled in core 0's NVIC alone. PRIMASK makes the two
 * steps atomic for readers on this core, an521_wrap_busy for readers on core 1. */
void an521_timer0_irq(void)
{
	an521_irq_seen = 1;
	uint32_t primask = tp_port_irq_save();
	if (TIMER0(CMSDK_TIMER_INTSTATUS) & CMSDK_TIMER_INT) {
		timer0_wait_reloaded();
		an521_wrap_busy = 1;
		tp_port_dmb();
		tp_timer_overflow();
		TIMER0(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		/* The clear must have reached the timer before a reader can see an521_wrap_busy == 0. */
		__asm__ volatile("dsb" : : : "memory");
		an521_wrap_busy = 0;
	}
	tp_port_irq_restore(primask);
}

/* Bytes UART0 accepted, and whether the last drain pass found the transmitter busy: the TX
 * handler tells "nothing left to send" (TX interrupt off) from "transmitter full" (keep it
 * on: the interrupt comes back when the byte has gone). Core 0 only. */
static volatile uint32_t tx_taken;
static volatile uint8_t tx_refused;
static volatile uint8_t tx_int_on; /* shadow of CTRL.TXINTEN */

int tp_port_tx_put(uint8_t b)
{
	/* Checking TXFULL and writing DATA must not be split by another writer of this UART on
	 * this core (thread tp_poll vs the TX handler): a DATA write while TXFULL is set replaces
	 * the pending byte (TXOVERRUN) and loses it. */
	uint32_t primask = tp_port_irq_save();
	int taken = 0;
	if ((UART0(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) == 0u) {
		/* A byte in flight must always have a TX interrupt coming, also when thread-mode
		 * tp_poll sent it: apps wait for the link with WFI (board_link_busy), and TXINTEN
		 * only latches the interrupt if it is on when the byte leaves. */
		if (!tx_int_on) {
			UART0(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
			tx_int_on = 1;
		}
		UART0(CMSDK_UART_DATA) = b;
		tx_taken++;
		taken = 1;
	} else {
		tx_refused = 1;
	}
	tp_port_irq_restore(primask);
	return taken;
}

void tp_port_tx_kick(void)
{
	if (tp_port_core_id() != 0u) {
		/* Core 1 cannot reach core 0's NVIC: wake core 0 from WFE; its loop polls. */
		__asm__ volatile("dsb\n\tsev" : : : "memory");
		return;
	}
	/* The TX interrupt fires only when TXFULL goes from set to clear, never for an idle
	 * transmitter, so pend it by hand: the handler starts the drain at UART priority. */
	uint32_t primask = tp_port_irq_save();
	UART0(CMSDK_UART_CTRL) |= CMSDK_UART_CTRL_TXINTEN;
	tx_int_on = 1;
	an521_nvic_set_pending(AN521_IRQ_UART0_TX);
	tp_port_irq_restore(primask);
}

/* A closed packet wakes the transport as a kick does. */
void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void an521_uart0_tx_irq(void)
{
	an521_irq_seen = 1;
	UART0(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_TX;
	uint32_t taken_before = tx_taken;
	tx_refused = 0;
	tp_tx_isr();
	if (tx_taken == taken_before && !tx_refused) {
		/* Idle. A later kick re-pends the interrupt, so switching TXINTEN off strands nothing;
		 * but a byte still in flight (sent by thread-mode tp_poll) keeps it on. */
		uint32_t primask = tp_port_irq_save();
		if ((UART0(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) == 0u) {
			UART0(CMSDK_UART_CTRL) &= ~CMSDK_UART_CTRL_TXINTEN;
			tx_int_on = 0;
		}
		tp_port_irq_restore(primask);
	}
}

int board_link_busy(void)
{
	return (UART0(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) != 0u;
}

void an521_uart0_rx_irq(void)
{
	an521_irq_seen = 1;
	/* Clear first: a byte that lands after the last DATA read raises the interrupt again. */
	UART0(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_RX;
	while (UART0(CMSDK_UART_STATE) & CMSDK_UART_STATE_RXFULL)
		tp_rx_byte((uint8_t)UART0(CMSDK_UART_DATA));
}

