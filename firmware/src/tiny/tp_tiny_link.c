/* SPDX-License-Identifier: MIT */
/*
 * tp_tiny_link.c - the tiny core's drain (PROFILE=tiny, PORTING.md 1.5, SPEC 8.1): HEADER on
 * CMD_START and CMD_HEADER (and after every 64 packets), PACKET, and a FINAL STATUS from
 * tp_flush() only. Commands arrive through tp_cmd.c (its tiny branch), shared with the full
 * profile.
 *
 * Every message is whole in memory before its first byte goes: a HEADER or STATUS in msg[],
 * a PACKET over its own packet in the ring: its head over the packet header, its events over
 * the records they come from (no event is longer on the wire than in the ring, and the head
 * fits in the header: tp_tiny.h), then its CRC and the frame's 0x00 in the room the writer
 * left at the end. COBS is done in place too: each zero of the message becomes the code of
 * the group after it, and the byte before the message the first group's, so frame bytes are
 * final as far as the next group of 254 non-zero bytes (its successor's code has no zero to
 * take: that one code goes on its own) and go to the port in one run.
 *
 *   ring packet --encode in place, CRC-32C, COBS codes over the zeros--> port
 *
 * A build for size (__OPTIMIZE_SIZE__; the tiny profile's CPU figures are its -O2 build's)
 * encodes in place the same way, runs the CRC in a pass of its own (bitwise: no table) and
 * does COBS on the way out, one byte a call (a whole message a call on a polled port, port.h),
 * each group's code from a scan to its zero:
 *
 *   ring packet --encode in place, CRC-32C--> message --COBS, a byte at a time--> port
 */
#include "tp_tiny.h"

#define PUBLISH() __asm__ volatile("" : : : "memory") /* one core: program order */
#define HEADER_EVERY 64u /* packets between periodic headers (SPEC 5), a power of 2 */
_Static_assert((HEADER_EVERY & (HEADER_EVERY - 1u)) == 0u, "packet_sent() takes the count modulo HEADER_EVERY");
#define SENDING_PACKET 2u /* d.sending: the message is the PACKET at tiny.send */
/* A message is under way (never between calls on a whole-message pump). */
#define SENDING() (WHOLE_MESSAGE_PUMP ? 0u : d.sending)
#ifndef TP_IDLE_CLOSE_TICKS
/* tp_poll sends a packet that has been open this long, so a quiet app still shows up live. */
#define TP_IDLE_CLOSE_TICKS (TP_BOARD_TIMER_HZ / 50u)
#endif

/* The first code, HEADER up to the build id: 31 bytes, the build id, one origin (5 varints),
 * the CRC, the 0x00. */
#define MSG_MAX (1u + 31u + TP_WIRE_MAX_BUILD_ID + 25u + 4u + 1u)

/* -Os on a polled port (port.h): a whole message goes in one pump() call (below). */
#if defined(__OPTIMIZE_SIZE__) && TP_PORT_TX_POLLED && defined(TP_PORT_HAS_TX_WRITE)
#define WHOLE_MESSAGE_PUMP 1
#else
#define WHOLE_MESSAGE_PUMP 0
#endif

/* The drain's flags. */
#define LINK_FLAGS                                                                                    \
	uint8_t sending;   /* a message is under way: SENDING_PACKET the PACKET at tiny.send */    \
	uint8_t booted;    /* a HEADER went since tp_init: BOOT is clear in the next */            \
	uint8_t final_req; /* the FINAL goes when send_seq gets to final_at */

