/* SPDX-License-Identifier: MIT */
/*
 * tp_ring.c - per-core channels: the record path, packet open/close, eviction, and the
 * 64-bit time base.
 *
 * One channel per core, a ring of `packets` packets of `packet_size` bytes. Packets are
 * opened strictly in ring order, so the packet with sequence number s always sits at
 * index (s - origin_seq) mod packets:
 *
 *   index    0        1        2        3        4        5        6
 *       +--------+--------+--------+--------+--------+--------+--------+
 *       |  FREE  |  FREE  |SENDING | READY  | READY  | READY  |WRITING |
 *       | (was 7)| (was 8)| seq 9  | seq 10 | seq 11 | seq 12 | seq 13 |
 *       +--------+--------+--------+--------+--------+--------+--------+
 *           ^ next open: head + 1        ^ drain cursor          ^ head
 *             (FREE, or in overwrite       send_seq = 10
 *             mode the oldest READY, evicted)
 *
 * Each packet starts with a struct tp_pkt; records follow it:
 *
 *   +-----------------------------+------+------+-----+------+------------+
 *   | state pending seq ev_before | rec0 | rec1 | ... | recN | (unused)   |
 *   | dropped rejected n used     |      |      |     |      |            |
 *   | ts_beg ts_end               |      |      |     |      |            |
 *   +-----------------------------+------+------+-----+------+------------+
 *   rec = w0 (kind<<5 | nargs<<2 | bloblen<<8), w1 id, w2 timer low bits, args...
 *
 * Packet states and who moves them (state = seq tag << 2 | state):
 *
 *          open (writer, masked)          close (writer, masked: full, timer
 *   FREE ------------------------> WRITING --------> READY    wrap, flush, idle)
 *    ^ ^                                             |   |
 *    | |  evict (writer, masked, CAS): FREE under    |   | claim: CAS (drain)
 *    | +--------------- the next seq's tag ----------+   v
 *    +---------------------------------------------- SENDING
 *               release (drain, after the last byte)
 *
 * Claim and evict race only on READY packets, and both use tp_port_cas on the tagged
 * state word, so exactly one wins, across cores too; the seq tag rules out ABA. On a
 * one-core board the eviction and the claim are plain stores: the drain runs on the same
 * core, and both sides are masked.
 *
 * Reserve, write in place, commit. Writers on one core nest like a stack (thread, IRQ,
 * higher IRQ). Records of up to 6 argument words (every tp_event*, mark, span, counter,
 * ISR and tp_record call) are reserved, written and committed in one masked section: read
 * the timer, check the space, bump the write pointer and the channel's `committed` count,
 * store the few words. Five stores are cheaper than what the split costs, and no
 * interrupt can see the record half-written. The timer is read inside that section, so
 * ring order is time order.
 *
 * Blob records (tp_record_blob, up to 255 bytes), tp_record's (any nargs, a copy loop) and
 * records that take the slow path are filled with interrupts enabled: the masked reservation also bumps the packet's `pending`
 * count, and commit decrements it without masking: a nested writer that runs between the
 * load and the store of that decrement has a net effect of zero on `pending`, so the
 * store is still right. The drain claims a READY packet only when pending == 0, and
 * eviction skips a packet with pending writers, so a half-written record is never sent or
 * overwritten.
 *
 *   thread:  [reserve A]---write A . . . . . . . . . . . . . . . .write A--[commit A]
 *   IRQ:                          [reserve+write+commit B]
 *   ring:    ... | A (reserved first, older time) | B | ...
 *
 * The fast path (tp_rec_fast in firmware/include/tp_record_inline.h, inlined into the
 * instrumented line with TP_RECORD_INLINE, into this file's entry points otherwise) makes two
 * tests: write pointer + record size against `end`, and the timer's overflow-pending flag. Every other condition (packet full, no packet open, a
 * counted timer wrap, recording stopped) sets `end` to 0, which sends the next writer
 * down the slow path; the overflow interrupt does that for every core. The fast path
 * gives up with interrupts enabled again and tail-calls the slow path, so it keeps no
 * value across a call and saves few registers.
 *
 * The slow path (reserve_slow) is the packet switch, in turns: each turn masks, takes one
 * step, unmasks (turn()). Steps: close the head (full, or from an earlier epoch), evict the
 * next packet (overwrite mode), open it (no time read: it stays empty with `end` 0), put
 * the record (reads the time; an empty head begins here, ts_begin = this record's time,
 * so a packet's first dt is 0). A writer that preempts between turns finds a consistent
 * channel and does the same steps; the preempted one finds its packet and goes on. The
 * time is kept as (low timer bits, epoch = wraps so far, counted or pending), stored so
 * in the header; the drain forms the 64-bit value (tp_pkt_time): no 64-bit arithmetic
 * and no call under the mask but the rare exact wrap test, none where the port's inline
 * flag is exact (TP_PORT_OVF_PENDING_EXACT: nRF51). No packet holds two epochs:
 * every dt is exact modulo 2^timer_bits however long the idle gap, and a packet closed in
 * a later epoch gets ts_end = the last tick of its own epoch, keeping its duration under
 * one period (SPEC §6.2). The pending flag matters when an event is recorded with the
 * overflow interrupt blocked (a critical section) just after a wrap: the count has not
 * moved, yet the low bits may already have passed the previous event's.
 *
 * Costs (arm-none-eabi-gcc 12, instructions executed, bench/masked_plugin.c):
 * - tp_event2 as an instrumented line pays it (bench_record, packet switch included), -O2:
 *   23.5 inline on Cortex-M3 (an385; 33.4 as a call before the inline path), 27.8 on
 *   Cortex-M0 (micro:bit: the ARMv6-M assembly fast path, 18; 36.7 in C, was 41.7, then
 *   37.7 before the turns were trimmed). The inline fast path is about 19 on M3, 17 of them
 *   masked; the switch adds about 4.5 per event on M3, 6 on M0 (three turns).
 * - longest masked section at run time, every board and -O2/-Os, full and tiny, along
 *   bench_wire_kinds and the stress, overload, clean, wrap (also on host time on M0) and
 *   multicore apps (bench sections masked and maskedpaths): 46 on M3, 57 on M33, 58 on M0
 *   (51-57 under -icount), was 203-269 with the whole switch in one section, and 80 on M0
 *   before the put turn lost its out-of-line wrap test (TP_PORT_OVF_PENDING_EXACT), the
 *   timer mask, the begin step's `dropped` copy and the count arithmetic of its tests. The
 *   longest are the put and close turns with a timer wrap pending (read_time's second
 *   reading; on the CMSDK boards the exact test's settle wait) and the drain's flush close
 *   of a head (close_head_aged). The ARMv6-M assembly fast path masks 15.
 * - a whole packet switch, all turns: ~120 on M3, about 2.5 per 2-arg event of a 1 KiB
 *   packet.
 *
 * Counters (SPEC §6): events_before, dropped and rejected are sampled when a packet opens, in the
 * same masked section that gives it its seq; overwritten is sampled when the drain claims
 * a packet. On multi-core boards the claim and status snapshots read another core's
 * counters without its mask; see tp_ring_claim.
 */
