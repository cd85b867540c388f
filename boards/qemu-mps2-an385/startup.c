/* SPDX-License-Identifier: MIT */
/*
 * startup.c - vector table and reset handler for qemu-mps2-an385 (Cortex-M3), in C.
 * At reset the core loads SP and PC from the table at address 0 (VTOR = 0); the ELF entry
 * point is not used. Handlers the board or app does not define fall to a default that reports
 * the exception on the semihosting console and exits with status 3.
 */
#include <stdint.h>

#include "app_board.h"
#include "startup_common.h"
#include "board.h"

/* Linker script symbols */
extern uint32_t __data_load[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern uint32_t __stack_top[];

int main(void);

void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void HardFault_Handler(void) WEAK_DEFAULT;
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
void UART0RX_Handler(void) WEAK_DEFAULT;
void UART0TX_Handler(void) WEAK_DEFAULT;
void UART1RX_Handler(void) WEAK_DEFAULT;
void UART1TX_Handler(void) WEAK_DEFAULT;
void UART2RX_Handler(void) WEAK_DEFAULT;
void UART2TX_Handler(void) WEAK_DEFAULT;
void GPIO0_Handler(void) WEAK_DEFAULT;
void GPIO1_Handler(void) WEAK_DEFAULT;
void TIMER0_Handler(void) WEAK_DEFAULT;
void TIMER1_Handler(void) WEAK_DEFAULT;
void DUALTIMER_Handler(void) WEAK_DEFAULT;
void SPI0_Handler(void) WEAK_DEFAULT;
void UARTOVF_Handler(void) WEAK_DEFAULT;
void ETHERNET_Handler(void) WEAK_DEFAULT;
void I2S_Handler(void) WEAK_DEFAULT;
void TOUCHSCREEN_Handler(void) WEAK_DEFAULT;
void GPIO2_Handler(void) WEAK_DEFAULT;
void GPIO3_Handler(void) WEAK_DEFAULT;
void UART3RX_Handler(void) WEAK_DEFAULT;
void UART3TX_Handler(void) WEAK_DEFAULT;
void UART4RX_Handler(void) WEAK_DEFAULT;
void UART4TX_Handler(void) WEAK_DEFAULT;
void SPI2_Handler(void) WEAK_DEFAULT;
void SPI3_Handler(void) WEAK_DEFAULT;
void GPIO0COMB_Handler(void) WEAK_DEFAULT;
void GPIO1COMB_Handler(void) WEAK_DEFAULT;
void GPIO2COMB_Handler(void) WEAK_DEFAULT;
void GPIO3COMB_Handler(void) WEAK_DEFAULT;

typedef void (*vector_t)(void);

/* Word 0 is the initial stack pointer, stored as a function pointer like the rest. */
__attribute__((section(".vectors"), used)) const vector_t mps2_vectors[16 + MPS2_IRQ_COUNT] = {
	(vector_t)(uintptr_t)__stack_top,
	Reset_Handler,
	NMI_Handler,
	HardFault_Handler,
	MemManage_Handler,
	BusFault_Handler,
	UsageFault_Handler,
	0,
	0,
	0,
	0,
	SVC_Handler,
	DebugMon_Handler,
	0,
	PendSV_Handler,
	SysTick_Handler,
	/* External interrupts: AN385 application note, table "Interrupt map" */
	UART0RX_Handler,   /* 0 */
	UART0TX_Handler,   /* 1 */
	UART1RX_Handler,   /* 2 */
	UART1TX_Handler,   /* 3 */
	UART2RX_Handler,   /* 4 */
	UART2TX_Handler,   /* 5 */
	GPIO0_Handler,     /* 6 */
	GPIO1_Handler,     /* 7 */
	TIMER0_Handler,    /* 8 */
	TIMER1_Handler,    /* 9 */
	DUALTIMER_Handler, /* 10 */
	SPI0_Handler,      /* 11 */
	UARTOVF_Handler,   /* 12: UART0..2 overflow */
	ETHERNET_Handler,  /* 13 */
	I2S_Handler,       /* 14 */
	TOUCHSCREEN_Handler, /* 15 */
	GPIO2_Handler,     /* 16 */
	GPIO3_Handler,     /* 17 */
	UART3RX_Handler,   /* 18 */
	UART3TX_Handler,   /* 19 */
	UART4RX_Handler,   /* 20 */
	UART4TX_Handler,   /* 21 */
	SPI2_Handler,      /* 22 */
	SPI3_Handler,      /* 23 */
	GPIO0COMB_Handler, /* 24 */
	GPIO1COMB_Handler, /* 25 */
	GPIO2COMB_Handler, /* 26 */
	GPIO3COMB_Handler, /* 27 */
	0,
	0,
	0,
	0,
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
	startup_fatal("FATAL: unhandled exception ", ipsr & 0x1FFu);
}
