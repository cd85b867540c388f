/* SPDX-License-Identifier: MIT */
/*
 * shim_stubs.h - the tracer and board functions apps/meta_demo/main.c calls, as no-ops, for
 * the native oracle builds (printf_shim.h, event_shim.h). A shim defines SHIM_ISR_ENTER(irq)
 * and SHIM_ISR_EXIT(irq) for what the ISR hooks do.
 */
#ifndef SHIM_STUBS_H
#define SHIM_STUBS_H

#include <stdlib.h>

#include "app_board.h"
#include "tracepipe.h"

static int shim_started = 1;

int tp_init(const struct tp_config *cfg) { (void)cfg; return 0; }
int tp_started(void) { return shim_started; }
size_t tp_poll(void) { return 0; }
void tp_flush(void) { shim_started = 0; }
void tp_isr_enter(uint32_t irq) { SHIM_ISR_ENTER(irq); }
void tp_isr_exit(uint32_t irq) { SHIM_ISR_EXIT(irq); }
void tp_get_counters(unsigned core, struct tp_counters *out)
{
	(void)core;
	out->next_seq = out->committed = out->dropped = out->overwritten = 0;
}
void board_init(void) {}
void board_idle(void) {}
void board_puts(const char *s) { (void)s; }
void board_put_u32(uint32_t v) { (void)v; }
void board_exit(int code) { exit(code); }
int board_link_busy(void) { return 0; }
uint64_t tp_now(void) { return 0; }

#endif /* SHIM_STUBS_H */
