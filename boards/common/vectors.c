/* SPDX-License-Identifier: MIT */
/*
 * vectors.c - Default_Handler and the weak system handlers of vectors.h, for every cross
 * board (cross.mk builds it).
 */
#include <stdint.h>

#include "port.h"
#include "startup_common.h"
#include "vectors.h"

/* A fault or an unexpected interrupt ends a QEMU run with status 3 and the exception number
 * on the console, instead of spinning until the caller's timeout. */
void Default_Handler(void)
{
#if TP_BOARD_CORES > 1
	if (tp_port_core_id() != 0u)
		startup_fatal("FATAL: core 1: unhandled exception ", tp_arch_ipsr());
#endif
	startup_fatal("FATAL: unhandled exception ", tp_arch_ipsr());
}

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void HardFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
#ifdef TP_ARCH_HAS_EXCLUSIVES
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
#endif
