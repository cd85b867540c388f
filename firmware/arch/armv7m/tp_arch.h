/* SPDX-License-Identifier: MIT */
/*
 * tp_arch.h - what every ARMv7-M and ARMv8-M mainline core shares (Cortex-M3/M4/M7/M33),
 * for the port contract of firmware/port.h: the interrupt mask and the barrier, inlined
 * into the record path. A board's tp_port_impl.h includes it; the compare-and-swap is
 * cas.c next to it (LDREX/STREX), linked by cross.mk.
 */
#ifndef TP_ARCH_H
#define TP_ARCH_H

#include <stdint.h>

#define TP_ARCH_HAS_EXCLUSIVES 1

/* PRIMASK masks this core only; on a multi-core chip the others keep running. */
static inline uint32_t tp_port_irq_save(void)
{
	uint32_t primask;
	__asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
	return primask;
}

static inline void tp_port_irq_restore(uint32_t primask)
{
	__asm__ volatile("msr primask, %0" : : "r"(primask) : "memory");
}

static inline void tp_port_dmb(void)
{
	__asm__ volatile("dmb" : : : "memory");
}

/* Exception number of the running handler (IRQ n is n + 16), 0 in thread mode. */
static inline unsigned tp_arch_ipsr(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr & 0x1FFu;
}

#endif /* TP_ARCH_H */
