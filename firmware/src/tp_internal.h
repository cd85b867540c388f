/* SPDX-License-Identifier: MIT */
/*
 * tp_internal.h - what the core's own files (and its unit tests) share: the ring
 * layout, the channel state, and the wire encoders. Not part of the public API.
 */
#ifndef TP_INTERNAL_H
#define TP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "tracepipe.h"
#include "port.h"
#include "tp_record_inline.h"

#ifndef TP_BOARD_CORES
#error "board.h must define TP_BOARD_CORES"
#endif
#if TP_BOARD_TIMER_BITS < 8 || TP_BOARD_TIMER_BITS > 32
/* Records keep the low timer bits in one word; a 64-bit timer needs no overflow count and
 * would get its own (simpler) record path. */
#error "the core supports timers of 8..32 bits"
#endif

#define TP_MAX_CORES TP_BOARD_CORES

/* Build profile (Makefile PROFILE=, PORTING.md 1.5): 0 full, 1 tiny. Tiny keeps discard mode,
 * CMD_START/STOP/HEADER and the flush that closes the books from tp_flush() only, with a core
 * of its own (firmware/src/tiny/) instead of tp_ring.c, tp_drain.c and tp_frame.c, so only the
 * files both profiles compile read TP_PROFILE_TINY: tp_cmd.c (its commands), tp_build_id.c
 * (the note's read) and the CRC table (TP_CRC_TABLE below, for tp_wire.c). */
#ifndef TP_PROFILE_TINY
#define TP_PROFILE_TINY 0
#endif

#if TP_BOARD_TIMER_BITS == 32
#define TP_TIMER_MASK 0xFFFFFFFFu
#else
#define TP_TIMER_MASK ((1u << TP_BOARD_TIMER_BITS) - 1u)
#endif

/* Wire message types (TP_MSG_*, TP_CMD_*, SPEC §4) come from tp_wire_gen.h. */
#define TP_MAX_MESSAGE TP_WIRE_MAX_MESSAGE

/* ---- ring layout (see the diagram in tp_ring.c) ---- */

/* Packet states, low 2 bits of tp_pkt.state. The upper 30 bits hold the packet's seq
 * (a tag), so a compare-and-swap that expects "seq s, READY" can never succeed on a later
 * reuse of the same memory (ABA). */
enum { TP_ST_FREE = 0, TP_ST_WRITING = 1, TP_ST_READY = 2, TP_ST_SENDING = 3 };
#define TP_ST_MASK 3u
#define TP_TAG(seq) ((uint32_t)(seq) << 2)

/* Lives in the first bytes of every packet of the ring. */
struct tp_pkt {
	volatile uint32_t state;   /* TP_TAG(seq) | TP_ST_* */
	volatile uint32_t pending; /* writers between reserve and commit */
	uint32_t seq;
	uint32_t events_before; /* channel committed count at open */
	uint32_t dropped;       /* channel dropped count at open */
	uint32_t rejected;      /* channel rejected count at open */
	uint32_t n_events;      /* valid once READY */
	uint32_t used;          /* record bytes, valid once READY */
	/* Timer low bits and epoch (wraps before them), as the writer read them with interrupts
	 * masked: no 64-bit arithmetic there. tp_pkt_time forms the 64-bit time. */
	uint32_t ts_begin[2];
	uint32_t ts_end[2];
};
#define TP_PKT_HDR ((unsigned)sizeof(struct tp_pkt))

/* The 64-bit time of a header's ts_begin or ts_end. */
static inline uint64_t tp_pkt_time(const uint32_t *w)
{
	return (uint64_t)w[1] << TP_BOARD_TIMER_BITS | w[0];
}

/*
 * A record, as the writer stores it (words, native endianness):
 *   w0 = kind << 5 | nargs << 2 | bloblen << 8     (the wire H byte without enc)
 *   w1 = id
 *   w2 = low TP_BOARD_TIMER_BITS bits of the timer
 *   w3.. = nargs argument words, or for nargs 7 the blob bytes padded to a word
 * A blob record reserves one byte more than it holds so that no record is ever shorter
 * in the ring than on the wire: a packet's message then always fits in packet_size.
 */
