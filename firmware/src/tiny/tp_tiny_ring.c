/* SPDX-License-Identifier: MIT */
/*
 * tp_tiny_ring.c - the tiny core's writer side (PROFILE=tiny, PORTING.md 1.5): one channel,
 * discard mode. The record fast path is the full profile's (tp_record_inline.h, the ARMv6-M
 * assembly on nRF51); everything it hands over comes here, to one slow path.
 *
 * The slow path works in turns, each masked on its own (so the longest masked section stays
 * one step): open the next packet (a drop if the drain still holds it), close the head (full,
 * or from an earlier timer epoch: no packet holds two epochs, so every dt is exact modulo
 * 2^timer_bits, SPEC 6.2), or reserve the record in the head. The record is written after
 * the mask is lifted; `pending` keeps the drain off every packet until it is committed (a
 * nested writer may close the head meanwhile). An opened packet is empty until its first
 * record, whose time is its ts_begin; a wrap restarts an empty one in place (no empty packets,
 * SPEC 6).
 */
#undef TP_RECORD_INLINE /* the out-of-line record functions are defined here */
#define TP_RECORD_INLINE 0
#define TP_REC_EXTERN_DEFS 1
#include "tp_tiny.h"

#define PUBLISH() __asm__ volatile("" : : : "memory") /* one core: program order */

struct tiny_link tiny;

/* Masked: the timer's low bits; *epoch gets the wraps before them, counted or pending. */
static uint32_t time_lo(uint32_t *epoch)
{
	uint32_t e = tp_ovf_count, lo = tp_port_timer_lo();
	if (__builtin_expect(TP_REC_OVF_PENDING(), 0)
#if !TP_PORT_OVF_PENDING_EXACT
	    && tp_port_timer_overflow_pending()
#endif
	) {
		lo = tp_port_timer_lo();
		e++;
	}
	*epoch = e;
	return lo;
}

uint64_t tp_now(void)
{
	uint32_t key = tp_port_irq_save(), epoch, lo = time_lo(&epoch);
	tp_port_irq_restore(key);
	return (uint64_t)epoch << TP_BOARD_TIMER_BITS | lo;
}

void tp_timer_overflow(void)
{
	tp_ovf_count = tp_ovf_count + 1u;
	tp_chan[0].end = 0;
}

struct tiny_pkt *tiny_next(struct tiny_pkt *p)
{
	uint8_t *next = (uint8_t *)p + tp_g.pkt_size;
	return (struct tiny_pkt *)(void *)(next == tp_g.ring + tp_g.chan_bytes ? tp_g.ring : next);
}

/* Masked: the head h becomes READY for the drain. Closed in a later epoch than it began, it
 * ends at the last tick of its own (SPEC 6.2). */
/* Out of line for size; inline at -O2, where the call would lengthen the masked turn. */
#ifdef __OPTIMIZE_SIZE__
#define CLOSE_INLINE __attribute__((noinline))
#else
#define CLOSE_INLINE __attribute__((always_inline)) inline
#endif
CLOSE_INLINE static void close_head(struct tp_chan *ch, struct tiny_pkt *h, uint32_t lo, uint32_t epoch)
{
	if (epoch != h->ts_begin[1])
		lo = TP_TIMER_MASK;
	h->n_events = ch->committed - h->events_before;
	h->used = (uint32_t)((uintptr_t)ch->wp - (uintptr_t)(h + 1));
	h->dur = (lo - h->ts_begin[0]) & TP_TIMER_MASK;
	ch->open = 0;
	ch->end = 0;
}

uint32_t tiny_close_head(uint32_t min_age)
{
	struct tp_chan *ch = &tp_chan[0];
	uint32_t key = tp_port_irq_save();
	struct tiny_pkt *h = (struct tiny_pkt *)(void *)ch->head;
	if (ch->open && ch->wp != (uint32_t *)(void *)(h + 1)) {
		uint32_t epoch, lo = time_lo(&epoch);
		if (epoch != h->ts_begin[1] || ((lo - h->ts_begin[0]) & TP_TIMER_MASK) >= min_age)
			close_head(ch, h, lo, epoch);
	}
	uint32_t closed = ch->next_seq - ch->open;
	tp_port_irq_restore(key);
	return closed;
}