struct tp_tiny_link_state {
	struct tp_link_ctl link; /* first: tp_link (tp_internal.h) */
#if WHOLE_MESSAGE_PUMP
	LINK_FLAGS /* sending stays 0: a message goes whole from begin() */
	uint32_t final_at;
	volatile uint8_t busy; /* here: msg at an odd offset gives the HEADER's fields aligned stores */
#elif defined(__OPTIMIZE_SIZE__)
	uint8_t *at, *grp_end, *end; /* next byte, end of its COBS group, the 0x00 after the CRC */
	uint8_t skip;                /* the group ends at a zero (code < 0xFF), not sent */
	uint8_t out, out_due;        /* the next frame byte, made but not yet taken by the port */
	LINK_FLAGS
	uint32_t final_at;
	volatile uint8_t busy;
#else
	/* At -O2 the bytes first, below offset 32: Thumb-1's LDRB/STRB reach no further from a
	 * base (the -Os orders above are the smaller code). */
	LINK_FLAGS
	volatile uint8_t busy;
	uint8_t code;     /* a code sent on its own: the group after one of 254 bytes */
	uint8_t code_due; /* ... not sent yet */
	uint8_t after_ff; /* ready is the start of such a group, not a zero */
	/* next byte, end of the final bytes, end of the CRC (where the 0x00 is) */
	uint8_t *at, *ready, *end;
	uint8_t *msg_end; /* the message's end, where its CRC goes */
	uint32_t crc;     /* the running CRC of the message bytes before the scan's position */
	uint32_t final_at;
#endif
	uint8_t msg[MSG_MAX];
} tp_tiny_link_state;
#define d tp_tiny_link_state /* the drain's name for it */


/* notify only tells the ring to wake a port that needs it; a polled one never reads it. */
#define SET_NOTIFY(on) (TP_PORT_TX_POLLED ? (uint8_t)(on) : (tp_g.notify = (uint8_t)(on)))

#if !TP_PORT_TX_POLLED /* else inline (tp_internal.h) */
void tp_link_set_started(unsigned on)
{
	d.link.started = (uint8_t)on;
	tp_g.notify = (uint8_t)on;
}
#endif

/* Everything from scratch: all zero but what autostart turns on. */
void tp_link_init(void)
{
	/* memset: GCC's call of the board's (boards/common/mem.c, PORTING.md) or the C library's */
	__builtin_memset(&d, 0, sizeof d);
	d.link.started = d.link.header_req = SET_NOTIFY(tp_g.autostart);
	tp_cmd_init();
}

static uint8_t *put_le32(uint8_t *o, uint32_t v)
{
	for (unsigned i = 0; i < 4u; i++, v >>= 8)
		*o++ = (uint8_t)v;
	return o;
}

/* A 64-bit time from the ring's (low bits, epoch) words. */
static uint8_t *put_time(uint8_t *o, uint32_t lo, uint32_t epoch)
{
#if TP_BOARD_TIMER_BITS == 32
	return put_le32(put_le32(o, lo), epoch);
#else
	return put_le32(put_le32(o, epoch << TP_BOARD_TIMER_BITS | lo), epoch >> (32 - TP_BOARD_TIMER_BITS));
#endif
}

/* A varint; at -O2 a value below 128 (most event bytes) takes no call. */
#ifdef __OPTIMIZE_SIZE__
#define VAR(o, v) tp_put_var32((o), (v))
#else
#define VAR(o, v) var_fast((o), (v))
__attribute__((always_inline)) static inline uint8_t *var_fast(uint8_t *o, uint32_t v)
{
	if (__builtin_expect(v < 0x80u, 1)) {
		*o = (uint8_t)v;
		return o + 1;
	}
	return tp_put_var32(o, v);
}
#endif

static uint8_t *put_now(uint8_t *o)
{
	uint64_t t = tp_now();
	return put_time(o, (uint32_t)t & TP_TIMER_MASK, (uint32_t)(t >> TP_BOARD_TIMER_BITS));
}

#if WHOLE_MESSAGE_PUMP
/* Size first, on a polled port (port.h: it takes every byte, waiting as it must): the frame
 * of the message [m, end) (end its CRC's 0x00) goes now, COBS on the way out (SPEC 2), each
 * group's code from a scan ahead to its zero, as far as 254 bytes, then the code and the group
 * in one write. The code goes in the byte before the group: m[-1] for the first, the zero it
 * stands for after one, the last byte of a 254-byte group (gone already: the port has taken
 * it) after such a group. The message is spent; every one is rebuilt before it goes again.
 * The 0x00 after the CRC is not sent as data: its place is the frame's delimiter. Nothing
 * waits between calls, so no byte position is kept. Returns the bytes sent. */
