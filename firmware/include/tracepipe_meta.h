/* SPDX-License-Identifier: MIT */
/*
 * tracepipe_meta.h - named, typed events and formatted logs whose names, format strings
 * and argument types live in the firmware ELF, not in flash and not on the wire.
 * Normative description: protocol/SPEC.md section 11.
 *
 *   TP_EVENT(motor_step, TP_U32(position, pos), TP_I16(current, ma));
 *   TP_LOG("adc ch%u = %d mV", ch, mv);     level info; also TP_LOG_ERROR .. TP_LOG_TRACE
 *   TP_MARK(boot_done);
 *   TP_SPAN_DEFINE(flash_write);            file scope, once per program
 *   TP_SPAN_BEGIN(flash_write); ... TP_SPAN_END(flash_write);
 *   TP_COUNTER_DEFINE(queue_depth, "items"); file scope
 *   TP_COUNTER(queue_depth, n);
 *   TP_ISR_NAME(24, TIMER0);                 file scope: names isr_enter/isr_exit id 24
 *
 * How it costs nothing: every call site defines two static objects in sections without
 * the SHF_ALLOC flag, so the linker gives them addresses starting at 0 and the loader
 * never sees them:
 *   .tp_ids   one byte per call site; the byte's address is the event id (0, 1, 2 ...:
 *             small, one varint byte for the first 128 sites). The code loads this
 *             address as a link-time constant, which is the only flash a site adds.
 *   .tp_meta  the descriptor (kind, name, format, argument types, field names, file:line).
 *             It holds the id (a relocation to its slot), so the host pairs them.
 * Non-allocated sections cannot be declared from C, so the section name carries the flags
 * itself and comments out what GCC appends (gas comment char: '@' on ARM, '#' elsewhere).
 * .tp_meta is marked "R" (SHF_GNU_RETAIN): nothing references it, so --gc-sections would
 * otherwise drop it. Linker scripts SHOULD still list both sections (SPEC 11.1).
 *
 * Argument types are checked at compile time: TP_LOG's format string is checked by GCC's
 * printf format checker (-Wformat, part of -Wall) against the arguments, and every
 * argument must have an integer, float, double or char-pointer type (C11 _Generic: any
 * other type fails to compile). TP_EVENT fields are converted to their declared type; a
 * field declared as an integer rejects floats, pointers and aggregates (static assertion).
 *
 * Names given to TP_EVENT/TP_MARK/TP_SPAN_xxx/TP_COUNTER_xxx must be plain identifiers
 * that are not macros. At most TP_META_MAX_ARGS (8) arguments per call site.
 */
#ifndef TRACEPIPE_META_H
#define TRACEPIPE_META_H

#include <stddef.h>
#include <stdint.h>
#include "tracepipe.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TP_META_VERSION TP_WIRE_META_VERSION
#define TP_META_MAX_ARGS TP_WIRE_MAX_META_ARGS

/* Argument type codes (SPEC 11.2; values from tp_wire_gen.h). 4 bits each. */
#define TP_T_U8 TP_WIRE_ARG_U8
#define TP_T_U16 TP_WIRE_ARG_U16
#define TP_T_U32 TP_WIRE_ARG_U32
#define TP_T_U64 TP_WIRE_ARG_U64
#define TP_T_I8 TP_WIRE_ARG_I8
#define TP_T_I16 TP_WIRE_ARG_I16
#define TP_T_I32 TP_WIRE_ARG_I32
#define TP_T_I64 TP_WIRE_ARG_I64
#define TP_T_F32 TP_WIRE_ARG_F32
#define TP_T_F64 TP_WIRE_ARG_F64
#define TP_T_STR TP_WIRE_ARG_STR

/* Descriptor flags (SPEC 11.2). */
#define TP_META_F_BLOB TP_WIRE_META_BLOB         /* arguments travel as one blob (nargs = 7 on the wire) */
#define TP_META_F_FIXED_ID TP_WIRE_META_FIXED_ID /* id is a number given by the user (ISR names), not a slot */

