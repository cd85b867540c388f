/* SPDX-License-Identifier: MIT */
/*
 * app_board.c - apps/app_board.h for qemu-mps2-an385: start-up, a semihosting console
 * (QEMU prints it on its stderr, never on the trace UART), two periodic interrupts that can
 * nest (TIMER1 and timer 1 of the dual timer) and semihosting exit.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "mps2.h"
#include "semihost.h"

#define TIMER1_REG(off) MPS2_REG(CMSDK_TIMER1_BASE, off)
#define DUALTIMER1_REG(off) MPS2_REG(CMSDK_DUALTIMER_BASE, CMSDK_DUALTIMER1_OFFSET + (off))

void board_init(void)
{
	mps2_port_init();
	MPS2_REG(ARMV7M_SYST_CSR, 0) = 0u;
	MPS2_REG(ARMV7M_SYST_RVR, 0) = MPS2_PCLK_HZ / MPS2_IDLE_TICK_HZ - 1u;
	MPS2_REG(ARMV7M_SYST_CVR, 0) = 0u;
	*(volatile uint8_t *)(ARMV7M_SCB_SHPR3 + 3u) = (uint8_t)(MPS2_PRIO_UART << MPS2_NVIC_PRIO_SHIFT);
	MPS2_REG(ARMV7M_SYST_CSR, 0) =
		ARMV7M_SYST_CSR_ENABLE | ARMV7M_SYST_CSR_TICKINT | ARMV7M_SYST_CSR_CLKSOURCE;
}

/* Its only job is to end a WFI (see MPS2_IDLE_TICK_HZ). */
void SysTick_Handler(void)
{
	mps2_irq_seen = 1;
}

void board_exit(int code)
{
	semihost_exit(code);
}

/* Returns after the next interrupt, at the latest after 1 ms (SysTick). Interrupts are masked
 * around the check and the WFI: a pending interrupt still ends the WFI, and runs once PRIMASK
 * is restored. See mps2_irq_seen. */
void board_idle(void)
{
	uint32_t primask;
	__asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
	if (!mps2_irq_seen) {
		__asm__ volatile("dsb\n\twfi" : : : "memory");
	}
	mps2_irq_seen = 0;
	__asm__ volatile("msr primask, %0" : : "r"(primask) : "memory");
}

unsigned board_active_exception(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr & 0x1FFu;
}

/* App periodic interrupts: which 0 = TIMER1 (IRQ 9), which 1 = dual timer 1 (IRQ 10). */
static void (*volatile periodic_fn[2])(void);

static unsigned app_prio_level(unsigned prio)
{
	/* App level 0 maps just below TIMER0 (level 0); the UART (level 7) stays below them all. */
	unsigned level = prio + 1u;
	return level < MPS2_PRIO_UART ? level : MPS2_PRIO_UART - 1u;
}

void board_periodic_start(unsigned which, uint32_t period_ticks, unsigned prio, void (*fn)(void))
{
	if (period_ticks < 2u) {
		period_ticks = 2u;
	}
	if (which == 0u) {
		mps2_nvic_disable(MPS2_IRQ_TIMER1);
		TIMER1_REG(CMSDK_TIMER_CTRL) = 0u;
		periodic_fn[0] = fn;
		/* The CMSDK timer counts RELOAD..0 inclusive: RELOAD + 1 ticks per interrupt. */
		TIMER1_REG(CMSDK_TIMER_RELOAD) = period_ticks - 1u;
		TIMER1_REG(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		mps2_nvic_clear_pending(MPS2_IRQ_TIMER1);
		mps2_nvic_set_priority(MPS2_IRQ_TIMER1, app_prio_level(prio));
		mps2_nvic_enable(MPS2_IRQ_TIMER1);
		TIMER1_REG(CMSDK_TIMER_CTRL) = CMSDK_TIMER_CTRL_EN | CMSDK_TIMER_CTRL_IRQEN;
	} else {
		mps2_nvic_disable(MPS2_IRQ_DUALTIMER);
		DUALTIMER1_REG(CMSDK_DUALTIMER_CONTROL) = 0u;
		periodic_fn[1] = fn;
		DUALTIMER1_REG(CMSDK_DUALTIMER_LOAD) = period_ticks;
		DUALTIMER1_REG(CMSDK_DUALTIMER_INTCLR) = 1u;
		mps2_nvic_clear_pending(MPS2_IRQ_DUALTIMER);
		mps2_nvic_set_priority(MPS2_IRQ_DUALTIMER, app_prio_level(prio));
		mps2_nvic_enable(MPS2_IRQ_DUALTIMER);
		DUALTIMER1_REG(CMSDK_DUALTIMER_CONTROL) =
			CMSDK_DUALTIMER_CTRL_EN | CMSDK_DUALTIMER_CTRL_MODE_PERIODIC |
			CMSDK_DUALTIMER_CTRL_INTEN | CMSDK_DUALTIMER_CTRL_SIZE32;
	}
}

void board_periodic_stop(unsigned which)
{
	if (which == 0u) {
		TIMER1_REG(CMSDK_TIMER_CTRL) = 0u;
		mps2_nvic_disable(MPS2_IRQ_TIMER1);
		TIMER1_REG(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
		mps2_nvic_clear_pending(MPS2_IRQ_TIMER1);
		periodic_fn[0] = NULL;
	} else {
		DUALTIMER1_REG(CMSDK_DUALTIMER_CONTROL) = 0u;
		mps2_nvic_disable(MPS2_IRQ_DUALTIMER);
		DUALTIMER1_REG(CMSDK_DUALTIMER_INTCLR) = 1u;
		mps2_nvic_clear_pending(MPS2_IRQ_DUALTIMER);
		periodic_fn[1] = NULL;
	}
}

void TIMER1_Handler(void)
{
	mps2_irq_seen = 1;
	/* Clear before the callback: a tick that comes due while it runs is kept, not merged. */
	TIMER1_REG(CMSDK_TIMER_INTCLEAR) = CMSDK_TIMER_INT;
	void (*fn)(void) = periodic_fn[0];
	if (fn != NULL) {
		fn();
	}
}

void DUALTIMER_Handler(void)
{
	mps2_irq_seen = 1;
	DUALTIMER1_REG(CMSDK_DUALTIMER_INTCLR) = 1u;
	void (*fn)(void) = periodic_fn[1];
	if (fn != NULL) {
		fn();
	}
}
