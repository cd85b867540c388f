/* SPDX-License-Identifier: MIT */
/*
 * tp_drain.c - the link's sending side: picks the next message (HEADER, STATUS, PACKET),
 * encodes it straight out of the ring into the framer's output (a run of events at a time,
 * 32-bit encoder), where the framer (tp_frame.c) runs CRC and COBS over the bytes in place,
 * and hands runs of final bytes to the port (tp_port_tx_write where the board has it) as
 * long as the port takes them. Commands from the host arrive through tp_cmd.c, which sets the
 * requests in tp_link.
 *
 *   ring packet --encode in place--> framer out[256] --runs of final bytes--> port
 *
 * Only when the framer lacks room for the next event while nothing final is left to send (a
 * long open COBS group) does that one event go to chunk[] first and in by copy.
 *
 * The scheduler (pick_next), in priority order, each time the previous message is framed
 * and every final byte has gone to the port:
 *
 *   started, and not quiet after a host's flush? --no--> nothing to send
 *     | yes
 *   header_req ---------------------------------------> HEADER (with one origin per core)
 *   flush_req, flush IDLE --> the flush's close, then DRAIN (below)
 *   status_mask (a core owes a STATUS) ----------------> STATUS of its lowest core
 *   flush DRAIN: every core sent up to its target? ----> flush FINAL + 0
 *   flush FINAL + k, k < cores ------------------------> FINAL STATUS of core k (then + k+1)
 *   a READY packet, cores taken round-robin -----------> PACKET (claimed: READY -> SENDING)
 *
 * after a PACKET: every TP_STATUS_EVERY packets of a core, that core owes a STATUS; every
 * TP_HEADER_EVERY packets, a HEADER is due again.
 *
 * The flush (CMD_FLUSH, CMD_DUMP, tp_flush):
 *
 *          flush_req: all open           every core sent up       last FINAL
 *   IDLE -------------------------> DRAIN -------------------> FINAL -----------> IDLE
 *          packets closed, each            to its target            STATUS sent
 *          core's target = the seq         (STATUS messages may     (one per core, core
 *          after its last closed packet    still go first)          k's in FINAL + k)
 *
 * Only one drain runs at a time (tp_poll or tp_tx_isr, on any core): a CAS-guarded flag
 * (a masked one on a one-core board) makes the loser return at once. Writers never wait for the drain.
 *
 * Cost (an385 -O2, bench_wire_small polled every 32 events, -icount; session 6): 148.0
 * insns per event whole CPU (175.6 before), of which the record ~24 and the app's loop ~6,
 * encode_events' loop of small events 44 (5 bytes: 5 loads, 3 range tests, CRC 5 lookups at 3
 * insns, one product for the 4 zero tests, no spills; zeros, 1 in 10 here, out of line),
 * the UART loop ~5.4 a wire byte (floor 5: 8 bytes a turn), and ~30 per event of per-packet
 * work (48 events a packet: claim, the packet head through the framer's byte loop at ~9
 * insns a byte, 2 or 3 pieces, 2 TX interrupts, polls that find the packet open). Slice-by-4
 * CRC would save nothing on v7-M (3 insns a byte already) for 3 KiB more table.
 *
 * A build for size (-Os) has no framer ring: see "The whole-message link" below
 * (TP_LINK_WHOLE). The tiny profile does not build this file: its drain is
 * firmware/src/tiny/tp_tiny_link.c (PORTING.md 1.5).
 */
#include "tp_internal.h"

#ifndef TP_IDLE_CLOSE_TICKS
/* tp_poll sends a packet that has been open this long, so a quiet app still shows up live. */
#define TP_IDLE_CLOSE_TICKS (TP_BOARD_TIMER_HZ / 50u)
#endif
#define TP_HEADER_EVERY 64u /* packets between periodic headers (SPEC §5) */
#define TP_STATUS_EVERY 16u /* packets of one core between its periodic statuses */
_Static_assert(256u % TP_HEADER_EVERY == 0u && 256u % TP_STATUS_EVERY == 0u, "the counts wrap at 256");
/* The configured cores: a constant on a one-core board (tp_init admits no other count), so
 * the loops over cores fold away there. */
#define CORES() (TP_MAX_CORES == 1 ? 1u : (unsigned)tp_g.cores)

#if TP_MAX_CORES > 32
#error "core bit masks are 32 bits"
#endif

/* The drain's fast paths, at some flash: encoding and framing in one pass (encode_events),
 * and the scheduler's shortcuts (a look at a packet's state before its claim, one test for
 * every request). -O2 builds have them; -Os builds (flash first) encode, then let the
 * framer's scan run CRC and COBS over the bytes. */
#ifndef TP_DRAIN_FAST
#ifdef __OPTIMIZE_SIZE__
#define TP_DRAIN_FAST 0
#else
#define TP_DRAIN_FAST 1
#endif
#endif

enum { MSG_NONE, MSG_HEADER, MSG_PACKET, MSG_STATUS, MSG_FINAL /* a FINAL STATUS */ };
/* The flush's phase: IDLE, DRAIN, then FLUSH_FINAL + k while core k's FINAL is next. */
enum { FLUSH_IDLE, FLUSH_DRAIN, FLUSH_FINAL };

/*
 * How the link frames. 1: the whole-message link ("The whole-message link" below): no framer
 * ring, each message whole in memory (a HEADER's origins as one origin repeated), then COBS
 * straight to the port: the link of a build for size (-Os), on a Cortex-M0 about 0.9 KB less
 * flash than the framer's (tp_frame.c is not linked) and 300 B less RAM, with no RAM per core.
 * 0: the framer ring, events encoded and framed a run at a time (TP_DRAIN_FAST at -O2): the
 * link at every other level, and at -Os with -DTP_LINK_WHOLE=0. The bytes on the wire are the
 * same.
 */
#ifndef TP_LINK_WHOLE
#if defined(__OPTIMIZE_SIZE__)
#define TP_LINK_WHOLE 1
#else
#define TP_LINK_WHOLE 0
#endif
#endif

