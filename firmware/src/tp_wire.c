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

/* The 32-bit varint writer every u32 field shares (no 64-bit shifts on a 32-bit core): one
 * copy at -Os, inline at -O2 (a packet head has seven). */
#ifdef __OPTIMIZE_SIZE__
__attribute__((noinline))
#endif
static unsigned put32(uint8_t *out, uint32_t v)
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

/* Fixed-width fields in 32-bit halves: a 64-bit shift is a libgcc call on a 32-bit core. */
static unsigned put_le32(uint8_t *out, uint32_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		out[i] = (uint8_t)(v >> (8u * i));
	return bytes;
}

static unsigned put_le(uint8_t *out, uint64_t v, unsigned bytes)
{
	if (bytes <= 4u)
		return put_le32(out, (uint32_t)v, bytes);
	put_le32(out, (uint32_t)v, 4);
	return 4u + put_le32(out + 4, (uint32_t)(v >> 32), bytes - 4u);
}

#if TP_CRC_TABLE == 256
/* One lookup a byte for 1 KiB of flash: entry n is the CRC register after 8 reflected steps
 * of polynomial 0x82F63B78 from n (generated, checked against the bitwise form in test_wire). */
const uint32_t tp_crc_table[256] = {
	0x00000000u, 0xF26B8303u, 0xE13B70F7u, 0x1350F3F4u, 0xC79A971Fu, 0x35F1141Cu,
	0x26A1E7E8u, 0xD4CA64EBu, 0x8AD958CFu, 0x78B2DBCCu, 0x6BE22838u, 0x9989AB3Bu,
	0x4D43CFD0u, 0xBF284CD3u, 0xAC78BF27u, 0x5E133C24u, 0x105EC76Fu, 0xE235446Cu,
	0xF165B798u, 0x030E349Bu, 0xD7C45070u, 0x25AFD373u, 0x36FF2087u, 0xC494A384u,
	0x9A879FA0u, 0x68EC1CA3u, 0x7BBCEF57u, 0x89D76C54u, 0x5D1D08BFu, 0xAF768BBCu,
	0xBC267848u, 0x4E4DFB4Bu, 0x20BD8EDEu, 0xD2D60DDDu, 0xC186FE29u, 0x33ED7D2Au,
	0xE72719C1u, 0x154C9AC2u, 0x061C6936u, 0xF477EA35u, 0xAA64D611u, 0x580F5512u,
	0x4B5FA6E6u, 0xB93425E5u, 0x6DFE410Eu, 0x9F95C20Du, 0x8CC531F9u, 0x7EAEB2FAu,
	0x30E349B1u, 0xC288CAB2u, 0xD1D83946u, 0x23B3BA45u, 0xF779DEAEu, 0x05125DADu,
	0x1642AE59u, 0xE4292D5Au, 0xBA3A117Eu, 0x4851927Du, 0x5B016189u, 0xA96AE28Au,
	0x7DA08661u, 0x8FCB0562u, 0x9C9BF696u, 0x6EF07595u, 0x417B1DBCu, 0xB3109EBFu,
	0xA0406D4Bu, 0x522BEE48u, 0x86E18AA3u, 0x748A09A0u, 0x67DAFA54u, 0x95B17957u,
	0xCBA24573u, 0x39C9C670u, 0x2A993584u, 0xD8F2B687u, 0x0C38D26Cu, 0xFE53516Fu,
	0xED03A29Bu, 0x1F682198u, 0x5125DAD3u, 0xA34E59D0u, 0xB01EAA24u, 0x42752927u,
	0x96BF4DCCu, 0x64D4CECFu, 0x77843D3Bu, 0x85EFBE38u, 0xDBFC821Cu, 0x2997011Fu,
	0x3AC7F2EBu, 0xC8AC71E8u, 0x1C661503u, 0xEE0D9600u, 0xFD5D65F4u, 0x0F36E6F7u,
	0x61C69362u, 0x93AD1061u, 0x80FDE395u, 0x72966096u, 0xA65C047Du, 0x5437877Eu,
	0x4767748Au, 0xB50CF789u, 0xEB1FCBADu, 0x197448AEu, 0x0A24BB5Au, 0xF84F3859u,
	0x2C855CB2u, 0xDEEEDFB1u, 0xCDBE2C45u, 0x3FD5AF46u, 0x7198540Du, 0x83F3D70Eu,
	0x90A324FAu, 0x62C8A7F9u, 0xB602C312u, 0x44694011u, 0x5739B3E5u, 0xA55230E6u,
	0xFB410CC2u, 0x092A8FC1u, 0x1A7A7C35u, 0xE811FF36u, 0x3CDB9BDDu, 0xCEB018DEu,
	0xDDE0EB2Au, 0x2F8B6829u, 0x82F63B78u, 0x709DB87Bu, 0x63CD4B8Fu, 0x91A6C88Cu,
	0x456CAC67u, 0xB7072F64u, 0xA457DC90u, 0x563C5F93u, 0x082F63B7u, 0xFA44E0B4u,
	0xE9141340u, 0x1B7F9043u, 0xCFB5F4A8u, 0x3DDE77ABu, 0x2E8E845Fu, 0xDCE5075Cu,
	0x92A8FC17u, 0x60C37F14u, 0x73938CE0u, 0x81F80FE3u, 0x55326B08u, 0xA759E80Bu,
	0xB4091BFFu, 0x466298FCu, 0x1871A4D8u, 0xEA1A27DBu, 0xF94AD42Fu, 0x0B21572Cu,
	0xDFEB33C7u, 0x2D80B0C4u, 0x3ED04330u, 0xCCBBC033u, 0xA24BB5A6u, 0x502036A5u,
	0x4370C551u, 0xB11B4652u, 0x65D122B9u, 0x97BAA1BAu, 0x84EA524Eu, 0x7681D14Du,
	0x2892ED69u, 0xDAF96E6Au, 0xC9A99D9Eu, 0x3BC21E9Du, 0xEF087A76u, 0x1D63F975u,
	0x0E330A81u, 0xFC588982u, 0xB21572C9u, 0x407EF1CAu, 0x532E023Eu, 0xA145813Du,
	0x758FE5D6u, 0x87E466D5u, 0x94B49521u, 0x66DF1622u, 0x38CC2A06u, 0xCAA7A905u,
	0xD9F75AF1u, 0x2B9CD9F2u, 0xFF56BD19u, 0x0D3D3E1Au, 0x1E6DCDEEu, 0xEC064EEDu,
	0xC38D26C4u, 0x31E6A5C7u, 0x22B65633u, 0xD0DDD530u, 0x0417B1DBu, 0xF67C32D8u,
	0xE52CC12Cu, 0x1747422Fu, 0x49547E0Bu, 0xBB3FFD08u, 0xA86F0EFCu, 0x5A048DFFu,
	0x8ECEE914u, 0x7CA56A17u, 0x6FF599E3u, 0x9D9E1AE0u, 0xD3D3E1ABu, 0x21B862A8u,
	0x32E8915Cu, 0xC083125Fu, 0x144976B4u, 0xE622F5B7u, 0xF5720643u, 0x07198540u,
	0x590AB964u, 0xAB613A67u, 0xB831C993u, 0x4A5A4A90u, 0x9E902E7Bu, 0x6CFBAD78u,
	0x7FAB5E8Cu, 0x8DC0DD8Fu, 0xE330A81Au, 0x115B2B19u, 0x020BD8EDu, 0xF0605BEEu,
	0x24AA3F05u, 0xD6C1BC06u, 0xC5914FF2u, 0x37FACCF1u, 0x69E9F0D5u, 0x9B8273D6u,
	0x88D28022u, 0x7AB90321u, 0xAE7367CAu, 0x5C18E4C9u, 0x4F48173Du, 0xBD23943Eu,
	0xF36E6F75u, 0x0105EC76u, 0x12551F82u, 0xE03E9C81u, 0x34F4F86Au, 0xC69F7B69u,
	0xD5CF889Du, 0x27A40B9Eu, 0x79B737BAu, 0x8BDCB4B9u, 0x988C474Du, 0x6AE7C44Eu,
	0xBE2DA0A5u, 0x4C4623A6u, 0x5F16D052u, 0xAD7D5351u
};
#else
/* 16 entries (64 bytes of flash) instead of 256 (1 KiB): two lookups a byte. */
const uint32_t tp_crc_table[16] = {
	0x00000000u, 0x105EC76Fu, 0x20BD8EDEu, 0x30E349B1u, 0x417B1DBCu, 0x5125DAD3u,
	0x61C69362u, 0x7198540Du, 0x82F63B78u, 0x92A8FC17u, 0xA24BB5A6u, 0xB21572C9u,
	0xC38D26C4u, 0xD3D3E1ABu, 0xE330A81Au, 0xF36E6F75u,
};
#endif

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
#if defined(__OPTIMIZE_SIZE__) /* the drain's dt is below one timer period, 2^32 at most */
	n += put32(out + n, (uint32_t)dt);
