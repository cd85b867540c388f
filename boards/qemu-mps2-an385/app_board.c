/* SPDX-License-Identifier: MIT */
/*
 * app_board.c - apps/app_board.h for the MPS2 CMSDK boards: start-up, a semihosting console
 * (QEMU prints it on its stderr, never on the trace UART), SysTick as the idle wake-up, exit.
 * The two periodic interrupts are the cmsdk_timer driver's; board_idle is boards/common/idle.c.
 */
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "mps2.h"
#include "port.h"
#include "semihost.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

void board_init(void)
{
	mps2_port_init();
	REG(ARMV7M_SYST_CSR) = 0u;
	REG(ARMV7M_SYST_RVR) = MPS2_PCLK_HZ / MPS2_IDLE_TICK_HZ - 1u;
	REG(ARMV7M_SYST_CVR) = 0u;
	*(volatile uint8_t *)(ARMV7M_SCB_SHPR3 + 3u) = (uint8_t)(BOARD_PRIO_LINK << (8u - TP_BOARD_NVIC_PRIO_BITS));
	REG(ARMV7M_SYST_CSR) = ARMV7M_SYST_CSR_ENABLE | ARMV7M_SYST_CSR_TICKINT | ARMV7M_SYST_CSR_CLKSOURCE;
}

/* Its only job is to end a WFI (see MPS2_IDLE_TICK_HZ). */
void SysTick_Handler(void)
{
	board_irq_seen = 1;
}

void board_exit(int code)
{
	semihost_exit(code);
}

unsigned board_active_exception(void)
{
	return tp_arch_ipsr();
}