/* This file defines the record functions out of line, from the bodies in tp_record_inline.h. */
#undef TP_RECORD_INLINE /* whatever the build says */
#define TP_RECORD_INLINE 0
#define TP_REC_EXTERN_DEFS 1
#include "tp_internal.h"

/* tp_chan, tp_rec_v6m, tp_g and tp_ovf_count: tp_rec_state.c, shared with the tiny core. */

#ifdef TP_TESTPOINTS
void (*volatile tp_test_hook)(void);
volatile uint32_t tp_test_evict_waits;
#define TESTPOINT()                   \
	do {                          \
		if (tp_test_hook)     \
			tp_test_hook(); \
	} while (0)
void (*volatile tp_test_evict_wait_hook)(void);
#define EVICT_WAIT()                                   \
	do {                                           \
		tp_test_evict_waits++;                 \
		if (tp_test_evict_wait_hook)           \
			tp_test_evict_wait_hook();     \
	} while (0)
#else
#define TESTPOINT() ((void)0)
#define EVICT_WAIT() ((void)0)
#endif

#define CORE_ID() TP_REC_CORE()
#if TP_BOARD_CORES == 1
/* One core: program order is enough; only the compiler must not reorder. */
#define PUBLISH() __asm__ volatile("" : : : "memory")
#else
#define PUBLISH() tp_port_dmb()
#endif

/* The wrap-pending test of the record path (tp_record_inline.h). */
#define OVF_PENDING() TP_REC_OVF_PENDING()

/* ---- time ----
 * The masked parts of the record path read the time as two 32-bit words, the timer's low
 * bits and its epoch (wraps before them, counted or pending), and never form the 64-bit
 * value: put_time stores it in a packet header with shifts of 32-bit words. */

/* Interrupts masked, the wrap flag seen. A port whose inline flag is the exact test
 * (TP_PORT_OVF_PENDING_EXACT, port.h) needs no second look: the wrap is there and not counted,
 * so the time is one epoch on, and a second read of the timer is surely after the wrap (the
 * flag was seen after the first). Elsewhere the exact test decides, out of line: the common
 * path keeps no timer address in a register for it. Returns lo | epoch << 32 in a register
 * pair. */
#if TP_PORT_OVF_PENDING_EXACT
__attribute__((always_inline)) static inline uint64_t time_wrap_pending(uint32_t lo, uint32_t epoch)
{
	(void)lo;
	return (uint64_t)(epoch + 1u) << 32 | tp_port_timer_lo();
}
#else
__attribute__((noinline)) static uint64_t time_wrap_pending(uint32_t lo, uint32_t epoch)
{
	if (tp_port_timer_overflow_pending()) {
		lo = tp_port_timer_lo();
		epoch++;
	}
	return (uint64_t)epoch << 32 | lo;
}
#endif

