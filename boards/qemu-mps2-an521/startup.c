/* SPDX-License-Identifier: MIT */
/*
 * startup.c - vector tables and reset handlers for both Cortex-M33 cores of the AN521.
 *
 * CPU0 boots from INITSVTOR0 (0x10000000, the start of .vectors). CPU1 waits in reset
 * (CPUWAIT bit 1) until app_board.c points INITSVTOR1 at an521_cpu1_vectors and clears
 * the bit; it then loads its own stack pointer and reset handler from that table.
 */
#include <stdint.h>
#include "an521.h"
#include "app_board.h"
#include "port.h"
#include "startup_common.h"

extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __stack0_top[], __stack1_top[];

int main(void);
void an521_reset_cpu0(void) __attribute__((noreturn));
void an521_reset_cpu1(void) __attribute__((noreturn));
void an521_fault(void);

/* Interrupt handlers; the board's own files define the ones it uses. */
void an521_timer0_irq(void) __attribute__((weak, alias("an521_fault")));
void an521_timer1_irq(void) __attribute__((weak, alias("an521_fault")));
void an521_dualtimer_irq(void) __attribute__((weak, alias("an521_fault")));
void an521_uart0_rx_irq(void) __attribute__((weak, alias("an521_fault")));
void an521_uart0_tx_irq(void) __attribute__((weak, alias("an521_fault")));

typedef void (*vector_t)(void);
#define VECTORS (16 + AN521_IRQ_COUNT)

#define IRQ(n) (16 + (n))
#define TABLE(stack_top, reset)                                                   \
	{                                                                             \
		[0] = (vector_t)(uintptr_t)(stack_top), [1] = (reset),                    \
		[2 ... 15] = an521_fault, [IRQ(0)... IRQ(AN521_IRQ_COUNT - 1)] = an521_fault, \
		[IRQ(AN521_IRQ_TIMER0)] = an521_timer0_irq,                               \
		[IRQ(AN521_IRQ_TIMER1)] = an521_timer1_irq,                               \
		[IRQ(AN521_IRQ_DUALTIMER)] = an521_dualtimer_irq,                         \
		[IRQ(AN521_IRQ_UART0_RX)] = an521_uart0_rx_irq,                           \
		[IRQ(AN521_IRQ_UART0_TX)] = an521_uart0_tx_irq,                           \
	}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".vectors_cpu0"), used))
static const vector_t cpu0_vectors[VECTORS] = TABLE(__stack0_top, an521_reset_cpu0);
/* Same handlers: CPU1 enables no peripheral interrupt, so only its faults can use them. */
__attribute__((section(".vectors_cpu1"), used, aligned(512)))
const vector_t an521_cpu1_vector_table[VECTORS] = TABLE(__stack1_top, an521_reset_cpu1);
#pragma GCC diagnostic pop

void an521_reset_cpu0(void)
{
	startup_copy_data(__data_start, __data_end, __data_load);
	startup_zero_bss(__bss_start, __bss_end);
	board_exit(main());
}

void an521_reset_cpu1(void)
{
	/* .data and .bss were set up by CPU0 before it released this core. */
	an521_cpu1_main();
}

/* A fault or an unexpected interrupt ends the QEMU run with status 3 and the exception number
 * on the semihosting console, instead of spinning until the caller's timeout. */
void an521_fault(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	startup_fatal(tp_port_core_id() == 0u ? "FATAL: unhandled exception " : "FATAL: core 1: unhandled exception ",
		      ipsr & 0x1FFu);
}
