/* SPDX-License-Identifier: MIT */
/*
 * demo_isr.h - the exception number of app timer 0 (board_periodic_start(0, ...)) on each
 * board, so the demo can name its interrupt at compile time (TP_ISR_NAME needs a constant).
 * A board not listed here still runs the demo; its interrupt is then shown by number.
 */
#ifndef DEMO_ISR_H
#define DEMO_ISR_H

#include "board.h"

#define DEMO_IRQ_BASE 16u /* external interrupt n is exception n + 16 */
#if defined(MPS2_IRQ_TIMER1)
#define DEMO_TICK_EXCEPTION (DEMO_IRQ_BASE + MPS2_IRQ_TIMER1)
#elif defined(AN521_IRQ_TIMER1)
#define DEMO_TICK_EXCEPTION (DEMO_IRQ_BASE + AN521_IRQ_TIMER1)
#elif defined(NRF_IRQ_TIMER1)
#define DEMO_TICK_EXCEPTION (DEMO_IRQ_BASE + NRF_IRQ_TIMER1)
#elif defined(RP2040_IRQ_TIMER1)
#define DEMO_TICK_EXCEPTION (DEMO_IRQ_BASE + RP2040_IRQ_TIMER1)
#endif

#endif /* DEMO_ISR_H */
