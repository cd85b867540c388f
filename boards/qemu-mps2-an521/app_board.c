/* SPDX-License-Identifier: MIT */
/*
 * app_board.c - apps/app_board.h for qemu-mps2-an521: start-up, a semihosting console,
 * two periodic interrupts (TIMER1 and the dual timer's timer 1), exit, and starting CPU1.
 * Everything here runs on core 0 except an521_cpu1_main.
 */
#include <stdint.h>
#include "app_board.h"
#include "port.h"
#include "tracepipe.h"
#include "an521.h"
#include "semihost.h"

#define TIMER1(off) AN521_REG(CMSDK_TIMER1_BASE, off)
#define DUAL1(off) AN521_REG(CMSDK_DUALTIMER_BASE, off)

static void (*periodic_fn[2])(void);
static void (*volatile cpu1_entry)(void);

void board_init(void)
{
	an521_port_init();
}

/* App timer priorities sit between the timestamp overflow (0) and the UART (7). */
static unsigned app_level(unsigned prio)
{
	return prio > 5u ? 6u : prio + 1u;
}

void board_periodic_start(unsigned which, uint32_t period_ticks, unsigned prio, void (*fn)(void))
{
	if (period_ticks < 2u)
		period_ticks = 2u;
	if (which == 0) {
		periodic_fn[0] = fn;
		TIMER1(CMSDK_TIMER_CTRL) = 0;
		/* The CMSDK timer counts RELOAD..0 and interrupts on reaching 0: RELOAD + 1 ticks. */
		TIMER1(CMSDK_TIMER_RELOAD) = period_ticks - 1u;
		TIMER1(CMSDK_TIMER_VALUE) = period_ticks - 1u;
		TIMER1(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		an521_nvic_set_priority(AN521_IRQ_TIMER1, app_level(prio));
		an521_nvic_enable(AN521_IRQ_TIMER1);
		TIMER1(CMSDK_TIMER_CTRL) = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
	} else {
		periodic_fn[1] = fn;
		DUAL1(CMSDK_DUALTIMER_CONTROL) = 0;
		DUAL1(CMSDK_DUALTIMER_LOAD) = period_ticks;
		DUAL1(CMSDK_DUALTIMER_INTCLR) = 1u;
		an521_nvic_set_priority(AN521_IRQ_DUALTIMER, app_level(prio));
		an521_nvic_enable(AN521_IRQ_DUALTIMER);
		DUAL1(CMSDK_DUALTIMER_CONTROL) = CMSDK_DUALTIMER_CTRL_EN | CMSDK_DUALTIMER_CTRL_MODE_PERIODIC |
			CMSDK_DUALTIMER_CTRL_INTEN | CMSDK_DUALTIMER_CTRL_SIZE32;
	}
}

void board_periodic_stop(unsigned which)
{
	if (which == 0) {
		TIMER1(CMSDK_TIMER_CTRL) = 0;
		an521_nvic_disable(AN521_IRQ_TIMER1);
		an521_nvic_clear_pending(AN521_IRQ_TIMER1);
	} else {
		DUAL1(CMSDK_DUALTIMER_CONTROL) = 0;
		an521_nvic_disable(AN521_IRQ_DUALTIMER);
		an521_nvic_clear_pending(AN521_IRQ_DUALTIMER);
	}
}

void an521_timer1_irq(void)
{
	an521_irq_seen = 1;
	TIMER1(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
	periodic_fn[0]();
}

void an521_dualtimer_irq(void)
{
	an521_irq_seen = 1;
	DUAL1(CMSDK_DUALTIMER_INTCLR) = 1u;
	periodic_fn[1]();
}

void board_exit(int code)
{
	semihost_linger_for_host();
	semihost_exit(code);
}

volatile uint32_t an521_irq_seen;

/* Interrupts masked around the check and the WFI: a pending interrupt still ends the WFI,
 * and runs once PRIMASK is restored. See an521_irq_seen. */
void board_idle(void)
{
	uint32_t primask = tp_port_irq_save();
	if (!an521_irq_seen) {
		__asm__ volatile("dsb\n\twfi" : : : "memory");
	}
	an521_irq_seen = 0;
	tp_port_irq_restore(primask);
}

unsigned board_active_exception(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr & 0x1FFu;
}

int board_core_start(unsigned core, void (*fn)(void))
{
	if (core != 1u || fn == 0)
		return -1;
	cpu1_entry = fn;
	/* CPU1 starts from reset and reads cpu1_entry right away: publish it first. */
	__asm__ volatile("dsb" : : : "memory");
	AN521_REG(SSE200_SYSCTL_INITSVTOR1, 0) = (uint32_t)(uintptr_t)an521_cpu1_vector_table;
	AN521_REG(SSE200_SYSCTL_CPUWAIT, 0) &= ~SSE200_CPUWAIT_CPU1;
	return 0;
}

void an521_cpu1_main(void)
{
	cpu1_entry();
	for (;;)
		__asm__ volatile("wfe");
}
