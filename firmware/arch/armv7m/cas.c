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
	/* GCC emits exactly that loop for a sequentially consistent strong CAS on these cores. */
	uint32_t seen = expected;
	__atomic_compare_exchange_n(p, &seen, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return seen;
}
