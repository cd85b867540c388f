/* SPDX-License-Identifier: MIT */
/*
 * app_util.h - the two waits every example and test app needs, in one place.
 * Thread mode, core 0 only.
 */
#ifndef APP_UTIL_H
#define APP_UTIL_H

#include "app_board.h"
#include "tracepipe.h"

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