/* A turn's or reservation's answer that is no place: the refusal (TP_DROPPED, TP_REJECTED,
 * counted), or AGAIN (TP_RECORDED, 0) for another turn. No record lies at such an address. */
#define REFUSAL(why) ((uint32_t *)(uintptr_t)(why))
#define AGAIN REFUSAL(TP_RECORDED)
#define IS_REFUSAL(r) ((uintptr_t)(r) <= (uintptr_t)TP_REJECTED)

/* One masked step of the slow path (see the top): the record's place (its time word written),
 * or a refusal, or AGAIN. */
__attribute__((noinline)) static uint32_t *turn(unsigned bytes)
{
	struct tp_chan *ch = &tp_chan[0];
	uint32_t *w = AGAIN;
	uint32_t key = tp_port_irq_save();
	struct tiny_pkt *h = (struct tiny_pkt *)(void *)ch->head;
	if (!tp_g.recording || bytes > tp_g.pkt_size - TINY_HDR - TINY_ROOM) {
		/* stopped, or larger than a packet (pkt_size is 0 before tp_init: refused all the same) */
		ch->rejected++;
		w = REFUSAL(TP_REJECTED);
	} else if (!ch->open) {
		if (ch->next_seq - tiny.send_seq >= tp_g.packets) {
			ch->dropped++; /* the next packet is still the drain's */
			w = REFUSAL(TP_DROPPED);
		} else {
			h = tiny_next(h);
			h->events_before = ch->committed;
			h->dropped = ch->dropped;
			ch->head = (struct tp_pkt *)(void *)h;
			ch->wp = (uint32_t *)(void *)(h + 1);
			ch->next_seq++;
			ch->open = 1;
		}
	} else {
		uint32_t epoch, lo = time_lo(&epoch);
		uintptr_t end = (uintptr_t)h + tp_g.pkt_size - TINY_ROOM;
		w = ch->wp;
		if (w == (uint32_t *)(void *)(h + 1)) {
			/* empty: it begins with this record; the refusals since it opened go before */
			h->rejected = ch->rejected;
			h->ts_begin[0] = lo;
			h->ts_begin[1] = epoch;
		} else if (epoch != h->ts_begin[1] || (uintptr_t)w + bytes > end) {
			close_head(ch, h, lo, epoch);
			tp_port_irq_restore(key);
			if (!TP_PORT_TX_POLLED && tp_g.notify)
				tp_port_packet_ready();
			return AGAIN;
		}
		ch->end = end;
		ch->wp = (uint32_t *)(void *)((uintptr_t)w + bytes);
		ch->committed++;
		tiny.pending++;
		w[2] = lo;
	}
	tp_port_irq_restore(key);
	return w;
}

/* The slow reservation of bytes: turns until the record has a place (its time word written,
 * `pending` raised), or a refusal. */
static uint32_t *reserve(unsigned bytes)
{
	uint32_t *r;
	while ((r = turn(bytes)) == AGAIN) {
	}
	return r;
}

static void commit(void)
{
	PUBLISH();
	tiny.pending--; /* a nested writer between load and store nets zero */
}

/* Every record but the fast path's: w0 as the ring stores it, args the argument words or
 * (nargs 7) the blob bytes. MISUSE, a blob longer than any packet, is refused as one. */
#define MISUSE (TP_REC_W0(0, 7) | 0xFFFF00u)
__attribute__((noinline)) static tp_result_t put(uint32_t w0, uint32_t id, const void *args)
{
	unsigned nargs = (w0 >> 2) & 7u, len = w0 >> 8;
	uint32_t *r = reserve(4u * (nargs == 7u ? TP_BLOB_WORDS(len) : TP_REC_WORDS(nargs)));
	if (IS_REFUSAL(r))
		return (tp_result_t)(uintptr_t)r;
	r[0] = w0;
	r[1] = id;
	if (nargs == 7u)
		for (unsigned i = 0; i < len; i++)
			((uint8_t *)(r + 3))[i] = ((const uint8_t *)args)[i];
	else
		for (unsigned i = 0; i < nargs; i++)
			r[3 + i] = ((const uint32_t *)args)[i];
	commit();
	return TP_RECORDED;
}

