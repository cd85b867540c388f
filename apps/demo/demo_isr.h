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
#if defined(CMSDK_APP_TIMER_IRQ) /* the CMSDK boards: an385, an386, an521 */
#define DEMO_TICK_EXCEPTION (DEMO_IRQ_BASE + CMSDK_APP_TIMER_IRQ)
#elif defined(NRF_APP_TIMER1_IRQ)
#define DEMO_TICK_EXCEPTION (DEMO_IRQ_BASE + NRF_APP_TIMER1_IRQ)
#elif defined(RP2040_IRQ_TIMER1)
#define DEMO_TICK_EXCEPTION (DEMO_IRQ_BASE + RP2040_IRQ_TIMER1)
#endif

#endif /* DEMO_ISR_H */
