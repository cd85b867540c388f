/* SPDX-License-Identifier: MIT */
/*
 * tp_tiny.h - what the tiny core's two files share (PROFILE=tiny, PORTING.md 1.5): the
 * packet header in the ring and the drain's position. Not API.
 *
 * The tiny core is one channel, discard mode, no eviction: every packet has one owner at a
 * time, told by two counters instead of a state word per packet:
 *
 *   seq:  send_seq ........ next_seq - open ...... next_seq - 1 ....... next_seq
 *         | being sent or READY (closed) |  the head, WRITING (if open) | next to open
 *
 * The writer opens packet next_seq only while next_seq - send_seq < packets (else the ring is
 * full: a drop); the drain sends packets send_seq .. next_seq - open - 1 and moves send_seq on
 * after the last byte of each, which hands the packet back. Both run on the one core, the
 * writer masked, so a plain store of send_seq is the release. tp_chan[0] (tp_record_inline.h)
 * holds the writer's side; its `overwritten` stays at the origin.
 */
#ifndef TP_TINY_H
#define TP_TINY_H

#include "../tp_internal.h"

#if TP_BOARD_CORES != 1
#error "PROFILE=tiny is for one-core parts (TP_BOARD_CORES 1): build this board with the full profile (PORTING.md 1.5)"
#endif

/* The head of every packet in the ring: 44 bytes, at least the first COBS code and the
 * longest PACKET message head (1 + 42 bytes: 1 + 1 + 5 + 8 + 5 x 5 + 2), because the drain
 * writes the frame over it and the events over the records, in place (tp_tiny_link.c). The
 * head's counter run is kept in the wire's order at the end, where the drain sends it from:
 * the bytes it writes before stay behind the words it has still to read (but n_events). */
struct tiny_pkt {
	uint32_t ts_begin[2]; /* the first record's timer low bits, epoch */
	uint32_t used;        /* at close: record bytes */
	uint32_t room_[2];
	uint32_t dur;                              /* at close: ts_end - ts_begin, one epoch */
	uint32_t events_before, dropped;           /* the channel's counts at open */
	uint32_t overwritten;                      /* the origin's, set by the drain */
	uint32_t rejected;                         /* ... at the first record */
	uint32_t n_events;                         /* at close */
};
#define TINY_HDR ((unsigned)sizeof(struct tiny_pkt))
/* The last bytes of every packet stay free for the frame's CRC and delimiter after the
 * encoded events (a word, as records are words). */
#define TINY_ROOM 8u

struct tiny_link {
	struct tiny_pkt *send;     /* the packet at send_seq */
	volatile uint32_t send_seq;
	volatile uint32_t pending; /* writers between a slow reservation and its commit */
};
extern struct tiny_link tiny;

/* The packet after p in the ring. */
struct tiny_pkt *tiny_next(struct tiny_pkt *p);
/* Closes the head if it holds events and is min_age ticks old, or from an earlier epoch
 * (masks itself). Returns the seq after the last closed packet. */
uint32_t tiny_close_head(uint32_t min_age);

#endif /* TP_TINY_H */