/* TP_REC_W0(kind, nargs) and TP_REC_WORDS(nargs) are in tp_record_inline.h. */
#define TP_BLOB_WORDS(len) (3u + ((unsigned)(len) + 4u) / 4u)

/* struct tp_chan, the per-core state of the writer side, is in tp_record_inline.h: the inline
 * record path (tracepipe.h, TP_RECORD_INLINE) reads it too. */

/* Per-core state of the drain side. */
struct tp_drain_chan {
	uint32_t send_seq; /* the next seq the drain sends (or skips if evicted) */
	uint16_t send_idx;
	uint8_t since_status;
	uint8_t pad_;
};

struct tp_global {
	uint8_t *ring;
	uint32_t pkt_size;
	uint32_t chan_bytes; /* packets * pkt_size: one core's part of the ring */
	uint16_t packets;
	uint8_t cores;
	uint8_t mode;
	volatile uint8_t recording; /* cleared by CMD_DUMP */
	/* Set by the link while it transmits: a closing packet then calls tp_port_packet_ready().
	 * The ring notifies through the port and never calls the link (no ring <-> link cycle). */
	volatile uint8_t notify;
	uint8_t initialised;
	uint8_t autostart;
	uint32_t origin_seq, origin_events, origin_dropped, origin_overwritten, origin_rejected;
};

extern struct tp_global tp_g;

/* A bit per configured core (cores <= TP_MAX_CORES, checked by tp_init). */
static inline uint32_t tp_core_mask(unsigned cores)
{
#if TP_MAX_CORES >= 32
	if (cores >= 32u)
		return 0xFFFFFFFFu;
#endif
	return (1u << cores) - 1u;
}
extern volatile uint32_t tp_ovf_count;

/* A core index: 0 on a one-core board, whatever the caller holds (tp_init admits no other). */
#define TP_CORE_IDX(c) (TP_MAX_CORES == 1 ? 0u : (unsigned)(c))

static inline struct tp_pkt *tp_ring_pkt(unsigned core, unsigned idx)
{
	return (struct tp_pkt *)(void *)(tp_g.ring + ((size_t)TP_CORE_IDX(core) * tp_g.packets + idx) * tp_g.pkt_size);
}

/* ---- ring internals shared with the link (tp_ring.c) ---- */
/* The channels and packets of cfg from scratch (tp_init, interrupts masked). */
void tp_ring_init(const struct tp_config *cfg);
/* 64-bit time; call with interrupts masked. *ovf_raw gets the overflow count as read,
 * *epoch the wraps before the returned time (ovf_raw + 1 while a wrap is pending). */
uint64_t tp_ring_now_locked(uint32_t *ovf_raw, uint32_t *epoch);
/* Close core's head packet if it holds events and has been open for min_age ticks (masks
 * interrupts on this core itself). */
void tp_ring_close_head(unsigned core, uint32_t min_age);
/* Stop recording: every later event is counted rejected. */
void tp_ring_stop(void);
/* Called by the drain: if seq's packet is READY with no writer left, claim it (READY ->
 * SENDING) and return it with *overwritten sampled in the same critical section; else NULL. */
struct tp_pkt *tp_ring_claim(unsigned core, uint32_t seq, unsigned idx, uint32_t *overwritten);
/* The drain is done with a SENDING packet: SENDING -> FREE. */
void tp_ring_release(struct tp_pkt *p);
/* Relation of a packet's state tag to seq: 0 same packet, > 0 reused by a newer seq (so seq
 * was evicted), < 0 not opened yet. */
static inline int tp_ring_tag_cmp(uint32_t state, uint32_t seq)
{
	uint32_t diff = ((state >> 2) - seq) & 0x3FFFFFFFu;
	return diff == 0 ? 0 : diff < 0x20000000u ? 1 : -1;
}
/* Counters for a STATUS that is consistent with the drain position send_seq (SPEC §7, §9.5).
 * Returns 0 if send_seq's packet was evicted meanwhile: advance and call again. */
int tp_ring_status_snapshot(unsigned core, uint32_t send_seq, unsigned send_idx, struct tp_counters *out);
/* Testpoint: when non-NULL, called by every writer between reserve and commit (tests nest
 * writers through it). Compiled in only with TP_TESTPOINTS. */