static size_t send(uint8_t *at, uint8_t *end)
{
	size_t sent = 1; /* the delimiter */
	for (uint8_t *q; at <= end; at = q + (q - at != 254)) {
		for (q = at; *q != 0u && q - at < 254; q++) {
		}
		size_t n = (size_t)(q - at) + 1u;
		at[-1] = (uint8_t)n;
		(void)tp_port_tx_write(at - 1, n);
		sent += n;
	}
	(void)tp_port_tx_write(end, 1);
	return sent;
}
#endif

/* The message [m, o) is to go: m[-1] is free for the first COBS code, and the CRC and the
 * frame's 0x00 go after it, once prepare() has run the CRC that far. At -Os the CRC is run
 * here, in a pass of its own, and the 0x00 after it (SPEC 2: COBS as if one more 0x00
 * followed the data) ends the last group of the scan in pump(); on a polled port the whole
 * frame goes from here (send()). Returns what pick_next() does. */
static size_t begin(uint8_t *m, uint8_t *o)
{
#ifdef __OPTIMIZE_SIZE__
	put_le32(o, ~tp_crc32c_run(0xFFFFFFFFu, m, (size_t)(o - m)));
	o[4] = 0;
#if WHOLE_MESSAGE_PUMP
	return send(m, o + 4);
#else
	d.at = m;
	d.end = o + 4;
	d.grp_end = m;
	d.skip = 0;
#endif
#else
	d.crc = 0xFFFFFFFFu;
	d.msg_end = o;
	d.end = o + 4;
	d.at = d.ready = m - 1;
	d.after_ff = 0;
#endif
	d.sending = 1;
	return 1;
}

/* SPEC 5, the fields before ts; flags patched in. */
static const uint8_t header_fixed[] = {
	TP_MSG_HEADER, TP_WIRE_MAGIC_0, TP_WIRE_MAGIC_1, TP_WIRE_MAGIC_2, TP_WIRE_MAGIC_3, TP_WIRE_VERSION,
	TP_WIRE_HEADER_NO_FLUSH, 1u /* cores */, TP_WIRE_MODE_DISCARD, TP_BOARD_TIMER_BITS,
	(uint8_t)TP_BOARD_TIMER_HZ, (uint8_t)(TP_BOARD_TIMER_HZ >> 8), (uint8_t)(TP_BOARD_TIMER_HZ >> 16),
	(uint8_t)(TP_BOARD_TIMER_HZ >> 24)};

static size_t start_header(void)
{
	uint8_t *o = d.msg + 1;
	for (unsigned i = 0; i < sizeof header_fixed; i++)
		*o++ = header_fixed[i];
	d.msg[7] |= !d.booted; /* TP_WIRE_HEADER_BOOT: the first header since reset */
	d.booted = 1;
	*o++ = (uint8_t)tp_g.pkt_size;
	*o++ = (uint8_t)(tp_g.pkt_size >> 8);
	*o++ = (uint8_t)tp_g.packets;
	*o++ = (uint8_t)(tp_g.packets >> 8);
	o = put_le32(put_now(o), 0u); /* session: unknown */
	unsigned len;
	const uint8_t *id = tp_port_build_id(&len); /* none: len 0 (port.h), whatever id is */
	*o++ = (uint8_t)len;
	for (unsigned i = 0; i < len; i++)
		*o++ = id[i];
	/* the origin: tp_g's five words, in the wire's order (tp_internal.h) */
	return begin(d.msg + 1, tp_put_vars(o, &tp_g.origin_seq, 5));
}

/* The FINAL STATUS, at the drain's position (SPEC 7): the counts before the packet at
 * send_seq when it holds records, the channel's when there is none yet or it is empty. */
static size_t start_final(void)
{
	const struct tp_chan *ch = &tp_chan[0];
	uint32_t v[5];
	uint32_t key = tp_port_irq_save();
	v[0] = tiny.send_seq;
	v[1] = ch->committed;
	v[2] = ch->dropped;
	v[3] = ch->overwritten;
	v[4] = ch->rejected;
	/* A packet opened but still empty has no rejected yet (its first record writes it), and
	 * counts before it that are the channel's: the writer may be between those turns. */
	const struct tiny_pkt *h = tiny.send;
	if (ch->next_seq != v[0] && ch->wp != (const uint32_t *)(const void *)(h + 1)) {
		v[1] = h->events_before;
		v[2] = h->dropped;
		v[4] = h->rejected;
	}
	tp_port_irq_restore(key);
	uint8_t *o = d.msg + 1;
	*o++ = TP_MSG_STATUS;
	*o++ = 0; /* core */
	*o++ = TP_WIRE_STATUS_FINAL;
	return begin(d.msg + 1, tp_put_vars(put_now(o), v, 5));
}

