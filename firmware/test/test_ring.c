/* SPDX-License-Identifier: MIT */
/*
 * test_ring.c - channels end to end through the reference decoder: exact payloads and
 * times, nested writers, discard/overwrite accounting under random schedules on two cores,
 * eviction racing the drain's claim, counters started just below 2^32.
 */
#include <string.h>
#include "tp_test.h"

#define MAXLOG 60000

struct logged {
	uint8_t kind, nargs;
	uint32_t id;
	uint64_t t;
	uint32_t args[6];
	uint8_t blob_len;
	uint8_t blob[24];
};

static struct logged logs[2][MAXLOG];
static uint32_t serial[2];
static unsigned nest_depth, nest_max, nest_percent;

static void emit(unsigned core);

/* Runs between a writer's reserve and commit: records more events, nested like IRQs. */
static void nest_hook(void)
{
	CHECK(host_irq_masked == 0); /* the slot is filled with interrupts enabled */
	if (nest_depth < nest_max && tt_rand() % 100 < nest_percent) {
		nest_depth++;
		emit(host_core);
		nest_depth--;
	}
}

/* Records one event of a random kind whose id is its per-core serial number. */
static void emit(unsigned core)
{
	uint32_t s = serial[core]++;
	REQUIRE(s < MAXLOG);
	struct logged *L = &logs[core][s];
	memset(L, 0, sizeof *L);
	L->id = s;
	L->t = host_time;
	for (int i = 0; i < 6; i++) {
		uint64_t r = tt_rand();
		L->args[i] = (uint32_t)(r >> (r % 32));
	}
	host_core = core;
	switch (tt_rand() % 10) {
	case 0: L->kind = TP_KIND_EVENT; L->nargs = 0; tp_event0(s); break;
	case 1: L->kind = TP_KIND_EVENT; L->nargs = 1; tp_event1(s, L->args[0]); break;
	case 2: L->kind = TP_KIND_EVENT; L->nargs = 2; tp_event2(s, L->args[0], L->args[1]); break;
	case 3: L->kind = TP_KIND_EVENT; L->nargs = 3; tp_event3(s, L->args[0], L->args[1], L->args[2]); break;
	case 4:
		L->kind = TP_KIND_EVENT;
		L->nargs = 4;
		tp_event4(s, L->args[0], L->args[1], L->args[2], L->args[3]);
		break;
	case 5: L->kind = TP_KIND_COUNTER; L->nargs = 1; tp_counter(s, L->args[0]); break;
	case 6: {
		static const uint8_t kinds[5] = {TP_KIND_MARK, TP_KIND_SPAN_BEGIN, TP_KIND_SPAN_END, TP_KIND_ISR_ENTER,
						 TP_KIND_ISR_EXIT};
		L->kind = kinds[tt_rand() % 5];
		L->nargs = 0;
		switch (L->kind) {
		case TP_KIND_MARK: tp_mark(s); break;
		case TP_KIND_SPAN_BEGIN: tp_span_begin(s); break;
		case TP_KIND_SPAN_END: tp_span_end(s); break;
		case TP_KIND_ISR_ENTER: tp_isr_enter(s); break;
		default: tp_isr_exit(s); break;
		}
		break;
	}
	case 7:
		L->kind = TP_KIND_LOG;
		L->nargs = (uint8_t)(tt_rand() % 7);
		tp_record(TP_KIND_LOG, s, L->args, L->nargs);
		break;
	default:
		L->kind = TP_KIND_LOG;
		L->nargs = 7;
		L->blob_len = (uint8_t)(tt_rand() % sizeof L->blob);
		for (unsigned i = 0; i < L->blob_len; i++)
			L->blob[i] = (uint8_t)tt_rand();
		tp_record_blob(TP_KIND_LOG, s, L->blob, L->blob_len);
		break;
	}
}

static int event_matches(const struct dec_event *e, const struct logged *L)
{
	if (e->kind != L->kind || e->nargs != L->nargs || e->id != L->id || e->t != L->t) {
		fprintf(stderr, "event core %u id %u: got kind %u nargs %u t %" PRIu64 ", want kind %u nargs %u t %" PRIu64 "\n",
			e->core, e->id, e->kind, e->nargs, e->t, L->kind, L->nargs, L->t);
		return 0;
	}
	if (L->nargs == 7)
		return e->blob_len == L->blob_len && memcmp(e->blob, L->blob, L->blob_len) == 0;
	for (unsigned i = 0; i < L->nargs; i++)
		if (e->args[i] != L->args[i])
			return 0;
	return 1;
}

/* Every decoded event is a recorded one, exactly, in order, at most once; the identity holds
 * and the host's numbers equal the firmware's (no link loss on this link). */
