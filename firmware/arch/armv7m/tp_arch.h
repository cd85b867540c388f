/* SPDX-License-Identifier: MIT */
/*
 * tp_arch.h - the ARMv7-M and ARMv8-M mainline profile (Cortex-M3/M4/M7/M33) for the port
 * contract of firmware/port.h: the interrupt mask and the barrier (tp_cortex_m.h), inlined
 * into the record path. A board's tp_port_impl.h includes it; the compare-and-swap is cas.c
 * next to it (LDREX/STREX), linked by cross.mk; the NVIC is tp_nvic.h.
 */
#ifndef TP_ARCH_H
#define TP_ARCH_H

#include "../tp_cortex_m.h"

#define TP_ARCH_HAS_EXCLUSIVES 1

/* Exception number of the running handler (IRQ n is n + 16), 0 in thread mode. */
static inline unsigned tp_arch_ipsr(void)
{
	return tp_cortex_m_ipsr() & 0x1FFu;
}

#endif /* TP_ARCH_H */