#ifndef __OPTIMIZE_SIZE__
/* An event of nargs argument words (SPEC 6.1) at o, from its record's words (which o may
 * overwrite: they are read first; o never passes them). */
__attribute__((always_inline)) static inline uint8_t *enc_words(uint8_t *o, uint32_t w0, uint32_t id, uint32_t dt,
								const uint32_t *args, unsigned nargs)
{
	uint32_t a[TP_WIRE_MAX_WORD_ARGS];
	for (unsigned i = 0; i < nargs; i++)
		a[i] = args[i];
	uint8_t *hb = o, *first;
	o = first = VAR(VAR(o + 1, id), dt);
	for (unsigned i = 0; i < nargs; i++)
		o = VAR(o, a[i]);
	unsigned enc = 0;
	if (__builtin_expect((unsigned)(o - first) > 4u * nargs, 0)) {
		/* the fewest argument bytes: fixed words beat a 5-byte varint */
		enc = 1;
		o = first;
		for (unsigned i = 0; i < nargs; i++)
			o = put_le32(o, a[i]);
	}
	*hb = (uint8_t)(w0 | enc);
	return o;
}

#endif

#ifdef __OPTIMIZE_SIZE__
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the tiny link at -Os sends fixed argument words as they lie in memory: little-endian (SPEC 6.1)"
#endif
/* Size first: one loop for every event. The bytes after the varints, a blob's or the fixed
 * argument words when varints would be longer (SPEC 6.1: enc 1), are one forward copy: from
 * the ring (o is below them) or from the arguments' copy in a[]. */
static uint8_t *enc_events(uint8_t *o, const uint32_t *r, const uint32_t *end, uint32_t prev)
{
	while (r < end) {
		uint32_t w0 = r[0], a[TP_WIRE_MAX_WORD_ARGS];
		unsigned nargs = (w0 >> 2) & 7u, n = (w0 >> 8) & 0xFFu;
		uint8_t *hb = o;
		o = VAR(VAR(o + 1, r[1]), (r[2] - prev) & TP_TIMER_MASK);
		prev = r[2];
		const uint8_t *src = (const uint8_t *)(r + 3);
		if (nargs == 7u) {
			o = VAR(o, n);
			r += TP_BLOB_WORDS(n);
		} else {
			for (unsigned i = 0; i < nargs; i++)
				a[i] = r[3 + i];
			r += TP_REC_WORDS(nargs);
			uint8_t *first = o;
			for (unsigned i = 0; i < nargs; i++)
				o = VAR(o, a[i]);
			n = 0;
			if ((unsigned)(o - first) > 4u * nargs) {
				w0 |= 1u; /* enc 1 */
				o = first;
				n = 4u * nargs;
				src = (const uint8_t *)a;
			}
		}
		for (unsigned i = 0; i < n; i++)
			*o++ = src[i];
		*hb = (uint8_t)w0;
	}
	return o;
}
#endif

/* The PACKET at send_seq is out: the packet is the writer's again. */
static void packet_sent(void)
{
	tiny.send = tiny_next(tiny.send);
	PUBLISH();
	tiny.send_seq = tiny.send_seq + 1u;
	if (((tiny.send_seq - tp_g.origin_seq) & (HEADER_EVERY - 1u)) == 0u)
		d.link.header_req = 1;
}

/* The PACKET at send_seq, encoded over itself (see the top). The writer's records are read
 * whole before their bytes are overwritten; the write position never passes the read one. */