#else
	n += tp_put_varint(out + n, dt);
#endif
	n += put32(out + n, len);
	return n;
}

/* The counter runs the encoders send as tp_put_vars reads them: consecutive u32 words. */
_Static_assert(sizeof(struct tp_counters) == 5u * sizeof(uint32_t), "tp_counters: 5 words");
_Static_assert(offsetof(struct tp_packet_info, n_events) - offsetof(struct tp_packet_info, events_before) ==
		       4u * sizeof(uint32_t),
	       "tp_packet_info: events_before .. n_events are 5 consecutive words");

unsigned tp_enc_packet_head(uint8_t *out, const struct tp_packet_info *pi)
{
	unsigned n = 0;
	out[n++] = TP_MSG_PACKET;
	out[n++] = pi->core;
	n += put32(out + n, pi->seq);
	n += put_le(out + n, pi->ts_begin, 8);
#if defined(__OPTIMIZE_SIZE__) /* a packet holds one timer epoch: duration < 2^32 (SPEC §6.2) */
	n += put32(out + n, (uint32_t)pi->duration);
#else
	n += tp_put_varint(out + n, pi->duration);
#endif
	/* events_before, dropped, overwritten, rejected, n_events */
	return (unsigned)(tp_put_vars(out + n, &pi->events_before, 5) - out);
}

