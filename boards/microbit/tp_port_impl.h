/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for the micro:bit (nRF51822, Cortex-M0), inlined
 * into the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include "tp_arch.h"     /* IRQ mask and barrier: firmware/arch/armv6m */
#include "nrf51_timer.h" /* tp_port_timer_lo, the inline wrap check */
#include "nrf51_uart.h"  /* tp_port_tx_write */

static inline unsigned tp_port_core_id(void)
{
	return 0;
}

#endif /* TP_PORT_IMPL_H */