#if TP_LINK_WHOLE
/* A HEADER's fixed part and one origin is the longest head kept here: every core's origin is
 * the same (tp_g.origin_*), so the message repeats that one (d.rep), and no byte of RAM is
 * kept per core. */
#define HEAD_MAX (63u + 25u)
#if TP_MAX_CORES > 1
#define MSG_REP(rep) (rep)
#else
#define MSG_REP(rep) 1u /* one core: ev once (a PACKET's events, a HEADER's origin, or none) */
#endif
#endif

static struct {
	/* Bytes early: a Cortex-M0 loads a byte at an offset of 31 at most in one instruction. */
	uint8_t msg;       /* MSG_* being sent */
	uint8_t msg_core;  /* its core; for HEADER the next origin to encode */
	uint8_t rr;        /* round-robin start for packet claims */
	uint8_t since_header;
	uint8_t flush_phase;
	uint8_t boot_pending;
	/* The whole-message link's ev follows the head this many times: 1, or a HEADER's cores.
	 * Kept on one core too, and in the framer's link: the RAM is the same for any core count. */
	uint8_t rep;
#if TP_LINK_WHOLE /* the message (see "The whole-message link" below), its head last */
	uint8_t code;      /* the open COBS group's code byte, 0 when none is open */
	uint8_t code_due;  /* ... and it has not gone to the port yet */
	uint16_t head_len, ev_len;
	const uint8_t *ev; /* a PACKET's events, encoded in place over its records; a HEADER's origin */
	uint32_t at, len, grp; /* next message byte, message + CRC bytes, end of the open group */
	uint8_t fcs[5];    /* the message's CRC, little-endian, and the frame's 0x00 */
#else
	struct tp_framer fr;
	uint8_t chunk[36]; /* an event or origin kept back for lack of room in the framer */
	uint16_t chunk_len, chunk_pos;
	const uint8_t *ext; /* blob bytes, read in place from the ring */
	uint16_t ext_len, ext_pos;
#endif
	struct tp_pkt *pkt;
#if !TP_LINK_WHOLE
	const uint32_t *rec, *rec_end;
	uint32_t prev_lo;
#endif
	struct tp_drain_chan dc[TP_MAX_CORES];
	uint32_t flush_target[TP_MAX_CORES];
	uint32_t session;
	volatile uint32_t busy;
#if TP_LINK_WHOLE
	uint8_t head[HEAD_MAX]; /* HEADER, STATUS, or a PACKET's fields before its events */
#endif
} d;

struct tp_link_ctl tp_link;

#ifdef TP_BOARD_NOINIT_SECTION
/* Survives a reset (the board's linker script keeps this section out of .bss); the second
 * word tells a counter from power-on garbage. */
static uint32_t boot_count[2] __attribute__((section(TP_BOARD_NOINIT_SECTION)));
static uint32_t next_session(void)
{
	if (boot_count[1] != ~boot_count[0])
		boot_count[0] = 0;
	boot_count[0]++;
	if (boot_count[0] == 0)
		boot_count[0] = 1;
	boot_count[1] = ~boot_count[0];
	return boot_count[0];
}
#else
static uint32_t next_session(void)
{
	return 0;
}
#endif

void tp_link_set_started(unsigned on)
{
	tp_link.started = (uint8_t)on;
	tp_g.notify = (uint8_t)on;
}

static void zero(void *p, size_t n)
{
	uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = 0;
}

void tp_link_init(void)
{
	zero(&d, sizeof d);
	zero((void *)&tp_link, sizeof tp_link); /* interrupts masked (tp_init) */
	tp_g.notify = 0;
	tp_cmd_init();
	for (unsigned c = 0; c < TP_MAX_CORES; c++)
		d.dc[c].send_seq = tp_g.origin_seq;
	d.boot_pending = 1;
	d.session = next_session();
	if (tp_g.autostart) {
		tp_link_set_started(1);
		tp_link.header_req = 1;
	}
}

int tp_init(const struct tp_config *cfg)
{
	_Static_assert(TP_MODE_DISCARD == 0 && TP_MODE_OVERWRITE == 1, "the modes are 0 and 1");
	if (cfg == NULL || cfg->ring == NULL || ((uintptr_t)cfg->ring & 3u) != 0 ||
	    cfg->cores - 1u >= (unsigned)TP_MAX_CORES || cfg->packets < 2 ||
	    cfg->packet_size - 64u > TP_MAX_MESSAGE - 64u || (cfg->packet_size & 3u) != 0 ||
	    (unsigned)cfg->mode > 1u)
		return -1;
	uint32_t key = tp_port_irq_save();
	tp_ring_init(cfg);
	tp_link_init();
	tp_g.initialised = 1;
	tp_g.recording = 1;
	tp_port_irq_restore(key);
	return 0;
}

static void advance(unsigned c)
{
	struct tp_drain_chan *dc = &d.dc[c];
	uint32_t seq = dc->send_seq;
	unsigned idx = dc->send_idx;
	/* Packets after an evicted one are evicted too or still unsent; skip only the evicted:
	 * those tagged newer (tp_ring_tag_cmp > 0, in one compare). */
	while ((((tp_ring_pkt(c, idx)->state >> 2) - seq - 1u) & 0x3FFFFFFFu) < 0x1FFFFFFFu) {
		seq++;
		if (++idx == tp_g.packets)
			idx = 0;
	}
	dc->send_seq = seq;
	dc->send_idx = (uint16_t)idx;
}

#if TP_LINK_WHOLE
static void start_message(unsigned msg, unsigned core)
{
	d.msg = (uint8_t)msg;
	d.msg_core = (uint8_t)core;
}

static void msg_begin(unsigned head_len, const uint8_t *ev, uint32_t ev_len, unsigned rep);
#else
static void start_message(unsigned msg, unsigned core)
{
	tp_frame_begin(&d.fr); /* every final byte has gone: the framer has room */
	d.msg = (uint8_t)msg;
	d.msg_core = (uint8_t)core;
	d.chunk_pos = d.chunk_len = 0;
	d.ext_len = d.ext_pos = 0;
}

/* A message's first piece, in place: a message starts when every final byte has gone, so
 * the framer has room for any head. */
