/* SPDX-License-Identifier: MIT */
/*
 * nrf51.h - what this board's port.c and app_board.c share. Not part of any contract; apps
 * and the core never include it.
 */
#ifndef NRF51_H
#define NRF51_H

#include <stdint.h>

/* port.c: the crystal, then the timestamp timer and the trace UART (nrf51_timer, nrf51_uart).
 * Once, after tp_init. */
void nrf51_port_init(void);
/* Set by nrf51_port_init: 1 when HFCLK runs from the crystal, 0 when the crystal did not
 * start (the UART then runs on the RC oscillator, too loose for 115200 baud). */
extern uint8_t microbit_hfxo_ok;

#endif /* NRF51_H */