/* Interrupts masked. Returns the low timer bits; *epoch gets the epoch, *ovf_raw the
 * overflow count as read (multi-core: another core's overflow interrupt may move it). The
 * port gives the low bits alone (port.h), so no mask here: a header's time is stored as read. */
__attribute__((always_inline)) static inline uint32_t read_time(uint32_t *epoch, uint32_t *ovf_raw)
{
	for (;;) {
		uint32_t h = tp_ovf_count;
		uint32_t lo = tp_port_timer_lo();
		uint32_t e = h;
		if (__builtin_expect(OVF_PENDING(), 0)) {
			uint64_t t = time_wrap_pending(lo, e);
			lo = (uint32_t)t;
			e = (uint32_t)(t >> 32);
		}
#if TP_BOARD_CORES > 1
		PUBLISH();
		if (tp_ovf_count != h)
			continue;
#endif
		/* One core, masked: the overflow interrupt cannot run, so the count cannot move. */
		*epoch = e;
		*ovf_raw = h;
		return lo;
	}
}

/* A packet header's time: the timer's low bits and the epoch, as read; the drain forms the
 * 64-bit value (tp_pkt_time). */
__attribute__((always_inline)) static inline void put_time(uint32_t *w, uint32_t lo, uint32_t epoch)
{
	w[0] = lo;
	w[1] = epoch;
}

uint64_t tp_ring_now_locked(uint32_t *ovf_raw, uint32_t *epoch)
{
	uint32_t lo = read_time(epoch, ovf_raw);
	return (uint64_t)*epoch << TP_BOARD_TIMER_BITS | lo;
}

uint64_t tp_now(void)
{
	uint32_t key = tp_port_irq_save();
	uint32_t ovf, epoch;
	uint32_t lo = read_time(&epoch, &ovf);
	tp_port_irq_restore(key);
	return (uint64_t)epoch << TP_BOARD_TIMER_BITS | lo;
}

void tp_timer_overflow(void)
{
	tp_ovf_count = tp_ovf_count + 1u;
	PUBLISH();
	for (unsigned c = 0; c < TP_MAX_CORES; c++)
		tp_chan[c].end = 0;
}

/* ---- packets ---- */

/* Interrupts masked: the head p, holding n_events, becomes READY. A packet closed in a later
 * timer epoch than it began in (begin_epoch) ends at the last tick of its own epoch: every
 * event in it is earlier, and its duration stays below one wrap period (SPEC §6.2). The
 * values come loaded: the callers tested them already. The caller wakes the link
 * (tp_port_packet_ready) once unmasked. */
__attribute__((always_inline)) static inline void close_head(struct tp_chan *ch, struct tp_pkt *p, uint32_t n_events,
							   uint32_t lo, uint32_t epoch, uint32_t begin_epoch)
{
	if (epoch != begin_epoch) {
		epoch = begin_epoch;
		lo = TP_TIMER_MASK;
	}
	p->n_events = n_events;
	p->used = (uint32_t)((uintptr_t)ch->wp - (uintptr_t)(p + 1));
	put_time(p->ts_end, lo, epoch);
	PUBLISH();
	/* WRITING -> READY under the same tag: only its writer moves a WRITING packet. */
	p->state = p->state + (TP_ST_READY - TP_ST_WRITING);
	ch->open = 0;
	ch->end = 0;
}

enum { OPEN_FULL, OPEN_DONE, OPEN_EVICTED };

/* Interrupts masked. Takes the packet after the head for a new head if it is FREE; in
 * overwrite mode evicts it instead if it is the oldest unsent one (READY) and returns
 * OPEN_EVICTED: it is FREE then, and the caller's next turn opens it (two short masked
 * sections, not one long one). OPEN_FULL: neither is possible, the caller counts a drop.
 * The packets of a core follow each other in memory, so the next one is the head's end, or
 * the first one after the last: no index, no multiply. It reads no time: the packet begins
 * with its first record (the put step of turn()). */
