/* SPDX-License-Identifier: MIT */
/*
 * startup.c - vector table and reset handler for the MPS2 CMSDK boards (AN385 interrupt map),
 * in C. At reset the core loads SP and PC from the table at address 0 (VTOR = 0); the ELF
 * entry point is not used. Interrupts nobody routes fall to Default_Handler
 * (boards/common/vectors.c), which reports the exception and exits with status 3.
 */
#include <stdint.h>

#include "app_board.h"
#include "board.h"
#include "startup_common.h"
#include "vectors.h"

extern uint32_t __stack_top[];
void Reset_Handler(void);

/* The drivers' handlers (firmware/drivers/cmsdk_*), at their AN385 interrupt numbers
 * (board.h; the AN385 application note, table "Interrupt map"). */
void cmsdk_uart_link_rx_irq(void);
void cmsdk_uart_link_tx_irq(void);
void cmsdk_timer_ts_irq(void);
void cmsdk_app_timer_irq(void);
void cmsdk_app_dualtimer_irq(void);

TP_VECTORS_BEGIN
__attribute__((section(".vectors"), used)) const tp_vector_t mps2_vectors[16 + MPS2_IRQ_COUNT] = {
	TP_VECTORS_CORE(__stack_top, Reset_Handler),
	TP_VECTORS_IRQ_DEFAULT(MPS2_IRQ_COUNT),
	[TP_IRQ(CMSDK_LINK_UART_RX_IRQ)] = cmsdk_uart_link_rx_irq,
	[TP_IRQ(CMSDK_LINK_UART_TX_IRQ)] = cmsdk_uart_link_tx_irq,
	[TP_IRQ(CMSDK_TS_TIMER_IRQ)] = cmsdk_timer_ts_irq,
	[TP_IRQ(CMSDK_APP_TIMER_IRQ)] = cmsdk_app_timer_irq,
	[TP_IRQ(CMSDK_APP_DUALTIMER_IRQ)] = cmsdk_app_dualtimer_irq,
};
TP_VECTORS_END

void Reset_Handler(void)
{
	startup_run_main();
}