static uint8_t *head_wp(void)
{
	return tp_frame_wp(&d.fr);
}

static void head_done(unsigned n)
{
	tp_frame_commit(&d.fr, n);
}
#endif

#if TP_LINK_WHOLE
/* The whole-message link's encoders, into d.head: small code first (the framer's link keeps
 * tp_wire.c's). */
static uint8_t *put_le32(uint8_t *o, uint32_t v)
{
	for (unsigned i = 0; i < 4u; i++, v >>= 8)
		*o++ = (uint8_t)v;
	return o;
}

static uint8_t *put_u64(uint8_t *o, uint64_t v)
{
	return put_le32(put_le32(o, (uint32_t)v), (uint32_t)(v >> 32));
}

/* SPEC §5 up to timer_hz; flags, cores and mode patched in. */
static const uint8_t header_lead[14] = {
	TP_MSG_HEADER, TP_WIRE_MAGIC_0, TP_WIRE_MAGIC_1, TP_WIRE_MAGIC_2, TP_WIRE_MAGIC_3, TP_PROTOCOL_VERSION, 0, 0, 0,
	TP_BOARD_TIMER_BITS, (uint8_t)TP_BOARD_TIMER_HZ, (uint8_t)(TP_BOARD_TIMER_HZ >> 8),
	(uint8_t)(TP_BOARD_TIMER_HZ >> 16), (uint8_t)(TP_BOARD_TIMER_HZ >> 24)};
_Static_assert(TP_WIRE_HEADER_BOOT == 1u && TP_WIRE_STATUS_FINAL == 1u, "flags stored as 0/1");
/* The origin goes as tp_put_vars reads it: consecutive words. */
_Static_assert(offsetof(struct tp_global, origin_rejected) - offsetof(struct tp_global, origin_seq) ==
		       4u * sizeof(uint32_t),
	       "tp_global: origin_seq .. origin_rejected are 5 consecutive words");

static void start_header(void)
{
	uint8_t *o = d.head;
	for (unsigned i = 0; i < sizeof header_lead; i++)
		o[i] = header_lead[i];
	o[6] = d.boot_pending;
	d.boot_pending = 0;
	o[7] = (uint8_t)CORES();
	o[8] = tp_g.mode;
	o = put_le32(put_u64(put_le32(o + 14, tp_g.pkt_size | (uint32_t)tp_g.packets << 16), tp_now()), d.session);
	unsigned len = 0;
	const uint8_t *id = tp_port_build_id(&len);
	if (id == NULL)
		len = 0;
	if (len > TP_WIRE_MAX_BUILD_ID)
		len = TP_WIRE_MAX_BUILD_ID;
	*o++ = (uint8_t)len;
	for (unsigned i = 0; i < len; i++)
		*o++ = id[i];
	start_message(MSG_HEADER, 0);
	/* the origin once after the fixed part, sent once per core */
	msg_begin((unsigned)(o - d.head), o, (uint32_t)(tp_put_vars(o, &tp_g.origin_seq, 5) - o), tp_g.cores);
}

static void start_status(unsigned c, unsigned final)
{
	struct tp_counters k;
	do
		advance(c);
	while (!tp_ring_status_snapshot(c, d.dc[c].send_seq, d.dc[c].send_idx, &k));
	start_message(MSG_STATUS + final, c);
	uint8_t *o = d.head;
	o[0] = TP_MSG_STATUS;
	o[1] = (uint8_t)c;
	o[2] = (uint8_t)final;
	msg_begin((unsigned)(tp_put_vars(put_u64(o + 3, tp_now()), &k.next_seq, 5) - d.head), NULL, 0, 0);
}

/* An event (SPEC §6.1) of n argument words: H is the record's w0 (kind, nargs) and the enc. */
__attribute__((noinline)) static uint8_t *enc_event(uint8_t *o, uint32_t w0, uint32_t id, uint32_t dt,
						     const uint32_t *args, unsigned n)
{
	uint8_t *h = o, *a = tp_put_var32(tp_put_var32(o + 1, id), dt);
	o = a;
	for (unsigned i = 0; i < n; i++)
		o = tp_put_var32(o, args[i]);
	if ((unsigned)(o - a) > 4u * n) {
		/* fewest argument bytes: fixed words beat a 5-byte varint, ties go to varints */
		w0 |= TP_WIRE_ENC_FIXED4;
		o = a;
		for (unsigned i = 0; i < n; i++)
			o = put_le32(o, args[i]);
	}
	*h = (uint8_t)w0;
	return o;
}

/*
 * A claimed (SENDING) packet: its fields before the events into d.head, its events encoded
 * over its own records from its events_before word on: the state and pending words stay as
 * the ring needs them, and the seq word for tp_ring_release. The first record is 36 bytes
 * past the first event byte, and no event is longer on the wire than in the ring
 * (tp_internal.h), so every write lands at least that far before the next byte to read.
 */
