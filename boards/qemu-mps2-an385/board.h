/* SPDX-License-Identifier: MIT */
/*
 * board.h - qemu-mps2-an385 (Arm MPS2 with the AN385 Cortex-M3 image, as QEMU models it).
 * Data only: board constants for the tracepipe core, and peripheral addresses and register
 * fields named as in the Arm CMSDK Technical Reference Manual (DDI 0479).
 */
#ifndef BOARD_H
#define BOARD_H

#include "tp_board_gen.h" /* TP_BOARD_NAME, _CORES, _TIMER_HZ, _TIMER_BITS from board.json */
/* TIMER0 is the timestamp source. A build may narrow it (e.g. -DTP_BOARD_TIMER_BITS=16) to
 * make it wrap every 2.6 ms for wrap tests; TIMER0 then reloads at 2^bits - 1. */

/* RAM the start-up code neither loads nor zeroes (link.ld .noinit): the core keeps its boot
 * counter there, so the HEADER session changes on every reset (QEMU keeps RAM across a
 * system reset; a power-on value is told apart by a check word). */
#define TP_BOARD_NOINIT_SECTION ".noinit"

/* PCLK = SYSCLK = 25 MHz */
#define MPS2_PCLK_HZ 25000000u

/* CMSDK APB timers: TIMER0 (timestamps), TIMER1 (app periodic interrupt 0) */
#define CMSDK_TIMER0_BASE 0x40000000u
#define CMSDK_TIMER1_BASE 0x40001000u
#define CMSDK_TIMER_CTRL 0x00u
#define CMSDK_TIMER_VALUE 0x04u
#define CMSDK_TIMER_RELOAD 0x08u
#define CMSDK_TIMER_INTSTATUS 0x0Cu /* read */
#define CMSDK_TIMER_INTCLEAR 0x0Cu  /* write 1 to clear */
#define CMSDK_TIMER_CTRL_EN (1u << 0)
#define CMSDK_TIMER_CTRL_IRQEN (1u << 3)
#define CMSDK_TIMER_INT (1u << 0)

/* CMSDK APB dual timer (app periodic interrupt 1 uses its timer 1) */
#define CMSDK_DUALTIMER_BASE 0x40002000u
#define CMSDK_DUALTIMER1_OFFSET 0x00u
#define CMSDK_DUALTIMER2_OFFSET 0x20u
#define CMSDK_DUALTIMER_LOAD 0x00u
#define CMSDK_DUALTIMER_VALUE 0x04u
#define CMSDK_DUALTIMER_CONTROL 0x08u
#define CMSDK_DUALTIMER_INTCLR 0x0Cu
#define CMSDK_DUALTIMER_RIS 0x10u
#define CMSDK_DUALTIMER_MIS 0x14u
#define CMSDK_DUALTIMER_BGLOAD 0x18u
#define CMSDK_DUALTIMER_CTRL_ONESHOT (1u << 0)
#define CMSDK_DUALTIMER_CTRL_SIZE32 (1u << 1)
#define CMSDK_DUALTIMER_CTRL_INTEN (1u << 5)
#define CMSDK_DUALTIMER_CTRL_MODE_PERIODIC (1u << 6)
#define CMSDK_DUALTIMER_CTRL_EN (1u << 7)

/* CMSDK APB UART0 carries the trace stream (UART1..4 at 0x40005000, 0x40006000, 0x40007000, 0x40009000) */
#define CMSDK_UART0_BASE 0x40004000u
#define CMSDK_UART_DATA 0x00u
#define CMSDK_UART_STATE 0x04u
#define CMSDK_UART_CTRL 0x08u
#define CMSDK_UART_INTSTATUS 0x0Cu /* read */
#define CMSDK_UART_INTCLEAR 0x0Cu  /* write 1 to clear */
#define CMSDK_UART_BAUDDIV 0x10u
#define CMSDK_UART_STATE_TXFULL (1u << 0)
#define CMSDK_UART_STATE_RXFULL (1u << 1)
#define CMSDK_UART_STATE_TXOVR (1u << 2)
#define CMSDK_UART_STATE_RXOVR (1u << 3)
#define CMSDK_UART_CTRL_TXEN (1u << 0)
#define CMSDK_UART_CTRL_RXEN (1u << 1)
#define CMSDK_UART_CTRL_TXINTEN (1u << 2)
#define CMSDK_UART_CTRL_RXINTEN (1u << 3)
#define CMSDK_UART_INT_TX (1u << 0)
#define CMSDK_UART_INT_RX (1u << 1)
/* 25 MHz / 217 = 115200 baud on hardware; QEMU does not throttle and only wants >= 16 */
#define MPS2_UART0_BAUDDIV 217u

/* NVIC external interrupt numbers (exception number = IRQ + 16) */
#define MPS2_IRQ_UART0_RX 0
#define MPS2_IRQ_UART0_TX 1
#define MPS2_IRQ_TIMER0 8
#define MPS2_IRQ_TIMER1 9
#define MPS2_IRQ_DUALTIMER 10
#define MPS2_IRQ_COUNT 32

/* Cortex-M3 system control space */
#define ARMV7M_NVIC_ISER0 0xE000E100u
#define ARMV7M_NVIC_ICER0 0xE000E180u
#define ARMV7M_NVIC_ISPR0 0xE000E200u
#define ARMV7M_NVIC_ICPR0 0xE000E280u
#define ARMV7M_NVIC_IPR0 0xE000E400u
#define ARMV7M_SCB_VTOR 0xE000ED08u
#define ARMV7M_SCB_SHPR3 0xE000ED20u /* byte 3: SysTick priority */
#define ARMV7M_SYST_CSR 0xE000E010u
#define ARMV7M_SYST_RVR 0xE000E014u
#define ARMV7M_SYST_CVR 0xE000E018u
#define ARMV7M_SYST_CSR_ENABLE (1u << 0)
#define ARMV7M_SYST_CSR_TICKINT (1u << 1)
#define ARMV7M_SYST_CSR_CLKSOURCE (1u << 2) /* processor clock, 25 MHz */
/* board_idle() wakes at least this often, so "check, then sleep" loops never sleep long on
 * a wake-up that came between the check and the WFI. */
#define MPS2_IDLE_TICK_HZ 1000u
/* Priorities use the top 3 bits only (the CMSDK Cortex-M3 implements 3 priority bits). */
#define MPS2_NVIC_PRIO_SHIFT 5u
#define MPS2_PRIO_TIMESTAMP 0u /* TIMER0 overflow: highest, so the 64-bit extension is never late */
#define MPS2_PRIO_UART 7u      /* trace link: lowest, below every app interrupt */

#endif /* BOARD_H */