static void check_stream(const struct dec_stream *s, unsigned cores, const uint32_t *origin)
{
	CHECK_EQ(s->n_bad, 0);
	CHECK(s->time_unproven == 0);
	for (unsigned c = 0; c < cores; c++) {
		int64_t last = -1;
		uint64_t last_t = 0, n = 0;
		for (size_t i = 0; i < s->n_events; i++) {
			const struct dec_event *e = &s->events[i];
			if (e->core != c)
				continue;
			n++;
			CHECK((int64_t)e->id > last);
			REQUIRE(e->id < serial[c]);
			CHECK(event_matches(e, &logs[c][e->id]));
			CHECK(e->t >= last_t);
			last = e->id;
			last_t = e->t;
		}
		struct dec_totals t;
		REQUIRE(dec_account(s, c, &t));
		struct tp_counters fw;
		tp_get_counters(c, &fw);
		CHECK_EQ(t.decoded, n);
		CHECK_EQ(t.link_lost, 0);
		CHECK_EQ(t.generated, serial[c]);
		CHECK_EQ((uint32_t)(fw.committed - origin[1] + fw.dropped - origin[2]), serial[c]);
		CHECK_EQ((uint32_t)t.dropped, (uint32_t)(fw.dropped - origin[2]));
		CHECK_EQ((uint32_t)t.overwritten, (uint32_t)(fw.overwritten - origin[3]));
		CHECK_EQ((uint32_t)(t.decoded + t.overwritten), (uint32_t)(fw.committed - origin[1]));
	}
}

static void start_session(void)
{
	serial[0] = serial[1] = 0;
	nest_depth = 0;
	tt_command(TP_CMD_START);
}

static void finish_and_check(unsigned cores, const uint32_t *origin, struct dec_stream *s)
{
	host_core = 0;
	host_tx_budget = SIZE_MAX;
	tp_test_hook = NULL;
	tp_flush();
	CHECK(host_irq_masked == 0);
	CHECK_EQ(host_irq_saves, host_irq_restores);
	dec_stream(host_tx_buf, host_tx_len, s);
	check_stream(s, cores, origin);
}

static const uint32_t zero_origin[4];

static void basic_all_kinds(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 512, 8, 1) == 0);
	start_session();
	for (int i = 0; i < 300; i++) {
		emit(0);
		host_advance(tt_rand() % 50);
		if (i % 20 == 0)
			tt_drain();
	}
	struct dec_stream s;
	finish_and_check(1, zero_origin, &s);
	CHECK_EQ(s.n_events, 300);
	/* A BOOT header first, then statuses; a FINAL status at the end. */
	REQUIRE(s.n_headers >= 1);
	CHECK_EQ(s.headers[0].flags, 1);
	CHECK_EQ(s.headers[0].cores, 1);
	CHECK_EQ(s.headers[0].packet_size, 512);
	CHECK_EQ(s.headers[0].packets, 8);
	CHECK_EQ(s.headers[0].timer_bits, TP_BOARD_TIMER_BITS);
	CHECK_EQ(s.headers[0].timer_hz, TP_BOARD_TIMER_HZ);
	REQUIRE(s.n_statuses >= 2);
	CHECK(s.statuses[s.n_statuses - 1].final == 1);
	CHECK_EQ(s.statuses[s.n_statuses - 1].committed, 300);
	CHECK_EQ(s.order[0], DEC_HEADER);
	CHECK_EQ(s.order[1], DEC_STATUS);
	/* Packet seqs run 0, 1, 2, ... */
	for (size_t i = 0; i < s.n_packets; i++)
		CHECK_EQ(s.packets[i].seq, i);
	dec_free(&s);
}

/* Nested writers at depth 1..3 between every reserve and commit. */
static void nested_writers(void)
{
	for (unsigned depth = 1; depth <= 3; depth++) {
		tt_reset();
		REQUIRE(tt_init(TP_MODE_DISCARD, 256, 16, 1) == 0);
		start_session();
		nest_max = depth;
		nest_percent = 70;
		tp_test_hook = nest_hook;
		for (int i = 0; i < 400 && serial[0] < 3000; i++) {
			emit(0);
			host_advance(tt_rand() % 20);
			if (i % 8 == 0)
				tt_drain();
		}
		struct dec_stream s;
		finish_and_check(1, zero_origin, &s);
		CHECK(s.n_events > 400); /* nesting happened */
		CHECK_EQ(s.n_events, serial[0]); /* the ring was drained often enough to lose nothing */
		dec_free(&s);
	}
}

/* A nested writer fills and closes the packet the outer writer is still writing; the drain
 * runs inside the nested context and must not send that packet before the outer commit. */
