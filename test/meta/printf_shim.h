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

#define SHIM_ISR_ENTER(irq) (void)(irq)
#define SHIM_ISR_EXIT(irq) (void)(irq)
#include "shim_stubs.h"

#endif /* PRINTF_SHIM_H */