/* Log levels (SPEC 11.2): the descriptor carries them, the wire does not. */
#define TP_LEVEL_ERROR TP_WIRE_LEVEL_ERROR
#define TP_LEVEL_WARN TP_WIRE_LEVEL_WARN
#define TP_LEVEL_INFO TP_WIRE_LEVEL_INFO
#define TP_LEVEL_DEBUG TP_WIRE_LEVEL_DEBUG
#define TP_LEVEL_TRACE TP_WIRE_LEVEL_TRACE

/* The least severe log level compiled in (e.g. -DTP_LOG_LEVEL_MIN=TP_LEVEL_WARN, or 2).
 * Call sites below it vanish in the preprocessor: no descriptor, no id, no code, and their
 * arguments are not evaluated. */
#ifndef TP_LOG_LEVEL_MIN
#define TP_LOG_LEVEL_MIN TP_LEVEL_TRACE
#endif

/* Longest string a %s argument puts on the wire, in bytes, and the largest blob. */
#ifndef TP_META_STR_MAX
#define TP_META_STR_MAX 32
#endif
#ifndef TP_META_BLOB_MAX
#define TP_META_BLOB_MAX 96
#endif

/* Serialises a blob-layout call site (any 64-bit, double or string argument) and records
 * it with tp_record_blob. typespec holds 4 bits of type code per argument, argument 0 in
 * the low bits; vals holds each argument widened to 64 bits (strings: the pointer). */
void tp_meta_record_blob(enum tp_kind kind, uint32_t id, uint32_t typespec, const uint64_t *vals,
			 unsigned nargs);

/* ------------------------------------------------------------------------------------ */
/* Everything below is implementation detail of the macros. */

#if defined(__arm__) || defined(__thumb__)
#define TP__SEC(name, flags) "." name ",\"" flags "\",%progbits @"
#else
#define TP__SEC(name, flags) "." name ",\"" flags "\",@progbits #"
#endif
#define TP__SEC_IDS TP__SEC("tp_ids", "")
#define TP__SEC_META TP__SEC("tp_meta", "R")

#define TP__CAT_(a, b) a##b
#define TP__CAT(a, b) TP__CAT_(a, b)
#define TP__STR_(x) #x
#define TP__STR(x) TP__STR_(x)

/* Counts 1..9 arguments; 10..16 give TOO_MANY, which names a macro with a clear error. */
#define TP__NARG(...)                                                                     \
	TP__NARG_(__VA_ARGS__, TOO_MANY, TOO_MANY, TOO_MANY, TOO_MANY, TOO_MANY, TOO_MANY,       \
		  TOO_MANY, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define TP__NARG_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, N, ...) N

/* Apply M(index, item) to each item. */
#define TP__MAP1(M, a) M(0, a)
#define TP__MAP2(M, a, b) M(0, a) M(1, b)
#define TP__MAP3(M, a, b, c) M(0, a) M(1, b) M(2, c)
#define TP__MAP4(M, a, b, c, d) M(0, a) M(1, b) M(2, c) M(3, d)
#define TP__MAP5(M, a, b, c, d, e) TP__MAP4(M, a, b, c, d) M(4, e)
#define TP__MAP6(M, a, b, c, d, e, f) TP__MAP5(M, a, b, c, d, e) M(5, f)
#define TP__MAP7(M, a, b, c, d, e, f, g) TP__MAP6(M, a, b, c, d, e, f) M(6, g)
#define TP__MAP8(M, a, b, c, d, e, f, g, h) TP__MAP7(M, a, b, c, d, e, f, g) M(7, h)
#define TP__MAP(n, M, ...) TP__CAT(TP__MAP, n)(M, __VA_ARGS__)

/* An argument is a tuple (field name string, expression, type check). */
#define TP__A_NAME(f, e, c) f
#define TP__A_EXPR(f, e, c) e
#define TP__A_CHECK(f, e, c) c