static int pending_seen;
static void fill_and_drain_hook(void)
{
	static int busy;
	if (busy)
		return;
	busy = 1;
	size_t before = host_tx_len;
	for (int i = 0; i < 40; i++)
		emit(0); /* far more than one 256-byte packet */
	tt_drain();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	/* The outer writer's event (serial 0) must not be on the wire yet. */
	for (size_t i = 0; i < s.n_events; i++)
		CHECK(s.events[i].id != 0);
	pending_seen = host_tx_len > before; /* later packets did go out */
	dec_free(&s);
	busy = 0;
}

static void nested_close_while_pending(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 256, 8, 1) == 0);
	start_session();
	tt_drain();
	tp_test_hook = fill_and_drain_hook;
	emit(0);
	tp_test_hook = NULL;
	CHECK(pending_seen == 0); /* in-order drain: nothing after the held packet either */
	struct dec_stream s;
	finish_and_check(1, zero_origin, &s);
	REQUIRE(s.n_events > 0);
	CHECK_EQ(s.events[0].id, 0);
	dec_free(&s);
}

/* Overwrite mode: nested writers that fill the whole ring must not evict the packet an
 * outer writer is still writing: those events are dropped instead. */
static void overwrite_skips_pending(void)
{
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 3, 1) == 0);
	start_session();
	tp_test_hook = fill_and_drain_hook;
	host_tx_budget = 0; /* nothing leaves: the ring fills */
	emit(0);
	tp_test_hook = NULL;
	struct tp_counters fw;
	tp_get_counters(0, &fw);
	CHECK(fw.dropped > 0);
	struct dec_stream s;
	finish_and_check(1, zero_origin, &s);
	REQUIRE(s.n_events > 0);
	CHECK_EQ(s.events[0].id, 0); /* the outer event survived */
	dec_free(&s);
}

static void random_schedule(tp_mode_t mode, uint64_t seed, const uint32_t *origin, unsigned steps)
{
	tt_reset();
	tt_seed(seed);
	REQUIRE(tt_init_origins(mode, 128, 4, 2, origin[0], origin[1], origin[2], origin[3], 0) == 0);
	start_session();
	nest_max = 3;
	nest_percent = 15;
	tp_test_hook = nest_hook;
	for (unsigned step = 0; step < steps; step++) {
		unsigned r = tt_rand() % 100;
		if (r < 55)
			emit(tt_rand() % 2);
		else if (r < 75)
			host_advance(tt_rand() % 300);
		else {
			host_core = 0;
			host_tx_budget = tt_rand() % 120;
			tp_poll();
			host_tx_budget = SIZE_MAX;
		}
	}
	struct dec_stream s;
	finish_and_check(2, origin, &s);
	struct tp_counters fw0;
	tp_get_counters(0, &fw0);
	if (mode == TP_MODE_OVERWRITE)
		CHECK(fw0.overwritten != origin[3]); /* the schedule did overload the ring */
	else
		CHECK(fw0.dropped != origin[2]);
	dec_free(&s);
}

static void accounting_discard(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		random_schedule(TP_MODE_DISCARD, seed, zero_origin, 6000);
}

static void accounting_overwrite(void)
{
	for (uint64_t seed = 11; seed <= 16; seed++)
		random_schedule(TP_MODE_OVERWRITE, seed, zero_origin, 6000);
}

/* Every cumulative counter starts just below 2^32 and wraps during the run. */
static void counters_near_wrap(void)
{
	const uint32_t origin[4] = {0xFFFFFFFEu, 0xFFFFFF00u, 0xFFFFFFF0u, 0xFFFFFFC0u};
	random_schedule(TP_MODE_OVERWRITE, 99, origin, 8000);
	tt_reset();
	random_schedule(TP_MODE_DISCARD, 98, origin, 8000);
	struct tp_counters fw;
	tp_get_counters(0, &fw);
	CHECK(fw.next_seq < 1000u);   /* wrapped */
	CHECK(fw.committed < 100000u); /* wrapped */
	CHECK(fw.dropped < 100000u);   /* wrapped */
}

/* Fill a 3-packet overwrite ring so the next open must evict; then race. */
static void fill_ring(void)
{
	host_tx_budget = 0;
	for (int i = 0; i < 200; i++) {
		struct tp_counters c;
		tp_get_counters(0, &c);
		if (c.next_seq == 3 && c.committed > 0 && tp_chan[0].end == (uintptr_t)tp_chan[0].head + 128 &&
		    (uintptr_t)tp_chan[0].wp + 4 * TP_REC_WORDS(2) > tp_chan[0].end)
			return;
		tp_event2(1000u + (unsigned)i, 1, 2);
		serial[0]++;
	}
}

