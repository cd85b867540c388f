/* SPDX-License-Identifier: MIT */
/*
 * board.h - the native "board": the core built with the host compiler for unit tests under
 * ASan/UBSan. Two cores so the per-core paths are exercised; a test build may pick the timer
 * width with -DTP_BOARD_TIMER_BITS=16|24|32.
 */
#ifndef BOARD_H
#define BOARD_H

#define TP_BOARD_NAME "host"
#ifndef TP_BOARD_CORES /* test_tiny: 1 */
#define TP_BOARD_CORES 2
#endif
#define TP_BOARD_TIMER_HZ 1000000u
#ifndef TP_BOARD_TIMER_BITS
#define TP_BOARD_TIMER_BITS 32
#endif

#endif /* BOARD_H */
