/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rx.c - libFuzzer target for the command parser and the transport around it. The
 * input is fed to tp_rx_byte byte by byte; the same bytes also drive a schedule of events,
 * drains with a random transmit budget and time steps, so commands land in every state of
 * the drain. At the end a START and a FLUSH bring everything out, and the stream must
 * decode without a single bad frame with the loss identity exact.
 */
#include <string.h>
#include "tp_test.h"

#define PSIZE 128
#define NPKT 4
static uint32_t ring[2 * NPKT * PSIZE / 4];

static void die(const char *why)
{
	fprintf(stderr, "fuzz_rx: %s\n", why);
	__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tt_reset();
	struct tp_config cfg = {.mode = (size && (data[0] & 1)) ? TP_MODE_OVERWRITE : TP_MODE_DISCARD,
				.ring = ring, .packet_size = PSIZE, .packets = NPKT, .cores = 2};
	if (tp_init(&cfg) != 0)
		die("tp_init");
	uint32_t generated[2] = {0, 0};
	for (size_t i = 0; i < size; i++) {
		uint8_t b = data[i];
		tp_rx_byte(b);
		switch (b % 8) {
		case 1:
			host_core = b >> 7;
			tp_event2(b, (uint32_t)i, generated[host_core]);
			generated[host_core]++;
			host_core = 0;
			break;
		case 2:
			host_tx_budget = b;
			tp_poll();
			host_tx_budget = SIZE_MAX;
			break;
		case 3:
			host_advance((uint64_t)b << (b % 40));
			break;
		default:
			break;
		}
	}
	/* A frame cut by the end of the input must not swallow the commands that follow. */
	tp_rx_byte(0);
	tt_command(TP_CMD_START);
	tp_flush();
	struct dec_stream s;
	dec_stream(host_tx_buf, host_tx_len, &s);
	if (s.n_bad != 0)
		die("bad frame in the target's output");
	/* The whole stream is here when the first header is the BOOT one (a STOP/START seen
	 * earlier may have sent a part before; the decoder then starts from it too). */
	for (unsigned c = 0; c < 2 && s.n_headers && (s.headers[0].flags & 1); c++) {
		struct dec_totals t;
		if (!dec_account(&s, c, &t))
			die("no final status");
		if (t.link_lost != 0)
			die("link_lost on a lossless link");
		if (t.generated != generated[c])
			die("identity");
	}
	dec_free(&s);
	host_tx_len = 0;
	return 0;
}
