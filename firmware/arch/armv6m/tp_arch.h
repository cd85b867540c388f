/* SPDX-License-Identifier: MIT */
/*
 * tp_arch.h - what every ARMv6-M core shares (Cortex-M0/M0+), for the port contract of
 * firmware/port.h: the interrupt mask and the barrier, inlined into the record path. A
 * board's tp_port_impl.h includes it. ARMv6-M has no LDREX/STREX: cas.c next to it masks
 * interrupts, which is atomic on a single core only; a multi-core ARMv6-M chip (RP2040)
 * brings its own compare-and-swap (a hardware spinlock) and does not link cas.c.
 */
#ifndef TP_ARCH_H
#define TP_ARCH_H

#include <stdint.h>

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

/* Exception number of the running handler (IRQ n is n + 16), 0 in thread mode. ARMv6-M
 * has at most 32 external interrupts: IPSR bits 5:0. */
static inline unsigned tp_arch_ipsr(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr & 0x3Fu;
}

#endif /* TP_ARCH_H */
