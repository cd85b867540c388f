/* SPDX-License-Identifier: MIT */
/*
 * tp_rec_state.c - the state the record fast path (tp_record_inline.h) reads, and the time
 * base's overflow count: the same in both profiles (tp_ring.c, firmware/src/tiny/).
 */
#include "tp_internal.h"

struct tp_chan tp_chan[TP_MAX_CORES];
#ifdef TP_REC_V6M_TABLE
/* The ARMv6-M fast path's first LDM (tp_record_inline.h): in flash, one table per image. */
const struct tp_rec_v6m tp_rec_v6m = {TP_PORT_TS_CAPTURE_TASK, TP_PORT_TS_CAPTURE_TRIGGER, TP_PORT_TS_WRAP_FLAG,
				      TP_PORT_TS_CAPTURE_COUNT, tp_chan};
#endif
struct tp_global tp_g;
volatile uint32_t tp_ovf_count;

void tp_get_counters(unsigned core, struct tp_counters *out)
{
	if (core >= TP_MAX_CORES) {
		out->next_seq = out->committed = out->dropped = out->overwritten = out->rejected = 0;
		return;
	}
	struct tp_chan *ch = &tp_chan[core];
	uint32_t key = tp_port_irq_save();
	out->next_seq = ch->next_seq;
	out->committed = ch->committed;
	out->dropped = ch->dropped;
	out->overwritten = ch->overwritten;
	out->rejected = ch->rejected;
	tp_port_irq_restore(key);
}
