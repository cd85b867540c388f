/* SPDX-License-Identifier: MIT */
/*
 * cas.c - tp_port_cas for a single-core ARMv6-M chip: no LDREX/STREX, so interrupts are
 * masked around the compare and the store, which is atomic against every other writer of a
 * one-core system. Between cpsid i and the msr that restores PRIMASK, GCC 12 -O2 emits 4
 * instructions: ldr, cmp, bne, str.
 */
#include <stdint.h>

#include "port.h"

#if TP_BOARD_CORES != 1
#error "masking is atomic on one core only: a multi-core ARMv6-M board brings its own tp_port_cas"
#endif

uint32_t tp_port_cas(volatile uint32_t *p, uint32_t expected, uint32_t desired)
{
	uint32_t primask = tp_port_irq_save();
	uint32_t seen = *p;
	if (seen == expected) {
		*p = desired;
	}
	tp_port_irq_restore(primask);
	return seen;
}
