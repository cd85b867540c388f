/* Every core records 10^6 events at once into a small discard-mode ring: drops on both cores. */
#define MC_MODE TP_MODE_DISCARD
#include "../multicore/mc_app.c"
