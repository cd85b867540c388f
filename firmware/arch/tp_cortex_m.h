/* SPDX-License-Identifier: MIT */
/*
 * tp_cortex_m.h - what every Cortex-M shares, whatever its profile: the PRIMASK interrupt
 * mask and the DMB barrier of the port contract (firmware/port.h), inlined into the record
 * path. Included by the profile's tp_arch.h (armv6m/, armv7m/), never directly.
 */
#ifndef TP_CORTEX_M_H
#define TP_CORTEX_M_H

#include <stdint.h>

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

/* The raw IPSR; the profile's tp_arch_ipsr masks the exception number out of it. */
static inline uint32_t tp_cortex_m_ipsr(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr;
}

#endif /* TP_CORTEX_M_H */
