/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for the MPS2 CMSDK boards (one core), inlined into
 * the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include "tp_arch.h"     /* IRQ mask and barrier: firmware/arch/armv7m */
#include "cmsdk_timer.h" /* tp_port_timer_lo, the inline wrap check */
#include "cmsdk_uart.h"  /* tp_port_tx_write */

static inline unsigned tp_port_core_id(void)
{
	return 0;
}

#endif /* TP_PORT_IMPL_H */
