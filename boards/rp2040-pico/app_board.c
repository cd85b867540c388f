/* SPDX-License-Identifier: MIT */
/*
 * app_board.c - apps/app_board.h for rp2040-pico: clocks (12 MHz crystal, 125 MHz system
 * clock), a console on UART1 (GP4 TX) that never carries trace bytes, board_idle, and core 1
 * start-up (the handshake is rp2040_sio's). The periodic interrupts are the rp2040_timer
 * driver's. A real board has no semihosting: board_exit prints the status and parks the core.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "port.h"
#include "rp2040.h"
#include RP2040_TRANSPORT_H

#define CLOCKS_REG(off) RP2040_REG(CLOCKS_BASE, off)
#define UART1_REG(off) RP2040_REG(UART1_BASE, off)

/*
 * clk_ref from the crystal, clk_sys from PLL_SYS at 125 MHz, clk_peri from the crystal.
 * The bootrom enters a RAM image after a watchdog reset with the clocks on the ring
 * oscillator, so every switch goes through the glitchless muxes, in this order: clk_sys onto
 * clk_ref, clk_ref onto the crystal, then the PLL, then clk_sys onto the PLL.
 */
/* At least 3 cycles of a generator's old clock after clearing its ENABLE, as pico-sdk's
 * clock_configure waits. clk_peri's source may be as slow as the ring oscillator (a few MHz)
 * when the bootrom left it there; 3 us covers any source of 1 MHz or more: at the fastest
 * clk_sys this runs with (125 MHz), 125 iterations of at least 3 cycles each. */
static void clk_stop_wait(void)
{
	for (volatile uint32_t i = 0; i < RP2040_CLK_SYS_HZ / 1000000u; i++) {
	}
}

/* A PLL from the 12 MHz crystal (REFDIV 1): reset it, set the VCO, wait for lock, then the
 * post dividers (datasheet 2.18.2). */
static void pll_start(uint32_t base, uint32_t reset_bit, uint32_t fbdiv, uint32_t post1, uint32_t post2)
{
	rp2040_reset_cycle(reset_bit);
	RP2040_REG(base, PLL_CS) = RP2040_PLL_SYS_REFDIV;
	RP2040_REG(base, PLL_FBDIV_INT) = fbdiv;
	RP2040_CLR(base, PLL_PWR) = PLL_PWR_PD | PLL_PWR_VCOPD;
	while ((RP2040_REG(base, PLL_CS) & PLL_CS_LOCK) == 0u) {
	}
	RP2040_REG(base, PLL_PRIM) = post1 << PLL_PRIM_POSTDIV1_LSB | post2 << PLL_PRIM_POSTDIV2_LSB;
	RP2040_CLR(base, PLL_PWR) = PLL_PWR_POSTDIVPD;
}

static void clocks_init(void)
{
	CLOCKS_REG(CLK_SYS_RESUS_CTRL) = 0u;

	RP2040_REG(XOSC_BASE, XOSC_CTRL) = XOSC_CTRL_FREQ_RANGE_1_15MHZ;
	RP2040_REG(XOSC_BASE, XOSC_STARTUP) = XOSC_STARTUP_DELAY;
	RP2040_SET(XOSC_BASE, XOSC_CTRL) = XOSC_CTRL_ENABLE_VALUE;
	while ((RP2040_REG(XOSC_BASE, XOSC_STATUS) & XOSC_STATUS_STABLE) == 0u) {
	}

	RP2040_CLR(CLOCKS_BASE, CLK_SYS_CTRL) = CLK_SYS_CTRL_SRC_AUX;
	while (CLOCKS_REG(CLK_SYS_SELECTED) != 1u) {
	}
	CLOCKS_REG(CLK_REF_CTRL) = CLK_REF_CTRL_SRC_XOSC;
	while (CLOCKS_REG(CLK_REF_SELECTED) != (1u << CLK_REF_CTRL_SRC_XOSC)) {
	}
	CLOCKS_REG(CLK_REF_DIV) = CLK_DIV_INT_1;

	/* The microsecond tick for the TIMER: clk_ref (12 MHz) / 12. */
	RP2040_REG(WATCHDOG_BASE, WATCHDOG_TICK) = WATCHDOG_TICK_ENABLE | RP2040_WATCHDOG_TICK_CYCLES;

	pll_start(PLL_SYS_BASE, RESETS_PLL_SYS, RP2040_PLL_SYS_FBDIV, RP2040_PLL_SYS_POSTDIV1, RP2040_PLL_SYS_POSTDIV2);

	/* The aux mux may glitch, so it changes only while clk_sys runs from clk_ref. */
	CLOCKS_REG(CLK_SYS_DIV) = CLK_DIV_INT_1;
	CLOCKS_REG(CLK_SYS_CTRL) = CLK_SYS_CTRL_AUXSRC_PLL_SYS;
	CLOCKS_REG(CLK_SYS_CTRL) = CLK_SYS_CTRL_AUXSRC_PLL_SYS | CLK_SYS_CTRL_SRC_AUX;
	while (CLOCKS_REG(CLK_SYS_SELECTED) != (1u << CLK_SYS_CTRL_SRC_AUX)) {
	}

	/* clk_peri: stop, select the crystal, start (its aux mux has no glitchless path). Stopping
	 * takes effect only after a few cycles of the clock being stopped (datasheet, "Clock
	 * Generators": the enable is synchronised to it), so wait before changing the source. */
	CLOCKS_REG(CLK_PERI_CTRL) = 0u;
	clk_stop_wait();
	CLOCKS_REG(CLK_PERI_CTRL) = CLK_PERI_CTRL_AUXSRC_XOSC;
	CLOCKS_REG(CLK_PERI_CTRL) = CLK_PERI_CTRL_AUXSRC_XOSC | CLK_PERI_CTRL_ENABLE;

#if RP2040_LINK_CLK_USB
	/* clk_usb: 48 MHz from PLL_USB, started and stopped as clk_peri. */
	pll_start(PLL_USB_BASE, RESETS_PLL_USB, RP2040_PLL_USB_FBDIV, RP2040_PLL_USB_POSTDIV1, RP2040_PLL_USB_POSTDIV2);
	CLOCKS_REG(CLK_USB_CTRL) = 0u;
	clk_stop_wait();
	CLOCKS_REG(CLK_USB_CTRL) = CLK_USB_CTRL_AUXSRC_PLL_USB;
	CLOCKS_REG(CLK_USB_CTRL) = CLK_USB_CTRL_AUXSRC_PLL_USB | CLK_USB_CTRL_ENABLE;
#endif
}

