/* SPDX-License-Identifier: MIT */
/*
 * app_board.h - what example and test apps need from a board besides the tracer:
 * start-up, a console that is not the trace link, a periodic interrupt, and exit.
 * Every board implements it in boards/<board>/app_board.c.
 */
#ifndef APP_BOARD_H
#define APP_BOARD_H

#include <stdint.h>

/* Clocks, timestamp timer, trace UART (TX + RX interrupts). */
void board_init(void);
/* Console text that never travels on the trace link (semihosting under QEMU). */
void board_puts(const char *s);
void board_put_u32(uint32_t v);
/* Call fn from a periodic interrupt of the given priority level (0 = highest of the app
 * timers). which = 0 or 1 selects one of two app timers. period in timer ticks. */
void board_periodic_start(unsigned which, uint32_t period_ticks, unsigned prio, void (*fn)(void));
void board_periodic_stop(unsigned which);
/* Leave: under QEMU, semihosting exit with this status. */
void board_exit(int code) __attribute__((noreturn));
/* Wait for an interrupt (idle). */
void board_idle(void);

#endif /* APP_BOARD_H */
