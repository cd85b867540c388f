/* SPDX-License-Identifier: MIT */
/*
 * semihost.c - the semihosting console and exit shared by the boards that run under QEMU with
 * -semihosting-config (QEMU prints SYS_WRITE0 text on its stderr, never on the trace UART).
 */
#include <stdint.h>

#include "app_board.h"
#include "port.h"
#include "semihost.h"
#include "tracepipe.h"

/* Arm semihosting operations */
#define SYS_WRITE0 0x04u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

#define EXIT_LINGER_TICKS ((uint64_t)TP_BOARD_TIMER_HZ)

#ifdef SEMIHOST_BKPT_MAY_FAULT
/* Set once a BKPT 0xAB has escalated to HardFault (no debugger): see semihost.h. */
static volatile uint8_t semihost_escalated;

void semihost_note_escalation(void)
{
	semihost_escalated = 1;
}
#endif

static void semihost_call(uint32_t op, const void *arg)
{
#ifdef SEMIHOST_BKPT_MAY_FAULT
	/* A BKPT in the HardFault handler itself cannot escalate: the core locks up (and an
	 * nRF51 resets on lockup, so the app would restart in a loop). And once one BKPT has
	 * escalated, no debugger listens: later calls would only cost a fault each. */
	if (semihost_escalated || tp_arch_ipsr() == 3u) {
		return;
	}
#endif
	register uint32_t r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;
	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void board_puts(const char *s)
{
	semihost_call(SYS_WRITE0, s);
}

void semihost_linger_for_host(void)
{
	if (!tp_started()) {
		return;
	}
	uint64_t t0 = tp_now();
	while ((board_link_busy() || tp_started()) && tp_now() - t0 < EXIT_LINGER_TICKS) {
		__asm__ volatile("nop" : : : "memory");
	}
}

void semihost_exit(int code)
{
	/* SYS_EXIT_EXTENDED takes {reason, subcode}. */
	const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
	semihost_call(SYS_EXIT_EXTENDED, block);
	for (;;) {
		__asm__ volatile("wfi");
	}
}
