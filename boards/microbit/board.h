/* SPDX-License-Identifier: MIT */
/*
 * board.h - BBC micro:bit v1 (Nordic nRF51822, one Cortex-M0, 256 KiB flash, 16 KiB RAM),
 * also run under QEMU -M microbit. Data only: board constants for the tracepipe core, and
 * peripheral addresses and register fields named as in the nRF51 Series Reference Manual v3.0.
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

/* GPIO: P0.24 = UART TX and P0.25 = UART RX, wired to the interface MCU (KL26Z, DAPLink),
 * which presents them on USB as a CDC serial port (VID:PID 0D28:0204). */
#define NRF_GPIO_BASE 0x50000000u
#define NRF_GPIO_OUTSET 0x508u
#define NRF_GPIO_DIRSET 0x518u
#define NRF_GPIO_PIN_CNF(n) (0x700u + 4u * (n))
#define NRF_GPIO_PIN_CNF_PULLUP (3u << 2) /* DIR input, INPUT connected, PULL = pull-up */
#define MICROBIT_PIN_UART_TX 24u
#define MICROBIT_PIN_UART_RX 25u

/* UART0 carries the trace stream at 115200 8N1, no flow control. */
#define NRF_UART0_BASE 0x40002000u
#define NRF_UART_TASKS_STARTRX 0x000u
#define NRF_UART_TASKS_STARTTX 0x008u
#define NRF_UART_EVENTS_RXDRDY 0x108u
#define NRF_UART_EVENTS_TXDRDY 0x11Cu
#define NRF_UART_EVENTS_ERROR 0x124u
#define NRF_UART_INTEN 0x300u
#define NRF_UART_INTENSET 0x304u
#define NRF_UART_INTENCLR 0x308u
#define NRF_UART_ERRORSRC 0x480u
#define NRF_UART_ENABLE 0x500u
#define NRF_UART_PSELTXD 0x50Cu
#define NRF_UART_PSELRXD 0x514u
#define NRF_UART_RXD 0x518u
#define NRF_UART_TXD 0x51Cu
#define NRF_UART_BAUDRATE 0x524u
#define NRF_UART_CONFIG 0x56Cu
#define NRF_UART_ENABLE_ENABLED 4u
#define NRF_UART_INT_RXDRDY (1u << 2)
#define NRF_UART_INT_TXDRDY (1u << 7)
#define NRF_UART_BAUDRATE_115200 0x01D7E000u

/* TIMER0 = timestamps (the only 32-bit timer); TIMER1 and TIMER2 (16-bit) = app periodic 0, 1. */
#define NRF_TIMER0_BASE 0x40008000u
#define NRF_TIMER1_BASE 0x40009000u
#define NRF_TIMER2_BASE 0x4000A000u
#define NRF_TIMER_TASKS_START 0x000u
#define NRF_TIMER_TASKS_STOP 0x004u
#define NRF_TIMER_TASKS_CLEAR 0x00Cu
#define NRF_TIMER_TASKS_CAPTURE(n) (0x040u + 4u * (n))
#define NRF_TIMER_EVENTS_COMPARE(n) (0x140u + 4u * (n))
#define NRF_TIMER_SHORTS 0x200u
#define NRF_TIMER_INTENSET 0x304u
#define NRF_TIMER_INTENCLR 0x308u
#define NRF_TIMER_MODE 0x504u
#define NRF_TIMER_BITMODE 0x508u
#define NRF_TIMER_PRESCALER 0x510u
#define NRF_TIMER_CC(n) (0x540u + 4u * (n))
#define NRF_TIMER_SHORTS_COMPARE0_CLEAR (1u << 0)
#define NRF_TIMER_INT_COMPARE0 (1u << 16)
#define NRF_TIMER_INT_COMPARE1 (1u << 17)
#define NRF_TIMER_BITMODE_16 0u
#define NRF_TIMER_BITMODE_24 2u
#define NRF_TIMER_BITMODE_32 3u
/* TIMER0 channel use: CC[0] = 0 marks the wrap (COMPARE0 fires when the count rolls over to
 * 0); CC[1] is the transmit retry alarm (port.c); CC[3] receives the CAPTURE that reads the
 * count. */
#define MICROBIT_TS_CC_WRAP 0u
#define MICROBIT_TS_CC_TX_RETRY 1u
#define MICROBIT_TS_CC_READ 3u
/* Two byte times at 115200 baud (10 bits each), in 16 MHz ticks. */
#define MICROBIT_TX_RETRY_TICKS 2800u

/* NVIC external interrupt numbers (peripheral ID = (base >> 12) & 0x1F) */
#define NRF_IRQ_UART0 2
#define NRF_IRQ_TIMER0 8
#define NRF_IRQ_TIMER1 9
#define NRF_IRQ_TIMER2 10
#define NRF_IRQ_COUNT 32

/* Armv6-M system control space; IPR is word-access only on Cortex-M0. */
#define ARMV6M_NVIC_ISER 0xE000E100u
#define ARMV6M_NVIC_ICER 0xE000E180u
#define ARMV6M_NVIC_ISPR 0xE000E200u
#define ARMV6M_NVIC_ICPR 0xE000E280u
#define ARMV6M_NVIC_IPR0 0xE000E400u
/* The nRF51 Cortex-M0 implements 2 priority bits: levels 0..3. */
#define NRF_NVIC_PRIO_SHIFT 6u
#define MICROBIT_PRIO_TIMESTAMP 0u /* TIMER0 wrap: highest, so the 64-bit extension is never late */
#define MICROBIT_PRIO_UART 3u      /* trace link: lowest, below every app interrupt */

#endif /* BOARD_H */
