/* SPDX-License-Identifier: MIT */
/*
 * printf_shim.h - builds apps/meta_demo/main.c natively (gcc -include printf_shim.h) with
 * TP_LOG turned into the C library's printf, so that the host's log formatting is checked
 * against an independent printf (test/meta/meta.test.ts). Only log lines are printed; the
 * other macros and the tracer/board functions do nothing.
 */
#ifndef PRINTF_SHIM_H
#define PRINTF_SHIM_H

#include <stdio.h>
#include <stdlib.h>

#include "app_board.h"
#include "tracepipe.h"

/* the real macros stay out */
#define TRACEPIPE_META_H

#define TP_LOG(...) (printf(__VA_ARGS__), putchar('\n'))
#define TP_EVENT(...) ((void)0)
#define TP_MARK(name) ((void)0)
#define TP_SPAN_DEFINE(name) extern int shim_unused_##name
#define TP_SPAN_BEGIN(name) ((void)0)
#define TP_SPAN_END(name) ((void)0)
#define TP_COUNTER_DEFINE(name, unit) extern int shim_unused_##name
#define TP_COUNTER(name, value) ((void)(value))
#define TP_ISR_NAME(number, name) extern int shim_unused_##name

static int shim_started = 1;

int tp_init(const struct tp_config *cfg) { (void)cfg; return 0; }
int tp_started(void) { return shim_started; }
size_t tp_poll(void) { return 0; }
void tp_flush(void) { shim_started = 0; }
void tp_isr_enter(uint32_t irq) { (void)irq; }
void tp_isr_exit(uint32_t irq) { (void)irq; }
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

#endif /* PRINTF_SHIM_H */
