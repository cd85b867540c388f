/* SPDX-License-Identifier: MIT */
/*
 * tracepipe.h - public API of the tracepipe firmware core.
 *
 * One channel per core: a ring of fixed-size packets. Writers on a core nest like
 * a stack (thread, IRQ, higher-priority IRQ); each event is reserved, written in
 * place and committed. Every lost event is counted by cause (dropped, overwritten);
 * the host derives link_lost from the cumulative counters in packet headers.
 * The wire format is protocol/SPEC.md.
 */
#ifndef TRACEPIPE_H
#define TRACEPIPE_H

#include <stddef.h>
#include <stdint.h>
#include "tp_wire_gen.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TP_PROTOCOL_VERSION TP_WIRE_VERSION

typedef enum {
	TP_MODE_DISCARD = TP_WIRE_MODE_DISCARD,     /* ring full: drop the newest event (relayfs NO_OVERWRITE) */
	TP_MODE_OVERWRITE = TP_WIRE_MODE_OVERWRITE, /* ring full: evict the oldest unsent packet (flight recorder) */
} tp_mode_t;

/* Wire kinds, SPEC §6.1 (values from tp_wire_gen.h). */
enum tp_kind {
	TP_KIND_EVENT = TP_WIRE_KIND_EVENT,
	TP_KIND_MARK = TP_WIRE_KIND_MARK,
	TP_KIND_SPAN_BEGIN = TP_WIRE_KIND_SPAN_BEGIN,
	TP_KIND_SPAN_END = TP_WIRE_KIND_SPAN_END,
	TP_KIND_COUNTER = TP_WIRE_KIND_COUNTER,
	TP_KIND_ISR_ENTER = TP_WIRE_KIND_ISR_ENTER,
	TP_KIND_ISR_EXIT = TP_WIRE_KIND_ISR_EXIT,
	TP_KIND_LOG = TP_WIRE_KIND_LOG,
};

struct tp_config {
	tp_mode_t mode;
	/* cores * packets * packet_size bytes, 4-byte aligned, owned by the core after tp_init */
	void *ring;
	uint16_t packet_size; /* bytes per packet, multiple of 4, 64..4096 */
	uint16_t packets;     /* packets per core, >= 2 */
	uint8_t cores;        /* 1..TP_MAX_CORES */
	/* Transmit without waiting for CMD_START from the host. */
	uint8_t autostart;
	/* Counter origins (0 in production). Tests start them just below 2^32. */
	uint32_t origin_seq;
	uint32_t origin_events;
	uint32_t origin_dropped;
	uint32_t origin_overwritten;
	uint32_t origin_rejected;
};

/* Returns 0, or a negative value when the configuration is invalid. Call once, on core 0,
 * before any other core records. */
int tp_init(const struct tp_config *cfg);

/* ---- recording (any core, any context; IRQ-safe, nesting-safe) ----
 * The calls return nothing: a status (recorded or dropped) costs one more instruction on
 * every record's fast path (measured: +1.0 per event on Cortex-M3 and M0, e.g. tp_event2 33.9
 * instead of 32.9 on an385 -O2), paid by every caller, also the ones that ignore it. Losses are
 * counted by cause in the counters instead (tp_get_counters, and on the wire). A caller that
 * wants the outcome of each call uses the *_checked variants below.
 *
 * Inline fast path (TP_RECORD_INLINE). With it, the fixed-arity records below (tp_event0..4,
 * tp_mark, tp_span_*, tp_counter, tp_isr_*) are static inline: the masked reserve, timestamp
 * and stores sit in the instrumented line, and only the packet switch (about one record in
 * 50) is a call. That saves the call, the argument moves and the register saves: tp_event2
 * costs 23.6 instructions instead of 33.4 on Cortex-M3 -O2 (an385), 27.8 instead of 34.9 on
 * Cortex-M0 -O2 (micro:bit, whose fast path is assembly: tp_record_inline.h), packet switch
 * included. Worth its price, decided for issue 13:
 * what an instrumented line pays is the figure a tracer is chosen by, and the price falls on
 * the build, not on the API a caller writes (the same calls, the same semantics). The price:
 *  - the line must see the board port (firmware/port.h, boards/<board>/ on the include path)
 *    and the core's channel layout (tp_record_inline.h, not API): a file that records inline
 *    must be built with the same headers as the core, as every file of one firmware image is;
 *  - flash: about 100 bytes per call site on M3, 70 on M0, instead of about 12 for a call.
 * Default: on wherever firmware/port.h can be included (every build in this repository), off
 * otherwise. A build or a single file may set it before including this header: 0 where flash
 * is short, 1 only in the hot paths. Inline and out-of-line records mix freely: they run the
 * same code on the same state. The out-of-line functions exist in every build (tp_ring.c). */
