/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for qemu-mps2-an521 (two Cortex-M33 cores),
 * inlined into the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include <stdint.h>

#include "tp_arch.h"     /* IRQ mask and barrier: firmware/arch/armv7m */
#include "cmsdk_timer.h" /* tp_port_timer_lo (shared by both cores), the inline wrap check */
#include "cmsdk_uart.h"  /* tp_port_tx_write */

/* The SSE-200 CPU_IDENTITY block is banked per CPU: the same address reads 0 on CPU0 and
 * 1 on CPU1 (SCB CPUID is identical on both and cannot tell them apart). */
static inline unsigned tp_port_core_id(void)
{
	return *(volatile uint32_t *)SSE200_CPU_IDENTITY_CPUID;
}

#endif /* TP_PORT_IMPL_H */
