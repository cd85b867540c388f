/* SPDX-License-Identifier: MIT */
/*
 * app_board.c - apps/app_board.h for the micro:bit: start-up, a semihosting console (QEMU
 * prints it on its stderr; on hardware without a debugger it is a no-op, see startup.c) and
 * semihosting exit. The two periodic interrupts (TIMER1, TIMER2) are
 * boards/common/nrf51_periodic.c; board_idle is boards/common/idle.c.
 */
#include <stdint.h>

#include "app_board.h"
#include "port.h"
#include "tracepipe.h"
#include "nrf51.h"
#include "nrf51_uart.h"
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

int board_link_busy(void)
{
	return nrf51_uart_busy();
}

unsigned board_active_exception(void)
{
	return tp_arch_ipsr();
}
