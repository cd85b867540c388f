/* SPDX-License-Identifier: MIT */
/*
 * startup.c - vector table and reset handler for the micro:bit (nRF51822, Cortex-M0), in C.
 * At reset the core loads SP and PC from the table at address 0. Handlers the board or app
 * does not define fall to a default that reports the exception on the semihosting console
 * and exits with status 3.
 */
#include <stdint.h>

#include "app_board.h"
#include "semihost.h"
#include "startup_common.h"
#include "vectors.h"
#include "board.h"

extern uint32_t __stack_top[];

void Reset_Handler(void);

/* The drivers' handlers (firmware/drivers/nrf51_*), at their nRF51 interrupt numbers (board.h; nRF51 Reference Manual,
 * "Peripheral interface": ID = IRQ). */
void nrf51_uart_link_irq(void);
void nrf51_timer_ts_irq(void);
void nrf51_app_timer1_irq(void);
void nrf51_app_timer2_irq(void);

TP_VECTORS_BEGIN
__attribute__((section(".vectors"), used)) const tp_vector_t nrf51_vectors[16 + NRF_IRQ_COUNT] = {
	TP_VECTORS_CORE(__stack_top, Reset_Handler),
	TP_VECTORS_IRQ_DEFAULT(NRF_IRQ_COUNT),
	[TP_IRQ(NRF_LINK_UART_IRQ)] = nrf51_uart_link_irq,
	[TP_IRQ(NRF_TS_TIMER_IRQ)] = nrf51_timer_ts_irq,
	[TP_IRQ(NRF_APP_TIMER1_IRQ)] = nrf51_app_timer1_irq,
	[TP_IRQ(NRF_APP_TIMER2_IRQ)] = nrf51_app_timer2_irq,
};
TP_VECTORS_END

void Reset_Handler(void)
{
	startup_run_main();
}

/*
 * On a real micro:bit with no debugger attached, a semihosting BKPT 0xAB escalates to
 * HardFault. Step over it (the call returns -1) and switch semihosting off, so the console
 * becomes a no-op and the app keeps tracing over the UART. QEMU with -semihosting handles
 * BKPT 0xAB before any fault. A genuine fault goes to Default_Handler, whose console and
 * exit then make no semihosting call from here (semihost.c checks IPSR): the core parks.
 */
void microbit_hardfault(uint32_t *frame)
{
	uint32_t pc = frame[6];
	if ((pc & 1u) == 0u && pc < 0x40000u && *(const uint16_t *)pc == 0xBEABu) {
		frame[6] = pc + 2u;
		frame[0] = 0xFFFFFFFFu;
		semihost_note_escalation();
		return;
	}
	Default_Handler();
}

/* Hands the stacked frame (MSP or PSP, per EXC_RETURN bit 2) to microbit_hardfault, keeping
 * EXC_RETURN in lr so that its C return is the exception return. */
__attribute__((naked)) void HardFault_Handler(void)
{
	__asm__ volatile(
		".syntax unified\n\t"
		"movs r0, #4\n\t"
		"mov r1, lr\n\t"
		"tst r0, r1\n\t"
		"beq 1f\n\t"
		"mrs r0, psp\n\t"
		"b 2f\n"
		"1:\n\t"
		"mrs r0, msp\n"
		"2:\n\t"
		"ldr r1, =microbit_hardfault\n\t"
		"bx r1\n\t"
		".ltorg\n");
}
