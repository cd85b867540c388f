/* Wire bytes and whole-CPU cost with full-range random 32-bit arguments. */
#define BENCH_RANDOM 1
#include "../bench_common/wire.c"
