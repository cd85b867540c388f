/* SPDX-License-Identifier: MIT */
/*
 * tp_arch.h - the ARMv6-M profile (Cortex-M0/M0+) for the port contract of firmware/port.h:
 * the interrupt mask and the barrier (tp_cortex_m.h), inlined into the record path. A
 * board's tp_port_impl.h includes it; the NVIC is tp_nvic.h. ARMv6-M has no LDREX/STREX:
 * cas.c next to it masks interrupts, which is atomic on a single core only; a multi-core
 * ARMv6-M chip (RP2040) brings its own compare-and-swap (a hardware spinlock) and does not
 * link cas.c.
 */
#ifndef TP_ARCH_H
#define TP_ARCH_H

#include "../tp_cortex_m.h"

/* Exception number of the running handler (IRQ n is n + 16), 0 in thread mode. ARMv6-M has
 * at most 32 external interrupts: IPSR bits 5:0. */
static inline unsigned tp_arch_ipsr(void)
{
	return tp_cortex_m_ipsr() & 0x3Fu;
}

#endif /* TP_ARCH_H */