static void msg_packet(struct tp_pkt *p, unsigned c, uint32_t overwritten)
{
	uint8_t *o = d.head;
	o[0] = TP_MSG_PACKET;
	o[1] = (uint8_t)c;
	o = put_u64(tp_put_var32(o + 2, p->seq), tp_pkt_time(p->ts_begin));
	/* One epoch per packet (tp_ring.c): the duration is the difference of the low bits. */
	const uint32_t v[6] = {p->ts_end[0] - p->ts_begin[0], p->events_before, p->dropped, overwritten, p->rejected,
			       p->n_events};
	unsigned head_len = (unsigned)(tp_put_vars(o, v, 6) - d.head);
	uint8_t *first = (uint8_t *)(void *)&p->events_before, *w = first;
	const uint32_t *r = (const uint32_t *)(const void *)(p + 1), *end = r + p->used / 4u;
	uint32_t prev = p->ts_begin[0];
	while (r < end) {
		uint32_t w0 = r[0];
		/* Every dt is shorter than one timer period (SPEC §6.2): modular arithmetic is exact. */
		uint32_t dt = (r[2] - prev) & TP_TIMER_MASK;
		prev = r[2];
		uint32_t len = w0 >> 8; /* a blob's byte count, 0 for any other record */
		unsigned nargs = (w0 >> 2) & 7u, blob = nargs == TP_WIRE_BLOB_NARGS;
		/* A blob is an event whose one argument is its length (a varint below 4 bytes:
		 * enc 0), then its bytes. */
		w = enc_event(w, w0, r[1], dt, blob ? &len : r + 3, blob ? 1u : nargs);
		const uint8_t *src = (const uint8_t *)(r + 3);
		for (unsigned i = 0; i < len; i++)
			*w++ = src[i];
		r += blob ? TP_BLOB_WORDS(len) : TP_REC_WORDS(nargs);
	}
	msg_begin(head_len, first, (uint32_t)(w - first), 1);
}
#else
static void start_header(void)
{
	struct tp_header_info hi;
	unsigned len = 0;
	hi.boot = d.boot_pending;
	d.boot_pending = 0;
	hi.cores = tp_g.cores;
	hi.mode = tp_g.mode;
	hi.timer_bits = TP_BOARD_TIMER_BITS;
	hi.timer_hz = TP_BOARD_TIMER_HZ;
	hi.packet_size = (uint16_t)tp_g.pkt_size;
	hi.packets = tp_g.packets;
	hi.ts = tp_now();
	hi.session = d.session;
	hi.build_id = tp_port_build_id(&len);
	hi.build_id_len = hi.build_id != NULL ? len : 0u;
	start_message(MSG_HEADER, 0);
	head_done(tp_enc_header_fixed(head_wp(), &hi));
}

static void start_status(unsigned c, unsigned final)
{
	struct tp_status_info si;
	si.core = (uint8_t)c;
	si.final = (uint8_t)final;
	do
		advance(c);
	while (!tp_ring_status_snapshot(c, d.dc[c].send_seq, d.dc[c].send_idx, &si.c));
	si.ts = tp_now();
	start_message(MSG_STATUS + final, c);
	head_done(tp_enc_status(head_wp(), &si));
}

static uint64_t get_ts(const uint32_t *w)
{
	return tp_pkt_time(w);
}
#endif

static int start_packet(unsigned c)
{
	struct tp_drain_chan *dc = &d.dc[c];
	/* Most calls find the packet still open (a poll, the TX interrupt after a packet): a
	 * look at its state, unmasked, spares them the claim; tp_ring_claim checks again. */
#if TP_DRAIN_FAST
	uint32_t st = tp_ring_pkt(c, dc->send_idx)->state;
	if (st != (TP_TAG(dc->send_seq) | TP_ST_READY)) {
		if (tp_ring_tag_cmp(st, dc->send_seq) <= 0)
			return 0; /* not closed yet */
		advance(c);
	}
#else
	advance(c);
#endif
	uint32_t overwritten;
	struct tp_pkt *p = tp_ring_claim(c, dc->send_seq, dc->send_idx, &overwritten);
	if (p == NULL)
		return 0;
	dc->send_seq++;
	if (++dc->send_idx == tp_g.packets)
		dc->send_idx = 0;
	start_message(MSG_PACKET, c);
	d.pkt = p;
#if TP_LINK_WHOLE
	msg_packet(p, c, overwritten);
#else
	struct tp_packet_info pi;
	pi.overwritten = overwritten;
	pi.core = (uint8_t)c;
	pi.seq = p->seq;
	pi.ts_begin = get_ts(p->ts_begin);
	pi.duration = get_ts(p->ts_end) - pi.ts_begin;
	pi.events_before = p->events_before;
	pi.dropped = p->dropped;
	pi.rejected = p->rejected;
	pi.n_events = p->n_events;
	tp_frame_commit(&d.fr, tp_enc_packet_head(head_wp(), &pi));
	d.rec = (const uint32_t *)(const void *)(p + 1);
	d.rec_end = d.rec + p->used / 4u;
	d.prev_lo = (uint32_t)pi.ts_begin & TP_TIMER_MASK;
#endif
	return 1;
}

static unsigned lowest_bit(uint32_t m)
{
	if (TP_MAX_CORES == 1)
		return 0; /* the one bit a mask of cores has */
	unsigned i = 0;
	while (!(m & 1u)) {
		m >>= 1;
		i++;
	}
	return i;
}

/* The flush's CLOSE step: closes every core's open packet from this core. On a multi-core
 * board that is exact only while the other cores are not recording (the multicore apps flush
 * after their cores are done): a writer's reservation is masked on its own core only, so a
 * close from here could race it. */
static void flush_close(void)
{
	for (unsigned c = 0; c < CORES(); c++) {
		tp_ring_close_head(c, 0);
		/* A masked section of its own (the close's is long enough): a packet a writer
		 * closes in between only joins the flush. An open head is empty or newer than the
		 * close (nothing to wait for): it is the last opened, next_seq - 1. */
		struct tp_chan *ch = &tp_chan[c];
		uint32_t key = tp_port_irq_save();
		d.flush_target[c] = ch->next_seq - ch->open;
		tp_port_irq_restore(key);
	}
	d.flush_phase = FLUSH_DRAIN;
}

/* The requests (HEADER, STATUS, the flush's steps) in their order before packets: 1 when a
 * message was started, 0 to go on to packets. */
static int pick_request(void)
{
	if (tp_link.header_req) {
		tp_link.header_req = 0;
		start_header();
		return 1;
	}
	if (tp_link.flush_req && d.flush_phase == FLUSH_IDLE) {
		tp_link.flush_req = 0;
		flush_close();
	}
	uint32_t m = tp_link.status_mask;
	if (m) {
		/* tp_rx_byte (an interrupt) may set bits meanwhile: clear ours atomically. */
		unsigned c = lowest_bit(m);
		uint32_t key = tp_port_irq_save();
		tp_link.status_mask &= ~(1u << c);
		tp_port_irq_restore(key);
		start_status(c, 0);
		return 1;
	}
	/* Checked before new packets are picked, so that writers that keep recording during a
	 * flush cannot delay its FINAL statuses. */
	if (d.flush_phase == FLUSH_DRAIN) {
		unsigned c;
		for (c = 0; c < CORES(); c++) {
			advance(c);
			if ((int32_t)(d.dc[c].send_seq - d.flush_target[c]) < 0)
				return 0;
		}
		d.flush_phase = FLUSH_FINAL;
	}
	unsigned k = d.flush_phase - (unsigned)FLUSH_FINAL;
	if (k < CORES()) { /* FLUSH_FINAL + k: core k's FINAL is next */
		d.flush_phase++;
		start_status(k, 1);
		return 1;
	}
	return 0;
}

