/* SPDX-License-Identifier: MIT */
/*
 * board.h - rp2040-pico (Raspberry Pi Pico: RP2040, two Cortex-M0+ cores, 12 MHz crystal).
 * Data only: board constants for the tracepipe core, which instances the drivers use
 * (board.mk: rp2040_sio, rp2040_timer and the TRANSPORT's driver), pins, interrupt numbers
 * and priorities, and the registers of the board's own set-up (resets, clocks, pins, the
 * console), named as in the RP2040 datasheet (chapter 2 "System Description", chapter 4
 * "Peripherals").
 */
#ifndef BOARD_H
#define BOARD_H

#include "tp_board_gen.h" /* TP_BOARD_NAME, _CORES, _TIMER_HZ, _TIMER_BITS from board.json */
/* The shared 64-bit TIMER counts microseconds (watchdog tick = clk_ref / 12). The core is
 * given its low word (TIMERAWL): one 32-bit bus read, atomic from either core, no latch.
 * It wraps every 2^32 us = 71 min 35 s; ALARM0 armed at 0 marks each wrap. */

/* Survives a reset (not zeroed, not written by the UF2): the core's boot counter lives here. */
#define TP_BOARD_NOINIT_SECTION ".noinit"

#define RP2040_XOSC_HZ 12000000u
#define RP2040_CLK_SYS_HZ 125000000u /* PLL_SYS: 12 MHz * 125 / (6 * 2) */
#define RP2040_CLK_PERI_HZ 12000000u /* clk_peri from XOSC, so the baud rate never depends on clk_sys */
#define RP2040_UART_BAUD 115200u

/* Register block aliases (datasheet "Atomic Register Access", rp2040_sio.h's RP2040_SET/_CLR). */
#define RP2040_ALIAS_SET 0x2000u
#define RP2040_ALIAS_CLR 0x3000u

/* RESETS */
#define RESETS_BASE 0x4000C000u
#define RESETS_RESET 0x00u
#define RESETS_RESET_DONE 0x08u
#define RESETS_IO_BANK0 (1u << 5)
#define RESETS_PADS_BANK0 (1u << 8)
#define RESETS_PLL_SYS (1u << 12)
#define RESETS_PLL_USB (1u << 13)
#define RESETS_TIMER (1u << 21)
#define RESETS_UART0 (1u << 22)
#define RESETS_UART1 (1u << 23)
#define RESETS_USBCTRL (1u << 24)

/* XOSC */
#define XOSC_BASE 0x40024000u
#define XOSC_CTRL 0x00u
#define XOSC_STATUS 0x04u
#define XOSC_STARTUP 0x0Cu
#define XOSC_CTRL_FREQ_RANGE_1_15MHZ 0xAA0u
#define XOSC_CTRL_ENABLE_VALUE (0xFABu << 12)
#define XOSC_STATUS_STABLE (1u << 31)
/* ((12 MHz / 1000) + 128) / 256 = 47 is ~1 ms in units of 256 cycles; x6 as pico-sdk 2.x
 * allows for slow-starting crystals (PICO_XOSC_STARTUP_DELAY_MULTIPLIER). */
#define XOSC_STARTUP_DELAY (47u * 6u)

/* PLL_SYS */
#define PLL_SYS_BASE 0x40028000u
#define PLL_CS 0x00u
#define PLL_PWR 0x04u
#define PLL_FBDIV_INT 0x08u
#define PLL_PRIM 0x0Cu
#define PLL_CS_LOCK (1u << 31)
#define PLL_PWR_PD (1u << 0)
#define PLL_PWR_POSTDIVPD (1u << 3)
#define PLL_PWR_VCOPD (1u << 5)
#define PLL_PRIM_POSTDIV1_LSB 16u
#define PLL_PRIM_POSTDIV2_LSB 12u
#define RP2040_PLL_SYS_REFDIV 1u
#define RP2040_PLL_SYS_FBDIV 125u /* VCO 1500 MHz */
#define RP2040_PLL_SYS_POSTDIV1 6u
#define RP2040_PLL_SYS_POSTDIV2 2u
/* PLL_USB (TRANSPORT=usb): 12 MHz * 100 / (5 * 5) = 48 MHz for clk_usb */
#define PLL_USB_BASE 0x4002C000u
#define RP2040_PLL_USB_FBDIV 100u /* VCO 1200 MHz */
#define RP2040_PLL_USB_POSTDIV1 5u
#define RP2040_PLL_USB_POSTDIV2 5u

/* CLOCKS */
#define CLOCKS_BASE 0x40008000u
#define CLK_REF_CTRL 0x30u
#define CLK_REF_DIV 0x34u
#define CLK_REF_SELECTED 0x38u
#define CLK_SYS_CTRL 0x3Cu
#define CLK_SYS_DIV 0x40u
#define CLK_SYS_SELECTED 0x44u
#define CLK_PERI_CTRL 0x48u
#define CLK_USB_CTRL 0x54u
#define CLK_SYS_RESUS_CTRL 0x78u
#define CLK_REF_CTRL_SRC_MASK 0x3u
#define CLK_REF_CTRL_SRC_XOSC 0x2u
#define CLK_SYS_CTRL_SRC_AUX 0x1u
#define CLK_SYS_CTRL_AUXSRC_MASK (0x7u << 5)
#define CLK_SYS_CTRL_AUXSRC_PLL_SYS (0x0u << 5)
#define CLK_PERI_CTRL_ENABLE (1u << 11)
#define CLK_PERI_CTRL_AUXSRC_XOSC (0x4u << 5)
#define CLK_USB_CTRL_ENABLE (1u << 11)
#define CLK_USB_CTRL_AUXSRC_PLL_USB (0x0u << 5)
#define CLK_DIV_INT_1 0x100u

