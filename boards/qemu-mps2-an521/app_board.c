/* SPDX-License-Identifier: MIT */
/*
 * app_board.c - apps/app_board.h for qemu-mps2-an521: start-up, a semihosting console, exit,
 * and starting CPU1. The two periodic interrupts are the cmsdk_timer driver's; board_idle is
 * boards/common/idle.c. Everything here runs on core 0 except an521_cpu1_main.
 */
#include <stdint.h>
#include "app_board.h"
#include "port.h"
#include "tracepipe.h"
#include "an521.h"
#include "semihost.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

static void (*volatile cpu1_entry)(void);

void board_init(void)
{
	an521_port_init();
}

void board_exit(int code)
{
	semihost_linger_for_host();
	semihost_exit(code);
}

unsigned board_active_exception(void)
{
	return tp_arch_ipsr();
}

int board_core_start(unsigned core, void (*fn)(void))
{
	if (core != 1u || fn == 0)
		return -1;
	cpu1_entry = fn;
	/* CPU1 starts from reset and reads cpu1_entry right away: publish it first. */
	__asm__ volatile("dsb" : : : "memory");
	REG(SSE200_SYSCTL_INITSVTOR1) = (uint32_t)(uintptr_t)an521_cpu1_vector_table;
	REG(SSE200_SYSCTL_CPUWAIT) &= ~SSE200_CPUWAIT_CPU1;
	return 0;
}

void an521_cpu1_main(void)
{
	cpu1_entry();
	for (;;)
		__asm__ volatile("wfe");
}
