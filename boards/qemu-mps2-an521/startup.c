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
#include "vectors.h"

extern uint32_t __stack0_top[], __stack1_top[];

void an521_reset_cpu0(void) __attribute__((noreturn));
void an521_reset_cpu1(void) __attribute__((noreturn));

/* The drivers' handlers (firmware/drivers/cmsdk_*), at their interrupt numbers (board.h). */
void cmsdk_timer_ts_irq(void);
void cmsdk_app_timer_irq(void);
void cmsdk_app_dualtimer_irq(void);
void cmsdk_uart_link_rx_irq(void);
void cmsdk_uart_link_tx_irq(void);

#define VECTORS (16 + AN521_IRQ_COUNT)
#define TABLE(stack_top, reset)                                                \
	{                                                                      \
		TP_VECTORS_CORE(stack_top, reset),                             \
		TP_VECTORS_IRQ_DEFAULT(AN521_IRQ_COUNT),                       \
		[TP_IRQ(CMSDK_TS_TIMER_IRQ)] = cmsdk_timer_ts_irq,             \
		[TP_IRQ(CMSDK_APP_TIMER_IRQ)] = cmsdk_app_timer_irq,           \
		[TP_IRQ(CMSDK_APP_DUALTIMER_IRQ)] = cmsdk_app_dualtimer_irq,   \
		[TP_IRQ(CMSDK_LINK_UART_RX_IRQ)] = cmsdk_uart_link_rx_irq,     \
		[TP_IRQ(CMSDK_LINK_UART_TX_IRQ)] = cmsdk_uart_link_tx_irq,     \
	}

TP_VECTORS_BEGIN
__attribute__((section(".vectors_cpu0"), used))
static const tp_vector_t cpu0_vectors[VECTORS] = TABLE(__stack0_top, an521_reset_cpu0);
/* Same handlers: CPU1 enables no peripheral interrupt, so only its faults can use them. */
__attribute__((section(".vectors_cpu1"), used, aligned(512)))
const tp_vector_t an521_cpu1_vector_table[VECTORS] = TABLE(__stack1_top, an521_reset_cpu1);
TP_VECTORS_END

void an521_reset_cpu0(void)
{
	startup_run_main();
}

void an521_reset_cpu1(void)
{
	/* .data and .bss were set up by CPU0 before it released this core. */
	an521_cpu1_main();
}
