/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - hot-path port functions for qemu-mps2-an385 (Cortex-M3), inlined into
 * the record path. Included by firmware/port.h after board.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tp_arch.h" /* IRQ mask and barrier: firmware/arch/<profile>/ */

#if TP_BOARD_TIMER_BITS == 32
#define MPS2_TIMER0_RELOAD 0xFFFFFFFFu
#elif TP_BOARD_TIMER_BITS >= 8 && TP_BOARD_TIMER_BITS < 32
#define MPS2_TIMER0_RELOAD ((1u << TP_BOARD_TIMER_BITS) - 1u)
#else
#error "TIMER0 is 32 bits wide: TP_BOARD_TIMER_BITS must be 8..32"
#endif

/* CMSDK TIMER0 counts down from RELOAD to 0, so RELOAD - VALUE counts up from 0 and wraps
 * to 0 at the same moment the down-counter reloads. */
static inline uint32_t tp_port_timer_lo(void)
{
	return MPS2_TIMER0_RELOAD - *(volatile uint32_t *)(CMSDK_TIMER0_BASE + CMSDK_TIMER_VALUE);
}

/* The record path's per-event check: the raw wrap flag (INTSTATUS holds only that bit). It
 * may answer 1 a tick early (see NOTE(wrap) in port.c); that only sends the writer to the slow
 * path, where tp_port_timer_overflow_pending() gives the exact answer. */
#define TP_PORT_OVF_PENDING_INLINE 1
static inline int tp_port_timer_overflow_pending_inline(void)
{
	return *(volatile uint32_t *)(CMSDK_TIMER0_BASE + CMSDK_TIMER_INTSTATUS) != 0u;
}

/* Bulk UART writes for the drain (see port.h). Unlike tp_port_tx_put it needs no mask around
 * the TXFULL check and the DATA write: the drain is the UART's only writer and only one
 * drain runs at a time. tx_taken / tx_refused feed the TX handler's idle test (port.c). */
#define TP_PORT_HAS_TX_WRITE 1
extern volatile uint32_t mps2_tx_taken;
extern volatile uint8_t mps2_tx_refused;
void mps2_tx_int_ensure(void);
static inline size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	size_t k = 0;
	while (k < n) {
		if (*(volatile uint32_t *)(CMSDK_UART0_BASE + CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) {
			mps2_tx_refused = 1;
			break;
		}
		*(volatile uint32_t *)(CMSDK_UART0_BASE + CMSDK_UART_DATA) = p[k++];
	}
	mps2_tx_taken += (uint32_t)k;
	if (k != 0u)
		mps2_tx_int_ensure(); /* the byte in flight needs its TX interrupt (port.c) */
	return k;
}

static inline unsigned tp_port_core_id(void)
{
	return 0;
}

#endif /* TP_PORT_IMPL_H */
