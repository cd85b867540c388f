/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for rp2040-pico (Cortex-M0+, two cores),
 * inlined into the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include "tp_arch.h"      /* IRQ mask and barrier: firmware/arch/armv6m */
#include "rp2040_sio.h"   /* CPUID */
#include "rp2040_timer.h" /* tp_port_timer_lo: TIMERAWL */
#include RP2040_TRANSPORT_H /* a transport may give the drain tp_port_tx_write (rp2040_usb) */

static inline unsigned tp_port_core_id(void)
{
	return rp2040_sio_core_id();
}

#endif /* TP_PORT_IMPL_H */