static void drain_claims_first(volatile uint32_t *p)
{
	(void)p;
	/* Another core's drain wins the race for the oldest packet: its claim and sample run
	 * entirely before this eviction started (it would wait while `evicting` is set). */
	uint8_t ev = tp_chan[0].evicting;
	tp_chan[0].evicting = 0;
	host_tx_budget = 10; /* claims, sends a little, keeps it SENDING */
	tp_poll();
	host_tx_budget = 0;
	tp_chan[0].evicting = ev;
}

/* The writer's eviction CAS loses to the drain's claim: the event is dropped, nothing is
 * overwritten, and the claimed packet goes out whole. */
static void evict_loses_to_claim(void)
{
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 3, 1) == 0);
	start_session();
	tt_drain();
	host_tx_budget = 0;
	fill_ring();
	struct tp_counters before, after;
	tp_get_counters(0, &before);
	host_cas_hook = drain_claims_first;
	tp_event2(1, 2, 3); /* needs a new packet: evict packet 0 ... but the drain claims it */
	tp_get_counters(0, &after);
	CHECK_EQ(after.dropped, before.dropped + 1);
	CHECK_EQ(after.overwritten, before.overwritten);
	CHECK_EQ(after.committed, before.committed);
	host_tx_budget = SIZE_MAX;
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	REQUIRE(s.n_packets >= 1);
	CHECK_EQ(s.packets[0].seq, 0);
	CHECK_EQ(s.packets[0].overwritten, 0);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.link_lost, 0);
	CHECK_EQ(t.dropped, 1);
	CHECK_EQ(t.overwritten, 0);
	dec_free(&s);
}

static void writer_evicts_first(volatile uint32_t *p)
{
	(void)p;
	/* The writer on the channel's core evicts the packet the drain is about to claim. */
	unsigned saved = host_irq_masked;
	host_irq_masked = 0;
	tp_event2(2, 2, 3);
	host_irq_masked = saved;
}

/* The drain's claim CAS loses to an eviction: the drain skips the evicted packet and the
 * host sees its events as overwritten, exactly. */
static void claim_loses_to_evict(void)
{
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 3, 1) == 0);
	start_session();
	tt_drain();
	fill_ring();
	struct tp_counters before, after;
	tp_get_counters(0, &before);
	host_cas_hook = writer_evicts_first;
	host_tx_budget = SIZE_MAX;
	tp_poll(); /* the claim of packet 0 fails; the next poll moves on */
	tp_get_counters(0, &after);
	CHECK(after.overwritten > before.overwritten);
	CHECK_EQ(after.dropped, before.dropped);
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	for (size_t i = 0; i < s.n_packets; i++)
		CHECK(s.packets[i].seq != 0); /* packet 0 was evicted, never sent */
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.link_lost, 0);
	CHECK_EQ(t.overwritten, after.overwritten);
	CHECK_EQ(t.generated, after.committed + after.dropped);
	dec_free(&s);
}

static void config_rejected(void)
{
	CHECK(tt_init(TP_MODE_DISCARD, 60, 4, 1) != 0);  /* too small */
	CHECK(tt_init(TP_MODE_DISCARD, 130, 4, 1) != 0); /* not a multiple of 4 */
	CHECK(tt_init(TP_MODE_DISCARD, 128, 1, 1) != 0); /* one packet */
	CHECK(tt_init(TP_MODE_DISCARD, 128, 4, 3) != 0); /* more cores than the board */
	CHECK(tt_init((tp_mode_t)2, 128, 4, 1) != 0);
	CHECK(tp_init(NULL) != 0);
	CHECK(tt_init(TP_MODE_DISCARD, 4096, 2, 2) == 0);
}

/* A record larger than a packet, or with too many arguments, is counted rejected (not
 * dropped: the ring was not full), and recording carries on. */
static void oversized_record(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 64, 4, 1) == 0);
	start_session();
	uint8_t blob[200] = {1};
	tp_record_blob(TP_KIND_LOG, 1, blob, sizeof blob);
	tp_record(TP_KIND_LOG, 1, NULL, 9); /* too many arguments */
	tp_mark(5);
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK_EQ(c.rejected, 2);
	CHECK_EQ(c.dropped, 0);
	CHECK_EQ(c.committed, 1);
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	REQUIRE(s.n_events == 1);
	CHECK_EQ(s.events[0].id, 5);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.rejected, 2);
	CHECK_EQ(t.dropped, 0);
	CHECK_EQ(t.generated, 3);
	dec_free(&s);
}

int main(void)
{
	RUN(basic_all_kinds);
	RUN(nested_writers);
	RUN(nested_close_while_pending);
	RUN(overwrite_skips_pending);
	RUN(accounting_discard);
	RUN(accounting_overwrite);
	RUN(counters_near_wrap);
	RUN(evict_loses_to_claim);
	RUN(claim_loses_to_evict);
	RUN(config_rejected);
	RUN(oversized_record);
	return tt_summary("test_ring");
}
