/* SPDX-License-Identifier: MIT */
/*
 * cas.c - tp_port_cas for ARMv7-M and ARMv8-M mainline: an LDREX/STREX loop with a DMB on
 * each side, a full barrier like a sequentially consistent atomic. The exclusive monitor is
 * cleared on exception entry and return and by another core's store to the word, so an
 * interrupted or raced attempt fails its STREX and retries.
 */
#include <stdint.h>

#include "port.h"

uint32_t tp_port_cas(volatile uint32_t *p, uint32_t expected, uint32_t desired)
{
	uint32_t old, failed;
	__asm__ volatile("dmb" : : : "memory");
	do {
		__asm__ volatile("ldrex %0, [%1]" : "=r"(old) : "r"(p) : "memory");
		if (old != expected) {
			__asm__ volatile("clrex" : : : "memory");
			break;
		}
		__asm__ volatile("strex %0, %2, [%1]" : "=&r"(failed) : "r"(p), "r"(desired) : "memory");
	} while (failed);
	__asm__ volatile("dmb" : : : "memory");
	return old;
}
