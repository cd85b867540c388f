/* SPDX-License-Identifier: MIT */
/*
 * mps2.h - the port's start-up for the MPS2 CMSDK boards (qemu-mps2-an385, and the boards
 * that reuse this folder's port.c). Not part of any contract; the core never includes it.
 */
#ifndef MPS2_H
#define MPS2_H

/* port.c: the timestamp timer and the trace UART (cmsdk_timer, cmsdk_uart). Once, on core 0,
 * after tp_init. */
void mps2_port_init(void);

#endif /* MPS2_H */