/* Chooses the next message. Returns 0 when there is nothing to send. */
static int pick_next(void)
{
	/* quiet: the host's flush is complete (every byte of its last FINAL has gone to the port:
	 * pump flushed it before asking here); nothing more until its CMD_STOP or CMD_START */
	if (!tp_link.started || tp_link.quiet)
		return 0;
	/* Most turns have no request and no flush: one test for all of them. */
	if ((!TP_DRAIN_FAST || (tp_link.header_req | tp_link.flush_req | d.flush_phase | tp_link.status_mask) != 0u) &&
	    pick_request())
		return 1;
	if (TP_MAX_CORES == 1)
		return start_packet(0);
	/* Round robin by counting, not by %: no division helper from libgcc. */
	for (unsigned i = 0, c = d.rr; i < CORES(); i++) {
		if (c >= CORES())
			c = 0;
		if (start_packet(c)) {
			d.rr = (uint8_t)(c + 1u); /* wraps at the next pick */
			return 1;
		}
		c++;
	}
	return 0;
}

#if !TP_LINK_WHOLE
/* Where the next piece of at most `need` bytes goes: in place when the framer has room, else
 * d.chunk when nothing final is left to send (room comes only as the open group grows to its
 * end), else NULL: the port must take final bytes first. */
static uint8_t *piece_wp(unsigned need)
{
	if (tp_frame_space(&d.fr) > need)
		return tp_frame_wp(&d.fr);
	return tp_frame_pending(&d.fr) ? NULL : d.chunk;
}

static void piece_done(const uint8_t *w, unsigned n)
{
	if (w == d.chunk) {
		d.chunk_pos = 0;
		d.chunk_len = (uint16_t)n;
	} else {
		tp_frame_commit(&d.fr, n);
	}
}

enum { MORE_DONE, MORE_SENT, MORE_FLUSH };


/* Record words of the record that starts with w0. */
static inline unsigned rec_words(uint32_t w0)
{
	unsigned nargs = (w0 >> 2) & 7u;
	return nargs == TP_WIRE_BLOB_NARGS ? TP_BLOB_WORDS((w0 >> 8) & 0xFFu) : TP_REC_WORDS(nargs);
}

/* The general encoder for the record at r, its dt given: its bytes at w (at most 35); a
 * blob's own bytes follow from the ring (d.ext). Returns the length. */
static unsigned encode_one(uint8_t *w, const uint32_t *r, uint32_t dt)
{
	uint32_t w0 = r[0];
	unsigned kind = (w0 >> 5) & 7u, nargs = (w0 >> 2) & 7u;
	if (nargs == TP_WIRE_BLOB_NARGS) {
		unsigned len = (w0 >> 8) & 0xFFu;
		d.ext = (const uint8_t *)(r + 3);
		d.ext_pos = 0;
		d.ext_len = (uint16_t)len;
		return tp_enc_blob_prefix(w, kind, r[1], dt, len);
	}
#ifdef __OPTIMIZE_SIZE__
	return tp_enc_event(w, kind, r[1], dt, r + 3, nargs); /* one copy: flash first */
#else
	return tp_enc_event32(w, kind, r[1], dt, r + 3, nargs);
#endif
}

/* What encode_events wrote: up to end; with TP_DRAIN_FAST framed already, with the CRC
 * register after it and the open group's code byte (tp_frame_commit_framed). */
struct piece {
	uint8_t *end, *code;
	uint32_t crc;
};

#if TP_DRAIN_FAST
/* Nonzero when a byte of v is zero. */
static inline uint32_t has_zero_byte(uint32_t v)
{
	return (v - 0x01010101u) & ~v & 0x80808080u;
}

/* Two args that go as fixed words (enc 1: their varints would take 9 or 10 bytes, SPEC
 * §6.1) and hold no zero byte. */
static inline int wide_pair(uint32_t a, uint32_t b)
{
	return a >= 1u << 21 && b >= 1u << 21 && (a | b) >= 1u << 28 && !(has_zero_byte(a) | has_zero_byte(b));
}

/* The CRC register after one more byte v (< 256). */
static inline uint32_t crc_byte(uint32_t crc, uint32_t v)
{
	return tp_crc32c_shift8(crc ^ v);
}

static inline uint32_t crc_word(uint32_t crc, uint32_t v)
{
	/* little-endian bytes: the reflected CRC takes the low one first */
	crc ^= v;
	crc = tp_crc32c_shift8(crc);
	crc = tp_crc32c_shift8(crc);
	crc = tp_crc32c_shift8(crc);
	return tp_crc32c_shift8(crc);
}

/* COBS of a zero at z: the open group ends there (its code byte, at out->code, gets the
 * length, mod 256 of the pointers' difference), z is the next group's code byte. In memory,
 * not a register: zeros are rare, and the small events' loop needs every register. */
#define ZERO_AT(z)                                                 \
	do {                                                       \
		*out->code = (uint8_t)((z) - out->code);           \
		out->code = (z);                                   \
	} while (0)
/* On past a 2-argument event of n bytes whose record's time was lo. */
#define NEXT_EVENT2(n)                     \
	do {                               \
		w += (n);                  \
		prev = lo;                 \
		r += TP_REC_WORDS(2);      \
	} while (0)
#endif

/*
 * Events from d.rec on into [w, lim) while they surely fit, a blob only first and alone.
 * Out of line: the loop gets the registers to itself.
 *
 * With TP_DRAIN_FAST the bytes are framed here, in the same pass (CRC and COBS, as the
 * framer's scan would; lim keeps within tp_frame_clean_room). Two shapes of 2-argument event
 * go straight from the record's words in registers to the bytes and the CRC: every field a
 * one-byte varint (SPEC §6.1), or id and dt one byte each and both args as fixed words
 * (enc 1: their varints would take 9 or 10 bytes) without a zero byte. Any other event
 * takes the general encoder, then a byte loop for CRC and COBS.
 *
 * The first shape has a loop of its own (the common case: small ids, args and gaps): each
 * such event takes 5 record words and 5 bytes, so one compare of the record pointer per
 * event checks both the packet's end and the room. The other events run in the second
 * loop, until a small one comes again.
 */
