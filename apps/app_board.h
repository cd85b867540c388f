/* SPDX-License-Identifier: MIT */
/*
 * app_board.h - what example and test apps need from a board besides the tracer:
 * start-up, a console that is not the trace link, a periodic interrupt, and exit.
 * Every board implements it in boards/<board>/app_board.c.
 */
#ifndef APP_BOARD_H
#define APP_BOARD_H

#include <stdint.h>

/* Clocks, timestamp timer, trace UART (TX + RX interrupts). Call it after tp_init() (which
 * touches no hardware) when the app waits for CMD_START: the core ignores command bytes that
 * arrive before tp_init, and board_init is what lets them in. Record nothing before it. */
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
/* Exception number of the running handler (IRQ n is n + 16), 0 in thread mode: the id apps
 * give tp_isr_enter/tp_isr_exit. */
unsigned board_active_exception(void);
/* Nonzero while the trace transmitter still holds a byte it has not sent (a slow reader on a
 * QEMU pty, a busy UART). With tp_poll() returning 0 it tells an app that every finished
 * packet has left the board, so the app can pace itself and lose nothing. */
int board_link_busy(void);

/* Multi-core boards only (TP_BOARD_CORES > 1 in board.h): start core `core` (1 ..
 * TP_BOARD_CORES - 1) running fn on its own stack; fn never returns. Returns 0, or -1 when the
 * board has no such core. Single-core boards need not define it; apps call it only under
 * #if TP_BOARD_CORES > 1. */
int board_core_start(unsigned core, void (*fn)(void));

#endif /* APP_BOARD_H */
