/* SPDX-License-Identifier: MIT */
/* stress_discard - nested-interrupt stress in discard mode; see apps/stress_common/stress.c. */
#define STRESS_MODE TP_MODE_DISCARD
#include "stress_common/stress.c"
