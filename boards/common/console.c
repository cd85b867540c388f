/* SPDX-License-Identifier: MIT */
/*
 * console.c - board_put_u32 for every cross board (cross.mk builds it), on top of the board's
 * own board_puts: no printf in a -nostdlib image.
 */
#include <stdint.h>

#include "app_board.h"

void board_put_u32(uint32_t v)
{
	char buf[11];
	unsigned i = sizeof buf - 1u;
	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0u);
	board_puts(&buf[i]);
}
