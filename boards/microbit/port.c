/* SPDX-License-Identifier: MIT */
/*
 * port.c - the tracepipe port of the micro:bit (nRF51822): TIMER0 is the timestamp timer,
 * UART0 the trace link (TX and RX interrupt driven, 115200 baud on P0.24/P0.25), and
 * compare-and-swap by masking interrupts (Armv6-M has no LDREX/STREX; one core only).
 */
#include <stddef.h>
#include <stdint.h>

#include "nrf51.h"
#include "port.h"
#include "tracepipe.h"

#define CLOCK_REG(off) NRF_REG(NRF_CLOCK_BASE, off)
#define GPIO_REG(off) NRF_REG(NRF_GPIO_BASE, off)
#define TIMER0_REG(off) NRF_REG(NRF_TIMER0_BASE, off)
#define UART0_REG(off) NRF_REG(NRF_UART0_BASE, off)

/*
 * NOTE(wrap): COMPARE0 with CC[0] = 0 fires when the count rolls over to 0, so "event set"
 * means "wrapped". QEMU 7.2's model also sets the event on any timer update that finds the
 * count exactly 0 (its distance-to-compare wraps to 0 in a uint32_t): right after START and
 * for the first tick after a real wrap. Clearing the event only once the count has left 0
 * (at most one 62.5 ns tick on hardware) keeps a wrap from being counted twice.
 */
static void timer0_wait_past_zero(void)
{
	while (tp_port_timer_lo() == 0u) {
	}
}

int tp_port_timer_overflow_pending(void)
{
	return TIMER0_REG(NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_WRAP)) != 0u;
}

/*
 * NOTE(qemu-txdrdy): QEMU 7.2's nRF51 UART sets TXDRDY without updating its interrupt line
 * when a byte completes late (the pty reader was slow, the byte waited for the chardev), so a
 * purely interrupt-driven transmitter stalls for good. Whenever the handler leaves a byte in
 * flight (sent but TXDRDY not yet set, or refused because of that) it arms this alarm on TIMER0
 * CC[1]; when it fires it pends the UART interrupt, which retries. Each new byte moves the
 * alarm, so it fires only when the link has stalled for two byte times. On hardware TXDRDY's
 * own interrupt comes first and the alarm finds nothing to do.
 */
static void tx_retry_arm(void)
{
	TIMER0_REG(NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_TX_RETRY)) = 0u;
	TIMER0_REG(NRF_TIMER_CC(MICROBIT_TS_CC_TX_RETRY)) =
		(tp_port_timer_lo() + MICROBIT_TX_RETRY_TICKS) & MICROBIT_TIMER0_MASK;
	TIMER0_REG(NRF_TIMER_INTENSET) = NRF_TIMER_INT_COMPARE1;
}

void TIMER0_IRQHandler(void)
{
	nrf51_irq_seen = 1;
	if (TIMER0_REG(NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_TX_RETRY)) != 0u) {
		TIMER0_REG(NRF_TIMER_INTENCLR) = NRF_TIMER_INT_COMPARE1;
		TIMER0_REG(NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_TX_RETRY)) = 0u;
		nrf51_nvic_set_pending(NRF_IRQ_UART0);
	}
	/* Clearing the event and counting the wrap happen with interrupts masked, so a reader of
	 * any priority sees either (old count, event set) or (new count, event clear). */
	uint32_t primask = tp_port_irq_save();
	if (TIMER0_REG(NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_WRAP)) != 0u) {
		timer0_wait_past_zero();
		TIMER0_REG(NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_WRAP)) = 0u;
		tp_timer_overflow();
	}
	tp_port_irq_restore(primask);
}

/*
 * UART0 transmit state. TXDRDY is set when a byte has left; writing TXD while a byte is still
 * in flight is silently ignored (the byte is lost), so tx_in_flight remembers whether TXDRDY
 * is still owed. tx_taken/tx_refused let the handler tell "nothing to send" (switch the TX
 * interrupt off, TXDRDY would hold it asserted) from "transmitter busy" (keep it on).
 */
