/* SPDX-License-Identifier: MIT */
/*
 * tt_common.c - test support: summary, PRNG, and a reference decoder written from
 * protocol/SPEC.md with its own COBS, CRC (bitwise) and varint code, so that the firmware's
 * encoder is checked against an independent reading of the spec.
 */
#include <string.h>
#include "tp_test.h"

unsigned tt_checks, tt_failures, tt_cases;
const char *tt_current = "";
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint8_t *tt_ring;

int tt_summary(const char *name)
{
	printf("%s: %u cases, %u checks, %u failed\n", name, tt_cases, tt_checks, tt_failures);
	free(tt_ring);
	tt_ring = NULL;
	return tt_failures ? 1 : 0;
}

void tt_seed(uint64_t s)
{
	rng = s ? s : 1;
}

uint64_t tt_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

void tt_reset(void)
{
	host_reset();
	tp_ovf_count = 0;
#ifdef TP_TESTPOINTS
	tp_test_hook = NULL;
#endif
}

int tt_init_origins(tp_mode_t mode, uint16_t packet_size, uint16_t packets, uint8_t cores, uint32_t o_seq,
		    uint32_t o_events, uint32_t o_dropped, uint32_t o_overwritten, uint32_t o_rejected)
{
	free(tt_ring);
	size_t n = (size_t)packet_size * packets * cores;
	tt_ring = malloc(n ? n : 1);
	/* Garbage, not zeros: the core must not rely on a cleared ring. */
	memset(tt_ring, 0xA5, n);
	struct tp_config cfg = {
		.mode = mode,
		.ring = tt_ring,
		.packet_size = packet_size,
		.packets = packets,
		.cores = cores,
		.autostart = 0,
		.origin_seq = o_seq,
		.origin_events = o_events,
		.origin_dropped = o_dropped,
		.origin_overwritten = o_overwritten,
		.origin_rejected = o_rejected,
	};
	return tp_init(&cfg);
}

int tt_init(tp_mode_t mode, uint16_t packet_size, uint16_t packets, uint8_t cores)
{
	return tt_init_origins(mode, packet_size, packets, cores, 0, 0, 0, 0, 0);
}

void tt_drain(void)
{
	for (int i = 0; i < 100000; i++)
		if (tp_poll() == 0)
			return;
}

static uint32_t ref_crc(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
	}
	return ~c;
}

void tt_command(uint8_t type)
{
	uint8_t frame[16];
	size_t n = tp_frame_buffer(&type, 1, frame);
	for (size_t i = 0; i < n; i++)
		tp_rx_byte(frame[i]);
}

size_t enc_cobs(const uint8_t *in, size_t n, uint8_t *out)
{
	/* The reference form (SPEC §2): a group ends at a zero or after 254 data bytes; the last
	 * group has no implicit zero after it. */
	size_t o = 0, code_at = o++;
	unsigned run = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] != 0) {
			out[o++] = in[i];
			if (++run < 254u)
				continue;
		}
		out[code_at] = (uint8_t)(run + 1u);
		code_at = o++;
		run = 0;
	}
	out[code_at] = (uint8_t)(run + 1u);
	return o;
}

long dec_cobs(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		unsigned code = in[i++];
		if (code == 0 || i + code - 1 > n)
			return -1;
		for (unsigned k = 1; k < code; k++) {
			if (in[i] == 0)
				return -1;
			out[o++] = in[i++];
		}
		if (code != 0xFF && i < n)
			out[o++] = 0;
	}
	return (long)o;
}

struct rd {
	const uint8_t *p;
	size_t n, i;
	int bad;
};