__attribute__((always_inline)) static inline int open_next(struct tp_chan *ch, unsigned core)
{
	uint8_t *first = tp_g.ring + (size_t)core * tp_g.chan_bytes;
	uint8_t *next = (uint8_t *)ch->head + tp_g.pkt_size;
	if (next == first + tp_g.chan_bytes)
		next = first;
	struct tp_pkt *p = (struct tp_pkt *)(void *)next;
	uint32_t seq = ch->next_seq;
	uint32_t st = p->state;

	if ((st & TP_ST_MASK) != TP_ST_FREE) {
		/* READY in overwrite mode with no writer left: evict it. SENDING: the oldest
		 * packet is on the wire; nothing may be evicted. */
		if ((st & TP_ST_MASK) != TP_ST_READY || tp_g.mode != TP_MODE_OVERWRITE || p->pending != 0)
			return OPEN_FULL;
		/* FREE under the tag of the seq it is about to get: the drain reads that as
		 * "evicted" (a newer tag) and skips it, a writer that preempts us opens it. */
		const uint32_t evicted = TP_TAG(seq) | TP_ST_FREE;
#if TP_BOARD_CORES > 1
		/* A drain on another core that sees this packet's new tag must not sample
		 * overwritten before it counts this eviction: it waits while `evicting` is set. */
		ch->evicting = 1;
		PUBLISH();
		if (tp_port_cas(&p->state, st, evicted) != st) {
			ch->evicting = 0;
			return OPEN_FULL; /* the drain claimed it first */
		}
		ch->overwritten += p->n_events;
		PUBLISH();
		ch->evicting = 0;
#else
		/* One core, masked: the drain runs on this core, so nothing can claim the packet
		 * between the test above and this store; no compare-and-swap. */
		ch->overwritten += p->n_events;
		p->state = evicted;
#endif
		return OPEN_EVICTED;
	}
	/* pending is 0 already: a packet is claimed (and so freed) or evicted only at 0. */
	p->seq = seq;
	p->events_before = ch->committed;
	p->dropped = ch->dropped;
	p->rejected = ch->rejected;
	PUBLISH();
	p->state = TP_TAG(seq) | TP_ST_WRITING;
	ch->next_seq = seq + 1u;
	ch->head = p;
	ch->wp = (uint32_t *)(void *)(p + 1);
	/* Open and empty, `end` still 0: the next writer takes the slow path, whose put step
	 * gives the packet its time (ts_begin) with the first record. */
	ch->open = 1;
	return OPEN_DONE;
}

/* What reserve_slow hands back beside the record's place. */
struct slow_out {
	uint32_t *r;      /* where the record goes */
	struct tp_pkt *p; /* the packet it is in, for commit(); NULL: refused */
	tp_result_t why;  /* when it returns NULL: TP_DROPPED or TP_REJECTED */
};

/* Multi-core: another core's overflow interrupt may have cleared `end` after our time
 * reading and before we set it. One core: the interrupt cannot run while we are masked. */
__attribute__((always_inline)) static inline void end_recheck(struct tp_chan *ch, uint32_t ovf)
{
#if TP_BOARD_CORES > 1
	PUBLISH();
	if (tp_ovf_count != ovf)
		ch->end = 0;
#else
	(void)ch;
	(void)ovf;
#endif
}

/*
 * The packet switch, called with interrupts enabled. Returns where the record goes, with
 * `words` reserved there (write pointer, `committed`, the packet's `pending`: the caller
 * fills the record and commits), or NULL after counting a drop (out->why says which kind).
 * The record's time word (r[2]) is written here, from a reading of the time taken in the
 * masked section that reserves it, so ring order stays time order. That reading also tells
 * the epoch: a packet never holds two epochs, so every dt inside it is exact modulo
 * 2^timer_bits, however long the gaps (SPEC §6.2).
 *
 * No masked section does more than one step. Each turn masks, reads the time, takes one
 * step and unmasks:
 *   close  the head is full, or from an earlier epoch: READY, wake the link; turn again
 *   open   no head: take the next packet (FREE, or evicted), empty; turn again
 *   put    the head has room in this epoch (restarted first if it is empty and from an
 *          earlier epoch): reserve the record there; done
 * A writer that preempts us between turns finds a consistent channel (closed, or open
 * with room) and does the same; we then find its packet open and go on from there.
 * Everything under the mask is 32-bit loads, stores and compares.
 */
enum { TURN_AGAIN, TURN_CLOSED, TURN_DONE };

/* One turn: mask, one step, unmask. Its own function, so that no value lives across turns
 * and the masked code spills nothing (a Cortex-M0 has few low registers); ch comes computed
 * (a multiply by the struct size on multi-core boards), the record's size in bytes. */
__attribute__((noinline, flatten)) static int turn(struct tp_chan *ch, unsigned core, unsigned bytes, struct slow_out *out)
{
	uint32_t key = tp_port_irq_save();
	if (!tp_g.recording || (TP_BOARD_CORES > 1 && core >= tp_g.cores)) {
		/* Stopped, or a core beyond the configured ones. */
		ch->rejected++;
		tp_port_irq_restore(key);
		out->p = NULL;
		out->why = TP_REJECTED;
		return TURN_DONE;
	}
	if (!ch->open) {
		if (open_next(ch, core) == OPEN_FULL) {
			ch->dropped++;
			tp_port_irq_restore(key);
			out->p = NULL;
			out->why = TP_DROPPED;
			return TURN_DONE;
		}
		tp_port_irq_restore(key);
		return TURN_AGAIN;
	}
	uint32_t ovf, epoch;
	uint32_t lo = read_time(&epoch, &ovf);
	struct tp_pkt *h = ch->head;
	uint32_t *r = ch->wp;
	const uintptr_t pkt_end = (uintptr_t)h + tp_g.pkt_size;
	/* Empty: the write pointer is where open_next left it, since every reservation moves it
	 * (and `committed`) in the masked section that makes it; cheaper to test than the count. */
	if (r == (uint32_t *)(void *)(h + 1)) {
		/* Open but empty (just opened, or open since an earlier epoch): it begins now,
		 * with this record (it fits: reserve_slow checked that an empty packet holds it).
		 * The rejections since it opened go before it; `dropped` cannot have moved, since
		 * only a failed open counts a drop. */
		h->rejected = ch->rejected;
		put_time(h->ts_begin, lo, epoch);
	} else if (epoch != h->ts_begin[1] || (uintptr_t)r + bytes > pkt_end) {
		close_head(ch, h, ch->committed - h->events_before, lo, epoch, h->ts_begin[1]);
		tp_port_irq_restore(key);
		return TURN_CLOSED;
	}
	/* Room in this epoch. The overflow interrupt (or a wrap flag that the exact test did
	 * not confirm) may have sent us here with `end` 0: set it again. */
	ch->end = pkt_end;
	end_recheck(ch, ovf);
	ch->wp = (uint32_t *)(void *)((uintptr_t)r + bytes);
	h->pending++;
	ch->committed++;
	r[2] = lo;
	tp_port_irq_restore(key);
	out->p = h;
	out->r = r;
	return TURN_DONE;
}