#ifdef TP_TESTPOINTS
extern void (*volatile tp_test_hook)(void);
/* Counts the turns of waits for an eviction in flight on another core (test_xcore.c). */
extern volatile uint32_t tp_test_evict_waits;
/* When non-NULL, called on every turn of those waits, by the waiting core. */
extern void (*volatile tp_test_evict_wait_hook)(void);
#endif

/* ---- wire encoding (tp_wire.c) ---- */
unsigned tp_put_varint(uint8_t *out, uint64_t v);
uint32_t tp_crc32c_byte(uint32_t crc, uint8_t b);
/* The CRC-32C lookup table, chosen at build time: 256 entries (1 KiB of flash, one lookup a
 * byte, the full profile's default) or 16 (64 B, two lookups a byte: the tiny profile's, and
 * any build short of flash). The CRC is the same either way. */
#ifndef TP_CRC_TABLE
#define TP_CRC_TABLE (TP_PROFILE_TINY ? 16 : 256)
#endif
#if TP_CRC_TABLE != 256 && TP_CRC_TABLE != 16
#error "TP_CRC_TABLE must be 16 or 256"
#endif
extern const uint32_t tp_crc_table[TP_CRC_TABLE];
/* Eight steps of the CRC register (its low byte already XORed with the data). */
static inline uint32_t tp_crc32c_shift8(uint32_t crc)
{
#if TP_CRC_TABLE == 256
	return (crc >> 8) ^ tp_crc_table[crc & 0xFFu];
#else
	crc = (crc >> 4) ^ tp_crc_table[crc & 15u];
	return (crc >> 4) ^ tp_crc_table[crc & 15u];
#endif
}
/* Running CRC-32C of one more byte (no final XOR), inlined into the drain's byte loop. */
static inline uint32_t tp_crc32c_step(uint32_t crc, uint8_t b)
{
	return tp_crc32c_shift8(crc ^ b);
}
uint32_t tp_crc32c(const uint8_t *p, size_t n); /* whole-buffer form, for tests */
/* Running CRC-32C of n more bytes (no final XOR), bitwise: the tiny profile's at -Os only
 * (tp_cmd.c), where no table is linked. */
uint32_t tp_crc32c_run(uint32_t crc, const uint8_t *p, size_t n);

/* Event bytes (SPEC §6.1) for nargs 0..6 32-bit args; returns the length (<= 35). */
unsigned tp_enc_event(uint8_t *out, unsigned kind, uint32_t id, uint32_t dt, const uint32_t *args,
		      unsigned nargs);
/* The drain's encoder: 32-bit values only, so enc 2 never wins, and a 5-byte varint is the
 * only way varints lose to fixed 4-byte words; same bytes as tp_enc_event64. */
static inline uint8_t *tp_put_var32(uint8_t *o, uint32_t v)
{
	while (v >= 0x80u) {
		*o++ = (uint8_t)(v | 0x80u);
		v >>= 7;
	}
	*o++ = (uint8_t)v;
	return o;
}
/* k of them from consecutive words (the messages' counter runs, SPEC §5-§7). Static in each
 * file that calls it (tp_wire.c, tp_drain.c's whole-message link, the tiny link), so GCC may
 * specialise it there: one shared out-of-line copy cost more flash than one in each. */
__attribute__((noinline, unused)) static uint8_t *tp_put_vars(uint8_t *o, const uint32_t *v, unsigned k)
{
	for (unsigned i = 0; i < k; i++)
		o = tp_put_var32(o, v[i]);
	return o;
}

static inline unsigned tp_enc_event32(uint8_t *out, unsigned kind, uint32_t id, uint32_t dt,
				      const uint32_t *args, unsigned nargs)
{
	uint8_t *o = tp_put_var32(tp_put_var32(out + 1, id), dt);
	uint8_t *a = o;
	unsigned enc = 0;
	for (unsigned i = 0; i < nargs; i++)
		o = tp_put_var32(o, args[i]);
	if ((unsigned)(o - a) > 4u * nargs) {
		/* SPEC §6.1: fewest argument bytes wins, ties go to the lower enc. */
		enc = 1;
		o = a;
		for (unsigned i = 0; i < nargs; i++) {
			uint32_t v = args[i];
			o[0] = (uint8_t)v;
			o[1] = (uint8_t)(v >> 8);
			o[2] = (uint8_t)(v >> 16);
			o[3] = (uint8_t)(v >> 24);
			o += 4;
		}
	}
	out[0] = (uint8_t)(kind << 5 | nargs << 2 | enc);
	return (unsigned)(o - out);
}

