/* SPDX-License-Identifier: MIT */
/*
 * board.h - qemu-mps2-an521 (Arm MPS2+ with the AN521 SSE-200 image: two Cortex-M33 cores,
 * as QEMU models it). Data only: which CMSDK instances the drivers use, interrupt numbers,
 * priorities and the SSE-200 registers (Arm CoreLink SSE-200 TRM, 101104). Everything runs
 * Secure: at reset the SAU is off with ALLNS = 0,
 * so the Secure aliases (0x5xxxxxxx, 0x3xxxxxxx, 0x1xxxxxxx) need no set-up.
 */
#ifndef BOARD_H
#define BOARD_H

#include "tp_board_gen.h" /* TP_BOARD_NAME, _CORES, _TIMER_HZ, _TIMER_BITS from board.json */
/* SSE-200 TIMER0, shared by both cores, is the timestamp source (wraps every 214.7 s). */

/* SYSCLK = PCLK = 20 MHz */
#define AN521_PCLK_HZ 20000000u

/* Drivers (board.mk): firmware/drivers/cmsdk_timer and cmsdk_uart, on the SSE-200's CMSDK
 * instances (Secure aliases). The timestamp timer is shared by both cores. */
#define CMSDK_TS_TIMER_BASE 0x50000000u      /* TIMER0: timestamps (wraps every 214.7 s) */
#define CMSDK_TS_TIMER_IRQ 3
#define CMSDK_APP_TIMER_BASE 0x50001000u     /* TIMER1: app periodic 0 */
#define CMSDK_APP_TIMER_IRQ 4
#define CMSDK_APP_DUALTIMER_BASE 0x50002000u /* dual timer, its timer 1: app periodic 1 */
#define CMSDK_APP_DUALTIMER_IRQ 5
#define CMSDK_LINK_UART_BASE 0x50200000u     /* UART0 carries the trace stream */
#define CMSDK_LINK_UART_RX_IRQ 32
#define CMSDK_LINK_UART_TX_IRQ 33
/* 20 MHz / 174 = 115 kbaud on hardware; QEMU does not throttle and only wants >= 16 */
#define CMSDK_LINK_UART_BAUDDIV 174u

/* SSE-200 system control (Secure only): CPU1 start-up */
#define SSE200_SYSCTL_INITSVTOR1 0x50021114u
#define SSE200_SYSCTL_CPUWAIT 0x50021118u
#define SSE200_CPUWAIT_CPU1 (1u << 1)
/* Per-CPU identity block: CPUID register reads 0 on CPU0, 1 on CPU1 */
#define SSE200_CPU_IDENTITY_CPUID 0x5001F000u

/* NVIC: external interrupts (exception number = IRQ + 16). The SSE-200 splits every
 * peripheral interrupt to both CPUs' NVICs; only core 0 enables the ones above. Its
 * Cortex-M33s implement 3 priority bits. */
#define AN521_IRQ_COUNT 96
#define TP_BOARD_NVIC_PRIO_BITS 3
#define BOARD_PRIO_TIMESTAMP 0u /* timer wrap: highest, so the 64-bit extension is never late */
#define BOARD_PRIO_LINK 7u      /* trace link: lowest, below every app interrupt */

/* Stack per core (see linker.ld) */
#define AN521_STACK_BYTES 0x8000u

#endif /* BOARD_H */
