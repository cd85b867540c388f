/* SPDX-License-Identifier: MIT */
/*
 * board.h - qemu-mps2-an385 (Arm MPS2 with the AN385 Cortex-M3 image, as QEMU models it).
 * Data only: which CMSDK instances the drivers use, interrupt numbers and priorities. The
 * register fields are the drivers' (firmware/drivers/cmsdk_*).
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

/* Drivers (board.mk): firmware/drivers/cmsdk_timer and cmsdk_uart, on these instances. */
#define CMSDK_TS_TIMER_BASE 0x40000000u      /* TIMER0: timestamps */
#define CMSDK_TS_TIMER_IRQ 8
#define CMSDK_APP_TIMER_BASE 0x40001000u     /* TIMER1: app periodic interrupt 0 */
#define CMSDK_APP_TIMER_IRQ 9
#define CMSDK_APP_DUALTIMER_BASE 0x40002000u /* dual timer, its timer 1: app periodic 1 */
#define CMSDK_APP_DUALTIMER_IRQ 10
/* UART0 carries the trace stream (UART1..4 at 0x40005000, 0x40006000, 0x40007000, 0x40009000) */
#define CMSDK_LINK_UART_BASE 0x40004000u
#define CMSDK_LINK_UART_RX_IRQ 0
#define CMSDK_LINK_UART_TX_IRQ 1
/* 25 MHz / 217 = 115200 baud on hardware; QEMU does not throttle and only wants >= 16 */
#define CMSDK_LINK_UART_BAUDDIV 217u

/* NVIC: external interrupts of the AN385 image (exception number = IRQ + 16). The CMSDK
 * Cortex-M3 implements 3 priority bits. */
#define MPS2_IRQ_COUNT 32
#define TP_BOARD_NVIC_PRIO_BITS 3
#define BOARD_PRIO_TIMESTAMP 0u /* timer wrap: highest, so the 64-bit extension is never late */
#define BOARD_PRIO_LINK 7u      /* trace link: lowest, below every app interrupt */

/* SysTick: board_idle() wakes at least this often, so "check, then sleep" loops never sleep
 * long on a wake-up that came between the check and the WFI. */
#define ARMV7M_SCB_SHPR3 0xE000ED20u /* byte 3: SysTick priority */
#define ARMV7M_SYST_CSR 0xE000E010u
#define ARMV7M_SYST_RVR 0xE000E014u
#define ARMV7M_SYST_CVR 0xE000E018u
#define ARMV7M_SYST_CSR_ENABLE (1u << 0)
#define ARMV7M_SYST_CSR_TICKINT (1u << 1)
#define ARMV7M_SYST_CSR_CLKSOURCE (1u << 2) /* processor clock, 25 MHz */
#define MPS2_IDLE_TICK_HZ 1000u

#endif /* BOARD_H */
