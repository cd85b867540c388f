/* SPDX-License-Identifier: MIT */
/*
 * tp_wire.c - the wire encoding of protocol/SPEC.md: varints, events, message heads,
 * CRC-32C (the framer is tp_frame.c). Runs only in the drain, never on the record path,
 * so it favours small code over speed.
 */
#include "tp_internal.h"

unsigned tp_put_varint(uint8_t *out, uint64_t v)
{
	unsigned n = 0;
	while (v >= 0x80u) {
		out[n++] = (uint8_t)(v | 0x80u);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

/* The 32-bit varint writer every u32 field shares (no 64-bit shifts on a 32-bit core). */
__attribute__((noinline)) static unsigned put32(uint8_t *out, uint32_t v)
{
	return (unsigned)(tp_put_var32(out, v) - out);
}

static unsigned varint_len(uint64_t v)
{
	unsigned n = 1;
	while (v >= 0x80u) {
		v >>= 7;
		n++;
	}
	return n;
}

static unsigned put_le(uint8_t *out, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		out[i] = (uint8_t)(v >> (8u * i));
	return bytes;
}

/* 16 entries (64 bytes of flash) instead of 256 (1 KiB): two lookups a byte. */
const uint32_t tp_crc_nibble[16] = {
	0x00000000u, 0x105EC76Fu, 0x20BD8EDEu, 0x30E349B1u, 0x417B1DBCu, 0x5125DAD3u,
	0x61C69362u, 0x7198540Du, 0x82F63B78u, 0x92A8FC17u, 0xA24BB5A6u, 0xB21572C9u,
	0xC38D26C4u, 0xD3D3E1ABu, 0xE330A81Au, 0xF36E6F75u,
};

/* Running CRC without the final XOR: start from 0xFFFFFFFF, XOR 0xFFFFFFFF at the end. */
uint32_t tp_crc32c_byte(uint32_t crc, uint8_t b)
{
	return tp_crc32c_step(crc, b);
}

uint32_t tp_crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		crc = tp_crc32c_byte(crc, p[i]);
	return crc ^ 0xFFFFFFFFu;
}

/* SPEC §6.1: fewest argument bytes wins, ties go to the lower enc. */
static unsigned choose_enc(const uint64_t *args, unsigned nargs, unsigned *arg_bytes)
{
	unsigned var = 0;
	int fits32 = 1;
	for (unsigned i = 0; i < nargs; i++) {
		var += varint_len(args[i]);
		if (args[i] > 0xFFFFFFFFu)
			fits32 = 0;
	}
	unsigned best = 0, best_bytes = var;
	if (fits32 && 4u * nargs < best_bytes) {
		best = 1;
		best_bytes = 4u * nargs;
	}
	if (8u * nargs < best_bytes) {
		best = 2;
		best_bytes = 8u * nargs;
	}
	*arg_bytes = best_bytes;
	return best;
}

unsigned tp_enc_event64(uint8_t *out, unsigned kind, uint32_t id, uint64_t dt, const uint64_t *args,
			unsigned nargs)
{
	unsigned ab;
	unsigned enc = choose_enc(args, nargs, &ab);
	unsigned n = 0;
	out[n++] = (uint8_t)(kind << 5 | nargs << 2 | enc);
	n += tp_put_varint(out + n, id);
	n += tp_put_varint(out + n, dt);
	for (unsigned i = 0; i < nargs; i++) {
		if (enc == 0)
			n += tp_put_varint(out + n, args[i]);
		else
			n += put_le(out + n, args[i], enc == 1 ? 4u : 8u);
	}
	return n;
}

unsigned tp_enc_event(uint8_t *out, unsigned kind, uint32_t id, uint32_t dt, const uint32_t *args,
		      unsigned nargs)
{
	return tp_enc_event32(out, kind, id, dt, args, nargs);
}

unsigned tp_enc_blob_prefix(uint8_t *out, unsigned kind, uint32_t id, uint64_t dt, unsigned len)
{
	unsigned n = 0;
	out[n++] = (uint8_t)(kind << 5 | TP_WIRE_BLOB_NARGS << 2);
	n += put32(out + n, id);
	n += tp_put_varint(out + n, dt);
	n += put32(out + n, len);
	return n;
}

unsigned tp_enc_packet_head(uint8_t *out, const struct tp_packet_info *pi)
{
	unsigned n = 0;
	out[n++] = TP_MSG_PACKET;
	out[n++] = pi->core;
	n += put32(out + n, pi->seq);
	n += put_le(out + n, pi->ts_begin, 8);
	n += tp_put_varint(out + n, pi->duration);
	n += put32(out + n, pi->events_before);
	n += put32(out + n, pi->dropped);
	n += put32(out + n, pi->overwritten);
	n += put32(out + n, pi->rejected);
	n += put32(out + n, pi->n_events);
	return n;
}

unsigned tp_enc_status(uint8_t *out, const struct tp_status_info *si)
{
	unsigned n = 0;
	out[n++] = TP_MSG_STATUS;
	out[n++] = si->core;
	out[n++] = si->final ? TP_WIRE_STATUS_FINAL : 0u;
	n += put_le(out + n, si->ts, 8);
	n += put32(out + n, si->c.next_seq);
	n += put32(out + n, si->c.committed);
	n += put32(out + n, si->c.dropped);
	n += put32(out + n, si->c.overwritten);
	n += put32(out + n, si->c.rejected);
	return n;
}

unsigned tp_enc_header_fixed(uint8_t *out, const struct tp_header_info *hi)
{
	unsigned n = 0;
	out[n++] = TP_MSG_HEADER;
	out[n++] = TP_WIRE_MAGIC_0;
	out[n++] = TP_WIRE_MAGIC_1;
	out[n++] = TP_WIRE_MAGIC_2;
	out[n++] = TP_WIRE_MAGIC_3;
	out[n++] = TP_PROTOCOL_VERSION;
	out[n++] = hi->boot ? TP_WIRE_HEADER_BOOT : 0u;
	out[n++] = hi->cores;
	out[n++] = hi->mode;
	out[n++] = hi->timer_bits;
	n += put_le(out + n, hi->timer_hz, 4);
	n += put_le(out + n, hi->packet_size, 2);
	n += put_le(out + n, hi->packets, 2);
	n += put_le(out + n, hi->ts, 8);
	n += put_le(out + n, hi->session, 4);
	unsigned len = hi->build_id_len > TP_WIRE_MAX_BUILD_ID ? TP_WIRE_MAX_BUILD_ID : hi->build_id_len;
	out[n++] = (uint8_t)len;
	for (unsigned i = 0; i < len; i++)
		out[n++] = hi->build_id[i];
	return n;
}

unsigned tp_enc_origin(uint8_t *out, uint32_t seq, uint32_t events, uint32_t dropped, uint32_t overwritten,
		       uint32_t rejected)
{
	unsigned n = put32(out, seq);
	n += put32(out + n, events);
	n += put32(out + n, dropped);
	n += put32(out + n, overwritten);
	n += put32(out + n, rejected);
	return n;
}