#ifndef TP_RECORD_INLINE
#if defined(__has_include)
#if __has_include("port.h")
#define TP_RECORD_INLINE 1
#endif
#endif
#endif
#ifndef TP_RECORD_INLINE
#define TP_RECORD_INLINE 0
#endif
#if !TP_RECORD_INLINE
void tp_event0(uint32_t id);
void tp_event1(uint32_t id, uint32_t a0);
void tp_event2(uint32_t id, uint32_t a0, uint32_t a1);
void tp_event3(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2);
void tp_event4(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3);
void tp_mark(uint32_t id);
void tp_span_begin(uint32_t id);
void tp_span_end(uint32_t id);
void tp_counter(uint32_t id, uint32_t value);
void tp_isr_enter(uint32_t irq);
void tp_isr_exit(uint32_t irq);
#endif
/* A record of any kind with raw 32-bit argument words (logs, metadata-described events). */
void tp_record(enum tp_kind kind, uint32_t id, const uint32_t *args, unsigned nargs);

/* ---- checked recording ----
 * The same records from the same code (one inlined body per argument count in tp_ring.c,
 * compiled into both entry points), plus the outcome. The void calls above stay as fast as
 * without these; a checked call costs about one instruction more. Self-checking apps count
 * the outcomes as ground truth independent of the counters sent on the wire. Every call that
 * does not return TP_RECORDED has been counted as a loss in the counters. */
typedef enum {
	/* Committed to the ring. In overwrite mode it may still be evicted before it is sent
	 * (counted in `overwritten` then): the caller cannot know that at record time. */
	TP_RECORDED = 0,
	/* The ring is full: no free packet (discard mode), or in overwrite mode none that can
	 * be evicted (the oldest is on the wire or has a writer). Counted in `dropped`. */
	TP_DROPPED = 1,
	/* Not recordable whatever the ring holds: recording stopped (before tp_init, or after
	 * the host's CMD_DUMP), a core beyond the configured ones, a record larger than a
	 * packet, or kind/nargs out of range. Counted in `dropped` for now. */
	TP_REJECTED = 2,
} tp_result_t;

tp_result_t tp_event0_checked(uint32_t id);
tp_result_t tp_event1_checked(uint32_t id, uint32_t a0);
tp_result_t tp_event2_checked(uint32_t id, uint32_t a0, uint32_t a1);
tp_result_t tp_event3_checked(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2);
tp_result_t tp_event4_checked(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3);
tp_result_t tp_record_checked(enum tp_kind kind, uint32_t id, const uint32_t *args, unsigned nargs);
/* A record whose arguments are one byte blob (nargs = 7 on the wire), len <= 255. */
void tp_record_blob(enum tp_kind kind, uint32_t id, const void *bytes, unsigned len);

/* ---- transport ---- */
/* Poll: handle received command bytes, frame ready packets, push bytes to the port.
 * Returns the number of bytes handed to the port. Safe to call from thread mode at any time. */
size_t tp_poll(void);
/* Board UART TX interrupt calls this; it pushes bytes while the port accepts them. */
void tp_tx_isr(void);
/* Board UART RX path (interrupt or polled) hands every received byte here. */
void tp_rx_byte(uint8_t b);
/* Close open packets, send everything, then a FINAL status per core. Blocks (polling). */
void tp_flush(void);
/* Nonzero once CMD_START arrived (or autostart). */
int tp_started(void);
/* Nonzero once CMD_DUMP arrived: recording stopped for a post-mortem dump. */
int tp_dump_requested(void);

/* ---- time ---- */
/* Board timer overflow interrupt calls this once per wrap. */
void tp_timer_overflow(void);
/* Monotonic 64-bit timestamp in ticks. */
uint64_t tp_now(void);

/* ---- ground truth (for self-checking apps and tests) ---- */
struct tp_counters {
	uint32_t next_seq;
	uint32_t committed;
	uint32_t dropped;
	uint32_t overwritten;
	/* events refused, never entered the ring: recording stopped, larger than a packet,
	 * core index out of range, or an invalid kind/nargs (dropped counts only a full ring) */
	uint32_t rejected;
};
void tp_get_counters(unsigned core, struct tp_counters *out);

#if TP_RECORD_INLINE
#include "tp_record_inline.h" /* the inline tp_event0..4, tp_mark, ... */
#endif

#ifdef __cplusplus
}
#endif
#endif /* TRACEPIPE_H */
