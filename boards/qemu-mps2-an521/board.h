/* SPDX-License-Identifier: MIT */
/*
 * board.h - qemu-mps2-an521 (Arm MPS2+ with the AN521 SSE-200 image: two Cortex-M33 cores,
 * as QEMU models it). Data only: board constants for the tracepipe core, and peripheral
 * addresses and register fields named as in the Arm CoreLink SSE-200 TRM (101104) and the
 * CMSDK TRM (DDI 0479). Everything runs Secure: at reset the SAU is off with ALLNS = 0,
 * so the Secure aliases (0x5xxxxxxx, 0x3xxxxxxx, 0x1xxxxxxx) need no set-up.
 */
#ifndef BOARD_H
#define BOARD_H

#include "tp_board_gen.h" /* TP_BOARD_NAME, _CORES, _TIMER_HZ, _TIMER_BITS from board.json */
/* SSE-200 TIMER0, shared by both cores, is the timestamp source (wraps every 214.7 s). */

/* SYSCLK = PCLK = 20 MHz */
#define AN521_PCLK_HZ 20000000u

/* SSE-200 CMSDK APB timers, Secure aliases. TIMER0 = timestamps, TIMER1 = app periodic 0,
 * dual timer (its timer 1) = app periodic 1. */
#define CMSDK_TIMER0_BASE 0x50000000u
#define CMSDK_TIMER1_BASE 0x50001000u
#define CMSDK_TIMER_CTRL 0x00u
#define CMSDK_TIMER_VALUE 0x04u
#define CMSDK_TIMER_RELOAD 0x08u
#define CMSDK_TIMER_INTSTATUS 0x0Cu /* read */
#define CMSDK_TIMER_INTCLEAR 0x0Cu  /* write 1 to clear */
#define CMSDK_TIMER_CTRL_EN (1u << 0)
#define CMSDK_TIMER_CTRL_IRQEN (1u << 3)
#define CMSDK_TIMER_INT (1u << 0)

#define CMSDK_DUALTIMER_BASE 0x50002000u
#define CMSDK_DUALTIMER_LOAD 0x00u
#define CMSDK_DUALTIMER_VALUE 0x04u
#define CMSDK_DUALTIMER_CONTROL 0x08u
#define CMSDK_DUALTIMER_INTCLR 0x0Cu
#define CMSDK_DUALTIMER_CTRL_SIZE32 (1u << 1)
#define CMSDK_DUALTIMER_CTRL_INTEN (1u << 5)
#define CMSDK_DUALTIMER_CTRL_MODE_PERIODIC (1u << 6)
#define CMSDK_DUALTIMER_CTRL_EN (1u << 7)

/* CMSDK APB UART0 (Secure alias) carries the trace stream. */
#define CMSDK_UART0_BASE 0x50200000u
#define CMSDK_UART_DATA 0x00u
#define CMSDK_UART_STATE 0x04u
#define CMSDK_UART_CTRL 0x08u
#define CMSDK_UART_INTSTATUS 0x0Cu /* read */
#define CMSDK_UART_INTCLEAR 0x0Cu  /* write 1 to clear */
#define CMSDK_UART_BAUDDIV 0x10u
#define CMSDK_UART_STATE_TXFULL (1u << 0)
#define CMSDK_UART_STATE_RXFULL (1u << 1)
#define CMSDK_UART_CTRL_TXEN (1u << 0)
#define CMSDK_UART_CTRL_RXEN (1u << 1)
#define CMSDK_UART_CTRL_TXINTEN (1u << 2)
#define CMSDK_UART_CTRL_RXINTEN (1u << 3)
#define CMSDK_UART_INT_TX (1u << 0)
#define CMSDK_UART_INT_RX (1u << 1)
/* 20 MHz / 174 = 115 kbaud on hardware; QEMU does not throttle and only wants >= 16 */
#define AN521_UART0_BAUDDIV 174u

/* SSE-200 system control (Secure only): CPU1 start-up */
#define SSE200_SYSCTL_INITSVTOR1 0x50021114u
#define SSE200_SYSCTL_CPUWAIT 0x50021118u
#define SSE200_CPUWAIT_CPU1 (1u << 1)
/* Per-CPU identity block: CPUID register reads 0 on CPU0, 1 on CPU1 */
#define SSE200_CPU_IDENTITY_CPUID 0x5001F000u

/* NVIC external interrupt numbers (exception number = IRQ + 16). The SSE-200 splits every
 * peripheral interrupt to both CPUs' NVICs; only core 0 enables the ones below. */
#define AN521_IRQ_TIMER0 3
#define AN521_IRQ_TIMER1 4
#define AN521_IRQ_DUALTIMER 5
#define AN521_IRQ_UART0_RX 32
#define AN521_IRQ_UART0_TX 33
#define AN521_IRQ_COUNT 96

/* Armv8-M system control space (per core) */
#define ARMV8M_NVIC_ISER0 0xE000E100u
#define ARMV8M_NVIC_ICER0 0xE000E180u
#define ARMV8M_NVIC_ISPR0 0xE000E200u
#define ARMV8M_NVIC_ICPR0 0xE000E280u
#define ARMV8M_NVIC_IPR0 0xE000E400u
#define ARMV8M_SCB_VTOR 0xE000ED08u
/* The SSE-200 Cortex-M33s implement 3 priority bits (the top 3 of each byte). */
#define AN521_NVIC_PRIO_SHIFT 5u
#define AN521_PRIO_TIMESTAMP 0u /* TIMER0 overflow: highest, so the 64-bit extension is never late */
#define AN521_PRIO_UART 7u      /* trace link: lowest, below every app interrupt */

/* Stack per core (see linker.ld) */
#define AN521_STACK_BYTES 0x8000u

#endif /* BOARD_H */
