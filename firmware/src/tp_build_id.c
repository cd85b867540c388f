/* SPDX-License-Identifier: MIT */
/*
 * tp_build_id.c - the firmware's GNU build-id, for the HEADER (SPEC §5): the linker script
 * puts __tp_build_id_start and __tp_build_id_end around .note.gnu.build-id
 * (-Wl,--build-id=sha1), and the host compares the descriptor with the ELF it decodes with.
 */
#include "tp_internal.h"

/* Weak: a build whose linker script has no such note (the host board) reads length 0. */
extern const uint8_t __tp_build_id_start[] __attribute__((weak));
extern const uint8_t __tp_build_id_end[] __attribute__((weak));

static uint32_t read_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const uint8_t *tp_build_id_parse(const uint8_t *note, size_t size, unsigned *len)
{
	/* ELF note: namesz, descsz, type (3 = NT_GNU_BUILD_ID), name "GNU\0", then the id. */
	*len = 0;
	if (note == NULL || size < 16u)
		return note;
	uint32_t namesz = read_le32(note), descsz = read_le32(note + 4), type = read_le32(note + 8);
	if (namesz != 4u || type != 3u || note[12] != 'G' || note[13] != 'N' || note[14] != 'U' ||
	    note[15] != 0u || descsz > 32u || 16u + descsz > size)
		return note;
	*len = descsz;
	return note + 16;
}

/* Weak: the host board replaces it with an id its tests set. */
__attribute__((weak)) const uint8_t *tp_port_build_id(unsigned *len)
{
	const uint8_t *start = __tp_build_id_start;
#if TP_PROFILE_TINY || defined(__OPTIMIZE_SIZE__)
	/* PROFILE=tiny at every level, and a full build for size: the linker made the note
	 * (-Wl,--build-id, PORTING.md 1.2), so its descriptor is the bytes after its 16-byte head;
	 * no check of the head's fields (tp_build_id_parse, 90 B on M0, stays for the tests). No
	 * note (both symbols 0, or the two equal) is a size of 0 all the same: no NULL test. */
	size_t size = (size_t)((uintptr_t)__tp_build_id_end - (uintptr_t)start);
	size = size > 16u ? size - 16u : 0u;
	*len = size > TP_WIRE_MAX_BUILD_ID ? TP_WIRE_MAX_BUILD_ID : (unsigned)size;
	return start + 16;
#else
	size_t size = start != NULL ? (size_t)(__tp_build_id_end - start) : 0u;
	return tp_build_id_parse(start, size, len);
#endif
}
