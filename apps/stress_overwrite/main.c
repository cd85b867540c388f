/* SPDX-License-Identifier: MIT */
/* stress_overwrite - nested-interrupt stress in overwrite (flight recorder) mode; see
 * apps/stress_common/stress.c. */
#define STRESS_MODE TP_MODE_OVERWRITE
#include "stress_common/stress.c"
