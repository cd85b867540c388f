/* SPDX-License-Identifier: MIT */
/*
 * test_checked.c - the *_checked record calls: each result matches what the counters and
 * the wire say happened to that call (recorded, dropped because the ring is full, rejected).
 */
#include "tp_test.h"

/* Discard mode, nothing drained: the calls are recorded until the ring is full, then
 * dropped; the counters and the decoded stream agree with the app's own tally. */
static void discard_full(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 128, 3, 1) == 0);
	unsigned recorded = 0, dropped = 0, other = 0;
	for (uint32_t i = 0; i < 100; i++) {
		tp_result_t r;
		switch (i % 4) {
		case 0:
			r = tp_event0_checked(i);
			break;
		case 1:
			r = tp_event2_checked(i, i, ~i);
			break;
		case 2:
			r = tp_event4_checked(i, 1, 2, 3, 4);
			break;
		default: {
			const uint32_t a[3] = {i, 7, 8};
			r = tp_record_checked(TP_KIND_COUNTER, i, a, 3);
			break;
		}
		}
		/* Once full, a discard ring stays full while nothing is sent. */
		CHECK(dropped == 0 || r != TP_RECORDED);
		if (r == TP_RECORDED)
			recorded++;
		else if (r == TP_DROPPED)
			dropped++;
		else
			other++;
	}
	CHECK(recorded > 0);
	CHECK(dropped > 0);
	CHECK_EQ(other, 0);
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK_EQ(c.committed, recorded);
	CHECK_EQ(c.dropped, dropped);
	tt_command(TP_CMD_START);
	host_tx_budget = SIZE_MAX;
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	CHECK_EQ(s.n_events, recorded);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.dropped, dropped);
	CHECK_EQ(t.generated, 100);
	dec_free(&s);
}

/* Overwrite mode, nothing drained: a full ring evicts, so every call is recorded; what the
 * call cannot tell (the later eviction) shows up only in `overwritten`. */
static void overwrite_full(void)
{
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 3, 1) == 0);
	unsigned recorded = 0;
	for (uint32_t i = 0; i < 100; i++)
		recorded += tp_event2_checked(i, i, i) == TP_RECORDED;
	CHECK_EQ(recorded, 100);
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK_EQ(c.dropped, 0);
	CHECK(c.overwritten > 0);
	CHECK_EQ(c.committed, 100);
}

/* The oldest packet is on the wire: an overwrite ring cannot evict it, so the call is
 * dropped (not rejected). */
static void overwrite_sending(void)
{
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 3, 1) == 0);
	tp_result_t r = TP_RECORDED;
	unsigned recorded = 0;
	for (uint32_t i = 0; i < 200 && r == TP_RECORDED; i++) {
		r = tp_event2_checked(i, i, i);
		recorded += r == TP_RECORDED;
		if (recorded == 10) {
			/* Packets 0 and 1 are READY: the drain claims packet 0 (SENDING). */
			uint32_t ow;
			struct tp_pkt *claimed = tp_ring_claim(0, 0, 0, &ow);
			REQUIRE(claimed != NULL);
		}
	}
	CHECK_EQ(r, TP_DROPPED);
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK_EQ(c.dropped, 1);
	CHECK_EQ(c.committed, recorded);
	CHECK_EQ(c.overwritten, 0);
	CHECK_EQ(recorded, 12); /* 4 records per packet, 3 packets */
}

/* Refused whatever the ring holds: TP_REJECTED, counted as rejected, not dropped. */
static void rejected(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 64, 4, 1) == 0);
	CHECK_EQ(tp_event1_checked(1, 2), TP_RECORDED);
	CHECK_EQ(tp_record_checked(TP_KIND_LOG, 1, NULL, 9), TP_REJECTED);       /* too many arguments */
	CHECK_EQ(tp_record_checked((enum tp_kind)8, 1, NULL, 0), TP_REJECTED);   /* no such kind */
	const uint32_t six[6] = {1, 2, 3, 4, 5, 6};
	REQUIRE(sizeof(struct tp_pkt) + 4u * TP_REC_WORDS(6) > 64u);
	CHECK_EQ(tp_record_checked(TP_KIND_EVENT, 1, six, 6), TP_REJECTED);     /* larger than a packet */
	host_core = 1; /* the board has two cores, the configuration one */
	CHECK_EQ(tp_event3_checked(1, 2, 3, 4), TP_REJECTED);
	host_core = 0;
	CHECK_EQ(tp_event0_checked(2), TP_RECORDED);
	tt_command(TP_CMD_DUMP); /* stops recording */
	CHECK_EQ(tp_event0_checked(3), TP_REJECTED);
	CHECK_EQ(tp_event2_checked(3, 0, 0), TP_REJECTED);
	struct tp_counters c;
	tp_get_counters(0, &c);
	CHECK_EQ(c.committed, 2);
	CHECK_EQ(c.dropped, 0);
	CHECK_EQ(c.rejected, 5);
	tp_get_counters(1, &c);
	CHECK_EQ(c.dropped, 0);
	CHECK_EQ(c.rejected, 1);
}

/* The void and the checked calls share one body: the same record on the wire. */
static void same_record(void)
{
	REQUIRE(tt_init(TP_MODE_DISCARD, 256, 4, 1) == 0);
	tp_event4(9, 1, 2, 3, 4);
	CHECK_EQ(tp_event4_checked(9, 1, 2, 3, 4), TP_RECORDED);
	tt_command(TP_CMD_START);
	host_tx_budget = SIZE_MAX;
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	REQUIRE(s.n_events == 2);
	for (size_t i = 0; i < 2; i++) {
		CHECK_EQ(s.events[i].kind, TP_KIND_EVENT);
		CHECK_EQ(s.events[i].nargs, 4);
		CHECK_EQ(s.events[i].id, 9);
		for (unsigned k = 0; k < 4; k++)
			CHECK_EQ(s.events[i].args[k], k + 1);
	}
	dec_free(&s);
}

int main(void)
{
	RUN(discard_full);
	RUN(overwrite_full);
	RUN(overwrite_sending);
	RUN(rejected);
	RUN(same_record);
	return tt_summary("test_checked");
}
