/* SPDX-License-Identifier: MIT */
/*
 * an521.h - what this board's port.c, app_board.c and startup.c share. Not part of any
 * contract; apps and the core never include it.
 */
#ifndef AN521_H
#define AN521_H

#include <stdint.h>

/* port.c: the timestamp timer and the trace UART (cmsdk_timer, cmsdk_uart), core 0. */
void an521_port_init(void);
/* startup.c: CPU1's vector table, handed to INITSVTOR1 by app_board.c. */
extern void (*const an521_cpu1_vector_table[])(void);
/* app_board.c: what CPU1 runs after its reset handler has set it up. */
void an521_cpu1_main(void) __attribute__((noreturn));

#endif /* AN521_H */
