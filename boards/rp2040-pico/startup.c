/* SPDX-License-Identifier: MIT */
/*
 * startup.c - entry, vector table and reset handler for rp2040-pico, in C.
 *
 * The image is RAM-only (see README.md): the bootrom copies the UF2 into SRAM and enters
 * it, by a watchdog reset, at the lowest address it wrote, 0x20000000, as code. So the
 * image starts with a few instructions, not with a vector table: they point VTOR at the
 * table (256-byte aligned, as VTOR requires for 48 entries) and load SP and PC from it,
 * as a hardware reset would.
 */
#include <stdint.h>

#include "app_board.h"
#include "startup_common.h"
#include "rp2040.h"

extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern uint32_t __stack_top[];

int main(void);

void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void HardFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
void TIMER_IRQ_0_Handler(void) WEAK_DEFAULT;
void TIMER_IRQ_1_Handler(void) WEAK_DEFAULT;
void TIMER_IRQ_2_Handler(void) WEAK_DEFAULT;
void TIMER_IRQ_3_Handler(void) WEAK_DEFAULT;
void PWM_IRQ_WRAP_Handler(void) WEAK_DEFAULT;
void USBCTRL_IRQ_Handler(void) WEAK_DEFAULT;
void XIP_IRQ_Handler(void) WEAK_DEFAULT;
void PIO0_IRQ_0_Handler(void) WEAK_DEFAULT;
void PIO0_IRQ_1_Handler(void) WEAK_DEFAULT;
void PIO1_IRQ_0_Handler(void) WEAK_DEFAULT;
void PIO1_IRQ_1_Handler(void) WEAK_DEFAULT;
void DMA_IRQ_0_Handler(void) WEAK_DEFAULT;
void DMA_IRQ_1_Handler(void) WEAK_DEFAULT;
void IO_IRQ_BANK0_Handler(void) WEAK_DEFAULT;
void IO_IRQ_QSPI_Handler(void) WEAK_DEFAULT;
void SIO_IRQ_PROC0_Handler(void) WEAK_DEFAULT;
void SIO_IRQ_PROC1_Handler(void) WEAK_DEFAULT;
void CLOCKS_IRQ_Handler(void) WEAK_DEFAULT;
void SPI0_IRQ_Handler(void) WEAK_DEFAULT;
void SPI1_IRQ_Handler(void) WEAK_DEFAULT;
void UART0_IRQ_Handler(void) WEAK_DEFAULT;
void UART1_IRQ_Handler(void) WEAK_DEFAULT;
void ADC_IRQ_FIFO_Handler(void) WEAK_DEFAULT;
void I2C0_IRQ_Handler(void) WEAK_DEFAULT;
void I2C1_IRQ_Handler(void) WEAK_DEFAULT;
void RTC_IRQ_Handler(void) WEAK_DEFAULT;

typedef void (*vector_t)(void);

/* Word 0 is the initial stack pointer, stored as a function pointer like the rest. Both
 * cores use this table (core 1 gets it through the launch handshake). */
__attribute__((section(".vectors"), used, aligned(256))) const vector_t rp2040_vectors[16 + RP2040_IRQ_COUNT] = {
	(vector_t)(uintptr_t)__stack_top,
	Reset_Handler,
	NMI_Handler,
	HardFault_Handler,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	SVC_Handler,
	0,
	0,
	PendSV_Handler,
	SysTick_Handler,
	/* External interrupts: RP2040 datasheet, "Interrupts" table */
	TIMER_IRQ_0_Handler,   /* 0 */
	TIMER_IRQ_1_Handler,   /* 1 */
	TIMER_IRQ_2_Handler,   /* 2 */
	TIMER_IRQ_3_Handler,   /* 3 */
	PWM_IRQ_WRAP_Handler,  /* 4 */
	USBCTRL_IRQ_Handler,   /* 5 */
	XIP_IRQ_Handler,       /* 6 */
	PIO0_IRQ_0_Handler,    /* 7 */
	PIO0_IRQ_1_Handler,    /* 8 */
	PIO1_IRQ_0_Handler,    /* 9 */
	PIO1_IRQ_1_Handler,    /* 10 */
	DMA_IRQ_0_Handler,     /* 11 */
	DMA_IRQ_1_Handler,     /* 12 */
	IO_IRQ_BANK0_Handler,  /* 13 */
	IO_IRQ_QSPI_Handler,   /* 14 */
	SIO_IRQ_PROC0_Handler, /* 15 */
	SIO_IRQ_PROC1_Handler, /* 16 */
	CLOCKS_IRQ_Handler,    /* 17 */
	SPI0_IRQ_Handler,      /* 18 */
	SPI1_IRQ_Handler,      /* 19 */
	UART0_IRQ_Handler,     /* 20 */
	UART1_IRQ_Handler,     /* 21 */
	ADC_IRQ_FIFO_Handler,  /* 22 */
	I2C0_IRQ_Handler,      /* 23 */
	I2C1_IRQ_Handler,      /* 24 */
	RTC_IRQ_Handler,       /* 25 */
	0,
	0,
	0,
	0,
	0,
	0,
};

/* First bytes of the image (section .entry is placed at 0x20000000 by link.ld). */
__attribute__((naked, noreturn, section(".entry"), used)) void rp2040_entry(void)
{
	__asm__ volatile(
		".syntax unified\n"
		"ldr r0, =rp2040_vectors\n"
		"ldr r1, =0xE000ED08\n" /* VTOR */
		"str r0, [r1]\n"
		"ldmia r0!, {r1, r2}\n"
		"msr msp, r1\n"
		"bx r2\n"
		".ltorg\n");
}

/* .data is loaded in place (RAM image): only .bss needs clearing. -fno-tree-loop-distribute-
 * patterns (cross.mk) keeps GCC from turning the loop into a memset call (-nostdlib). */
void Reset_Handler(void)
{
	startup_zero_bss(__bss_start, __bss_end);
	board_exit(main());
}

void Default_Handler(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	startup_fatal("FATAL: unhandled exception ", ipsr & 0x3Fu);
}