/* Counts a record that cannot be encoded or that no packet can hold as rejected, so generated
 * still adds up. */
static void reject_one(void)
{
	uint32_t key = tp_port_irq_save();
	tp_chan[CORE_ID()].rejected++;
	tp_port_irq_restore(key);
}

__attribute__((noinline)) static uint32_t *reserve_slow(unsigned core, unsigned words, struct slow_out *out)
{
	/* Larger than a whole packet: pkt_size is fixed from tp_init on (0 before: refused, and
	 * counted, all the same). */
	if (4u * words > tp_g.pkt_size - TP_PKT_HDR) {
		reject_one();
		out->why = TP_REJECTED;
		return NULL;
	}
	struct tp_chan *ch = &tp_chan[core];
	for (;;) {
		int t = turn(ch, core, 4u * words, out);
		if (t == TURN_DONE)
			return out->p != NULL ? out->r : NULL;
		/* Before CMD_START the drain sends nothing: no need to wake it. */
		if (t == TURN_CLOSED && tp_g.notify)
			tp_port_packet_ready();
	}
}

/* The commit: a nested writer that runs between the load and the store of this decrement
 * has a net effect of zero on `pending`, so no mask is needed (see the diagram above). */
__attribute__((always_inline)) static inline void commit(struct tp_pkt *p)
{
	TESTPOINT();
	PUBLISH();
	p->pending--;
}

/* Interrupts masked: takes `words` at r for a record that is written after the mask is
 * lifted. The write pointer and `committed` move now; the packet's `pending` count keeps the
 * drain and eviction off it until commit() (see the diagram above). */
__attribute__((always_inline)) static inline struct tp_pkt *reserve_open(struct tp_chan *ch, uint32_t *r,
									  unsigned words)
{
	ch->wp = r + words;
	struct tp_pkt *p = ch->head;
	p->pending++;
	ch->committed++;
	return p;
}

/* The slow entries' reservation: reserve_slow, then for a checked call (why not NULL) the
 * reason of a refusal. The core id is read once: a writer does not change cores. */
__attribute__((always_inline)) static inline uint32_t *reserve_unmasked(unsigned words, struct tp_pkt **p,
									 tp_result_t *why)
{
	struct slow_out out;
	uint32_t *r = reserve_slow(CORE_ID(), words, &out);
	if (r == NULL) {
		if (why)
			*why = out.why;
		return NULL;
	}
	*p = out.p;
	return r;
}

#define INLINE __attribute__((always_inline)) static inline

/* The whole record through the slow reservation. The fast path gives up with interrupts
 * enabled again and tail-calls here, so it keeps no value across a call and saves no
 * registers; this path starts over (a fresh timestamp, still read with interrupts masked). */
INLINE tp_result_t slow_any(int checked, uint32_t w0, uint32_t id, const uint32_t *args)
{
	const unsigned nargs = (w0 >> 2) & 7u;
	struct tp_pkt *p;
	tp_result_t why = TP_DROPPED;
	uint32_t *r = reserve_unmasked(TP_REC_WORDS(nargs), &p, checked ? &why : NULL);
	if (r == NULL)
		return why;
	/* r[2] already holds the time. */
	r[0] = w0;
	r[1] = id;
	for (unsigned i = 0; i < nargs; i++)
		r[3 + i] = args[i];
	commit(p);
	return TP_RECORDED;
}

/* Slow entry for records of up to 2 arguments: four register arguments, so the fast path's
 * call to it is a tail call, and in the order of the API functions' own arguments, so the
 * fast path keeps them where they arrived. */
INLINE tp_result_t slow_le2(int checked, uint32_t id, uint32_t a0, uint32_t a1, uint32_t w0)
{
	struct tp_pkt *p;
	tp_result_t why = TP_DROPPED;
	uint32_t *r = reserve_unmasked(TP_REC_WORDS((w0 >> 2) & 7u), &p, checked ? &why : NULL);
	if (r == NULL)
		return why;
	/* r[2] already holds the time. */
	r[0] = w0;
	r[1] = id;
	if (w0 & (3u << 2))
		r[3] = a0;
	if (w0 & (2u << 2))
		r[4] = a1;
	commit(p);
	return TP_RECORDED;
}