static void console_init(void)
{
	RP2040_REG(IO_BANK0_BASE, IO_BANK0_GPIO_CTRL(RP2040_CONSOLE_TX_PIN)) = IO_BANK0_FUNCSEL_UART;
	UART1_REG(UART_CR) = 0u;
	UART1_REG(UART_IBRD) = RP2040_UART_IBRD;
	UART1_REG(UART_FBRD) = RP2040_UART_FBRD;
	UART1_REG(UART_LCR_H) = UART_LCR_H_WLEN8 | UART_LCR_H_FEN;
	UART1_REG(UART_IMSC) = 0u;
	UART1_REG(UART_CR) = UART_CR_UARTEN | UART_CR_TXE;
}

/* The board's own peripherals and the trace link's (RP2040_LINK_RESETS). */
#define BOARD_RESETS (RESETS_IO_BANK0 | RESETS_PADS_BANK0 | RESETS_TIMER | RESETS_UART1 | RP2040_LINK_RESETS)

void board_init(void)
{
	/* Peripherals start from reset whatever the bootrom left; the TIMER restarts at 0. */
	RP2040_SET(RESETS_BASE, RESETS_RESET) = BOARD_RESETS;
	clocks_init();
	rp2040_reset_cycle(BOARD_RESETS);
	console_init();
	rp2040_port_init();
}

void board_puts(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n') {
			while (UART1_REG(UART_FR) & UART_FR_TXFF) {
			}
			UART1_REG(UART_DR) = '\r';
		}
		while (UART1_REG(UART_FR) & UART_FR_TXFF) {
		}
		UART1_REG(UART_DR) = (uint8_t)*s;
	}
}

void board_exit(int code)
{
	board_puts("exit ");
	board_put_u32((uint32_t)code);
	board_puts("\n");
	while (UART1_REG(UART_FR) & UART_FR_BUSY) {
	}
	/* Interrupts stay on: the trace UART keeps draining whatever is still queued. */
	for (;;) {
		__asm__ volatile("wfi");
	}
}

/* Interrupts masked around the check and the WFI: a pending interrupt still ends the WFI, and
 * runs once PRIMASK is restored. See board_idle.h. While the trace UART still shifts bytes
 * out it does not sleep at all: the PL011 raises its TX interrupt when the FIFO falls through
 * the trigger level, never when the last bytes below it have gone, so nothing would wake an
 * app that waits for board_link_busy() to clear. That spin lasts at most a FIFO's worth. */
void board_idle(void)
{
	uint32_t primask = tp_port_irq_save();
	if (!board_irq_seen && !board_link_busy()) {
		__asm__ volatile("dsb\n\twfi" : : : "memory");
	}
	board_irq_seen = 0;
	tp_port_irq_restore(primask);
}

unsigned board_active_exception(void)
{
	uint32_t ipsr;
	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	return ipsr & 0x3Fu;
}

/* ---- core 1 ---- */

typedef void (*vector_t)(void);
extern uint32_t __core1_stack_top[];
extern const vector_t rp2040_vectors[];

void rp2040_core1_start(void (*fn)(void))
{
	rp2040_sio_core1_launch(rp2040_vectors, __core1_stack_top, fn);
}

int board_core_start(unsigned core, void (*fn)(void))
{
	if (core != 1u) {
		return -1;
	}
	rp2040_core1_start(fn);
	return 0;
}