/* Same for arbitrary 64-bit args (tests and vectors); returns the length (<= 65). */
unsigned tp_enc_event64(uint8_t *out, unsigned kind, uint32_t id, uint64_t dt, const uint64_t *args,
			unsigned nargs);
/* Event prefix for a blob (H, id, dt, len); the len bytes follow. */
unsigned tp_enc_blob_prefix(uint8_t *out, unsigned kind, uint32_t id, uint64_t dt, unsigned len);

struct tp_packet_info {
	uint8_t core;
	uint32_t seq;
	uint64_t ts_begin;
	uint64_t duration;
	uint32_t events_before, dropped, overwritten, rejected, n_events;
};
/* PACKET message up to (not including) the events; returns the length (<= 45). */
unsigned tp_enc_packet_head(uint8_t *out, const struct tp_packet_info *pi);

struct tp_status_info {
	uint8_t core, final;
	uint64_t ts;
	struct tp_counters c;
};
unsigned tp_enc_status(uint8_t *out, const struct tp_status_info *si); /* <= 31 */

struct tp_header_info {
	uint8_t boot, cores, mode, timer_bits;
	uint32_t timer_hz;
	uint16_t packet_size, packets;
	uint64_t ts;
	uint32_t session;
	const uint8_t *build_id;
	unsigned build_id_len; /* <= 32 */
};
/* HEADER up to (not including) the origins; returns the length (<= 63). */
unsigned tp_enc_header_fixed(uint8_t *out, const struct tp_header_info *hi);
/* One core's origin: seq, events, dropped, overwritten, rejected varints (<= 25). */
unsigned tp_enc_origin(uint8_t *out, uint32_t seq, uint32_t events, uint32_t dropped, uint32_t overwritten,
		       uint32_t rejected);

/* ---- the framer ---- */
#include "tp_frame.h"

/* ---- build id (tp_build_id.c) ---- */
/* The descriptor of a GNU build-id ELF note of size bytes (at most 32 bytes of it), or len 0
 * when the note is not one. */
const uint8_t *tp_build_id_parse(const uint8_t *note, size_t size, unsigned *len);

/* ---- the link: scheduler and flush (tp_drain.c), commands (tp_cmd.c) ---- */
/* What the commands (tp_cmd.c, from the RX interrupt) ask of the drain (tp_drain.c). */
struct tp_link_ctl {
	volatile uint32_t status_mask; /* cores owing a non-final STATUS */
	volatile uint8_t started, header_req, flush_req, dump;
	/* CMD_FLUSH/CMD_DUMP from the host: go quiet once the last FINAL is out, so the FINAL
	 * is the last frame and closes the books (SPEC §8); tp_flush() leaves it 0. Quiet is
	 * not stopped: tp_started() stays true until the host's CMD_STOP, which apps wait for
	 * as the host's word that it has everything. CMD_START and CMD_STOP end it. */
	volatile uint8_t stop_after_flush, quiet;
};
#if TP_PROFILE_TINY
/* The tiny link's state begins with these flags (tp_tiny_link.c), so its drain reaches both
 * from one address; a pointer to a struct is one to its first member (C11 6.7.2.1). */
extern struct tp_tiny_link_state tp_tiny_link_state;
#define tp_link (*(struct tp_link_ctl *)(void *)&tp_tiny_link_state)
#else
extern struct tp_link_ctl tp_link;
#endif
/* Transmit on (CMD_START, autostart) or off (CMD_STOP); tells the ring whether to notify. */
#if TP_PROFILE_TINY && TP_PORT_TX_POLLED
/* The tiny ring notifies no polled port (port.h): the flag is all there is. */
static inline void tp_link_set_started(unsigned on)
{
	tp_link.started = (uint8_t)on;
}
#else
void tp_link_set_started(unsigned on);
#endif
/* The link's state from scratch (tp_init, interrupts masked). */
void tp_link_init(void);
/* The command receiver from scratch (tp_link_init). */
void tp_cmd_init(void);

#endif /* TP_INTERNAL_H */
