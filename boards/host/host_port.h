/* SPDX-License-Identifier: MIT */
/* host_port.h - test controls of the host board (see port.c). */
#ifndef HOST_PORT_H
#define HOST_PORT_H

#include <stddef.h>
#include <stdint.h>
#include "port.h"

/* Transmit capture. */
extern uint8_t *host_tx_buf;
extern size_t host_tx_len, host_tx_cap;
/* tp_port_tx_put accepts this many more bytes, then reports busy (SIZE_MAX: unlimited). */
extern size_t host_tx_budget;
extern unsigned host_tx_kicks;
/* Called at the start of tp_port_tx_put (one shot): lets a test interrupt the drain. */
extern void (*host_tx_hook)(void);

/* Timer: the overflow interrupt has run this many times (the hardware flag is pending
 * while host_time >> bits is larger). */
extern uint64_t host_ovf_acked;
/* Moves time forward by ticks; runs the overflow "interrupt" (tp_timer_overflow) once per
 * wrap crossed unless host_ovf_held is set (then the wraps stay pending). */
extern int host_ovf_held;
void host_advance(uint64_t ticks);
/* Runs the overflow interrupt for every pending wrap. */
void host_run_overflow_isr(void);

/* Called inside tp_port_cas before it compares: lets a test act as the other core. */
extern void (*host_cas_hook)(volatile uint32_t *p);
/* Called inside tp_port_cas right after a swap that happened (one shot): lets a test act as
 * the other core between a CAS and the code that follows it. */
extern void (*host_cas_swapped_hook)(volatile uint32_t *p);

void host_set_build_id(const uint8_t *id, unsigned len);
void host_reset(void); /* clears the capture, timer and counters */

#endif /* HOST_PORT_H */
