/* SPDX-License-Identifier: MIT */
/*
 * event_shim.h - builds apps/meta_demo/main.c natively (gcc -std=gnu11 -include event_shim.h)
 * with every recording macro turned into a printf of what it records: kind, then the name and
 * the values the call site passes, typed by its field macro. test/meta/meta.test.ts compares
 * the golden file's lines with this, so the expectation comes from the app's source and the C
 * library, not from the CLI the golden checks. Floats print as the shortest text that reads
 * back to the same value (as a JavaScript number prints). Output: one "kind<TAB>text" per record.
 */
#ifndef EVENT_SHIM_H
#define EVENT_SHIM_H

#include <stdio.h>
#include <stdlib.h>

#include "app_board.h"
#include "tracepipe.h"

/* the real macros stay out */
#define TRACEPIPE_META_H

static void shim_shortest(double v, int is_float)
{
	char buf[64];
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*g", p, v);
		if (is_float ? (strtof(buf, NULL) == (float)v) : (strtod(buf, NULL) == v))
			break;
	}
	fputs(buf, stdout);
}

#define TP_LOG(...) (printf("log\t"), printf(__VA_ARGS__), putchar('\n'))
#define TP__F(name, fmt, type, e) printf(" " #name "=" fmt, (type)(e))
#define TP_U8(name, e) TP__F(name, "%u", unsigned, (uint8_t)(e))
#define TP_I8(name, e) TP__F(name, "%d", int, (int8_t)(e))
#define TP_U16(name, e) TP__F(name, "%u", unsigned, (uint16_t)(e))
#define TP_I16(name, e) TP__F(name, "%d", int, (int16_t)(e))
#define TP_U32(name, e) TP__F(name, "%u", unsigned, (uint32_t)(e))
#define TP_I32(name, e) TP__F(name, "%d", int, (int32_t)(e))
#define TP_U64(name, e) TP__F(name, "%llu", unsigned long long, (uint64_t)(e))
#define TP_I64(name, e) TP__F(name, "%lld", long long, (int64_t)(e))
#define TP_F32(name, e) (printf(" " #name "="), shim_shortest((float)(e), 1))
#define TP_F64(name, e) (printf(" " #name "="), shim_shortest((double)(e), 0))
#define TP_STR(name, e) TP__F(name, "\"%s\"", const char *, (e))
#define TP_EVENT(name, ...) (printf("event\t" #name), ##__VA_ARGS__, putchar('\n'))
#define TP_MARK(name) printf("mark\t" #name "\n")
#define TP_SPAN_DEFINE(name) extern int shim_unused_##name
#define TP_SPAN_BEGIN(name) printf("span_begin\t" #name "\n")
#define TP_SPAN_END(name) printf("span_end\t" #name "\n")
#define TP_COUNTER_DEFINE(name, unit) static const char *const shim_unit_##name = unit
#define TP_COUNTER(name, value) printf("counter\t" #name " = %u %s\n", (unsigned)(value), shim_unit_##name)

static const char *shim_isr_names[256];
#define TP_ISR_NAME(number, name) \
	__attribute__((constructor)) static void shim_isr_##name(void) { shim_isr_names[number] = #name; }

#define SHIM_ISR_ENTER(irq) printf("isr_enter\t%s\n", shim_isr_names[(irq) & 255])
#define SHIM_ISR_EXIT(irq) printf("isr_exit\t%s\n", shim_isr_names[(irq) & 255])
#include "shim_stubs.h"

#endif /* EVENT_SHIM_H */
