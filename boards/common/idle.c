/* SPDX-License-Identifier: MIT */
/*
 * idle.c - board_idle (apps/app_board.h) for the boards whose interrupts all set
 * board_irq_seen (board_idle.h). Interrupts are masked around the check and the WFI: a
 * pending interrupt still ends the WFI, and runs once PRIMASK is restored.
 */
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "port.h"

volatile uint32_t board_irq_seen;

void board_idle(void)
{
	uint32_t primask = tp_port_irq_save();
	if (!board_irq_seen) {
		__asm__ volatile("dsb\n\twfi" : : : "memory");
	}
	board_irq_seen = 0;
	tp_port_irq_restore(primask);
}