#define TP__CHAR_T ((char)-1 < 0 ? TP_T_I8 : TP_T_U8)
#define TP__LONG_T (sizeof(long) == 8 ? TP_T_I64 : TP_T_I32)
#define TP__ULONG_T (sizeof(long) == 8 ? TP_T_U64 : TP_T_U32)

/* The type code of an expression. Any type not listed fails to compile: that is the
 * compile-time check that every argument has a supported type. */
#define TP__TC(x)                                                                         \
	_Generic((x), _Bool: TP_T_U8, char: TP__CHAR_T, signed char: TP_T_I8,                    \
		unsigned char: TP_T_U8, short: TP_T_I16, unsigned short: TP_T_U16, int: TP_T_I32,   \
		unsigned int: TP_T_U32, long: TP__LONG_T, unsigned long: TP__ULONG_T,               \
		long long: TP_T_I64, unsigned long long: TP_T_U64, float: TP_T_F32,                 \
		double: TP_T_F64, char *: TP_T_STR, const char *: TP_T_STR)

#define TP__IS_INT(x)                                                                     \
	_Generic((x), _Bool: 1, char: 1, signed char: 1, unsigned char: 1, short: 1,             \
		unsigned short: 1, int: 1, unsigned int: 1, long: 1, unsigned long: 1, long long: 1, \
		unsigned long long: 1, default: 0)
#define TP__IS_FLOAT(x) _Generic((x), float: 1, double: 1, default: 0)
#define TP__IS_STRING(x) _Generic((x), char *: 1, const char *: 1, default: 0)

/* Arguments that need the blob layout (so do more than 6 arguments: nargs 7 means blob). */
#define TP__BIG_T(t) ((t) == TP_T_U64 || (t) == TP_T_I64 || (t) == TP_T_F64 || (t) == TP_T_STR)

static inline uint32_t tp__w_u(uint32_t v) { return v; }
/* zigzag: small negative numbers stay small varints */
static inline uint32_t tp__w_i(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }
static inline uint32_t tp__w_f(float v)
{
	union { float f; uint32_t u; } c;
	c.f = v;
	return c.u;
}
/* Never executed: blob-layout types take the other path; these only keep _Generic total. */
static inline uint32_t tp__w_u64(unsigned long long v) { (void)v; return 0; }
static inline uint32_t tp__w_i64(long long v) { (void)v; return 0; }
static inline uint32_t tp__w_d(double v) { (void)v; return 0; }
static inline uint32_t tp__w_s(const char *v) { (void)v; return 0; }

static inline uint64_t tp__v_u(unsigned long long v) { return v; }
static inline uint64_t tp__v_i(long long v) { return (uint64_t)v; }
static inline uint64_t tp__v_f(float v) { return tp__w_f(v); }
static inline uint64_t tp__v_d(double v)
{
	union { double d; uint64_t u; } c;
	c.d = v;
	return c.u;
}
static inline uint64_t tp__v_s(const char *v) { return (uint64_t)(uintptr_t)v; }

#define TP__PICK(x, U32, I32, F32, U64, I64, F64, S)                                       \
	_Generic((x), _Bool: U32,                                                                \
		char: _Generic((char (*)[(char)-1 < 0 ? 1 : 2])0, char (*)[1]: I32, default: U32),   \
		signed char: I32, unsigned char: U32, short: I32,   \
		unsigned short: U32, int: I32, unsigned int: U32,                                   \
		long: _Generic((char (*)[sizeof(long)])0, char (*)[8]: I64, default: I32),          \
		unsigned long: _Generic((char (*)[sizeof(long)])0, char (*)[8]: U64, default: U32), \
		long long: I64, unsigned long long: U64, float: F32, double: F64, char *: S,         \
		const char *: S)
