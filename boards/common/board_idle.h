/* SPDX-License-Identifier: MIT */
/*
 * board_idle.h - the wake-up flag that makes board_idle() safe (boards/common/idle.c), for
 * the drivers' and boards' interrupt handlers: every handler sets it, board_idle() sleeps
 * only when no interrupt has run since it last returned. An app checks its condition, then
 * idles: an interrupt that lands between the two (and completes what the app waits for)
 * would otherwise be followed by a WFI that nothing wakes. On a multi-core board only core
 * 0's handlers set it (only core 0 calls board_idle).
 */
#ifndef TP_BOARD_IDLE_H
#define TP_BOARD_IDLE_H

#include <stdint.h>

extern volatile uint32_t board_irq_seen;

#endif /* TP_BOARD_IDLE_H */
