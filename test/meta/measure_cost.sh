#!/usr/bin/env bash
# Flash cost of metadata call sites (issue 5 §4), for BENCHMARKS.md. Not a test: prints numbers.
#   1. code bytes per call site, by shape: 100 identical sites in one function vs none,
#      compiled like the firmware (-O2), for Cortex-M3 and Cortex-M0;
#   2. two meta_demo builds that differ by 20 one-argument TP_LOG sites (arm-none-eabi-size);
#   3. the one-time cost of the blob serialiser.
# Usage: bash test/meta/measure_cost.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/sites.c" <<'C'
#include "tracepipe_meta.h"
#define R10(x) x; x; x; x; x; x; x; x; x; x
void f(unsigned a, int b, const char *s);
void f(unsigned a, int b, const char *s)
{
	(void)a; (void)b; (void)s;
#if SHAPE == 1
	R10(R10(TP_LOG("zero")));
#elif SHAPE == 2
	R10(R10(TP_LOG("one %u", a)));
#elif SHAPE == 3
	R10(R10(TP_LOG("two %u %d", a, b)));
#elif SHAPE == 4
	R10(R10(TP_EVENT(ev, TP_U32(x, a), TP_I16(y, b))));
#elif SHAPE == 5
	R10(R10(TP_MARK(m)));
#elif SHAPE == 6
	R10(R10(TP_LOG("str %s %u", s, a)));
#elif SHAPE == 7
	R10(R10(tp_event2(5, a, (uint32_t)b)));
#endif
}
C
names=("" "TP_LOG, 0 args" "TP_LOG, 1 arg" "TP_LOG, 2 args" "TP_EVENT, 2 fields" "TP_MARK" "TP_LOG %s + %u (blob)" "tp_event2 (raw id, no metadata)")
echo "code bytes per call site (100 sites, -O2):"
for cpu in cortex-m3 cortex-m0; do
  base=0
  for shape in 0 1 2 3 4 5 6 7; do
    arm-none-eabi-gcc -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -ffunction-sections -fdata-sections \
      -mcpu=$cpu -mthumb -I firmware/include -DSHAPE=$shape -c "$tmp/sites.c" -o "$tmp/s$shape.o"
    size=$(arm-none-eabi-size -A "$tmp/s$shape.o" | awk '/^\.text\.f /{print $2}')
    if [ $shape -eq 0 ]; then base=$size; continue; fi
    awk -v c=$cpu -v n="${names[$shape]}" -v s=$size -v b=$base 'BEGIN { printf "  %-10s %-34s %5.1f\n", c, n, (s - b) / 100 }'
  done
done

echo "meta_demo with and without 20 more one-argument TP_LOG sites (qemu-mps2-an385):"
make -s BOARD=qemu-mps2-an385 BUILD="$tmp/a" "$tmp/a/meta_demo.elf" >/dev/null
make -s BOARD=qemu-mps2-an385 BUILD="$tmp/b" BOARD_CFLAGS=-DMETA_DEMO_EXTRA=20 "$tmp/b/meta_demo.elf" >/dev/null
arm-none-eabi-size "$tmp/a/meta_demo.elf" "$tmp/b/meta_demo.elf" | sed 's/^/  /'
a=$(arm-none-eabi-size "$tmp/a/meta_demo.elf" | awk 'NR==2 {print $1 + $2}')
b=$(arm-none-eabi-size "$tmp/b/meta_demo.elf" | awk 'NR==2 {print $1 + $2}')
echo "  flash (text+data) per added site: $(( (b - a) / 20 )) bytes (includes the app's own counter increment)"
arm-none-eabi-size -A "$tmp/a/meta_demo.elf" | awk '/^\.tp_/ {printf "  %s %s bytes in the ELF, address %s (not loaded)\n", $1, $2, $3}'
echo "one-time: tp_meta_record_blob (linked only when a blob-layout site exists):"
arm-none-eabi-gcc -std=c11 -O2 -ffreestanding -ffunction-sections -mcpu=cortex-m3 -mthumb -I firmware/include \
  -c firmware/src/tp_meta.c -o "$tmp/tp_meta.o"
arm-none-eabi-size -A "$tmp/tp_meta.o" | awk '/^\.text/ {t += $2} END {printf "  %d bytes (cortex-m3, firmware/src/tp_meta.c)\n", t}'
