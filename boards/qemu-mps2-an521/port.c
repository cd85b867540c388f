/* SPDX-License-Identifier: MIT */
/*
 * port.c - tracepipe port for qemu-mps2-an521: everything is in the drivers (board.mk:
 * cmsdk_timer for the shared timestamp timer, cmsdk_uart for the link, the arch's LDREX/STREX
 * compare-and-swap, atomic across the cores); this is their start-up.
 *
 * Division of labour between the cores: both record into their own channel; only core 0
 * owns the UART and the timer interrupt (their NVIC lines are enabled on core 0 alone, the
 * SSE-200 splitter raises them on both NVICs). Core 1 therefore never drains: its kick only
 * wakes core 0, whose idle loop polls.
 */
#include "an521.h"
#include "cmsdk_timer.h"
#include "cmsdk_uart.h"

void an521_port_init(void)
{
	cmsdk_timer_ts_init();
	cmsdk_uart_link_init();
}