/* The fast path's slow entry (tp_record_inline.h): up to 2 arguments in registers. */
void tp_rec_slow_le2(uint32_t id, uint32_t a0, uint32_t a1, uint32_t w0)
{
	uint32_t *r = reserve(4u * TP_REC_WORDS((w0 >> 2) & 7u));
	if (IS_REFUSAL(r))
		return;
	r[0] = w0;
	r[1] = id;
	if (w0 & (3u << 2)) /* nargs 1 or 2; nothing past the record: a nested writer's may be there */
		r[3] = a0;
	if (w0 & (2u << 2))
		r[4] = a1;
	commit();
}

void tp_rec_slow_any(uint32_t w0, uint32_t id, const uint32_t *args)
{
	(void)put(w0, id, args);
}

/* The checked records go straight to the slow path: one copy of the record code. */
#define EV(n) TP_REC_W0(TP_KIND_EVENT, n)
tp_result_t tp_event0_checked(uint32_t id)
{
	return put(EV(0), id, NULL);
}

tp_result_t tp_event1_checked(uint32_t id, uint32_t a0)
{
	return put(EV(1), id, &a0);
}

tp_result_t tp_event2_checked(uint32_t id, uint32_t a0, uint32_t a1)
{
	const uint32_t a[2] = {a0, a1};
	return put(EV(2), id, a);
}

tp_result_t tp_event3_checked(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2)
{
	const uint32_t a[3] = {a0, a1, a2};
	return put(EV(3), id, a);
}

tp_result_t tp_event4_checked(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	const uint32_t a[4] = {a0, a1, a2, a3};
	return put(EV(4), id, a);
}

tp_result_t tp_record_checked(enum tp_kind kind, uint32_t id, const uint32_t *args, unsigned nargs)
{
	return put(nargs > 6u || (unsigned)kind > 7u ? MISUSE : TP_REC_W0(kind, nargs), id, args);
}

void tp_record(enum tp_kind kind, uint32_t id, const uint32_t *args, unsigned nargs)
{
	(void)tp_record_checked(kind, id, args, nargs);
}

void tp_record_blob(enum tp_kind kind, uint32_t id, const void *bytes, unsigned len)
{
	(void)put(len > 255u || (unsigned)kind > 7u ? MISUSE : TP_REC_W0(kind, 7) | (uint32_t)len << 8, id, bytes);
}

void tp_link_init(void);

int tp_init(const struct tp_config *cfg)
{
	if (cfg == NULL || cfg->ring == NULL || ((uintptr_t)cfg->ring & 3u) != 0 || cfg->cores != 1 ||
	    cfg->packets < 2 || cfg->packet_size < 64 || cfg->packet_size > TP_MAX_MESSAGE ||
	    (cfg->packet_size & 3u) != 0 || cfg->mode != TP_MODE_DISCARD)
		return -1;
	uint32_t key = tp_port_irq_save();
	struct tp_chan *ch = &tp_chan[0];
	tp_g.ring = cfg->ring;
	tp_g.pkt_size = cfg->packet_size;
	tp_g.packets = cfg->packets;
	tp_g.chan_bytes = (uint32_t)cfg->packets * cfg->packet_size;
	tp_g.autostart = cfg->autostart;
	/* the origin: five words in the same order in both (tp_internal.h) */
	for (unsigned i = 0; i < 5u; i++)
		(&tp_g.origin_seq)[i] = (&cfg->origin_seq)[i];
	ch->next_seq = tiny.send_seq = tp_g.origin_seq;
	ch->committed = tp_g.origin_events;
	ch->dropped = tp_g.origin_dropped;
	ch->overwritten = tp_g.origin_overwritten;
	ch->rejected = tp_g.origin_rejected;
	ch->open = 0;
	ch->end = 0;
	/* the head before the first packet, closed: the first record opens packet 0 */
	ch->head = (struct tp_pkt *)(void *)(tp_g.ring + tp_g.chan_bytes - cfg->packet_size);
	tiny.send = (struct tiny_pkt *)(void *)tp_g.ring;
	tiny.pending = 0;
	tp_link_init();
	tp_g.initialised = 1;
	tp_g.recording = 1;
	tp_port_irq_restore(key);
	return 0;
}