static volatile uint8_t tx_in_flight;
static volatile uint8_t tx_refused;
static volatile uint32_t tx_taken;

int tp_port_tx_put(uint8_t b)
{
	uint32_t primask = tp_port_irq_save();
	int taken = 0;
	if (!tx_in_flight || UART0_REG(NRF_UART_EVENTS_TXDRDY) != 0u) {
		/* A byte in flight always has an interrupt coming, whoever sent it (thread tp_poll
		 * too): apps wait for the link with WFI (board_link_busy). */
		UART0_REG(NRF_UART_INTENSET) = NRF_UART_INT_TXDRDY;
		UART0_REG(NRF_UART_EVENTS_TXDRDY) = 0u;
		UART0_REG(NRF_UART_TXD) = b;
		tx_in_flight = 1;
		tx_taken++;
		taken = 1;
		if (UART0_REG(NRF_UART_EVENTS_TXDRDY) == 0u) {
			tx_retry_arm(); /* NOTE(qemu-txdrdy) */
		}
	} else {
		tx_refused = 1;
	}
	tp_port_irq_restore(primask);
	return taken;
}

int board_link_busy(void)
{
	return tx_in_flight && UART0_REG(NRF_UART_EVENTS_TXDRDY) == 0u;
}

/* An idle transmitter raises no TXDRDY by itself, so the kick pends the UART interrupt in the
 * NVIC as well: the handler then starts the drain at UART priority. */
void tp_port_tx_kick(void)
{
	UART0_REG(NRF_UART_INTENSET) = NRF_UART_INT_TXDRDY;
	nrf51_nvic_set_pending(NRF_IRQ_UART0);
}

/* A closed packet wakes the transport as a kick does. */
void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void UART0_IRQHandler(void)
{
	nrf51_irq_seen = 1;
	/* Clear before reading RXD: the read raises RXDRDY again when another byte is waiting. */
	while (UART0_REG(NRF_UART_EVENTS_RXDRDY) != 0u) {
		UART0_REG(NRF_UART_EVENTS_RXDRDY) = 0u;
		tp_rx_byte((uint8_t)UART0_REG(NRF_UART_RXD));
	}
	if (UART0_REG(NRF_UART_EVENTS_ERROR) != 0u) {
		/* Framing/parity/overrun on a real line: the byte is gone, the framer resyncs. */
		UART0_REG(NRF_UART_EVENTS_ERROR) = 0u;
		UART0_REG(NRF_UART_ERRORSRC) = 0xFu;
	}
	/* Always offer bytes, also when only RX or a kick brought us here: a kick that lands
	 * just before the INTENCLR below re-enters this handler and must find its bytes. */
	uint32_t taken_before = tx_taken;
	tx_refused = 0;
	tp_tx_isr();
	if (tx_taken == taken_before && !tx_refused) {
		/* Idle: TXDRDY stays set and would hold the interrupt asserted. A later kick
		 * switches it back on and pends the interrupt, so no byte is stranded; a byte still
		 * in flight (sent by thread-mode tp_poll) keeps it on. */
		uint32_t primask = tp_port_irq_save();
		if (!tx_in_flight || UART0_REG(NRF_UART_EVENTS_TXDRDY) != 0u) {
			UART0_REG(NRF_UART_INTENCLR) = NRF_UART_INT_TXDRDY;
		}
		tp_port_irq_restore(primask);
	} else if (tx_refused) {
		tx_retry_arm();
	}
}

uint8_t microbit_hfxo_ok;

