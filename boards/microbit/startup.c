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
#include "board.h"

extern uint32_t __data_load[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern uint32_t __stack_top[];

int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
void POWER_CLOCK_IRQHandler(void) WEAK_DEFAULT;
void RADIO_IRQHandler(void) WEAK_DEFAULT;
void UART0_IRQHandler(void) WEAK_DEFAULT;
void SPI0_TWI0_IRQHandler(void) WEAK_DEFAULT;
void SPI1_TWI1_IRQHandler(void) WEAK_DEFAULT;
void GPIOTE_IRQHandler(void) WEAK_DEFAULT;
void ADC_IRQHandler(void) WEAK_DEFAULT;
void TIMER0_IRQHandler(void) WEAK_DEFAULT;
void TIMER1_IRQHandler(void) WEAK_DEFAULT;
void TIMER2_IRQHandler(void) WEAK_DEFAULT;
void RTC0_IRQHandler(void) WEAK_DEFAULT;
void TEMP_IRQHandler(void) WEAK_DEFAULT;
void RNG_IRQHandler(void) WEAK_DEFAULT;
void ECB_IRQHandler(void) WEAK_DEFAULT;
void CCM_AAR_IRQHandler(void) WEAK_DEFAULT;
void WDT_IRQHandler(void) WEAK_DEFAULT;
void RTC1_IRQHandler(void) WEAK_DEFAULT;
void QDEC_IRQHandler(void) WEAK_DEFAULT;
void LPCOMP_IRQHandler(void) WEAK_DEFAULT;
void SWI0_IRQHandler(void) WEAK_DEFAULT;
void SWI1_IRQHandler(void) WEAK_DEFAULT;
void SWI2_IRQHandler(void) WEAK_DEFAULT;
void SWI3_IRQHandler(void) WEAK_DEFAULT;
void SWI4_IRQHandler(void) WEAK_DEFAULT;
void SWI5_IRQHandler(void) WEAK_DEFAULT;

typedef void (*vector_t)(void);

/* Word 0 is the initial stack pointer, stored as a function pointer like the rest. */
__attribute__((section(".vectors"), used)) const vector_t nrf51_vectors[16 + NRF_IRQ_COUNT] = {
	(vector_t)(uintptr_t)__stack_top,
	Reset_Handler,
	NMI_Handler,
	HardFault_Handler,
	0, 0, 0, 0, 0, 0, 0,
	SVC_Handler,
	0, 0,
	PendSV_Handler,
	SysTick_Handler,
	/* External interrupts: nRF51 Reference Manual, "Peripheral interface" (ID = IRQ) */
	POWER_CLOCK_IRQHandler, /* 0 */
	RADIO_IRQHandler,       /* 1 */
	UART0_IRQHandler,       /* 2 */
	SPI0_TWI0_IRQHandler,   /* 3 */
	SPI1_TWI1_IRQHandler,   /* 4 */
	0,                      /* 5 */
	GPIOTE_IRQHandler,      /* 6 */
	ADC_IRQHandler,         /* 7 */
	TIMER0_IRQHandler,      /* 8 */
	TIMER1_IRQHandler,      /* 9 */
	TIMER2_IRQHandler,      /* 10 */
	RTC0_IRQHandler,        /* 11 */
	TEMP_IRQHandler,        /* 12 */
	RNG_IRQHandler,         /* 13 */
	ECB_IRQHandler,         /* 14 */
	CCM_AAR_IRQHandler,     /* 15 */
	WDT_IRQHandler,         /* 16 */
	RTC1_IRQHandler,        /* 17 */
	QDEC_IRQHandler,        /* 18 */
	LPCOMP_IRQHandler,      /* 19 */
	SWI0_IRQHandler,        /* 20 */
	SWI1_IRQHandler,        /* 21 */
	SWI2_IRQHandler,        /* 22 */
	SWI3_IRQHandler,        /* 23 */
	SWI4_IRQHandler,        /* 24 */
	SWI5_IRQHandler,        /* 25 */
	0, 0, 0, 0, 0, 0,
};

/* -fno-tree-loop-distribute-patterns (cross.mk) keeps GCC from turning these loops into
 * memcpy/memset calls, which do not exist under -nostdlib. */
void Reset_Handler(void)
{
	startup_copy_data(__data_start, __data_end, __data_load);
	startup_zero_bss(__bss_start, __bss_end);
	board_exit(main());
}

void Default_Handler(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	startup_fatal("FATAL: unhandled exception ", ipsr & 0x3Fu);
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
