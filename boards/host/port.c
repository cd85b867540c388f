/* SPDX-License-Identifier: MIT */
/* port.c - host board: transmit into a test buffer, a fake timer, a plain CAS. */
#include <stdlib.h>
#include <string.h>
#include "host_port.h"
#include "tracepipe.h"

uint64_t host_time;
_Thread_local uint32_t host_irq_masked;
uint32_t host_irq_saves;
uint32_t host_irq_restores;
_Thread_local unsigned host_core;

uint8_t *host_tx_buf;
size_t host_tx_len, host_tx_cap;
size_t host_tx_budget = SIZE_MAX;
unsigned host_tx_kicks;
void (*host_tx_hook)(void);
uint64_t host_ovf_acked;
int host_ovf_held;
void (*host_cas_hook)(volatile uint32_t *p);
void (*host_cas_swapped_hook)(volatile uint32_t *p);

static uint8_t build_id[32];
static unsigned build_id_len;

int tp_port_timer_overflow_pending(void)
{
	return (host_time >> TP_BOARD_TIMER_BITS) > host_ovf_acked;
}

void host_run_overflow_isr(void)
{
	while ((host_time >> TP_BOARD_TIMER_BITS) > host_ovf_acked) {
		host_ovf_acked++;
		tp_timer_overflow();
	}
}

void host_advance(uint64_t ticks)
{
	const uint64_t period = (uint64_t)1 << TP_BOARD_TIMER_BITS;
	while (ticks > 0) {
		/* Stop at every wrap so the interrupt sees each one, as hardware would. */
		uint64_t to_wrap = period - (host_time & (period - 1u));
		uint64_t step = ticks < to_wrap ? ticks : to_wrap;
		host_time += step;
		ticks -= step;
		if (!host_ovf_held)
			host_run_overflow_isr();
	}
}

static void tx_append(uint8_t b)
{
	if (host_tx_len == host_tx_cap) {
		host_tx_cap = host_tx_cap ? 2 * host_tx_cap : 4096;
		host_tx_buf = realloc(host_tx_buf, host_tx_cap);
		if (host_tx_buf == NULL)
			abort();
	}
	host_tx_buf[host_tx_len++] = b;
}

int tp_port_tx_put(uint8_t b)
{
	if (host_tx_hook != NULL) {
		void (*hook)(void) = host_tx_hook;
		host_tx_hook = NULL;
		hook();
	}
	if (host_tx_budget == 0)
		return 0;
	tx_append(b);
	if (host_tx_budget != SIZE_MAX)
		host_tx_budget--;
	return 1;
}

#if defined(HOST_TX_POLLED)
size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tx_append(p[i]);
	return n;
}
#endif

void tp_port_tx_kick(void)
{
	host_tx_kicks++;
}

void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

uint32_t tp_port_cas(volatile uint32_t *p, uint32_t expected, uint32_t desired)
{
	if (host_cas_hook != NULL) {
		void (*hook)(volatile uint32_t *) = host_cas_hook;
		host_cas_hook = NULL; /* one shot: the hook may itself run code that CASes */
		hook(p);
	}
	uint32_t old = *p;
	if (old == expected) {
		*p = desired;
		if (host_cas_swapped_hook != NULL) {
			void (*hook)(volatile uint32_t *) = host_cas_swapped_hook;
			host_cas_swapped_hook = NULL;
			hook(p);
		}
	}
	return old;
}

const uint8_t *tp_port_build_id(unsigned *len)
{
	*len = build_id_len;
	return build_id;
}

void host_set_build_id(const uint8_t *id, unsigned len)
{
	if (len > sizeof build_id)
		len = sizeof build_id;
	if (len > 0)
		memcpy(build_id, id, len);
	build_id_len = len;
}

void host_reset(void)
{
	host_tx_len = 0;
	host_tx_budget = SIZE_MAX;
	host_tx_kicks = 0;
	host_time = 0;
	host_ovf_acked = 0;
	host_ovf_held = 0;
	host_cas_hook = NULL;
	host_cas_swapped_hook = NULL;
	host_tx_hook = NULL;
	host_core = 0;
	host_irq_masked = 0;
}
