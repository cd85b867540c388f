/* SPDX-License-Identifier: MIT */
/*
 * tpgt.h - the ground-truth report of the self-checking apps, printed on the board console
 * (semihosting: QEMU's stderr), a path independent of the trace link. Tests parse:
 *
 *   TPGT core=<c> generated=<n> committed=<n> dropped=<n> overwritten=<n> rejected=<n>   one line per core
 *   TPCTX core=<c> ctx=<k> generated=<n>      apps with several writing contexts: one per context
 *   TPGT done
 *
 * generated is the app's own count of record calls on that core; the others come from
 * tp_get_counters(), relative to the configured counter origins (mod 2^32). An app cannot
 * count its drops itself: the record calls return no status (tracepipe.h says why), and an
 * eviction happens after the call that recorded the event.
 */
#ifndef TPGT_H
#define TPGT_H

#include <stdint.h>

#include "app_board.h"
#include "board.h"
#include "tracepipe.h"

static inline void tpgt_field(const char *name, uint32_t v)
{
	board_puts(name);
	board_put_u32(v);
}

static inline void tpgt_report_core(const struct tp_config *cfg, unsigned core, uint32_t generated)
{
	struct tp_counters c;
	tp_get_counters(core, &c);
	tpgt_field("TPGT core=", core);
	tpgt_field(" generated=", generated);
	tpgt_field(" committed=", c.committed - cfg->origin_events);
	tpgt_field(" dropped=", c.dropped - cfg->origin_dropped);
	tpgt_field(" overwritten=", c.overwritten - cfg->origin_overwritten);
	tpgt_field(" rejected=", c.rejected - cfg->origin_rejected);
	board_puts("\n");
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
