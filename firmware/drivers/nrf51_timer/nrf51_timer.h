/* SPDX-License-Identifier: MIT */
/*
 * nrf51_timer.h - the nRF51 TIMER (nRF51 Series Reference Manual v3.0, chapter 18) as the
 * timestamp timer of the tracepipe port, and an alarm for the link driver.
 *
 * board.h names:
 *   NRF_TS_TIMER_BASE, NRF_TS_TIMER_IRQ   timestamps (needs 32-bit BITMODE: TIMER0)
 *   NRF_TS_ALARM_IRQ                      the interrupt the alarm pends (the link UART's;
 *                                         full profile only, NRF_TS_HAS_ALARM)
 *   BOARD_PRIO_TIMESTAMP                  its NVIC level
 * The handler to put in the vector table: nrf51_timer_ts_irq. Timestamp timer channels:
 * CC[0] = 0 marks the wrap (COMPARE0 fires when the count rolls over to 0), CC[1] is the
 * alarm, CC[3] receives the CAPTURE that reads the count. The apps' periodic interrupts on
 * the other TIMERs are the board's (boards/common/nrf51_periodic.c), not the port's.
 */
#ifndef NRF51_TIMER_H
#define NRF51_TIMER_H

#include <stdint.h>

#include "board.h"

#define NRF_TIMER_TASKS_START 0x000u
#define NRF_TIMER_TASKS_STOP 0x004u
#define NRF_TIMER_TASKS_CLEAR 0x00Cu
#define NRF_TIMER_TASKS_CAPTURE(n) (0x040u + 4u * (n))
#define NRF_TIMER_EVENTS_COMPARE(n) (0x140u + 4u * (n))
#define NRF_TIMER_SHORTS 0x200u
#define NRF_TIMER_INTENSET 0x304u
#define NRF_TIMER_INTENCLR 0x308u
#define NRF_TIMER_MODE 0x504u
#define NRF_TIMER_BITMODE 0x508u
#define NRF_TIMER_PRESCALER 0x510u
#define NRF_TIMER_CC(n) (0x540u + 4u * (n))
#define NRF_TIMER_SHORTS_COMPARE0_CLEAR (1u << 0)
#define NRF_TIMER_INT_COMPARE0 (1u << 16)
#define NRF_TIMER_INT_COMPARE1 (1u << 17)
#define NRF_TIMER_BITMODE_16 0u
#define NRF_TIMER_BITMODE_24 2u
#define NRF_TIMER_BITMODE_32 3u

#define NRF_TS_CC_WRAP 0u
#define NRF_TS_CC_ALARM 1u
#define NRF_TS_CC_READ 3u

#define NRF_REG(base, off) (*(volatile uint32_t *)((base) + (off)))
/* A register block's address in a register the compiler cannot see through: the registers
 * near it (Thumb-1 loads and stores reach 124 bytes past a base) then cost one literal
 * together, not one each. Index the result in words. */
static inline volatile uint32_t *nrf_block(uint32_t addr)
{
	volatile uint32_t *p = (volatile uint32_t *)addr;
	__asm__("" : "+l"(p));
	return p;
}
#define NRF_BLOCK(addr) nrf_block(addr)

/* A build may narrow the timestamp timer for wrap tests; BITMODE follows. */
#if TP_BOARD_TIMER_BITS == 32
#define NRF_TS_BITMODE NRF_TIMER_BITMODE_32
#define NRF_TS_MASK 0xFFFFFFFFu
#elif TP_BOARD_TIMER_BITS == 24
#define NRF_TS_BITMODE NRF_TIMER_BITMODE_24
#define NRF_TS_MASK 0x00FFFFFFu
#elif TP_BOARD_TIMER_BITS == 16
#define NRF_TS_BITMODE NRF_TIMER_BITMODE_16
#define NRF_TS_MASK 0x0000FFFFu
#else
#error "the nRF51 TIMER is 16, 24 or 32 bits wide"
#endif

/* The nRF51 TIMER has no readable counter (RM 18.1: "the TIMER's internal Counter
 * register"; only CC[n] can be read): the CAPTURE task copies it into a CC register. A
 * handler that preempts between the two accesses and reads the timer itself leaves a later
 * value in CC[3], which is still a correct (later) reading of the same clock. The words
 * below are also what the ARMv6-M record fast path loads in one LDM (tp_record_inline.h):
 * a store of TRIGGER to CAPTURE_TASK, then a load of CAPTURE_COUNT; WRAP_FLAG reads nonzero
 * while a wrap is pending. A task triggers on a write of 1 (RM 10.1). */
#define TP_PORT_TS_CAPTURE_TASK \
	((volatile uint32_t *)(NRF_TS_TIMER_BASE + NRF_TIMER_TASKS_CAPTURE(NRF_TS_CC_READ)))
#define TP_PORT_TS_CAPTURE_TRIGGER 1u
#define TP_PORT_TS_CAPTURE_COUNT ((volatile uint32_t *)(NRF_TS_TIMER_BASE + NRF_TIMER_CC(NRF_TS_CC_READ)))
/* COMPARE0 fires when the count rolls over to 0 (CC[0] = 0): the wrap (nrf51_timer.c). */
#define TP_PORT_TS_WRAP_FLAG \
	((volatile uint32_t *)(NRF_TS_TIMER_BASE + NRF_TIMER_EVENTS_COMPARE(NRF_TS_CC_WRAP)))

static inline uint32_t tp_port_timer_lo(void)
{
	*TP_PORT_TS_CAPTURE_TASK = TP_PORT_TS_CAPTURE_TRIGGER;
	return *TP_PORT_TS_CAPTURE_COUNT;
}

/* The wrap event is the exact answer too: it is what tp_port_timer_overflow_pending() reads. */
#define TP_PORT_OVF_PENDING_INLINE 1
#define TP_PORT_OVF_PENDING_EXACT 1
static inline int tp_port_timer_overflow_pending_inline(void)
{
	return *TP_PORT_TS_WRAP_FLAG != 0u;
}

/* The timestamp timer: 16 MHz (PRESCALER 0), wrap interrupt at the highest level. Once,
 * before anything records. */
void nrf51_timer_ts_init(void);
/* The alarm's one user is the full profile's interrupt-driven link (nrf51_uart.c); the tiny
 * profile's polled one (tiny/nrf51_uart.c) has none, nor does its timer (no COMPARE1). */
#if defined(TP_PROFILE_TINY) && TP_PROFILE_TINY
#define NRF_TS_HAS_ALARM 0
#else
#define NRF_TS_HAS_ALARM 1
#endif
/* Pends NRF_TS_ALARM_IRQ from the timestamp timer's interrupt once `ticks` have passed
 * (re-arming moves it), and may pend it once more a timer period later: its handler must
 * take a spare call. For the link driver. */
void nrf51_ts_alarm_arm(uint32_t ticks);

#endif /* NRF51_TIMER_H */
