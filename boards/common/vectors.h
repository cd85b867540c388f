/* SPDX-License-Identifier: MIT */
/*
 * vectors.h - the part of a vector table every cross board shares: the 16 architectural
 * entries (ARMv6-M leaves the ones it lacks 0) and the default for every interrupt the board
 * does not route. A board's startup.c builds its table as
 *
 *   const tp_vector_t vectors[16 + IRQS] = {
 *       TP_VECTORS_CORE(__stack_top, Reset_Handler),
 *       TP_VECTORS_IRQ_DEFAULT(IRQS),
 *       [TP_IRQ(8)] = cmsdk_timer_ts_irq,     (the drivers' handlers at their IRQ numbers)
 *   };
 *
 * between TP_VECTORS_BEGIN and TP_VECTORS_END (later entries override the defaults). The
 * system handlers (NMI_Handler, HardFault_Handler, SVC_Handler, PendSV_Handler,
 * SysTick_Handler, and on ARMv7-M MemManage/BusFault/UsageFault/DebugMon) are weak aliases of
 * Default_Handler (vectors.c): a board or an app defines the ones it uses.
 */
#ifndef TP_BOARDS_VECTORS_H
#define TP_BOARDS_VECTORS_H

#include <stdint.h>

typedef void (*tp_vector_t)(void);

/* Reports the exception on the console and exits with status 3 (startup_common.h). */
void Default_Handler(void);
void NMI_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SVC_Handler(void);
void DebugMon_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);

#define TP_IRQ(n) (16 + (n))

#ifdef TP_ARCH_HAS_EXCLUSIVES /* ARMv7-M / ARMv8-M mainline */
#define TP_VECTORS_FAULTS_V7 [4] = MemManage_Handler, [5] = BusFault_Handler, [6] = UsageFault_Handler, \
			     [12] = DebugMon_Handler,
#else
#define TP_VECTORS_FAULTS_V7
#endif

/* Word 0 is the initial stack pointer, stored as a function pointer like the rest. */
#define TP_VECTORS_CORE(stack_top, reset)                                                     \
	[0] = (tp_vector_t)(uintptr_t)(stack_top), [1] = (reset), [2] = NMI_Handler,          \
	[3] = HardFault_Handler, TP_VECTORS_FAULTS_V7[11] = SVC_Handler, [14] = PendSV_Handler, \
	[15] = SysTick_Handler

#define TP_VECTORS_IRQ_DEFAULT(irqs) [TP_IRQ(0)... TP_IRQ((irqs) - 1)] = Default_Handler

/* The routed interrupts override the default range on purpose. */
#define TP_VECTORS_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Woverride-init\"")
#define TP_VECTORS_END _Pragma("GCC diagnostic pop")

#endif /* TP_BOARDS_VECTORS_H */