unsigned tp_enc_status(uint8_t *out, const struct tp_status_info *si)
{
	out[0] = TP_MSG_STATUS;
	out[1] = si->core;
	out[2] = si->final ? TP_WIRE_STATUS_FINAL : 0u;
	unsigned n = 3u + put_le(out + 3, si->ts, 8);
	/* next_seq, committed, dropped, overwritten, rejected */
	return (unsigned)(tp_put_vars(out + n, &si->c.next_seq, 5) - out);
}

unsigned tp_enc_header_fixed(uint8_t *out, const struct tp_header_info *hi)
{
	static const uint8_t lead[6] = {TP_MSG_HEADER,   TP_WIRE_MAGIC_0, TP_WIRE_MAGIC_1,
					TP_WIRE_MAGIC_2, TP_WIRE_MAGIC_3, TP_PROTOCOL_VERSION};
	for (unsigned i = 0; i < sizeof lead; i++)
		out[i] = lead[i];
	/* No NO_FLUSH: the full profile's drain alone sends this header (the tiny core, which has
	 * no flush on command, writes its own: firmware/src/tiny/tp_tiny_link.c). */
	out[6] = (uint8_t)(hi->boot ? TP_WIRE_HEADER_BOOT : 0u);
	out[7] = hi->cores;
	out[8] = hi->mode;
	out[9] = hi->timer_bits;
	/* Fixed offsets up to the build id (SPEC §5). */
	put_le32(out + 10, hi->timer_hz, 4);
	put_le32(out + 14, hi->packet_size, 2);
	put_le32(out + 16, hi->packets, 2);
	put_le(out + 18, hi->ts, 8);
	put_le32(out + 26, hi->session, 4);
	unsigned len = hi->build_id_len > TP_WIRE_MAX_BUILD_ID ? TP_WIRE_MAX_BUILD_ID : hi->build_id_len;
	out[30] = (uint8_t)len;
	for (unsigned i = 0; i < len; i++)
		out[31 + i] = hi->build_id[i];
	return 31u + len;
}

unsigned tp_enc_origin(uint8_t *out, uint32_t seq, uint32_t events, uint32_t dropped, uint32_t overwritten,
		       uint32_t rejected)
{
	const uint32_t v[5] = {seq, events, dropped, overwritten, rejected};
	return (unsigned)(tp_put_vars(out, v, 5) - out);
}