/* Each slow body twice, for the void and the checked entry points: handing back a result
 * would cost the void records' slow path a few instructions per packet. The void ones are
 * the slow entries of tp_record_inline.h's fast path. */
__attribute__((noinline)) void tp_rec_slow_any(uint32_t w0, uint32_t id, const uint32_t *args)
{
	(void)slow_any(0, w0, id, args);
}

__attribute__((noinline)) static tp_result_t record_slow_checked(uint32_t w0, uint32_t id, const uint32_t *args)
{
	return slow_any(1, w0, id, args);
}

__attribute__((noinline)) void tp_rec_slow_le2(uint32_t id, uint32_t a0, uint32_t a1, uint32_t w0)
{
	(void)slow_le2(0, id, a0, a1, w0);
}

__attribute__((noinline)) static tp_result_t record_slow2_checked(uint32_t id, uint32_t a0, uint32_t a1, uint32_t w0)
{
	return slow_le2(1, id, a0, a1, w0);
}

/* The void records (tp_event0..4, tp_mark, ...) are defined by tp_record_inline.h, here out
 * of line (TP_REC_EXTERN_DEFS) and inline in files built with TP_RECORD_INLINE. The checked
 * ones are out of line only: the same fast path, then the checked slow entry. */
#define EV(n) TP_REC_W0(TP_KIND_EVENT, n)
#define CHECKED_LE2(w0, id, nargs, a0, a1)                                  \
	do {                                                                 \
		const uint32_t a_[2] = {(a0), (a1)};                         \
		return tp_rec_fast((w0), (id), a_, (nargs)) ? TP_RECORDED      \
							    : record_slow2_checked((id), (a0), (a1), (w0)); \
	} while (0)
#define CHECKED_ARGS(w0, id, nargs, ...)                                                       \
	do {                                                                                    \
		const uint32_t a_[nargs] = {__VA_ARGS__};                                       \
		return tp_rec_fast((w0), (id), a_, (nargs)) ? TP_RECORDED : record_slow_checked((w0), (id), a_); \
	} while (0)

tp_result_t tp_event0_checked(uint32_t id)
{
	CHECKED_LE2(EV(0), id, 0, 0, 0);
}

tp_result_t tp_event1_checked(uint32_t id, uint32_t a0)
{
	CHECKED_LE2(EV(1), id, 1, a0, 0);
}

tp_result_t tp_event2_checked(uint32_t id, uint32_t a0, uint32_t a1)
{
	CHECKED_LE2(EV(2), id, 2, a0, a1);
}

tp_result_t tp_event3_checked(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2)
{
	CHECKED_ARGS(EV(3), id, 3, a0, a1, a2);
}

tp_result_t tp_event4_checked(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	CHECKED_ARGS(EV(4), id, 4, a0, a1, a2, a3);
}

/* Reserves `words` for a record that is written with interrupts enabled, then committed:
 * the masked part is the same few instructions whatever the record's size (the generic
 * entry and blobs). r[2] holds the time on return. */
INLINE uint32_t *reserve_split(unsigned words, struct tp_pkt **p, tp_result_t *why)
{
	uint32_t key = tp_port_irq_save();
	struct tp_chan *ch = &tp_chan[CORE_ID()];
	uint32_t lo = tp_port_timer_lo();
	uint32_t *r = ch->wp;
	if (__builtin_expect((uintptr_t)r + 4u * words > ch->end || OVF_PENDING(), 0)) {
		tp_port_irq_restore(key);
		return reserve_unmasked(words, p, why);
	}
	*p = reserve_open(ch, r, words);
	r[2] = lo;
	tp_port_irq_restore(key);
	return r;
}

INLINE tp_result_t record_any(int checked, enum tp_kind kind, uint32_t id, const uint32_t *args, unsigned nargs)
{
	if (nargs > 6u || (unsigned)kind > 7u) {
		reject_one();
		return TP_REJECTED;
	}
	/* One copy with a copy loop, unmasked: the generic entry favours flash and a short
	 * masked section over a few cycles. */
	struct tp_pkt *p;
	tp_result_t why = TP_DROPPED;
	uint32_t *r = reserve_split(TP_REC_WORDS(nargs), &p, checked ? &why : NULL);
	if (r == NULL)
		return why;
	r[0] = TP_REC_W0(kind, nargs);
	r[1] = id;
	for (unsigned i = 0; i < nargs; i++)
		r[3 + i] = args[i];
	commit(p);
	return TP_RECORDED;
}

void tp_record(enum tp_kind kind, uint32_t id, const uint32_t *args, unsigned nargs)
{
	(void)record_any(0, kind, id, args, nargs);
}

tp_result_t tp_record_checked(enum tp_kind kind, uint32_t id, const uint32_t *args, unsigned nargs)
{
	return record_any(1, kind, id, args, nargs);
}

