/* SPDX-License-Identifier: MIT */
/*
 * port.c - the tracepipe port of the MPS2 CMSDK boards: everything is in the drivers
 * (board.mk: cmsdk_timer for the timestamp, cmsdk_uart for the link, the arch's LDREX/STREX
 * compare-and-swap); this is their start-up.
 */
#include "cmsdk_timer.h"
#include "cmsdk_uart.h"
#include "mps2.h"

void mps2_port_init(void)
{
	cmsdk_timer_ts_init();
	cmsdk_uart_link_init();
}
