/* SPDX-License-Identifier: MIT */
/*
 * rp2040.h - what this board's startup.c, port.c and app_board.c share. Not part of any
 * contract; the core never includes it. Register access is rp2040_sio.h's.
 */
#ifndef RP2040_H
#define RP2040_H

#include <stdint.h>

#include "board.h"
#include "rp2040_sio.h"

/* Hold the given RESETS bits in reset, release them, and wait until they are out. */
static inline void rp2040_reset_cycle(uint32_t bits)
{
	RP2040_SET(RESETS_BASE, RESETS_RESET) = bits;
	RP2040_CLR(RESETS_BASE, RESETS_RESET) = bits;
	while ((RP2040_REG(RESETS_BASE, RESETS_RESET_DONE) & bits) != bits) {
	}
}

/* port.c: the link's pins, then the drivers' set-up (rp2040_timer, the TRANSPORT's driver).
 * Call on core 0 after the clocks run. */
void rp2040_port_init(void);

/* app_board.c: start core 1 at fn (with its own stack in SRAM4) through the bootrom's SIO
 * FIFO handshake (rp2040_sio). Returns once core 1 has echoed the whole sequence. */
void rp2040_core1_start(void (*fn)(void));

#endif /* RP2040_H */
