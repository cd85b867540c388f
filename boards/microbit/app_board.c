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

/* Arm semihosting operations */
#define SYS_WRITE0 0x04
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static int semihost(int op, const void *arg)
{
	register int r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;
	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void board_init(void)
{
	nrf51_port_init();
}

void board_puts(const char *s)
{
	semihost(SYS_WRITE0, s);
}

void board_put_u32(uint32_t v)
{
	char buf[11];
	unsigned i = sizeof buf - 1u;
	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0u);
	board_puts(&buf[i]);
}

/*
 * QEMU's exit hangs up the UART's pty, and Linux then discards what the host has not read
 * yet: leaving right after a flush loses the last packets and FINAL statuses whenever the
 * host lags. So before exiting, wait until the transmitter is idle and the host has said it
 * has everything (CMD_STOP clears tp_started()), at most EXIT_LINGER_TICKS.
 */
#define EXIT_LINGER_TICKS ((uint64_t)TP_BOARD_TIMER_HZ)

static void linger_for_host(void)
{
	if (!tp_started()) {
		return;
	}
	uint64_t t0 = tp_now();
	while ((board_link_busy() || tp_started()) && tp_now() - t0 < EXIT_LINGER_TICKS) {
		__asm__ volatile("nop" : : : "memory");
	}
}

void board_exit(int code)
{
	linger_for_host();
	/* SYS_EXIT_EXTENDED takes {reason, subcode}; QEMU exits with subcode & 0xFF. */
	const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
	semihost(SYS_EXIT_EXTENDED, block);
	for (;;) {
		__asm__ volatile("wfi");
	}
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