__attribute__((noinline)) static void encode_events(uint8_t *w, const uint8_t *lim, struct piece *out)
{
	uint8_t *first = w;
	const uint32_t *r = d.rec, *end = d.rec_end;
	uint32_t prev = d.prev_lo;
#if TP_DRAIN_FAST
	uint32_t crc = d.fr.crc;
	out->code = tp_frame_code(&d.fr);
	for (;;) {
		/* w + 5 <= lim while r < r + (lim - w - 4) words */
		const uint32_t *stop = r;
		if (lim - w >= 5)
			stop = (uint32_t)(lim - w - 4) < (uint32_t)(end - r) ? r + (lim - w - 4) : end;
		while (r < stop) {
			uint32_t w0 = r[0];
			if ((w0 & 0x1Cu) != 2u << 2) /* nargs 2 */
				break;
			uint32_t id = r[1], lo = r[2], a = r[3], b = r[4];
			/* Every dt is shorter than one timer period (SPEC §6.2): modular arithmetic is exact. */
			uint32_t dt = (lo - prev) & TP_TIMER_MASK;
			if ((id | dt | a | b) >= 0x80u)
				break;
			/* w0 < 256: only a blob's record has bits above the H byte */
			uint32_t v = w0 | id << 8 | dt << 16 | a << 24;
			w[0] = (uint8_t)v; /* kind, nargs, enc 0: never zero with nargs 2 */
			w[1] = (uint8_t)(v >> 8);
			w[2] = (uint8_t)(v >> 16);
			w[3] = (uint8_t)(v >> 24);
			w[4] = (uint8_t)b;
			crc = crc_byte(crc_word(crc, v), b);
			/* One test for the four: each is below 2^7, so the product fits in 28 bits. */
			if (__builtin_expect(id * dt * a * b == 0u, 0)) {
				if (id == 0u)
					ZERO_AT(w + 1);
				if (dt == 0u)
					ZERO_AT(w + 2);
				if (a == 0u)
					ZERO_AT(w + 3);
				if (b == 0u)
					ZERO_AT(w + 4);
			}
			NEXT_EVENT2(5);
		}
		if (r >= stop)
			goto done; /* the packet's end, or no room for 5 bytes: none for any event */
#endif
		do {
			uint32_t w0 = r[0];
			uint32_t lo = r[2];
			uint32_t dt = (lo - prev) & TP_TIMER_MASK;
#if TP_DRAIN_FAST
			if ((w0 & 0x1Cu) == 2u << 2) { /* nargs 2 */
				uint32_t id = r[1], a = r[3], b = r[4];
				if ((id | dt | a | b) < 0x80u)
					break; /* to the small events' loop (it checks the room) */
				if ((id | dt) < 0x80u && wide_pair(a, b)) {
					if (w + 11 > lim)
						goto done;
					uint32_t h = w0 | TP_WIRE_ENC_FIXED4;
					w[0] = (uint8_t)h;
					w[1] = (uint8_t)id;
					w[2] = (uint8_t)dt;
					w[3] = (uint8_t)a;
					w[4] = (uint8_t)(a >> 8);
					w[5] = (uint8_t)(a >> 16);
					w[6] = (uint8_t)(a >> 24);
					w[7] = (uint8_t)b;
					w[8] = (uint8_t)(b >> 8);
					w[9] = (uint8_t)(b >> 16);
					w[10] = (uint8_t)(b >> 24);
					crc = crc_byte(crc, h);
					crc = crc_byte(crc, id);
					crc = crc_byte(crc, dt);
					crc = crc_word(crc_word(crc, a), b);
					if (id == 0u)
						ZERO_AT(w + 1);
					if (dt == 0u)
						ZERO_AT(w + 2);
					NEXT_EVENT2(11);
					continue;
				}
			}
#endif
			unsigned nargs = (w0 >> 2) & 7u;
			if (nargs == TP_WIRE_BLOB_NARGS) {
				/* a blob goes alone: its bytes follow from the ring; its prefix is H,
				 * 5-byte id and dt varints and a 2-byte length at most */
				if (w != first || w + 13u > lim)
					goto done;
			} else if (w + 11u + 4u * nargs > lim) {
				goto done; /* H, two 5-byte varints, the args at 4 bytes at most */
			}
			prev = lo;
			uint8_t *e = w + encode_one(w, r, dt);
			r += rec_words(w0);
#if TP_DRAIN_FAST
			crc = tp_frame_in_place(w, e, crc, &out->code);
#endif
			w = e;
			if (nargs == TP_WIRE_BLOB_NARGS)
				goto done;
		} while (r < end);
#if TP_DRAIN_FAST
		if (r >= end)
			goto done;
	}
#endif
done:
	d.prev_lo = prev;
	d.rec = r;
	out->end = w;
#if TP_DRAIN_FAST
	out->crc = crc;
#endif
}

/* How far past the write position a piece may reach: through the ring's end into the slack
 * by the longest event (35 bytes), so that a piece need not stop at the end and
 * tp_frame_commit's fold copies little. */
static unsigned piece_reach(void)
{
	unsigned to_end = TP_FRAME_RING - d.fr.head % TP_FRAME_RING;
	return to_end + 35u;
}

/* The next piece of the current message into the framer (or d.chunk, and d.ext for blob
 * bytes): MORE_DONE when the message body is complete, MORE_FLUSH when final bytes must go
 * to the port first. */