#define TP__W(x) TP__PICK(x, tp__w_u, tp__w_i, tp__w_f, tp__w_u64, tp__w_i64, tp__w_d, tp__w_s)(x)
#define TP__V(x) TP__PICK(x, tp__v_u, tp__v_i, tp__v_f, tp__v_u, tp__v_i, tp__v_d, tp__v_s)(x)

#define TP__M_TYPE(i, a) TP__TC(TP__A_EXPR a),
#define TP__M_NAME(i, a) TP__A_NAME a "\0"
#define TP__M_SPEC(i, a) | ((uint32_t)TP__TC(TP__A_EXPR a) << (4 * (i)))
#define TP__M_BIG(i, a) || TP__BIG_T(TP__TC(TP__A_EXPR a))
#define TP__M_WORD(i, a) TP__W(TP__A_EXPR a),
#define TP__M_VAL(i, a) TP__V(TP__A_EXPR a),
#define TP__M_CHECK(i, a) _Static_assert(TP__A_CHECK a, "tracepipe: argument " #i " has the wrong type");
#define TP__M_EXPR(i, a) , TP__A_EXPR a

/* The descriptor: layout fixed by SPEC 11.2. All members after `id` are bytes or
 * naturally aligned, so the struct has no inner padding on ILP32 targets. */
#define TP__DESC(var, idexpr, kind, flags, n, types, strings)                             \
	static const struct {                                                                 \
		const volatile void *id;                                                          \
		uint32_t line;                                                                    \
		uint16_t size;                                                                    \
		uint8_t version, kind_, flags_, nargs;                                            \
		uint8_t types_[(n) + 1];                                                          \
		char str[sizeof(strings)];                                                        \
	} var __attribute__((section(TP__SEC_META), used, aligned(4))) = {                     \
		(idexpr), __LINE__, sizeof(var), TP_META_VERSION, (kind), (flags), (n), {types 0},  \
		strings}

#define TP__SLOT(var) static const volatile uint8_t var __attribute__((section(TP__SEC_IDS), used)) = 0
#define TP__ID(slot) ((uint32_t)(uintptr_t) & (slot))

/* strings: name, format, one field name per argument, file */
#define TP__STRS0(name, fmt) name "\0" fmt "\0" __FILE__
#define TP__STRSN(name, fmt, n, ...) name "\0" fmt "\0" TP__MAP(n, TP__M_NAME, __VA_ARGS__) __FILE__

#define TP__SITE0(kind, name, fmt, call) TP__SITE0_F(kind, 0, name, fmt, call)
#define TP__SITE0_F(kind, xflags, name, fmt, call)                                        \
	do {                                                                                  \
		TP__SLOT(tp__slot);                                                               \
		TP__DESC(tp__desc, &tp__slot, kind, (xflags), 0, , TP__STRS0(name, fmt));          \
		call(kind, TP__ID(tp__slot));                                                     \
	} while (0)

#define TP__SITEN(kind, name, fmt, n, ...) TP__SITEN_F(kind, 0, name, fmt, n, __VA_ARGS__)
#define TP__SITEN_F(kind, xflags, name, fmt, n, ...)                                      \
	do {                                                                                  \
		TP__MAP(n, TP__M_CHECK, __VA_ARGS__)                                              \
		enum { tp__big = (n) > 6 TP__MAP(n, TP__M_BIG, __VA_ARGS__) };                    \
		TP__SLOT(tp__slot);                                                               \
		TP__DESC(tp__desc, &tp__slot, kind, (tp__big ? TP_META_F_BLOB : 0) | (xflags), n,  \
			 TP__MAP(n, TP__M_TYPE, __VA_ARGS__), TP__STRSN(name, fmt, n, __VA_ARGS__)); \
		if (tp__big) {                                                                    \
			const uint64_t tp__v[n] = {TP__MAP(n, TP__M_VAL, __VA_ARGS__)};                \
			tp_meta_record_blob(kind, TP__ID(tp__slot),                                   \
					    0u TP__MAP(n, TP__M_SPEC, __VA_ARGS__), tp__v, n);        \
		} else {                                                                          \
			const uint32_t tp__w[n] = {TP__MAP(n, TP__M_WORD, __VA_ARGS__)};               \
			tp_record(kind, TP__ID(tp__slot), tp__w, n);                                  \
		}                                                                                 \
	} while (0)

