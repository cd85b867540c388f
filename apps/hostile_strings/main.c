/* SPDX-License-Identifier: MIT */
/*
 * hostile_strings - device strings that try to forge decode lines and drive the terminal
 * (issue 10 §3): a newline followed by a fake event line, OSC/CSI escape sequences, a C1
 * control and a bidi override, in log %s arguments, in a TP_STR field and in a format string
 * (an ELF string). test/hostile checks
 * that `tracepipe decode --elf` prints each record as exactly one escaped line.
 *
 * After CMD_START it records from thread mode, flushes, waits for the host's CMD_STOP, prints
 * the ground truth (apps/tpgt.h) and exits 0.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "tpgt.h"
#include "tracepipe.h"
#include "tracepipe_meta.h"

#define RING_PACKETS 4u
#define PACKET_SIZE 512u

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "hostile_strings") != 0) {
		return 2;
	}
	/* Console text reaches `tracepipe run`'s stderr as `target:` lines: the same rule holds. */
	board_puts("console \x1b]0;pwned\x07\x1b[2J\r0.5 core 0 event\n");
	uint32_t generated = 0;
	TP_LOG("rx %s", "ok\n0.5 core 0 event id=9 args=1");
	generated++;
	TP_LOG("term %s", "\x1b]0;pwned\x07\x1b[2J");
	generated++;
	TP_LOG("c1 %s|bidi %s", "\xc2\x9b" "31m", "\xe2\x80\xae" "txt.exe");
	generated++;
	TP_EVENT(label, TP_STR(text, "a\r\nb\x1b[1A"));
	generated++;
	/* The ELF's own strings (a format string here) are as untrusted as the device's. */
	TP_LOG("fmt\x1b[31m red\n%u", 7u);
	generated++;
	tp_flush();
	tpgt_wait_host_ack();

	tpgt_report_untallied(&cfg, 0, generated);
	tpgt_done();
	return 0;
}
