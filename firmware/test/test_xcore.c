/* SPDX-License-Identifier: MIT */
/*
 * test_xcore.c - cross-core interleavings that a single thread cannot produce: here the
 * drain runs as core 1 on a thread of its own while core 0, on the main thread, is stopped
 * at a chosen point of its record path (host_cas_swapped_hook).
 *
 * A claim between an eviction's CAS and its `overwritten` update: core 0 evicts the oldest
 * packet (seq 0) of its full overwrite ring; right after its CAS, core 1's drain skips the
 * evicted packet and claims seq 1. Seq 1's `overwritten` (sampled at claim, SPEC §6) must
 * already count seq 0's events, or the host would place that loss after seq 1 and, with no
 * later packet, never see it. Core 1 waits for that count with its interrupts enabled.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include "tp_test.h"

static pthread_t drain_thread;
static volatile int drain_go, drain_done;
static volatile int hook_ran_on_oldest;
static volatile int waited_masked;

/* Runs on the waiting core (the drain's thread): its interrupts must be enabled while it
 * waits for another core, which its mask cannot hasten (the wait was once masked: 2.8 M
 * instructions with interrupts off on an521 when QEMU descheduled the evicting core). */
static void note_wait_mask(void)
{
	if (host_irq_masked)
		waited_masked = 1;
}

static void *drain_as_core1(void *arg)
{
	(void)arg;
	host_core = 1; /* thread-local on the host board */
	while (!drain_go)
		sched_yield();
	host_tx_budget = SIZE_MAX;
	tp_poll();
	drain_done = 1;
	return NULL;
}

/* Core 0 has just swapped the state of the packet it evicts; its `overwritten += n` has not
 * run. Let core 1 drain now, until it has sampled (done) or waits for the eviction. */
static void drain_between_cas_and_count(volatile uint32_t *p)
{
	hook_ran_on_oldest = p == &tp_ring_pkt(0, 0)->state;
	drain_go = 1;
	while (!drain_done && tp_test_evict_waits == 0)
		sched_yield();
}

static void claim_between_evict_cas_and_count(void)
{
	REQUIRE(tt_init(TP_MODE_OVERWRITE, 128, 3, 2) == 0);
	tt_command(TP_CMD_START);
	tt_drain();
	/* Fill core 0's ring: seq 0 and 1 READY, seq 2 open with no room for one more record. */
	host_tx_budget = 0;
	for (int i = 0; i < 200; i++) {
		struct tp_counters c;
		tp_get_counters(0, &c);
		if (c.next_seq == 3 && (uintptr_t)tp_chan[0].wp + 4u * TP_REC_WORDS(2) > tp_chan[0].end)
			break;
		tp_event2(1000u + (unsigned)i, 1, 2);
	}
	struct tp_counters before, after;
	tp_get_counters(0, &before);
	REQUIRE(before.next_seq == 3);
	REQUIRE(before.overwritten == 0);
	uint32_t evicted_events = tp_ring_pkt(0, 0)->n_events;
	REQUIRE(evicted_events > 0);

	drain_go = drain_done = 0;
	hook_ran_on_oldest = 0;
	tp_test_evict_waits = 0;
	waited_masked = 0;
	tp_test_evict_wait_hook = note_wait_mask;
	REQUIRE(pthread_create(&drain_thread, NULL, drain_as_core1, NULL) == 0);
	host_cas_swapped_hook = drain_between_cas_and_count;
	tp_event2(1, 2, 3); /* opens seq 3 over seq 0 */
	pthread_join(drain_thread, NULL);
	tp_test_evict_wait_hook = NULL;
	CHECK(hook_ran_on_oldest);
	CHECK(drain_done);
	CHECK(tp_test_evict_waits > 0); /* the claim did meet the eviction in flight */
	CHECK(!waited_masked);

	tp_get_counters(0, &after);
	CHECK_EQ(after.overwritten, evicted_events);
	CHECK_EQ(after.dropped, 0);

	host_tx_budget = SIZE_MAX;
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	CHECK_EQ(s.n_bad, 0);
	int seen_seq1 = 0;
	for (size_t i = 0; i < s.n_packets; i++) {
		if (s.packets[i].core != 0 || s.packets[i].seq != 1)
			continue;
		seen_seq1 = 1;
		CHECK_EQ(s.packets[i].overwritten, evicted_events);
	}
	CHECK(seen_seq1);
	struct dec_totals t;
	REQUIRE(dec_account(&s, 0, &t));
	CHECK_EQ(t.overwritten, evicted_events);
	CHECK_EQ(t.link_lost, 0);
	dec_free(&s);
}

int main(void)
{
	RUN(claim_between_evict_cas_and_count);
	return tt_summary("test_xcore");
}
