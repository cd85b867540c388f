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
#include "vectors.h"
#include "rp2040.h"
#include RP2040_TRANSPORT_H

extern uint32_t __stack_top[];

void Reset_Handler(void);

/* The drivers' handlers, at their interrupt numbers (RP2040 datasheet, "Interrupts" table);
 * the transport's header gives its RP2040_LINK_IRQ and rp2040_link_irq. */
void rp2040_timer_ts_irq(void);
void rp2040_timer_app1_irq(void);
void rp2040_timer_app2_irq(void);
void rp2040_sio_proc0_irq(void);

/* Both cores use this table (core 1 gets it through the launch handshake). */
TP_VECTORS_BEGIN
__attribute__((section(".vectors"), used, aligned(256))) const tp_vector_t rp2040_vectors[16 + RP2040_IRQ_COUNT] = {
	TP_VECTORS_CORE(__stack_top, Reset_Handler),
	TP_VECTORS_IRQ_DEFAULT(RP2040_IRQ_COUNT),
	[TP_IRQ(RP2040_IRQ_TIMER0)] = rp2040_timer_ts_irq,
	[TP_IRQ(RP2040_IRQ_TIMER1)] = rp2040_timer_app1_irq,
	[TP_IRQ(RP2040_IRQ_TIMER2)] = rp2040_timer_app2_irq,
	[TP_IRQ(RP2040_IRQ_SIO_PROC0)] = rp2040_sio_proc0_irq,
	[TP_IRQ(RP2040_LINK_IRQ)] = rp2040_link_irq,
};
TP_VECTORS_END

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