void nrf51_port_init(void)
{
	/* HFXO: the RC oscillator's tolerance is too loose for a reliable 115200 baud link. Clear
	 * the event first (a start from before a reset may have left it set), wait bounded so a
	 * missing crystal cannot hang boot, then ask HFCLKSTAT what HFCLK really runs from: its
	 * SRC bit turns to Xtal only once the crystal runs. QEMU stubs CLOCK (reads as 1: SRC =
	 * Xtal; STATE, bit 16, would read 0, so it is not the bit checked). */
	CLOCK_REG(NRF_CLOCK_EVENTS_HFCLKSTARTED) = 0u;
	CLOCK_REG(NRF_CLOCK_TASKS_HFCLKSTART) = 1u;
	for (uint32_t i = 0; i < MICROBIT_HFXO_WAIT_LOOPS && CLOCK_REG(NRF_CLOCK_EVENTS_HFCLKSTARTED) == 0u; i++) {
	}
	microbit_hfxo_ok = (CLOCK_REG(NRF_CLOCK_HFCLKSTAT) & NRF_CLOCK_HFCLKSTAT_SRC_XTAL) != 0u;

	/* TIMER0: 32-bit timer at 16 MHz (narrower in wrap-test builds), COMPARE0 at count 0 =
	 * the wrap. */
	TIMER0_REG(NRF_TIMER_TASKS_STOP) = 1u;
	TIMER0_REG(NRF_TIMER_TASKS_CLEAR) = 1u;
	TIMER0_REG(NRF_TIMER_MODE) = 0u;
	TIMER0_REG(NRF_TIMER_BITMODE) = MICROBIT_TIMER0_BITMODE;
	TIMER0_REG(NRF_TIMER_PRESCALER) = 0u;
	TIMER0_REG(NRF_TIMER_SHORTS) = 0u;
	TIMER0_REG(NRF_TIMER_CC(MICROBIT_TS_CC_WRAP)) = 0u;
	TIMER0_REG(NRF_TIMER_TASKS_START) = 1u;
	timer0_wait_past_zero();
	TIMER0_REG(NRF_TIMER_EVENTS_COMPARE(MICROBIT_TS_CC_WRAP)) = 0u;
	TIMER0_REG(NRF_TIMER_INTENSET) = NRF_TIMER_INT_COMPARE0;
	nrf51_nvic_set_priority(NRF_IRQ_TIMER0, MICROBIT_PRIO_TIMESTAMP);
	nrf51_nvic_clear_pending(NRF_IRQ_TIMER0);
	nrf51_nvic_enable(NRF_IRQ_TIMER0);

	/* UART0 on the interface-chip pins: TX drives high when idle. */
	GPIO_REG(NRF_GPIO_OUTSET) = 1u << MICROBIT_PIN_UART_TX;
	GPIO_REG(NRF_GPIO_DIRSET) = 1u << MICROBIT_PIN_UART_TX;
	/* RX input with its pull-up: on battery the interface chip is unpowered and an undriven
	 * line would float into framing errors and junk command bytes. */
	GPIO_REG(NRF_GPIO_PIN_CNF(MICROBIT_PIN_UART_RX)) = NRF_GPIO_PIN_CNF_PULLUP;
	UART0_REG(NRF_UART_PSELTXD) = MICROBIT_PIN_UART_TX;
	UART0_REG(NRF_UART_PSELRXD) = MICROBIT_PIN_UART_RX;
	UART0_REG(NRF_UART_BAUDRATE) = NRF_UART_BAUDRATE_115200;
	UART0_REG(NRF_UART_CONFIG) = 0u; /* no parity, no flow control */
	UART0_REG(NRF_UART_ENABLE) = NRF_UART_ENABLE_ENABLED;
	UART0_REG(NRF_UART_EVENTS_RXDRDY) = 0u;
	UART0_REG(NRF_UART_EVENTS_TXDRDY) = 0u;
	UART0_REG(NRF_UART_TASKS_STARTTX) = 1u;
	UART0_REG(NRF_UART_TASKS_STARTRX) = 1u;
	/* RX interrupt on; tp_port_tx_kick switches the TX interrupt on. */
	UART0_REG(NRF_UART_INTENSET) = NRF_UART_INT_RXDRDY;
	nrf51_nvic_set_priority(NRF_IRQ_UART0, MICROBIT_PRIO_UART);
	nrf51_nvic_clear_pending(NRF_IRQ_UART0);
	nrf51_nvic_enable(NRF_IRQ_UART0);
}