static size_t start_packet(void)
{
	struct tiny_pkt *h = tiny.send;
	const uint32_t begin_lo = h->ts_begin[0], epoch = h->ts_begin[1], n_events = h->n_events;
	const uint32_t *r = (const uint32_t *)(const void *)(h + 1), *end = r + h->used / 4u;
	uint8_t *m = (uint8_t *)h + 1, *o = m;
	h->overwritten = tp_g.origin_overwritten;
	*o++ = TP_MSG_PACKET;
	*o++ = 0; /* core */
	o = put_time(tp_put_var32(o, tiny.send_seq), begin_lo, epoch);
	/* the run from the head (tp_tiny.h): n_events from its copy, rejected's bytes may reach it */
	o = VAR(tp_put_vars(o, &h->dur, 5), n_events);
#ifdef __OPTIMIZE_SIZE__
	o = enc_events(o, r, end, begin_lo);
#else
	uint32_t prev = begin_lo;
	while (r < end) {
		uint32_t w0 = r[0], id = r[1], lo = r[2];
		unsigned nargs = (w0 >> 2) & 7u;
		uint32_t dt = (lo - prev) & TP_TIMER_MASK;
		prev = lo;
		uint8_t *hb = o;
		if (nargs == 7u) {
			unsigned len = (w0 >> 8) & 0xFFu;
			const uint8_t *src = (const uint8_t *)(r + 3);
			r += TP_BLOB_WORDS(len);
			o = VAR(VAR(VAR(o + 1, id), dt), len);
			for (unsigned i = 0; i < len; i++)
				*o++ = src[i]; /* forward: o is below src */
			*hb = (uint8_t)w0;
			continue;
		}
		const uint32_t *args = r + 3;
		r += TP_REC_WORDS(nargs);
		if (nargs == 2u) /* the common record, unrolled */
			o = enc_words(hb, w0, id, dt, args, 2);
		else
			o = enc_words(hb, w0, id, dt, args, nargs);
	}
#endif
	size_t n = begin(m, o);
#if WHOLE_MESSAGE_PUMP
	packet_sent();
#else
	d.sending = SENDING_PACKET;
#endif
	return n;
}

/* The next message, if any: HEADER first, then the FINAL tp_flush asks for once every packet
 * it closed is out, then packets. Returns 0 for none, else begin()'s answer. */
static size_t pick_next(void)
{
	if (!d.link.started)
		return 0;
	if (d.link.header_req) {
		d.link.header_req = 0;
		return start_header();
	}
	if (d.final_req && tiny.send_seq == d.final_at) {
		d.final_req = 0;
		return start_final();
	}
	const struct tp_chan *ch = &tp_chan[0];
	uint32_t key = tp_port_irq_save();
	int ready = tiny.pending == 0 && tiny.send_seq != ch->next_seq - ch->open;
	tp_port_irq_restore(key);
	return ready ? start_packet() : 0u;
}

#if !WHOLE_MESSAGE_PUMP
static void end_message(void)
{
	unsigned packet = d.sending == SENDING_PACKET;
	d.sending = 0;
	if (packet)
		packet_sent();
}
#endif

#if WHOLE_MESSAGE_PUMP
/* Every message went whole from begin(). */
static size_t pump(void)
{
	size_t sent = 0, n;
	while ((n = pick_next()) != 0u)
		sent += n;
	return sent;
}
#elif defined(__OPTIMIZE_SIZE__)
/* Size first: COBS on the way out, a byte at a time (SPEC 2). At the end of a group the next
 * one's code comes from a scan ahead to its zero, as far as 254 bytes; the zero itself is not
 * sent (its group's code stands for it), nor is the 0x00 after the CRC, whose place is the
 * frame's delimiter. A byte the port refuses waits in d.out for the next call. */