static inline void tp__record0(enum tp_kind kind, uint32_t id) { tp_record(kind, id, (const uint32_t *)0, 0); }

/* GCC checks the format against the arguments; the call itself is dead code. */
static inline void tp__fmt_check(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tp__fmt_check(const char *fmt, ...) { (void)fmt; }

/* ---- formatted logs ---- */
#define TP__LA(x) ("", x, 1)
#define TP__LEVEL_FLAGS(level) ((level) << TP_WIRE_META_LEVEL_SHIFT)
#define TP__LOGN(n, fmt, ...) TP__LOGLN(TP_LEVEL_INFO, n, fmt, __VA_ARGS__)
#define TP__LOGLN(level, n, fmt, ...)                                                     \
	do {                                                                                  \
		if (0)                                                                            \
			tp__fmt_check(fmt, __VA_ARGS__);                                              \
		TP__SITEN_F(TP_KIND_LOG, TP__LEVEL_FLAGS(level), "", fmt, n,                     \
			    TP__MAP(n, TP__M_LWRAP, __VA_ARGS__));                                \
	} while (0)
#define TP__M_LWRAP(i, x) TP__CAT(TP__LWRAP_SEP, i)(x)
#define TP__LWRAP_SEP0(x) TP__LA(x)
#define TP__LWRAP_SEP1(x) , TP__LA(x)
#define TP__LWRAP_SEP2(x) , TP__LA(x)
#define TP__LWRAP_SEP3(x) , TP__LA(x)
#define TP__LWRAP_SEP4(x) , TP__LA(x)
#define TP__LWRAP_SEP5(x) , TP__LA(x)
#define TP__LWRAP_SEP6(x) , TP__LA(x)
#define TP__LWRAP_SEP7(x) , TP__LA(x)

#define TP__LOGL_1(level, fmt)                                                            \
	do {                                                                                  \
		if (0)                                                                            \
			tp__fmt_check(fmt);                                                           \
		TP__SITE0_F(TP_KIND_LOG, TP__LEVEL_FLAGS(level), "", fmt, tp__record0);          \
	} while (0)
#define TP__LOGL_2(level, fmt, ...) TP__LOGLN(level, 1, fmt, __VA_ARGS__)
#define TP__LOGL_3(level, fmt, ...) TP__LOGLN(level, 2, fmt, __VA_ARGS__)
#define TP__LOGL_4(level, fmt, ...) TP__LOGLN(level, 3, fmt, __VA_ARGS__)
#define TP__LOGL_5(level, fmt, ...) TP__LOGLN(level, 4, fmt, __VA_ARGS__)
#define TP__LOGL_6(level, fmt, ...) TP__LOGLN(level, 5, fmt, __VA_ARGS__)
#define TP__LOGL_7(level, fmt, ...) TP__LOGLN(level, 6, fmt, __VA_ARGS__)
#define TP__LOGL_8(level, fmt, ...) TP__LOGLN(level, 7, fmt, __VA_ARGS__)
#define TP__LOGL_9(level, fmt, ...) TP__LOGLN(level, 8, fmt, __VA_ARGS__)
#define TP__LOGL_TOO_MANY(...) _Static_assert(0, "tracepipe: at most 8 arguments per call site")
#define TP__LOG_1(fmt) TP__LOGL_1(TP_LEVEL_INFO, fmt)
#define TP__LOG_2(fmt, ...) TP__LOGN(1, fmt, __VA_ARGS__)
#define TP__LOG_3(fmt, ...) TP__LOGN(2, fmt, __VA_ARGS__)
#define TP__LOG_4(fmt, ...) TP__LOGN(3, fmt, __VA_ARGS__)
#define TP__LOG_5(fmt, ...) TP__LOGN(4, fmt, __VA_ARGS__)
#define TP__LOG_6(fmt, ...) TP__LOGN(5, fmt, __VA_ARGS__)
#define TP__LOG_7(fmt, ...) TP__LOGN(6, fmt, __VA_ARGS__)
#define TP__LOG_8(fmt, ...) TP__LOGN(7, fmt, __VA_ARGS__)
#define TP__LOG_9(fmt, ...) TP__LOGN(8, fmt, __VA_ARGS__)

#define TP__LOG_TOO_MANY(...) _Static_assert(0, "tracepipe: at most 8 arguments per call site")

/* A log at one level: a call site, or nothing at all below TP_LOG_LEVEL_MIN. */
#define TP__LOG_AT(level, ...) TP__CAT(TP__LOGL_, TP__NARG(__VA_ARGS__))(level, __VA_ARGS__)
/* Below TP_LOG_LEVEL_MIN only the format check stays (dead code: no descriptor, no call). */
#define TP__LOG_OFF(...)                                                                  \
	do {                                                                                  \
		if (0)                                                                            \
			tp__fmt_check(__VA_ARGS__);                                                   \
	} while (0)

/* TP_LOG("format", args...): printf-style format (SPEC 11.4), at most 8 arguments; level info. */
#if TP_LOG_LEVEL_MIN >= TP_LEVEL_INFO
#define TP_LOG(...) TP__CAT(TP__LOG_, TP__NARG(__VA_ARGS__))(__VA_ARGS__)
#else
#define TP_LOG(...) TP__LOG_OFF(__VA_ARGS__)
#endif

/* TP_LOG_ERROR .. TP_LOG_TRACE: the same, at that level. */
#if TP_LOG_LEVEL_MIN >= TP_LEVEL_ERROR
#define TP_LOG_ERROR(...) TP__LOG_AT(TP_LEVEL_ERROR, __VA_ARGS__)
#else
#define TP_LOG_ERROR(...) TP__LOG_OFF(__VA_ARGS__)
#endif
#if TP_LOG_LEVEL_MIN >= TP_LEVEL_WARN
#define TP_LOG_WARN(...) TP__LOG_AT(TP_LEVEL_WARN, __VA_ARGS__)
#else
#define TP_LOG_WARN(...) TP__LOG_OFF(__VA_ARGS__)
#endif
#define TP_LOG_INFO(...) TP_LOG(__VA_ARGS__)
#if TP_LOG_LEVEL_MIN >= TP_LEVEL_DEBUG
#define TP_LOG_DEBUG(...) TP__LOG_AT(TP_LEVEL_DEBUG, __VA_ARGS__)
#else
#define TP_LOG_DEBUG(...) TP__LOG_OFF(__VA_ARGS__)
#endif
#if TP_LOG_LEVEL_MIN >= TP_LEVEL_TRACE
#define TP_LOG_TRACE(...) TP__LOG_AT(TP_LEVEL_TRACE, __VA_ARGS__)
#else
#define TP_LOG_TRACE(...) TP__LOG_OFF(__VA_ARGS__)
#endif

/* ---- user events ---- */
/* Typed fields: TP_U32(field_name, expression). The value is converted to the type. */
#define TP__FIELD(name, ctype, e, check) (#name, (ctype)(e), check)
#define TP_U8(name, e) TP__FIELD(name, uint8_t, e, TP__IS_INT(e))
#define TP_U16(name, e) TP__FIELD(name, uint16_t, e, TP__IS_INT(e))
#define TP_U32(name, e) TP__FIELD(name, uint32_t, e, TP__IS_INT(e))
#define TP_U64(name, e) TP__FIELD(name, uint64_t, e, TP__IS_INT(e))
#define TP_I8(name, e) TP__FIELD(name, int8_t, e, TP__IS_INT(e))
#define TP_I16(name, e) TP__FIELD(name, int16_t, e, TP__IS_INT(e))
#define TP_I32(name, e) TP__FIELD(name, int32_t, e, TP__IS_INT(e))
#define TP_I64(name, e) TP__FIELD(name, int64_t, e, TP__IS_INT(e))
#define TP_F32(name, e) TP__FIELD(name, float, e, TP__IS_INT(e) || TP__IS_FLOAT(e))
#define TP_F64(name, e) TP__FIELD(name, double, e, TP__IS_INT(e) || TP__IS_FLOAT(e))
#define TP_STR(name, e) TP__FIELD(name, const char *, e, TP__IS_STRING(e))

#define TP__EVENT_1(name) TP__SITE0(TP_KIND_EVENT, #name, "", tp__record0)
#define TP__EVENT_2(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 1, __VA_ARGS__)
#define TP__EVENT_3(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 2, __VA_ARGS__)
#define TP__EVENT_4(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 3, __VA_ARGS__)
#define TP__EVENT_5(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 4, __VA_ARGS__)
#define TP__EVENT_6(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 5, __VA_ARGS__)
#define TP__EVENT_7(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 6, __VA_ARGS__)
#define TP__EVENT_8(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 7, __VA_ARGS__)
#define TP__EVENT_9(name, ...) TP__SITEN(TP_KIND_EVENT, #name, "", 8, __VA_ARGS__)

#define TP__EVENT_TOO_MANY(...) _Static_assert(0, "tracepipe: at most 8 arguments per call site")

/* TP_EVENT(name, TP_U32(field, expr), ...): a named user event with 0..8 typed fields. */
#define TP_EVENT(...) TP__CAT(TP__EVENT_, TP__NARG(__VA_ARGS__))(__VA_ARGS__)

/* ---- marks ---- */
#define TP__MARK_CALL(kind, id) tp_mark(id)
#define TP_MARK(name) TP__SITE0(TP_KIND_MARK, #name, "", TP__MARK_CALL)

/* ---- spans: begin and end share one id, so the name is defined once at file scope ---- */
#define TP_SPAN_DEFINE(name)                                                              \
	const volatile uint8_t tp_span__##name __attribute__((section(TP__SEC_IDS), used)) = 0; \
	TP__DESC(tp__desc_span_##name, &tp_span__##name, TP_KIND_SPAN_BEGIN, 0, 0, ,            \
		 TP__STRS0(#name, ""))
#define TP_SPAN_DECLARE(name) extern const volatile uint8_t tp_span__##name
#define TP_SPAN_BEGIN(name) tp_span_begin(TP__ID(tp_span__##name))
#define TP_SPAN_END(name) tp_span_end(TP__ID(tp_span__##name))

/* ---- counters: name and unit defined once at file scope; values are u32 ---- */
#define TP_COUNTER_DEFINE(name, unit)                                                     \
	const volatile uint8_t tp_counter__##name __attribute__((section(TP__SEC_IDS), used)) = 0; \
	TP__DESC(tp__desc_counter_##name, &tp_counter__##name, TP_KIND_COUNTER, 0, 1,           \
		 TP__U32_COMMA, #name "\0" unit "\0" "value\0" __FILE__)
#define TP__U32_COMMA TP_T_U32,
#define TP_COUNTER_DECLARE(name) extern const volatile uint8_t tp_counter__##name
#define TP_COUNTER(name, value) tp_counter(TP__ID(tp_counter__##name), (uint32_t)(value))

/* ---- ISR names: isr_enter/isr_exit carry the exception number as their id ---- */
#define TP_ISR_NAME(number, name)                                                         \
	TP__DESC(tp__desc_isr_##name, (const volatile void *)(uintptr_t)(number), TP_KIND_ISR_ENTER, \
		 TP_META_F_FIXED_ID, 0, , TP__STRS0(#name, ""))

#ifdef __cplusplus
}
#endif
#endif /* TRACEPIPE_META_H */
