/* SPDX-License-Identifier: MIT */
/*
 * port.c - the tracepipe port of the micro:bit (nRF51822): the drivers do the work (board.mk:
 * nrf51_timer for the timestamp, nrf51_uart for the link on P0.24/P0.25, the arch's masked
 * compare-and-swap: ARMv6-M has no LDREX/STREX, one core only); this is the clock they need
 * and their start-up.
 */
#include <stdint.h>

#include "nrf51.h"
#include "nrf51_timer.h"
#include "nrf51_uart.h"

uint8_t microbit_hfxo_ok;

void nrf51_port_init(void)
{
	/* HFXO: the RC oscillator's tolerance is too loose for a reliable 115200 baud link. Clear
	 * the event first (a start from before a reset may have left it set), wait bounded so a
	 * missing crystal cannot hang boot, then ask HFCLKSTAT what HFCLK really runs from: its
	 * SRC bit turns to Xtal only once the crystal runs. QEMU stubs CLOCK (reads as 1: SRC =
	 * Xtal; STATE, bit 16, would read 0, so it is not the bit checked). */
	volatile uint32_t *ev = NRF_BLOCK(NRF_CLOCK_BASE + NRF_CLOCK_EVENTS_HFCLKSTARTED);
	*ev = 0u;
	NRF_REG(NRF_CLOCK_BASE, NRF_CLOCK_TASKS_HFCLKSTART) = 1u;
	for (uint32_t i = MICROBIT_HFXO_WAIT_LOOPS; i != 0u && *ev == 0u; i--) {
	}
	microbit_hfxo_ok = (uint8_t)(NRF_REG(NRF_CLOCK_BASE, NRF_CLOCK_HFCLKSTAT) & NRF_CLOCK_HFCLKSTAT_SRC_XTAL);

	nrf51_timer_ts_init();
	nrf51_uart_link_init();
}
