/* SPDX-License-Identifier: MIT */
/*
 * app_board.c - apps/app_board.h for the micro:bit: start-up, a semihosting console (QEMU
 * prints it on its stderr; on hardware without a debugger it is a no-op, see startup.c), two
 * periodic interrupts that can nest (TIMER1 and TIMER2, 16-bit) and semihosting exit.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "port.h"
#include "tracepipe.h"
#include "nrf51.h"
#include "semihost.h"

void board_init(void)
{
	nrf51_port_init();
	if (!microbit_hfxo_ok) {
		board_puts("microbit: HFXO did not start: UART0 runs on the RC oscillator, 115200 baud is unreliable\n");
	}
}

void board_exit(int code)
{
	semihost_linger_for_host();
	semihost_exit(code);
}

volatile uint32_t nrf51_irq_seen;

/* Interrupts masked around the check and the WFI: a pending interrupt still ends the WFI,
 * and runs once PRIMASK is restored. See nrf51_irq_seen. */
void board_idle(void)
{
	uint32_t primask = tp_port_irq_save();
	if (!nrf51_irq_seen) {
		__asm__ volatile("dsb\n\twfi" : : : "memory");
	}
	nrf51_irq_seen = 0;
	tp_port_irq_restore(primask);
}

unsigned board_active_exception(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr & 0x3Fu;
}

/* App periodic interrupts: which 0 = TIMER1 (IRQ 9), which 1 = TIMER2 (IRQ 10). Both are
 * 16-bit, so long periods use the prescaler: period_ticks is rounded down to a multiple of
 * 2^prescaler ticks of the 16 MHz clock. */
static void (*volatile periodic_fn[2])(void);

static const uint32_t periodic_base[2] = {NRF_TIMER1_BASE, NRF_TIMER2_BASE};
static const unsigned periodic_irq[2] = {NRF_IRQ_TIMER1, NRF_IRQ_TIMER2};

static unsigned app_prio_level(unsigned prio)
{
	/* Two levels between TIMER0 (0) and the UART (3). */
	return prio == 0u ? 1u : 2u;
}

void board_periodic_start(unsigned which, uint32_t period_ticks, unsigned prio, void (*fn)(void))
{
	which = which != 0u;
	uint32_t base = periodic_base[which];
	unsigned irq = periodic_irq[which];
	unsigned prescaler = 0;
	while (prescaler < 9u && (period_ticks >> prescaler) > 0xFFFFu) {
		prescaler++;
	}
	uint32_t cc = period_ticks >> prescaler;
	if (cc > 0xFFFFu) {
		cc = 0xFFFFu;
	}
	if (cc < 2u) {
		cc = 2u;
	}
	nrf51_nvic_disable(irq);
	NRF_REG(base, NRF_TIMER_TASKS_STOP) = 1u;
	NRF_REG(base, NRF_TIMER_TASKS_CLEAR) = 1u;
	periodic_fn[which] = fn;
	NRF_REG(base, NRF_TIMER_MODE) = 0u;
	NRF_REG(base, NRF_TIMER_BITMODE) = NRF_TIMER_BITMODE_16;
	NRF_REG(base, NRF_TIMER_PRESCALER) = prescaler;
	NRF_REG(base, NRF_TIMER_CC(0)) = cc;
	NRF_REG(base, NRF_TIMER_SHORTS) = NRF_TIMER_SHORTS_COMPARE0_CLEAR;
	NRF_REG(base, NRF_TIMER_EVENTS_COMPARE(0)) = 0u;
	NRF_REG(base, NRF_TIMER_INTENSET) = NRF_TIMER_INT_COMPARE0;
	nrf51_nvic_clear_pending(irq);
	nrf51_nvic_set_priority(irq, app_prio_level(prio));
	nrf51_nvic_enable(irq);
	NRF_REG(base, NRF_TIMER_TASKS_START) = 1u;
}

void board_periodic_stop(unsigned which)
{
	which = which != 0u;
	uint32_t base = periodic_base[which];
	NRF_REG(base, NRF_TIMER_TASKS_STOP) = 1u;
	NRF_REG(base, NRF_TIMER_INTENCLR) = NRF_TIMER_INT_COMPARE0;
	nrf51_nvic_disable(periodic_irq[which]);
	NRF_REG(base, NRF_TIMER_EVENTS_COMPARE(0)) = 0u;
	nrf51_nvic_clear_pending(periodic_irq[which]);
	periodic_fn[which] = NULL;
}

static void periodic_irq_common(unsigned which)
{
	/* Clear before the callback: a period that ends while it runs is kept, not merged. */
	NRF_REG(periodic_base[which], NRF_TIMER_EVENTS_COMPARE(0)) = 0u;
	void (*fn)(void) = periodic_fn[which];
	if (fn != NULL) {
		fn();
	}
}

void TIMER1_IRQHandler(void)
{
	nrf51_irq_seen = 1;
	periodic_irq_common(0);
}

void TIMER2_IRQHandler(void)
{
	nrf51_irq_seen = 1;
	periodic_irq_common(1);
}
