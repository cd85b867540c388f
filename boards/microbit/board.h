/* SPDX-License-Identifier: MIT */
/*
 * board.h - BBC micro:bit v1 (Nordic nRF51822, one Cortex-M0, 256 KiB flash, 16 KiB RAM),
 * also run under QEMU -M microbit. Data only: which instances the drivers use, pins,
 * interrupt numbers and priorities, and the CLOCK registers of the board's own set-up (nRF51
 * Series Reference Manual v3.0).
 */
#ifndef BOARD_H
#define BOARD_H

#include "tp_board_gen.h" /* TP_BOARD_NAME, _CORES, _TIMER_HZ, _TIMER_BITS from board.json */
/* TIMER0, 32-bit mode, PRESCALER 0: 16 MHz (62.5 ns resolution), wraps every 268.4 s. A build
 * may narrow it (BOARD_CFLAGS=-DTP_BOARD_TIMER_BITS=16 or 24, BITMODE follows) to make it wrap
 * every 4.1 ms for wrap tests (apps/wrap16). */
/* The most ring an app should take: 16 KiB of RAM also holds the 2 KiB stack, the core's
 * state (about 0.5 KiB) and the app's own data. Apps that size their ring from the board
 * (e2e_clean) read it. */
#define TP_BOARD_APP_RING_BYTES 8192u

/* On battery, with no debugger, a semihosting BKPT escalates to HardFault (boards/common/semihost.h). */
#define SEMIHOST_BKPT_MAY_FAULT 1

/* CLOCK: start the 16 MHz crystal (HFXO) so the UART baud rate and the timer are accurate. */
#define NRF_CLOCK_BASE 0x40000000u
#define NRF_CLOCK_TASKS_HFCLKSTART 0x000u
#define NRF_CLOCK_EVENTS_HFCLKSTARTED 0x100u
#define NRF_CLOCK_HFCLKSTAT 0x40Cu
#define NRF_CLOCK_HFCLKSTAT_SRC_XTAL (1u << 0)
/* Crystal start-up is 800 us typical (nRF51822 PS v3.1, HFXO tSTART); the bound is far above. */
#define MICROBIT_HFXO_WAIT_LOOPS 100000u

/* Drivers (board.mk): firmware/drivers/nrf51_timer and nrf51_uart, on these instances. */
#define NRF_TS_TIMER_BASE 0x40008000u   /* TIMER0 = timestamps (the only 32-bit timer) */
#define NRF_TS_TIMER_IRQ 8
#define NRF_TS_ALARM_IRQ NRF_LINK_UART_IRQ /* the alarm retries the link (nrf51_uart.c) */
/* boards/common/nrf51_periodic.c: the apps' periodic interrupts, not the tracer's */
#define NRF_APP_TIMER1_BASE 0x40009000u /* TIMER1 (16-bit): app periodic 0 */
#define NRF_APP_TIMER1_IRQ 9
#define NRF_APP_TIMER2_BASE 0x4000A000u /* TIMER2 (16-bit): app periodic 1 */
#define NRF_APP_TIMER2_IRQ 10
/* UART0 carries the trace stream at 115200 8N1 on P0.24 (TX) and P0.25 (RX), wired to the
 * interface MCU (KL26Z, DAPLink), which presents them on USB as a CDC serial port. */
#define NRF_LINK_UART_BASE 0x40002000u
#define NRF_LINK_UART_IRQ 2
#define NRF_LINK_UART_BAUDRATE 0x01D7E000u /* 115200 */
#define NRF_LINK_TX_PIN 24u
#define NRF_LINK_RX_PIN 25u

/* NVIC: external interrupts (peripheral ID = (base >> 12) & 0x1F). The nRF51 Cortex-M0
 * implements 2 priority bits: levels 0..3. */
#define NRF_IRQ_COUNT 32
#define TP_BOARD_NVIC_PRIO_BITS 2
#define BOARD_PRIO_TIMESTAMP 0u /* TIMER0 wrap: highest, so the 64-bit extension is never late */
#define BOARD_PRIO_LINK 3u      /* trace link: lowest, below every app interrupt */

#endif /* BOARD_H */
