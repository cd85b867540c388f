/* Wire bytes and whole-CPU cost with small (< 128) arguments. */
#define BENCH_RANDOM 0
#include "../bench_common/wire.c"