void tp_record_blob(enum tp_kind kind, uint32_t id, const void *bytes, unsigned len)
{
	if (len > 255u || (unsigned)kind > 7u) {
		reject_one();
		return;
	}
	struct tp_pkt *p;
	uint32_t *r = reserve_split(TP_BLOB_WORDS(len), &p, NULL);
	if (r == NULL)
		return;
	r[0] = TP_REC_W0(kind, 7) | (uint32_t)len << 8;
	r[1] = id;
	uint8_t *dst = (uint8_t *)(r + 3);
	const uint8_t *src = bytes;
	for (unsigned i = 0; i < len; i++)
		dst[i] = src[i];
	commit(p);
}

/* ---- drain side ---- */

#if TP_BOARD_CORES == 1
/* One core, masked: no writer or eviction runs between the test and the store (they run on
 * this core, masked too): no compare-and-swap, no eviction in flight. */
struct tp_pkt *tp_ring_claim(unsigned core, uint32_t seq, unsigned idx, uint32_t *overwritten)
{
	struct tp_pkt *p = tp_ring_pkt(core, idx), *got = NULL;
	uint32_t key = tp_port_irq_save();
	if (p->state == (TP_TAG(seq) | TP_ST_READY) && p->pending == 0) {
		p->state = TP_TAG(seq) | TP_ST_SENDING;
		*overwritten = tp_chan[TP_CORE_IDX(core)].overwritten;
		got = p;
	}
	tp_port_irq_restore(key);
	return got;
}
#else
struct tp_pkt *tp_ring_claim(unsigned core, uint32_t seq, unsigned idx, uint32_t *overwritten)
{
	struct tp_pkt *p = tp_ring_pkt(core, idx);
	uint32_t want = TP_TAG(seq) | TP_ST_READY;
	struct tp_pkt *got = NULL;
	uint32_t key = tp_port_irq_save();
	int no_writers = 0;
	if (p->state == want) {
		/* State, then pending: a writer on another core raised pending before its close
		 * published READY. Without the barrier the pending load could be satisfied ahead
		 * of the state load, read the count from before that writer, and claim a packet
		 * with a record half written. */
		PUBLISH();
		no_writers = p->pending == 0;
	}
	int in_flight = 0;
	if (no_writers && tp_port_cas(&p->state, want, TP_TAG(seq) | TP_ST_SENDING) == want) {
		/* Masked on this core, so no eviction on this core runs between the claim and the
		 * sample. An eviction on the channel's own core (another core than this one) may
		 * be between its CAS and its count: then the sample waits for it, below. Later
		 * evictions take newer packets and do not belong in this sample. */
		PUBLISH();
		in_flight = tp_chan[core].evicting != 0;
		if (!in_flight) {
			PUBLISH();
			*overwritten = tp_chan[core].overwritten;
		}
		got = p;
	}
	tp_port_irq_restore(key);
	/* The wait for another core's eviction runs unmasked: it lasts as long as that core
	 * takes to finish, which this core's mask does not shorten (the other core runs on
	 * regardless) and which is unbounded once that core is stalled (an NMI or a fault on
	 * it, a debugger, an emulator's host thread descheduled: 2.8 M instructions masked
	 * under QEMU on an521). Only the channel's own core evicts, so an interrupt on this
	 * core delaying the sample is no interleaving the masked wait did not already allow.
	 * `in_flight` is never set when the channel is this core's own: its evictions run
	 * masked, whole. */
	if (in_flight) {
		while (tp_chan[core].evicting) {
			EVICT_WAIT();
		}
		PUBLISH();
		*overwritten = tp_chan[core].overwritten;
	}
	return got;
}
#endif

void tp_ring_release(struct tp_pkt *p)
{
	PUBLISH();
	p->state = TP_TAG(p->seq) | TP_ST_FREE;
}

/* The flush close of one head: masks itself, after the call and the register saves (they
 * need no mask, and the drain's masked sections stay short: flush close on M0, bench
 * maskedpaths); ch comes computed, as in turn(), so no index arithmetic runs masked. */
__attribute__((noinline, flatten)) static void close_head_aged(struct tp_chan *ch, uint32_t min_age)
{
	uint32_t key = tp_port_irq_save();
	struct tp_pkt *p = ch->head;
	/* Empty: the write pointer is still at the first record (see turn()). */
	if (ch->open && ch->wp != (uint32_t *)(void *)(p + 1)) {
		uint32_t ovf, epoch;
		uint32_t lo = read_time(&epoch, &ovf);
		/* In 32-bit arithmetic: a packet holds one epoch, and one from an earlier epoch
		 * closes now whatever its age (no record of this epoch may join it anyway). */
		const uint32_t begin_epoch = p->ts_begin[1];
		if (epoch != begin_epoch || ((lo - p->ts_begin[0]) & TP_TIMER_MASK) >= min_age)
			close_head(ch, p, ch->committed - p->events_before, lo, epoch, begin_epoch);
	}
	tp_port_irq_restore(key);
}

