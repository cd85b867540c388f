/* SPDX-License-Identifier: MIT */
/*
 * tp_cmd.c - the link's receiving side: host commands (SPEC §8) arrive byte by byte from
 * the board's RX path (tp_rx_byte, usually the RX interrupt). A complete frame is checked
 * (its one COBS group, its CRC); a valid command sets its request in tp_link for the drain
 * (tp_drain.c) and wakes the transport. Anything else is ignored: the stream resyncs at the
 * next 0x00.
 */
#include "tp_internal.h"

static struct {
	uint8_t rx[7];  /* a command frame's COBS bytes before its 0x00, and one more */
	uint8_t rx_len; /* 7: longer than any command frame */
} c;

void tp_cmd_init(void)
{
	c.rx_len = 0;
}

int tp_started(void)
{
	return tp_link.started;
}

int tp_dump_requested(void)
{
	return tp_link.dump;
}

/* Both profiles link this file; each has its own handle_command. */
#if TP_PROFILE_TINY
/* PROFILE=tiny: CMD_START, CMD_STOP and CMD_HEADER only (SPEC §8, HEADER flag NO_FLUSH). A
 * host that sends CMD_FLUSH or CMD_DUMP is listening: a target not transmitting yet starts
 * as on CMD_START, so the host reads in the HEADER that no flush or dump will follow. */
static void handle_command(unsigned type)
{
	/* No switch: the five types are consecutive (SPEC 8), so one subtraction and a few
	 * compares pick the work, with no jump table (and no libgcc case helper at -Os). */
	unsigned k = type - TP_CMD_START;
	_Static_assert(TP_CMD_STOP == TP_CMD_START + 1 && TP_CMD_HEADER == TP_CMD_START + 2 &&
			       TP_CMD_FLUSH == TP_CMD_START + 3 && TP_CMD_DUMP == TP_CMD_START + 4,
		       "the command types are consecutive");
	if (k > TP_CMD_DUMP - TP_CMD_START)
		return;
	if (k == TP_CMD_STOP - TP_CMD_START) {
		tp_link_set_started(0);
	} else {
		if (k != TP_CMD_HEADER - TP_CMD_START) {
			if (k >= TP_CMD_FLUSH - TP_CMD_START && tp_link.started)
				return; /* FLUSH or DUMP: a listening host; already transmitting */
			tp_link_set_started(1);
		}
		tp_link.header_req = 1;
	}
	if (!TP_PORT_TX_POLLED) /* port.h: the next tp_poll sends the HEADER */
		tp_port_tx_kick();
}
#else
/* PROFILE=full: every command; the flush and the dump run in tp_drain.c. */
static void handle_command(unsigned type)
{
	switch (type) {
	case TP_CMD_START:
		if (!tp_link.started)
			tp_link.status_mask = tp_core_mask(tp_g.cores);
		tp_link_set_started(1);
		tp_link.header_req = 1;
		tp_link.stop_after_flush = tp_link.quiet = 0;
		break;
	case TP_CMD_STOP:
		tp_link_set_started(0);
		tp_link.stop_after_flush = tp_link.quiet = 0;
		break;
	case TP_CMD_HEADER:
		tp_link.header_req = 1;
		break;
	case TP_CMD_DUMP:
	case TP_CMD_FLUSH:
		if (type == TP_CMD_DUMP) {
			/* A dump is a flush of a stopped recorder (post-mortem). */
			tp_ring_stop();
			tp_link.dump = 1;
		}
		/* Asking for everything implies a reader: start if not started. */
		if (!tp_link.started) {
			tp_link_set_started(1);
			tp_link.header_req = 1;
		}
		tp_link.flush_req = 1;
		tp_link.stop_after_flush = 1;
		break;
	default:
		return;
	}
	tp_port_tx_kick();
}
#endif

#if TP_PROFILE_TINY && defined(__OPTIMIZE_SIZE__)
/* Running CRC-32C of n bytes (no final XOR): the commands' and the tiny link's, at -Os, a bit
 * at a time: no table (64 B more than this loop), and the tiny profile's CPU figures are its
 * -O2 build's (PORTING.md 1.5). Other builds step the table inline (tp_internal.h). */
uint32_t tp_crc32c_run(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n-- != 0u) {
		crc ^= *p++;
		for (unsigned k = 0; k < 8u; k++)
			crc = crc >> 1 ^ (0x82F63B78u & -(crc & 1u));
	}
	return crc;
}
#endif

/* The register after a message and its own CRC (little-endian), whatever the message: the
 * CRC of the type byte is right iff running on over it gives this (one call, at -Os tiny). */
#define CRC32C_RESIDUE 0xB798B438u

/* No COBS decoder: a command message is its type byte and a CRC with no zero byte in it (true
 * of every command of SPEC §8; test_cmd checks), so its frame is always
 * 06 type crc0 crc1 crc2 crc3 00: one group, nothing to decode. Every other frame (a body, a
 * bad CRC, an unknown type whose CRC has a zero, too long or short) is ignored, as §8 says. */
void tp_rx_byte(uint8_t b)
{
	unsigned n = c.rx_len;
	if (b != 0) {
		if (n <= 6u) { /* 7: too long (rx[6] is that byte's, never read) */
			c.rx[n] = b;
			c.rx_len = (uint8_t)(n + 1u);
		}
		return;
	}
	if (n == 6u && c.rx[0] == 6u && tp_g.initialised) {
#if TP_PROFILE_TINY && defined(__OPTIMIZE_SIZE__)
		if (tp_crc32c_run(0xFFFFFFFFu, &c.rx[1], 5) == CRC32C_RESIDUE)
#else
		uint32_t crc = tp_crc32c_step(0xFFFFFFFFu, c.rx[1]) ^ 0xFFFFFFFFu;
		if (((uint32_t)c.rx[2] | (uint32_t)c.rx[3] << 8 | (uint32_t)c.rx[4] << 16 | (uint32_t)c.rx[5] << 24) == crc)
#endif
			handle_command(c.rx[1]);
	}
	c.rx_len = 0;
}