static size_t pump(void)
{
	size_t sent = 0;
	for (;;) {
		if (!d.out_due) {
			if (!d.sending && !pick_next())
				return sent;
			if (d.at != d.grp_end) {
				d.out = *d.at++;
			} else {
				d.at += d.skip;
				uint8_t *q = d.at;
				if (q > d.end) {
					d.out = 0; /* the delimiter */
				} else {
					while (*q != 0u && q - d.at < 254)
						q++;
					d.out = (uint8_t)(q - d.at + 1);
					d.skip = d.out != 0xFFu;
					d.grp_end = q;
				}
			}
			d.out_due = 1;
		}
#ifdef TP_PORT_HAS_TX_WRITE
		size_t taken = tp_port_tx_write(&d.out, 1); /* the port's one entry: no tp_port_tx_put linked */
#else
		size_t taken = (size_t)tp_port_tx_put(d.out);
#endif
		if (!TP_PORT_TX_POLLED && taken == 0u) /* a polled port takes every byte (port.h) */
			return sent;
		d.out_due = 0;
		sent++;
		if (d.at > d.end)
			end_message(); /* the delimiter is out */
	}
}
#else
static size_t port_write(const uint8_t *p, size_t n)
{
#ifdef TP_PORT_HAS_TX_WRITE
	return tp_port_tx_write(p, n);
#else
	size_t k = 0;
	while (k < n && tp_port_tx_put(p[k]))
		k++;
	return k;
#endif
}

/* Makes the frame final from d.ready on (see the top): group after group, each zero (or the
 * byte before the message) takes the code of the group after it, as far as a group of 254
 * bytes or the end (SPEC 2: as if one more 0x00 followed the data; the 0x00 after the CRC is
 * the delimiter). The search for zeros runs the CRC too, each message byte once: when it
 * reaches the message's end, the CRC goes there (again, the same bytes, after a 254-byte
 * group that ends there), and the search goes on over it. */
static void prepare(void)
{
	uint8_t *slot = d.ready, *g = slot + !d.after_ff;
	for (;;) {
		uint8_t *q = g, *lim = d.end - g > 254 ? g + 254 : d.end;
		uint8_t *m = lim < d.msg_end ? lim : d.msg_end;
		uint32_t crc = d.crc;
		for (; q < m; q++) {
			crc = tp_crc32c_step(crc, *q);
			if (*q == 0u)
				break;
		}
		d.crc = crc;
		if (q == d.msg_end) {
			put_le32(q, ~crc);
			q[4] = 0;
		}
		while (q != lim && *q != 0u)
			q++;
		uint8_t code = (uint8_t)(q - g + 1);
		if (d.after_ff) {
			d.code = code;
			d.code_due = 1;
		} else {
			*slot = code;
		}
		d.after_ff = code == 0xFFu;
		slot = q;
		if (d.after_ff || q == d.end)
			break;
		g = q + 1;
	}
	d.ready = slot + (slot == d.end && !d.after_ff); /* the delimiter too */
}

static size_t pump(void)
{
	size_t sent = 0;
	for (;;) {
		if (!d.sending && !pick_next())
			return sent;
		if (d.at == d.ready) {
			if (d.at > d.end) {
				end_message(); /* the delimiter is out */
				continue;
			}
			prepare();
		}
		const uint8_t *p = d.at;
		size_t n = (size_t)(d.ready - d.at);
		if (d.code_due) {
			p = &d.code;
			n = 1;
		}
		size_t k = port_write(p, n);
		sent += k;
		if (k == 0)
			return sent;
		if (p == &d.code)
			d.code_due = 0;
		else
			d.at += k;
		if (k < n)
			return sent;
	}
}

#endif

/* The drain, from tp_poll (which also closes an idle head) or the TX interrupt: one at a
 * time, the other returns at once. */
static size_t drain(unsigned poll)
{
	if (!tp_g.initialised)
		return 0;
	uint32_t key = tp_port_irq_save();
	unsigned busy = d.busy;
	d.busy = 1;
	tp_port_irq_restore(key);
	if (busy)
		return 0;
	if (poll && d.link.started)
		tiny_close_head(TP_IDLE_CLOSE_TICKS);
	size_t n = pump();
	unsigned more = SENDING();
	PUBLISH();
	d.busy = 0;
	if (!TP_PORT_TX_POLLED && poll && more)
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

/* Closes the books (SPEC 7, 8.1): the head closed, every packet up to it sent, then the
 * FINAL (pick_next). A CMD_STOP meanwhile ends the wait: nothing more may be sent. */
void tp_flush(void)
{
	if (!tp_g.initialised || !d.link.started)
		return;
	d.final_at = tiny_close_head(0);
	d.final_req = 1;
	while ((d.final_req || SENDING()) && d.link.started)
		tp_poll();
}
