/* SPDX-License-Identifier: MIT */
/*
 * tp_meta.c - the blob layout of metadata-described call sites (SPEC 11.3): one
 * out-of-line serialiser shared by every TP_LOG/TP_EVENT site that has a 64-bit, double
 * or string argument, so such a site costs the same flash as a plain one.
 */
#include "tracepipe_meta.h"

_Static_assert(TP_META_BLOB_MAX > 10 * TP_META_MAX_ARGS && TP_META_BLOB_MAX <= 255,
	       "TP_META_BLOB_MAX must hold 8 worst-case integers and fit tp_record_blob");
_Static_assert(TP_META_STR_MAX < 128, "a string length must be a one-byte varint");

/* out of line: inlined into every case they cost ~90 bytes more flash */
__attribute__((noinline)) static unsigned put_varint(uint8_t *p, uint64_t v)
{
	unsigned n = 0;
	while (v >= 0x80u) {
		p[n++] = (uint8_t)(v | 0x80u);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

__attribute__((noinline)) static unsigned put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return bytes;
}

/* The most bytes an argument of this type can take when its string is empty. */
static unsigned worst_case(unsigned t)
{
	switch (t) {
	case TP_T_F32:
		return 4;
	case TP_T_F64:
		return 8;
	case TP_T_STR:
		return 1;
	default:
		return 10;
	}
}

void tp_meta_record_blob(enum tp_kind kind, uint32_t id, uint32_t typespec, const uint64_t *vals,
			 unsigned nargs)
{
	uint8_t buf[TP_META_BLOB_MAX];
	unsigned reserve = 0, n = 0;

	if (nargs > TP_META_MAX_ARGS)
		nargs = TP_META_MAX_ARGS;
	for (unsigned i = 0; i < nargs; i++)
		reserve += worst_case((typespec >> (4 * i)) & 0xFu);

	for (unsigned i = 0; i < nargs; i++) {
		unsigned t = (typespec >> (4 * i)) & 0xFu;
		uint64_t v = vals[i];
		reserve -= worst_case(t);
		switch (t) {
		case TP_T_I8:
		case TP_T_I16:
		case TP_T_I32:
		case TP_T_I64:
			/* zigzag keeps small negative numbers to one or two bytes */
			n += put_varint(buf + n, (v << 1) ^ (uint64_t)((int64_t)v >> 63));
			break;
		case TP_T_F32:
			n += put_le(buf + n, v, 4);
			break;
		case TP_T_F64:
			n += put_le(buf + n, v, 8);
			break;
		case TP_T_STR: {
			/* Bounded: at most TP_META_STR_MAX bytes, and never so many that a later
			 * argument would not fit. The host shows what arrived. */
			const char *s = (const char *)(uintptr_t)v;
			unsigned room = sizeof buf - n - reserve - 1;
			unsigned len = 0;
			if (room > TP_META_STR_MAX)
				room = TP_META_STR_MAX;
			while (s && len < room && s[len] != '\0')
				len++;
			buf[n++] = (uint8_t)len;
			for (unsigned k = 0; k < len; k++)
				buf[n++] = (uint8_t)s[k];
			break;
		}
		default:
			n += put_varint(buf + n, v);
			break;
		}
	}
	tp_record_blob(kind, id, buf, n);
}