void tp_ring_close_head(unsigned core, uint32_t min_age)
{
	close_head_aged(&tp_chan[TP_CORE_IDX(core)], min_age);
}

void tp_ring_stop(void)
{
	uint32_t key = tp_port_irq_save();
	tp_g.recording = 0;
	for (unsigned c = 0; c < TP_MAX_CORES; c++)
		tp_chan[c].end = 0;
	tp_port_irq_restore(key);
}

int tp_ring_status_snapshot(unsigned core, uint32_t send_seq, unsigned send_idx, struct tp_counters *out)
{
	struct tp_chan *ch = &tp_chan[TP_CORE_IDX(core)];
	struct tp_pkt *p = tp_ring_pkt(core, send_idx);
	/* Evictions take the oldest packet first, and the drain has skipped every evicted one
	 * before send_seq, so no packet at or after send_seq is evicted yet: overwritten counts
	 * exactly the packets before it (once an eviction in flight on another core is done).
	 * That wait runs unmasked, as in tp_ring_claim: this core's mask does not hasten the
	 * other core. An eviction that begins after it takes send_seq's packet or a newer one,
	 * and the state test below sees it (the caller retries). */
#if TP_BOARD_CORES > 1 /* one core: an eviction runs masked, whole */
	while (ch->evicting) {
		EVICT_WAIT();
	}
#endif
	uint32_t key = tp_port_irq_save();
	PUBLISH();
	out->overwritten = ch->overwritten;
	PUBLISH();
	uint32_t st = p->state;
	int cmp = tp_ring_tag_cmp(st, send_seq);
	out->next_seq = send_seq;
	/* dropped and rejected follow each other in both */
	uint32_t committed = ch->committed;
	const uint32_t *dr = &ch->dropped;
	if (cmp == 0 && (st & TP_ST_MASK) != TP_ST_FREE) {
		committed = p->events_before;
		dr = &p->dropped;
	}
	out->committed = committed;
	out->dropped = dr[0];
	out->rejected = dr[1];
	tp_port_irq_restore(key);
	return cmp <= 0; /* evicted meanwhile (another core): the caller skips it and retries */
}

_Static_assert(offsetof(struct tp_chan, rejected) == offsetof(struct tp_chan, dropped) + 4u &&
		       offsetof(struct tp_pkt, rejected) == offsetof(struct tp_pkt, dropped) + 4u,
	       "rejected follows dropped in the channel and the packet header");

/* tp_get_counters: tp_rec_state.c, shared with the tiny core. */

/* The origins go as consecutive words from the config to tp_g (and tp_put_vars reads them so). */
_Static_assert(offsetof(struct tp_config, origin_rejected) - offsetof(struct tp_config, origin_seq) ==
		       4u * sizeof(uint32_t) &&
		       offsetof(struct tp_global, origin_rejected) - offsetof(struct tp_global, origin_seq) ==
		       4u * sizeof(uint32_t),
	       "origin_seq .. origin_rejected are 5 consecutive words");

void tp_ring_init(const struct tp_config *cfg)
{
	/* tp_init sets recording once all is in place; tp_link_init sets notify. */
	const uint32_t *origin = &cfg->origin_seq;
	for (unsigned i = 0; i < 5u; i++)
		(&tp_g.origin_seq)[i] = origin[i];
	tp_g.autostart = cfg->autostart;
	tp_g.ring = cfg->ring;
	tp_g.pkt_size = cfg->packet_size;
	tp_g.packets = cfg->packets;
	tp_g.chan_bytes = (uint32_t)cfg->packets * cfg->packet_size;
	tp_g.cores = cfg->cores;
	tp_g.mode = (uint8_t)cfg->mode;
	/* The core's packets follow each other in memory (open_next): a walk, no index arithmetic. */
	uint8_t *at = cfg->ring;
	for (unsigned c = 0; c < TP_MAX_CORES; c++) {
		struct tp_chan *ch = &tp_chan[c];
		ch->committed = cfg->origin_events;
		ch->dropped = cfg->origin_dropped;
		ch->overwritten = cfg->origin_overwritten;
		ch->rejected = cfg->origin_rejected;
		ch->next_seq = cfg->origin_seq;
		ch->open = 0;
		ch->evicting = 0;
		ch->end = 0;
		/* A core beyond the configured ones is refused before its channel is looked at
		 * (turn()), and its `end` stays 0: it points at a packet it never writes. */
		struct tp_pkt *p = (struct tp_pkt *)cfg->ring;
		for (unsigned i = 0; i < cfg->packets && c < cfg->cores; i++, at += cfg->packet_size) {
			p = (struct tp_pkt *)(void *)at;
			/* Tagged older than the seq it will get, so the drain reads "not opened". */
			p->state = TP_TAG(cfg->origin_seq + i - cfg->packets) | TP_ST_FREE;
			p->pending = 0;
			p->seq = 0;
		}
		ch->head = p; /* the last one: the first open takes the first */
		ch->wp = (uint32_t *)(void *)(p + 1);
	}
}
