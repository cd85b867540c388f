/* SPDX-License-Identifier: MIT */
/*
 * mem.c - memset, memcpy, memmove and memcmp for every cross board (cross.mk builds it): GCC
 * may emit calls to them on its own (struct initialisation and copies, zero-initialisers on
 * Armv6-M and Armv8-M) and the firmware links with -nostdlib. Plain byte loops: none is on a
 * hot path. -fno-tree-loop-distribute-patterns (cross.mk) stops GCC from turning the loops
 * back into calls to these very functions.
 */
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	while (n--) {
		*d++ = (uint8_t)c;
	}
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	while (n--) {
		*d++ = *s++;
	}
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d < s) {
		while (n--) {
			*d++ = *s++;
		}
	} else {
		/* Backwards, so an overlapping destination above the source reads each byte first. */
		while (n--) {
			d[n] = s[n];
		}
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a;
	const uint8_t *y = b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i]) {
			return x[i] < y[i] ? -1 : 1;
		}
	}
	return 0;
}
