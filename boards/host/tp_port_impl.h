/* SPDX-License-Identifier: MIT */
/*
 * tp_port_impl.h - the host board's "hardware": a timer whose value the tests set, an
 * interrupt mask that is only a flag (tests check it is balanced), a core id the tests
 * switch. The controls are in host_port.h.
 */
#ifndef TP_PORT_IMPL_H
#define TP_PORT_IMPL_H

#include <stdint.h>

extern uint64_t host_time;       /* the timer's true (unwrapped) count */
/* 1 while the core has "interrupts masked"; per thread, as PRIMASK is per core */
extern _Thread_local uint32_t host_irq_masked;
extern uint32_t host_irq_saves;  /* irq_save calls, to check save/restore balance */
extern uint32_t host_irq_restores;
/* Per thread: a test may run a second core on a thread of its own (test_xcore.c). */
extern _Thread_local unsigned host_core;

/* HOST_TX_POLLED (test_tiny_os_polled): a polled transmitter (port.h), as on the tiny
 * profile's UART boards, so the tiny link's whole-message pump runs here too. It takes every
 * byte, whatever host_tx_budget says (a polled port waits instead of refusing). */
#if defined(HOST_TX_POLLED)
#include <stddef.h>
#define TP_PORT_TX_POLLED 1
#define TP_PORT_HAS_TX_WRITE 1
size_t tp_port_tx_write(const uint8_t *p, size_t n);
#endif

static inline uint32_t tp_port_timer_lo(void)
{
#if TP_BOARD_TIMER_BITS == 32
	return (uint32_t)host_time;
#else
	return (uint32_t)host_time & ((1u << TP_BOARD_TIMER_BITS) - 1u);
#endif
}

static inline uint32_t tp_port_irq_save(void)
{
	uint32_t prev = host_irq_masked;
	host_irq_masked = 1;
	host_irq_saves++;
	return prev;
}

static inline void tp_port_irq_restore(uint32_t prev)
{
	host_irq_masked = prev;
	host_irq_restores++;
}

static inline unsigned tp_port_core_id(void)
{
	return host_core;
}

static inline void tp_port_dmb(void)
{
	__asm__ volatile("" : : : "memory");
}

#endif /* TP_PORT_IMPL_H */