static int encode_more(void)
{
	uint8_t *w0;
	if (d.msg == MSG_HEADER) {
		if (d.msg_core >= CORES())
			return MORE_DONE;
		if ((w0 = piece_wp(25u)) == NULL)
			return MORE_FLUSH;
		d.msg_core++;
		piece_done(w0, tp_enc_origin(w0, tp_g.origin_seq, tp_g.origin_events, tp_g.origin_dropped,
					     tp_g.origin_overwritten, tp_g.origin_rejected));
		return MORE_SENT;
	}
	if (d.msg != MSG_PACKET || d.rec >= d.rec_end)
		return MORE_DONE;
	struct piece pc;
#if TP_DRAIN_FAST
	/* In place, as many events as surely fit: up to the free room, the open group's 254th
	 * data byte (only the scan closes such a group) and the reach below; a small event
	 * (5 bytes) may still fit where the longest (35) would not. */
	unsigned space = tp_frame_space(&d.fr);
	if (space > 5u) {
		w0 = tp_frame_wp(&d.fr);
		unsigned room = space - 1u, reach = piece_reach(), clean = tp_frame_clean_room(&d.fr);
		if (room > reach)
			room = reach;
		if (room > clean)
			room = clean;
		encode_events(w0, w0 + room, &pc);
		if (pc.end != w0) {
			tp_frame_commit_framed(&d.fr, (unsigned)(pc.end - w0), pc.crc, pc.code);
			return MORE_SENT;
		}
	}
	/* Nothing fit: the port takes final bytes first, or with none left (a long open group)
	 * the next event goes by copy, and the scan closes the group. */
	w0 = tp_frame_pending(&d.fr) ? NULL : d.chunk;
#else
	w0 = piece_wp(35u); /* room for one event of the most bytes (35) */
#endif
	if (w0 == NULL)
		return MORE_FLUSH;
	if (w0 == d.chunk) {
		/* one event, framed by the copy (tp_frame_bytes) */
		const uint32_t *r = d.rec;
		uint32_t lo = r[2];
		d.chunk_pos = 0;
		d.chunk_len = (uint16_t)encode_one(w0, r, (lo - d.prev_lo) & TP_TIMER_MASK);
		d.rec = r + rec_words(r[0]);
		d.prev_lo = lo;
		return MORE_SENT;
	}
#if !TP_DRAIN_FAST
	unsigned room = tp_frame_space(&d.fr) - 1u, reach = piece_reach();
	if (room > reach)
		room = reach;
	encode_events(w0, w0 + room, &pc);
	tp_frame_commit(&d.fr, (unsigned)(pc.end - w0));
#endif
	return MORE_SENT;
}

#endif /* !TP_LINK_WHOLE */

static void end_message(void)
{
	if (d.msg == MSG_PACKET) {
		unsigned c = d.msg_core;
		tp_ring_release(d.pkt);
		/* Counts that wrap (mod 256): every TP_STATUS_EVERY-th and TP_HEADER_EVERY-th, powers
		 * of two, is a multiple of them. */
		if (++d.dc[c].since_status % TP_STATUS_EVERY == 0u) {
			uint32_t key = tp_port_irq_save();
			tp_link.status_mask |= 1u << c;
			tp_port_irq_restore(key);
		}
		if (++d.since_header % TP_HEADER_EVERY == 0u)
			tp_link.header_req = 1;
	} else if (d.msg == MSG_FINAL && d.flush_phase - (unsigned)FLUSH_FINAL >= CORES()) {
		d.flush_phase = FLUSH_IDLE;
		/* A host's flush ends with its FINALs: packets recorded meanwhile would follow them
		 * and open the books again before the host's CMD_STOP arrives (pick_next stops). */
		if (tp_link.stop_after_flush && !tp_link.flush_req) {
			tp_link.stop_after_flush = 0;
			tp_link.quiet = 1;
		}
	}
	d.msg = MSG_NONE;
}

#ifdef TP_PORT_HAS_TX_WRITE
#define port_write tp_port_tx_write
#else
static size_t port_write(const uint8_t *p, size_t n)
{
	size_t k = 0;
	while (k < n && tp_port_tx_put(p[k]))
		k++;
	return k;
}
#endif

#if !TP_LINK_WHOLE

/* Hands the final bytes to the port, as long as it takes them. Returns 1 when all went. */
static int tx_flush(size_t *sent)
{
	const uint8_t *run;
	uint32_t n;
	while ((n = tp_frame_run(&d.fr, &run)) != 0) {
		size_t k = port_write(run, n);
		d.fr.tail += (uint32_t)k;
		*sent += k;
		if (k < n)
			return 0;
	}
	return 1;
}

static size_t pump(void)
{
	size_t sent = 0;
	for (;;) {
		if (d.msg == MSG_NONE) {
			if ((!TP_DRAIN_FAST || tp_frame_pending(&d.fr)) && !tx_flush(&sent))
				return sent;
			if (!pick_next())
				return sent;
			continue;
		}
		/* A piece kept back, then the blob bytes that follow from the ring. */
		const uint8_t *src = NULL;
		uint16_t *pos = NULL, len = 0;
		if (d.chunk_pos < d.chunk_len) {
			src = d.chunk;
			pos = &d.chunk_pos;
			len = d.chunk_len;
		} else if (d.ext_pos < d.ext_len) {
			src = d.ext;
			pos = &d.ext_pos;
			len = d.ext_len;
		}
		if (src != NULL) {
			*pos = (uint16_t)(*pos + tp_frame_bytes(&d.fr, src + *pos, (size_t)(len - *pos)));
			if (*pos < len && !tx_flush(&sent))
				return sent;
			continue;
		}
		if (d.fr.trailer == 0) {
			int more = encode_more();
			if (more == MORE_SENT)
				continue;
			if (more == MORE_FLUSH) {
				if (!tx_flush(&sent))
					return sent;
				continue;
			}
		}
		if (tp_frame_end(&d.fr)) {
			end_message();
			continue;
		}
		if (!tx_flush(&sent))
			return sent;
	}
}

/* A message is under way, or final bytes wait for the port. */
static int link_pending(void)
{
	return d.msg != MSG_NONE || tp_frame_pending(&d.fr);
}

#else /* TP_LINK_WHOLE */

