/* SPDX-License-Identifier: MIT */
/*
 * app_util.h - what every example and test app needs, in one place: its ring's
 * configuration, the pacing that loses nothing to a slow reader, and the two waits.
 * Thread mode, core 0 only.
 */
#ifndef APP_UTIL_H
#define APP_UTIL_H

#include <stdint.h>

#include "app_board.h"
#include "board.h"
#include "tracepipe.h"

/* The ring an app that sizes it from the board may take: 16 KiB, or less on a board short of
 * RAM (board.h TP_BOARD_APP_RING_BYTES, e.g. the 16 KiB micro:bit). */
#if defined(TP_BOARD_APP_RING_BYTES) && TP_BOARD_APP_RING_BYTES < 16u * 1024u
#define APP_RING_BYTES TP_BOARD_APP_RING_BYTES
#else
#define APP_RING_BYTES (16u * 1024u)
#endif

/* Events an app may record between two app_drain_link() calls and lose none: they fill at
 * most packets - 3 packets, assuming a record takes at most rec_bytes of ring (the packet
 * still open and one being sent fit in the rest; 64 bytes of each packet are kept for its
 * head). If that assumption ever breaks, the ground truth shows dropped > 0. */
#define APP_PACE_EVENTS(packets, packet_size, rec_bytes) \
	((((packet_size) - 64u) / (rec_bytes)) * ((packets) - 3u))

/* The configuration of an app's ring: counters from 0, transmit after CMD_START. */
static inline struct tp_config app_config(tp_mode_t mode, uint32_t *ring, unsigned packet_size, unsigned packets,
					  unsigned cores)
{
	struct tp_config cfg = {0};
	cfg.mode = mode;
	cfg.ring = ring;
	cfg.packet_size = (uint16_t)packet_size;
	cfg.packets = (uint16_t)packets;
	cfg.cores = (uint8_t)cores;
	return cfg;
}

/* Until the host sends CMD_START. Call after board_init(), which lets command bytes in. The
 * RX interrupt that carries the command also ends board_idle(), even when it lands between
 * the check and the idle (see board_idle). */
static inline void app_wait_for_start(void)
{
	while (!tp_started()) {
		tp_poll();
		board_idle();
	}
}

/* tp_init, then board_init (in that order, see app_board.h), then app_wait_for_start.
 * Returns 0, or nonzero after printing "<app>: tp_init failed" when tp_init rejects cfg. */
static inline int app_start(const struct tp_config *cfg, const char *app)
{
	if (tp_init(cfg) != 0) {
		board_puts(app);
		board_puts(": tp_init failed\n");
		return -1;
	}
	board_init();
	app_wait_for_start();
	return 0;
}

/* Until every finished packet has left the board: tp_poll has nothing more to hand out and
 * the transmitter holds no byte. Pacing with it loses nothing to a slow reader. */
static inline void app_drain_link(void)
{
	for (;;) {
		if (tp_poll() != 0u) {
			continue;
		}
		if (!board_link_busy()) {
			return;
		}
		/* the UART TX interrupt wakes us when the reader has taken the byte */
		board_idle();
	}
}

#endif /* APP_UTIL_H */
