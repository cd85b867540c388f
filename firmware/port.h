/* SPDX-License-Identifier: MIT */
/*
 * port.h - the few things a board gives the tracepipe core.
 *
 * The hot-path pieces (timer read, IRQ mask, core id) are static inline functions in
 * boards/<board>/tp_port_impl.h, found through the include path (as pico-sdk selects
 * host or rp2 headers): the record path pays no call. The rest are plain functions a
 * board implements in its own .c file, chosen at link time.
 *
 * boards/<board>/board.h is data only and defines:
 *   TP_BOARD_NAME        "qemu-mps2-an385"
 *   TP_BOARD_CORES       number of cores
 *   TP_BOARD_TIMER_HZ    timestamp timer frequency
 *   TP_BOARD_TIMER_BITS  timestamp timer width (16, 24, 32 or 64)
 */
#ifndef TP_PORT_H
#define TP_PORT_H

#include <stdint.h>
#include "board.h"

/*
 * From tp_port_impl.h (static inline):
 *   uint32_t tp_port_timer_lo(void);      up-counting timer value, low TP_BOARD_TIMER_BITS bits
 *   uint32_t tp_port_irq_save(void);      mask interrupts on this core, return the previous state
 *   void     tp_port_irq_restore(uint32_t);
 *   unsigned tp_port_core_id(void);       0 .. TP_BOARD_CORES-1
 *   void     tp_port_dmb(void);           data memory barrier (cross-core publish)
 */
#include "tp_port_impl.h"

/* Nonzero when the timer wrapped but tp_timer_overflow() has not run yet for it.
 * Called with interrupts masked. */
int tp_port_timer_overflow_pending(void);
/* Optional: the record path checks the pending flag on every event (SPEC §6.2). A board
 * whose tp_port_impl.h defines TP_PORT_OVF_PENDING_INLINE also provides
 *   static inline int tp_port_timer_overflow_pending_inline(void);
 * and the record path uses it instead of a call. It may answer nonzero too early (e.g. the
 * raw interrupt flag alone): that only sends the event down the slow path, which asks
 * tp_port_timer_overflow_pending(). It must never answer 0 after a wrap that
 * tp_timer_overflow() has not counted yet. A board whose inline check is exact (nonzero only
 * for a wrap that tp_timer_overflow() has not counted, as tp_port_timer_overflow_pending()
 * answers) also defines TP_PORT_OVF_PENDING_EXACT 1: the packet switch then trusts the flag and
 * makes no call under the mask (tp_ring.c, time_wrap_pending). */
#ifndef TP_PORT_OVF_PENDING_EXACT
#define TP_PORT_OVF_PENDING_EXACT 0
#endif
/* Optional, for a one-core ARMv6-M board whose counter is read through a capture (nRF51:
 * the CAPTURE task, then CC[n]): its tp_port_impl.h (or timer driver) defines
 *   TP_PORT_TS_CAPTURE_TASK     volatile uint32_t *: a store of the trigger captures the count
 *   TP_PORT_TS_CAPTURE_TRIGGER  the value to store there
 *   TP_PORT_TS_CAPTURE_COUNT    volatile uint32_t *: the captured count (tp_port_timer_lo's)
 *   TP_PORT_TS_WRAP_FLAG        volatile uint32_t *: nonzero while a wrap is pending, as
 *                               tp_port_timer_overflow_pending_inline() reads it
 * as address constants, and tp_port_timer_lo() does that same store and load. The record
 * fast path then loads the four words and the channel with one LDM (tp_record_inline.h). */

/* Offer one byte to the transport. Returns 1 if it was taken, 0 if the transmitter is busy. */
int tp_port_tx_put(uint8_t b);
/* Optional bulk form, on the drain's hot path: a board whose tp_port_impl.h defines
 * TP_PORT_HAS_TX_WRITE (or includes the driver header that does) provides
 *   size_t tp_port_tx_write(const uint8_t *p, size_t n);   (static inline or not)
 * and the drain hands it whole COBS groups instead of one tp_port_tx_put call per byte. It
 * takes bytes from p while the transmitter accepts them and returns how many it took (0..n).
 * Only the drain calls it, and only one drain runs at a time. */
/* Optional: a transmitter that takes every byte offered, waiting for each as long as it must,
 * and needs no wake-up (the tiny profile's polled ones, PORTING.md 1.5): its header defines
 * TP_PORT_TX_POLLED 1. The tiny core then treats tp_port_tx_write as taking all n and calls
 * neither tp_port_tx_kick nor tp_port_packet_ready. */
#ifndef TP_PORT_TX_POLLED
#define TP_PORT_TX_POLLED 0
#endif
/* Bytes are waiting: make sure the transmitter will ask for them (enable the TX interrupt),
 * or do nothing on polled boards. */
void tp_port_tx_kick(void);

/* The ring closed a packet while the link transmits: a wake-up for the transport, as
 * tp_port_tx_kick (a board may define it as an alias of that). The ring's only notice to
 * the link: it calls the port, never the link itself. Called with interrupts masked. */
void tp_port_packet_ready(void);

/* Compare-and-swap on a 32-bit word, safe against interrupts and other cores.
 * Returns the value that was in *p (the swap happened if it equals expected). */
uint32_t tp_port_cas(volatile uint32_t *p, uint32_t expected, uint32_t desired);

/* The firmware's GNU build-id bytes, or len 0. The core has it (tp_build_id.c, from the
 * linker symbols __tp_build_id_start/__tp_build_id_end): a board defines it only to replace
 * that (the host board's tests set their own). */
const uint8_t *tp_port_build_id(unsigned *len);

#endif /* TP_PORT_H */