/*
 * The whole-message link (TP_LINK_WHOLE). No framer ring, no pieces: a message is whole in
 * memory before its first byte goes out.
 *   HEADER, STATUS    encoded into d.head (by this link's own encoders, start_header and
 *                     start_status: tp_wire.c's are not linked at -Os)
 *   PACKET            its fields before the events into d.head, its events in place over
 *                     its own records (msg_packet), so no buffer of a packet's size
 * The CRC runs over the message once, then COBS goes over message and CRC as the port takes
 * the bytes, a run of a group at a time (tp_port_tx_write where the port has it): each
 * group's code byte is its distance to the next zero, found by looking ahead at most 254
 * bytes (SPEC §2: as if one more 0x00 followed the data).
 */

/* Where byte i (<= d.len) of message, CRC and delimiter is, and *n: the bytes from it to the
 * end of its piece (the head, each copy of ev, the 4 CRC bytes and the 0x00), which follow it
 * in memory. */
static const uint8_t *msg_run(uint32_t i, uint32_t *n)
{
	if (i < d.head_len) {
		*n = d.head_len - i;
		return d.head + i;
	}
	i -= d.head_len;
	for (unsigned r = MSG_REP(d.rep); r != 0u; r--) {
		if (i < d.ev_len) {
			*n = d.ev_len - i;
			return d.ev + i;
		}
		i -= d.ev_len;
	}
	*n = 5u - i;
	return d.fcs + i;
}

static uint32_t msg_crc(uint32_t crc, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		crc = tp_crc32c_step(crc, p[i]);
	return crc;
}

/* The message: the head in d.head, then rep copies of ev_len bytes at ev. */
static void msg_begin(unsigned head_len, const uint8_t *ev, uint32_t ev_len, unsigned rep)
{
	rep = MSG_REP(rep);
	uint32_t crc = msg_crc(0xFFFFFFFFu, d.head, head_len);
	for (unsigned r = 0; r < rep; r++)
		crc = msg_crc(crc, ev, ev_len);
	crc ^= 0xFFFFFFFFu;
	for (unsigned i = 0; i < 4u; i++)
		d.fcs[i] = (uint8_t)(crc >> (8u * i));
	d.head_len = (uint16_t)head_len;
	d.ev = ev;
	d.ev_len = (uint16_t)ev_len;
#if TP_MAX_CORES > 1
	d.rep = (uint8_t)rep;
#endif
	d.at = 0;
	d.len = head_len + rep * ev_len + 4u;
	d.code = 0;
}

static size_t pump(void)
{
	size_t sent = 0;
	for (;;) {
		if (d.msg == MSG_NONE && !pick_next())
			return sent;
		if (d.code == 0) {
			/* The next group: up to the next zero, at most 254 bytes, at most to the end.
			 * Each byte is looked at once, in order, so the CRC runs here too: it is
			 * complete when the look reaches the CRC's own bytes (and is of no use after). */
			uint32_t q = d.at, lim = d.len - d.at > 254u ? d.at + 254u : d.len;
			while (q != lim) {
				uint32_t n;
				const uint8_t *p = msg_run(q, &n), *z = p;
				if (n > lim - q)
					n = lim - q;
				while (z != p + n && *z != 0u)
					z++;
				q += (uint32_t)(z - p);
				if (z != p + n)
					break;
			}
			d.grp = q;
			d.code = (uint8_t)(q - d.at + 1u);
			d.code_due = 1;
		}
		const uint8_t *p = &d.code;
		uint32_t n = 1;
		if (!d.code_due) {
			if (d.at == d.grp) {
				/* the group is out */
				if (d.at > d.len) { /* and the delimiter after the last */
					end_message();
					continue;
				}
				if (d.code == 0xFFu || d.at != d.len) {
					/* the next group starts after its zero (none after 254 bytes) */
					if (d.code != 0xFFu)
						d.at++;
					d.code = 0;
					continue;
				}
				d.grp++; /* the last group: the delimiter (d.fcs[4]) goes as data */
			}
			p = msg_run(d.at, &n);
			if (n > d.grp - d.at)
				n = d.grp - d.at;
		}
		size_t k = port_write(p, n);
		sent += k;
		if (p != &d.code)
			d.at += (uint32_t)k;
		else if (k != 0u)
			d.code_due = 0;
		if (k < n)
			return sent;
	}
}

static int link_pending(void)
{
	return d.msg != MSG_NONE;
}
#endif /* TP_LINK_WHOLE */

static int enter(void)
{
#if TP_BOARD_CORES == 1
	/* One core: a drain that preempts another finds the flag set under its mask. */
	uint32_t key = tp_port_irq_save();
	uint32_t was = d.busy;
	d.busy = 1;
	tp_port_irq_restore(key);
	return was == 0;
#else
	return tp_port_cas(&d.busy, 0, 1) == 0;
#endif
}

static void leave(void)
{
	tp_port_dmb();
	d.busy = 0;
}

/* Both entries' drain: one copy at -Os, inline in each at -O2 (no test of `poll` on the TX
 * interrupt's path). */
#ifdef __OPTIMIZE_SIZE__
__attribute__((noinline))
#else
__attribute__((always_inline)) inline
#endif
static size_t drain(unsigned poll)
{
	if (!tp_g.initialised)
		return 0;
	/* Before the drain lock: the close touches only this core's channel, under its own mask
	 * (as a writer's close does), and a core polling while another core drains must still
	 * get its idle packet out (apps/multicore/mc_app.c). */
	if (poll && tp_link.started) {
		unsigned c = tp_port_core_id();
		if (c < CORES())
			tp_ring_close_head(c, TP_IDLE_CLOSE_TICKS);
	}
	if (!enter())
		return 0;
	size_t n = pump();
	int more = link_pending();
	leave();
	if (poll && more)
		tp_port_tx_kick();
	return n;
}

size_t tp_poll(void)
{
	return drain(1);
}

void tp_tx_isr(void)
{
	(void)drain(0);
}

void tp_flush(void)
{
	if (!tp_g.initialised || !tp_link.started)
		return;
	tp_link.flush_req = 1;
	/* A CMD_STOP meanwhile ends the wait: nothing more may be sent. */
	while ((tp_link.flush_req || d.flush_phase != FLUSH_IDLE || link_pending()) && tp_link.started)
		tp_poll();
}

