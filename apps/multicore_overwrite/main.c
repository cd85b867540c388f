/* Every core records 10^6 events at once into a small overwrite-mode ring (flight recorder):
 * evictions on both cores. */
#define MC_MODE TP_MODE_OVERWRITE
#include "../multicore/mc_app.c"