/* WATCHDOG tick generator: the TIMER counts one per tick; the timer does not run without it. */
#define WATCHDOG_BASE 0x40058000u
#define WATCHDOG_TICK 0x2Cu
#define WATCHDOG_TICK_ENABLE (1u << 9)
#define RP2040_WATCHDOG_TICK_CYCLES 12u /* clk_ref 12 MHz / 12 = 1 MHz */

/* TIMER: the rp2040_timer driver (timestamps on ALARM0, app periodic 0/1 on ALARM1/2) */
#define TIMER_BASE 0x40054000u

/* IO_BANK0 and PADS_BANK0: GPn_CTRL at 0x004 + 8n, FUNCSEL 2 = UART */
#define IO_BANK0_BASE 0x40014000u
#define IO_BANK0_GPIO_CTRL(n) (0x004u + 8u * (n))
#define IO_BANK0_FUNCSEL_UART 2u
#define PADS_BANK0_BASE 0x4001C000u
#define PADS_BANK0_GPIO(n) (0x004u + 4u * (n))
#define PADS_IE (1u << 6)
#define PADS_OD (1u << 7)
#define PADS_PUE (1u << 3)
#define PADS_PDE (1u << 2) /* set at reset: both pulls on would make a bus keeper */
/* Trace link on UART0 (GP0 TX, GP1 RX: the Pico's pins 1 and 2); console on UART1 (GP4 TX, GP5 RX). */
#define RP2040_TRACE_TX_PIN 0u
#define RP2040_TRACE_RX_PIN 1u
#define RP2040_CONSOLE_TX_PIN 4u
#define RP2040_CONSOLE_RX_PIN 5u

/* UART0, UART1: Arm PrimeCell PL011. The register layout is here, not in rp2040_uart: the
 * console on UART1 (app_board.c) uses it whatever the transport. */
#define UART0_BASE 0x40034000u
#define UART1_BASE 0x40038000u
#define UART_DR 0x00u
#define UART_FR 0x18u
#define UART_IBRD 0x24u
#define UART_FBRD 0x28u
#define UART_LCR_H 0x2Cu
#define UART_CR 0x30u
#define UART_IFLS 0x34u
#define UART_IMSC 0x38u
#define UART_MIS 0x40u
#define UART_ICR 0x44u
#define UART_FR_RXFE (1u << 4)
#define UART_FR_TXFF (1u << 5)
#define UART_FR_TXFE (1u << 7)
#define UART_FR_BUSY (1u << 3)
#define UART_LCR_H_FEN (1u << 4)
#define UART_LCR_H_WLEN8 (3u << 5)
#define UART_CR_UARTEN (1u << 0)
#define UART_CR_TXE (1u << 8)
#define UART_CR_RXE (1u << 9)
#define UART_INT_RX (1u << 4)
#define UART_INT_TX (1u << 5)
#define UART_INT_RT (1u << 6)
#define UART_INT_ALL 0x7FFu
/* Baud divisor 64 * clk_peri / (16 * baud) = 416.67 -> IBRD 6, FBRD 33 (115107 baud, -0.08 %). */
#define RP2040_UART_IBRD 6u
#define RP2040_UART_FBRD 33u
/* Trace link, TRANSPORT=uart (rp2040_uart driver) */
#define RP2040_LINK_UART_BASE UART0_BASE
#define RP2040_LINK_UART_IRQ RP2040_IRQ_UART0

/* SIO (rp2040_sio): per-core registers, inter-core FIFOs and spinlocks. The pico-sdk leaves
 * the high spinlocks to applications; each of these guards one piece of shared state. */
#define SIO_BASE 0xD0000000u
#define RP2040_SPINLOCK_CAS 31u     /* tp_port_cas */
#define RP2040_SPINLOCK_LINK_TX 30u /* the link UART's TX FIFO check-and-write */
#define RP2040_SPINLOCK_TS_WRAP 29u /* "count the wrap, clear the flag" as one step */

/* NVIC interrupt numbers, one NVIC per core */
#define RP2040_IRQ_TIMER0 0u
#define RP2040_IRQ_TIMER1 1u
#define RP2040_IRQ_TIMER2 2u
#define RP2040_IRQ_USBCTRL 5u
#define RP2040_IRQ_SIO_PROC0 15u
#define RP2040_IRQ_UART0 20u
#define RP2040_IRQ_COUNT 32u

/* Cortex-M0+ NVIC (firmware/arch/armv6m/tp_nvic.h): two priority bits, levels 0..3 */
#define TP_BOARD_NVIC_PRIO_BITS 2
#define BOARD_PRIO_TIMESTAMP 0u /* ALARM0 wrap: highest, the 64-bit extension is never late */
#define BOARD_PRIO_LINK 3u      /* trace link and its cross-core doorbell: lowest */

/* Memory: the image runs from striped SRAM0-3; each core's stack sits in its own bank. */
#define RP2040_SRAM_BASE 0x20000000u
#define RP2040_SRAM4_END 0x20041000u /* core 1 stack top */
#define RP2040_SRAM5_END 0x20042000u /* core 0 stack top */

#endif /* BOARD_H */