static uint64_t rd_varint(struct rd *r, unsigned maxbytes)
{
	uint64_t v = 0;
	for (unsigned k = 0; k < maxbytes; k++) {
		if (r->i >= r->n) {
			r->bad = 1;
			return 0;
		}
		uint8_t b = r->p[r->i++];
		v |= (uint64_t)(b & 0x7F) << (7 * k);
		if (!(b & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

static uint64_t rd_le(struct rd *r, unsigned bytes)
{
	uint64_t v = 0;
	if (r->i + bytes > r->n) {
		r->bad = 1;
		return 0;
	}
	for (unsigned k = 0; k < bytes; k++)
		v |= (uint64_t)r->p[r->i++] << (8 * k);
	return v;
}

#define GROW(arr, count)                                                          \
	do {                                                                      \
		arr = realloc(arr, ((count) + 1) * sizeof *(arr));                \
		if (arr == NULL)                                                  \
			abort();                                                  \
		memset(&(arr)[count], 0, sizeof *(arr));                          \
	} while (0)

static int parse_packet(struct dec_stream *s, struct rd *r, const struct dec_header *h)
{
	struct dec_packet pk = {0};
	pk.core = (uint8_t)rd_le(r, 1);
	pk.seq = (uint32_t)rd_varint(r, 5);
	pk.ts_begin = rd_le(r, 8);
	pk.duration = rd_varint(r, 10);
	pk.events_before = (uint32_t)rd_varint(r, 5);
	pk.dropped = (uint32_t)rd_varint(r, 5);
	pk.overwritten = (uint32_t)rd_varint(r, 5);
	/* v2 adds rejected; a packet before any header is read with the first header's version */
	if ((h != NULL ? h->version : s->version_hint) >= 2)
		pk.rejected = (uint32_t)rd_varint(r, 5);
	pk.n_events = (uint32_t)rd_varint(r, 5);
	if (r->bad)
		return 0;
	size_t first = s->n_events;
	uint64_t t = pk.ts_begin;
	for (uint32_t e = 0; e < pk.n_events; e++) {
		struct dec_event ev;
		memset(&ev, 0, sizeof ev);
		uint8_t H = (uint8_t)rd_le(r, 1);
		ev.core = pk.core;
		ev.kind = H >> 5;
		ev.nargs = (H >> 2) & 7;
		ev.enc = H & 3;
		ev.id = (uint32_t)rd_varint(r, 5);
		t += rd_varint(r, 10);
		ev.t = t;
		if (ev.enc == 3 || (ev.nargs == 7 && ev.enc != 0))
			return 0;
		if (ev.nargs == 7) {
			uint64_t len = rd_varint(r, 5);
			if (len > 255 || r->i + len > r->n)
				return 0;
			ev.blob_len = (uint16_t)len;
			memcpy(ev.blob, r->p + r->i, len);
			r->i += len;
		} else {
			for (unsigned a = 0; a < ev.nargs; a++)
				ev.args[a] = ev.enc == 0 ? rd_varint(r, 10) : rd_le(r, ev.enc == 1 ? 4 : 8);
		}
		if (r->bad)
			return 0;
		if (ev.t > pk.ts_begin + pk.duration)
			s->time_unproven = 1;
		GROW(s->events, s->n_events);
		s->events[s->n_events++] = ev;
	}
	if (r->i != r->n)
		return 0;
	(void)h;
	pk.first_event = first;
	GROW(s->packets, s->n_packets);
	s->packets[s->n_packets++] = pk;
	return 1;
}

static int parse_message(struct dec_stream *s, const uint8_t *m, size_t n)
{
	struct rd r = {m, n, 1, 0};
	switch (m[0]) {
	case 0x01: {
		struct dec_header h;
		memset(&h, 0, sizeof h);
		if (n < 31 || memcmp(m + 1, "TPIP", 4) != 0)
			return 0;
		r.i = 5;
		h.version = (uint8_t)rd_le(&r, 1);
		h.flags = (uint8_t)rd_le(&r, 1);
		h.cores = (uint8_t)rd_le(&r, 1);
		h.mode = (uint8_t)rd_le(&r, 1);
		h.timer_bits = (uint8_t)rd_le(&r, 1);
		h.timer_hz = (uint32_t)rd_le(&r, 4);
		h.packet_size = (uint16_t)rd_le(&r, 2);
		h.packets = (uint16_t)rd_le(&r, 2);
		h.ts = rd_le(&r, 8);
		h.session = (uint32_t)rd_le(&r, 4);
		h.build_id_len = (uint8_t)rd_le(&r, 1);
		if (h.build_id_len > 32 || r.i + h.build_id_len > n)
			return 0;
		memcpy(h.build_id, m + r.i, h.build_id_len);
		r.i += h.build_id_len;
		unsigned per_core = h.version >= 2 ? 5u : 4u;
		for (unsigned c = 0; c < h.cores; c++)
			for (unsigned k = 0; k < per_core; k++) {
				uint32_t v = (uint32_t)rd_varint(&r, 5);
				if (c < 8)
					h.origin[c][k] = v;
			}
		if (r.bad || r.i != n || h.version < 1 || h.version > 2)
			return 0;
		GROW(s->headers, s->n_headers);
		s->headers[s->n_headers++] = h;
		return 1;
	}
	case 0x02:
		return parse_packet(s, &r, s->n_headers ? &s->headers[s->n_headers - 1] : NULL);
	case 0x03: {
		struct dec_status st;
		memset(&st, 0, sizeof st);
		st.core = (uint8_t)rd_le(&r, 1);
		st.final = (uint8_t)rd_le(&r, 1);
		st.ts = rd_le(&r, 8);
		st.next_seq = (uint32_t)rd_varint(&r, 5);
		st.committed = (uint32_t)rd_varint(&r, 5);
		st.dropped = (uint32_t)rd_varint(&r, 5);
		st.overwritten = (uint32_t)rd_varint(&r, 5);
		if ((s->n_headers ? s->headers[s->n_headers - 1].version : s->version_hint) >= 2)
			st.rejected = (uint32_t)rd_varint(&r, 5);
		if (r.bad || r.i != n || st.final > 1)
			return 0;
		GROW(s->statuses, s->n_statuses);
		s->statuses[s->n_statuses++] = st;
		return 1;
	}
	case 0x10: case 0x11: case 0x12: case 0x13: case 0x14:
		return n == 1;
	default:
		return 0;
	}
}

static void dec_pass(const uint8_t *buf, size_t n, struct dec_stream *s, uint8_t hint)
{
	memset(s, 0, sizeof *s);
	s->version_hint = hint;
	size_t start = 0;
	uint8_t *m = malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != 0)
			continue;
		size_t len = i - start;
		const uint8_t *f = buf + start;
		start = i + 1;
		if (len == 0)
			continue;
		s->n_frames++;
		long ml = dec_cobs(f, len, m);
		if (ml < 5) {
			s->n_bad++;
			continue;
		}
		uint32_t crc = (uint32_t)m[ml - 4] | (uint32_t)m[ml - 3] << 8 | (uint32_t)m[ml - 2] << 16 |
			       (uint32_t)m[ml - 1] << 24;
		if (ref_crc(m, (size_t)ml - 4) != crc || ml - 4 > 4096 || !parse_message(s, m, (size_t)ml - 4)) {
			s->n_bad++;
			continue;
		}
		GROW(s->order, s->n_frames - s->n_bad - 1);
		s->order[s->n_frames - s->n_bad - 1] = m[0];
	}
	if (start != n)
		s->n_bad++; /* unterminated tail */
	free(m);
}

void dec_stream(const uint8_t *buf, size_t n, struct dec_stream *s)
{
	dec_pass(buf, n, s, TP_PROTOCOL_VERSION);
	/* Frames before the first header (or with none) may be version 1: keep the reading
	 * that refuses fewer frames (the hint changes nothing after a header). */
	if (s->n_bad > 0) {
		struct dec_stream v1;
		dec_pass(buf, n, &v1, 1);
		if (v1.n_bad < s->n_bad) {
			dec_free(s);
			*s = v1;
		} else {
			dec_free(&v1);
		}
	}
}

void dec_free(struct dec_stream *s)
{
	free(s->order);
	free(s->headers);
	free(s->packets);
	free(s->events);
	free(s->statuses);
	memset(s, 0, sizeof *s);
}

int dec_account(const struct dec_stream *s, unsigned core, struct dec_totals *t)
{
	memset(t, 0, sizeof *t);
	if (s->n_headers == 0 || !(s->headers[0].flags & 1) || s->order == NULL || s->order[0] != DEC_HEADER)
		return 0;
	/* Baseline: the BOOT header's origin. */
	uint32_t p_seq = s->headers[0].origin[core][0] - 1u;
	uint32_t p_end = s->headers[0].origin[core][1]; /* events_before + n_events */
	uint32_t p_drop = s->headers[0].origin[core][2];
	uint32_t p_ovw = s->headers[0].origin[core][3];
	uint32_t p_rej = s->headers[0].origin[core][4];
	(void)p_seq;
	for (size_t i = 0; i < s->n_packets; i++) {
		const struct dec_packet *q = &s->packets[i];
		if (q->core != core)
			continue;
		uint32_t gap = q->events_before - p_end;
		uint32_t ovw = q->overwritten - p_ovw;
		t->overwritten += ovw;
		t->link_lost += (uint32_t)(gap - ovw);
		t->dropped += (uint32_t)(q->dropped - p_drop);
		t->rejected += (uint32_t)(q->rejected - p_rej);
		t->decoded += q->n_events;
		p_end = q->events_before + q->n_events;
		p_ovw = q->overwritten;
		p_drop = q->dropped;
		p_rej = q->rejected;
	}
	const struct dec_status *fin = NULL;
	for (size_t i = 0; i < s->n_statuses; i++)
		if (s->statuses[i].core == core && s->statuses[i].final)
			fin = &s->statuses[i];
	if (fin == NULL)
		return 0;
	uint32_t gap = fin->committed - p_end;
	uint32_t ovw = fin->overwritten - p_ovw;
	t->overwritten += ovw;
	t->link_lost += (uint32_t)(gap - ovw);
	t->dropped += (uint32_t)(fin->dropped - p_drop);
	t->rejected += (uint32_t)(fin->rejected - p_rej);
	t->generated = t->decoded + t->dropped + t->overwritten + t->link_lost + t->rejected;
	return 1;
}
