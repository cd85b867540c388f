/* SPDX-License-Identifier: MIT */
/*
 * tpgt.h - the ground-truth report of the self-checking apps, printed on the board console
 * (semihosting: QEMU's stderr), a path independent of the trace link. Tests parse:
 *
 *   TPGT core=<c> generated=<n> committed=<n> dropped=<n> rejected=<n>     one line per core
 *   TPCNT core=<c> committed=<n> dropped=<n> overwritten=<n> rejected=<n>   one line per core
 *   TPCTX core=<c> ctx=<k> generated=<n>      apps with several writing contexts: one per context
 *   TPGT done
 *
 * TPGT is what the app knows by itself: generated is its own count of record calls, and
 * committed, dropped (ring full) and rejected (refused for another reason, e.g. recording
 * stopped by a dump) are its own tallies of what the *_checked record calls returned. They
 * do not come from the recorder's counters.
 * TPCNT is tp_get_counters(), relative to the configured counter origins (mod 2^32): the
 * counters that are also sent on the wire. Only `overwritten` has no independent source: an
 * eviction happens after the call that recorded the event, so the app cannot see it; what
 * the app can check is that every committed event is decoded, overwritten or link_lost.
 * Apps that record through calls without a checked form print TPGT with generated only.
 */
#ifndef TPGT_H
#define TPGT_H

#include <stdint.h>

#include "app_board.h"
#include "board.h"
#include "tracepipe.h"

/* One writing context's tally of record results; only that context writes it, so nested
 * contexts need no lock (one tally each, summed by the report). */
struct tpgt_tally {
	uint32_t committed, dropped, rejected;
};

static inline void tpgt_count(volatile struct tpgt_tally *t, tp_result_t r)
{
	if (r == TP_RECORDED)
		t->committed++;
	else if (r == TP_DROPPED)
		t->dropped++;
	else
		t->rejected++;
}

static inline void tpgt_field(const char *name, uint32_t v)
{
	board_puts(name);
	board_put_u32(v);
}

static inline void tpgt_report_counters(const struct tp_config *cfg, unsigned core)
{
	struct tp_counters c;
	tp_get_counters(core, &c);
	tpgt_field("TPCNT core=", core);
	tpgt_field(" committed=", c.committed - cfg->origin_events);
	tpgt_field(" dropped=", c.dropped - cfg->origin_dropped);
	tpgt_field(" overwritten=", c.overwritten - cfg->origin_overwritten);
	tpgt_field(" rejected=", c.rejected - cfg->origin_rejected);
	board_puts("\n");
}

/* The TPGT and TPCNT lines of one core; `tallies` are that core's writing contexts. */
static inline void tpgt_report_core(const struct tp_config *cfg, unsigned core, uint32_t generated,
				    const volatile struct tpgt_tally *tallies, unsigned contexts)
{
	struct tpgt_tally sum = {0, 0, 0};
	for (unsigned k = 0; k < contexts; k++) {
		sum.committed += tallies[k].committed;
		sum.dropped += tallies[k].dropped;
		sum.rejected += tallies[k].rejected;
	}
	tpgt_field("TPGT core=", core);
	tpgt_field(" generated=", generated);
	tpgt_field(" committed=", sum.committed);
	tpgt_field(" dropped=", sum.dropped);
	tpgt_field(" rejected=", sum.rejected);
	board_puts("\n");
	tpgt_report_counters(cfg, core);
}

/* For apps whose records go through calls without a checked form (TP_LOG, metadata events,
 * spans): TPGT has only generated, and the results come from TPCNT alone. */
static inline void tpgt_report_untallied(const struct tp_config *cfg, unsigned core, uint32_t generated)
{
	tpgt_field("TPGT core=", core);
	tpgt_field(" generated=", generated);
	board_puts("\n");
	tpgt_report_counters(cfg, core);
}

/* One TPCTX line per writing context of core 0 (each context's own count of record calls). */
static inline void tpgt_report_contexts(const volatile uint32_t *generated, unsigned contexts)
{
	for (unsigned c = 0; c < contexts; c++) {
		tpgt_field("TPCTX core=", 0);
		tpgt_field(" ctx=", c);
		tpgt_field(" generated=", generated[c]);
		board_puts("\n");
	}
}

/*
 * After tp_flush(), before exiting: QEMU's exit hangs up the pty, and what the host has not
 * read by then is lost. So wait until the UART has taken the last byte, then until the host
 * acknowledges the FINAL statuses with CMD_STOP (which clears tp_started(); `tracepipe run`
 * sends it), or TPGT_ACK_WAIT_TICKS when no host answers (a `-serial file:` run).
 */
#define TPGT_ACK_WAIT_TICKS (5ull * TP_BOARD_TIMER_HZ)

static inline void tpgt_wait_host_ack(void)
{
	while (board_link_busy()) {
		tp_poll();
	}
	uint64_t t0 = tp_now();
	while (tp_started() && tp_now() - t0 < TPGT_ACK_WAIT_TICKS) {
		tp_poll();
		board_idle();
	}
}

static inline void tpgt_done(void)
{
	board_puts("TPGT done\n");
}

#endif /* TPGT_H */
