/* SPDX-License-Identifier: MIT */
/*
 * startup_common.h - the parts of a reset and a fault handler that every cross board's
 * startup.c shares. Static inline: they run before .data and .bss exist, so they must not
 * depend on either, nor on a call into code that might.
 */
#ifndef TP_BOARDS_STARTUP_COMMON_H
#define TP_BOARDS_STARTUP_COMMON_H

#include <stdint.h>

#include "app_board.h"

/* Copies .data from its load address. Word loops: the linker scripts align both ends to 4.
 * -fno-tree-loop-distribute-patterns (cross.mk) keeps GCC from turning them into memcpy or
 * memset calls. */
static inline void startup_copy_data(uint32_t *dst, const uint32_t *dst_end, const uint32_t *src)
{
	while (dst < dst_end) {
		*dst++ = *src++;
	}
}

static inline void startup_zero_bss(uint32_t *dst, const uint32_t *dst_end)
{
	while (dst < dst_end) {
		*dst++ = 0u;
	}
}

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
int main(void);

/* The C run-time, then main, whose status goes to board_exit: .data copied from its load
 * address, .bss zeroed. */
__attribute__((noreturn)) static inline void startup_run_main(void)
{
	startup_copy_data(__data_start, __data_end, __data_load);
	startup_zero_bss(__bss_start, __bss_end);
	board_exit(main());
}

/* An exception nobody handles: say which on the console and leave with status 3, so a QEMU
 * run ends at once instead of spinning until the caller's timeout. */
__attribute__((noreturn)) static inline void startup_fatal(const char *what, uint32_t exception)
{
	board_puts(what);
	board_put_u32(exception);
	board_puts("\n");
	board_exit(3);
}

#endif /* TP_BOARDS_STARTUP_COMMON_H */
