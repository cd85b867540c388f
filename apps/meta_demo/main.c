/* SPDX-License-Identifier: MIT */
/*
 * meta_demo - every kind of metadata call site (firmware/include/tracepipe_meta.h), with
 * fixed values, so that `tracepipe decode --elf meta_demo.elf` prints a known text
 * (test/meta/meta_demo.golden.txt, compared without the time column).
 *
 * After CMD_START it records from thread mode only, flushes, waits for the host's CMD_STOP,
 * prints the ground truth (apps/tpgt.h) and exits 0. The ISR enter/exit pair is issued by hand, not from a real
 * interrupt, so that the order of records never depends on timing.
 *
 * Built with -DMETA_DEMO_EXTRA=N it adds N more log call sites: the benchmark compares
 * the two sizes to get the flash cost of one call site, and the test uses the second
 * ELF (another build id) for the mismatch check.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "tpgt.h"
#include "tracepipe.h"
#include "tracepipe_meta.h"

#define RING_PACKETS 8u
#define PACKET_SIZE 512u
#define DEMO_IRQ 25u /* exception number the fake ISR reports */

static uint32_t ring[RING_PACKETS * PACKET_SIZE / 4u];

TP_SPAN_DEFINE(filter);
TP_SPAN_DEFINE(flash_write);
TP_COUNTER_DEFINE(queue_depth, "items");
TP_COUNTER_DEFINE(battery, "mV");
TP_ISR_NAME(25, APP_TIMER);

/* Records made so far, for the ground truth: every macro below records exactly one. */
static uint32_t generated;
#define REC(stmt)          \
	do {                   \
		stmt;              \
		generated++;       \
	} while (0)

/* Keeps the compiler from folding the values into the call sites' constants, so the
 * call sites are as costly as ones with run-time values. */
static unsigned opaque(unsigned v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

static void fake_isr(void)
{
	REC(tp_isr_enter(DEMO_IRQ));
	REC(TP_LOG("in isr %u", (unsigned)opaque(DEMO_IRQ)));
	REC(tp_isr_exit(DEMO_IRQ));
}

static void sensors(void)
{
	static const int millivolts[3] = {1200, -35, 3300};
	for (unsigned ch = 0; ch < 3u; ch++) {
		REC(TP_LOG("adc ch%u = %d mV", ch, millivolts[ch]));
	}
	REC(TP_EVENT(sensor, TP_U8(id, opaque(3)), TP_I8(delta, -7), TP_U16(raw, opaque(4095)),
		     TP_I32(offset, -100000)));
	REC(TP_EVENT(temperature, TP_F32(celsius, 21.5f), TP_F64(precise, 21.123456789)));
}

static void motor(void)
{
	uint32_t position = 1000;
	int current = -20;
	for (unsigned i = 0; i < 3u; i++) {
		REC(TP_SPAN_BEGIN(filter));
		position += 100u * (i + 1u);
		current += 15;
		REC(TP_EVENT(motor_step, TP_U32(position, position), TP_I16(current, current)));
		REC(TP_SPAN_END(filter));
		REC(TP_COUNTER(queue_depth, opaque(i + 2u)));
	}
}

static void formats(void)
{
	REC(TP_LOG("meta_demo start"));
	REC(TP_LOG("hex %x %X %08x %#x", opaque(0xbeefu), opaque(0xbeefu), opaque(0xbeefu), opaque(255u)));
	REC(TP_LOG("dec [%5d][%-5d][%05d][%+d][% d][%.3d]", 42, 42, -42, 7, 7, 5));
	REC(TP_LOG("unsigned %u %u", opaque(0u), opaque(4000000000u)));
	REC(TP_LOG("octal %o %#o", opaque(8u), opaque(8u)));
	REC(TP_LOG("chars %c%c%c [%3c]", 'a', 'b', 'c', 'z'));
	REC(TP_LOG("widths u8=%hhu i8=%hhd u16=%hu i16=%hd", (uint8_t)200, (int8_t)-56, (uint16_t)65535,
		   (int16_t)-1));
	REC(TP_LOG("64-bit %llu %lld %llx", 18446744073709551615ull, -9000000000000000000ll,
		   0x123456789abcdefull));
	REC(TP_LOG("name=%s len=%u", "motor-A", opaque(7u)));
	REC(TP_LOG("str [%.3s][%8s][%-8s]", "abcdef", "right", "left"));
	REC(TP_LOG("long %s", "this string is longer than thirty-two bytes, so it is cut"));
	REC(TP_LOG("float %f %.2f %8.3f %e", 3.14159f, 2.5f, -1.0f / 3.0f, 12345.678f));
	REC(TP_LOG("double %.9f %.3e", 2.718281828459045, 6.02214076e23));
	REC(TP_LOG("100%% done, i=%i", 42));
	REC(TP_LOG("eight %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8));
}

static void events(void)
{
	REC(TP_EVENT(heartbeat));
	REC(TP_EVENT(big_numbers, TP_U64(total, 123456789012345ull), TP_I64(balance, -42ll)));
	REC(TP_EVENT(label, TP_STR(text, "hello"), TP_U32(n, opaque(5))));
	REC(TP_SPAN_BEGIN(flash_write));
	REC(TP_COUNTER(battery, opaque(3300)));
	REC(TP_SPAN_END(flash_write));
}

#ifdef META_DEMO_EXTRA
/* META_DEMO_EXTRA call sites that differ only in their format string. */
static void extra(unsigned v)
{
#define X(n) REC(TP_LOG("extra " #n " %u", v))
	X(0); X(1); X(2); X(3); X(4); X(5); X(6); X(7); X(8); X(9);
#if META_DEMO_EXTRA > 10
	X(10); X(11); X(12); X(13); X(14); X(15); X(16); X(17); X(18); X(19);
#endif
#undef X
}
#endif

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, 1);
	if (app_start(&cfg, "meta_demo") != 0) {
		return 2;
	}

	REC(TP_MARK(boot));
	formats();
	tp_poll();
	sensors();
	motor();
	tp_poll();
	events();
	fake_isr();
#ifdef META_DEMO_EXTRA
	extra(opaque(1));
#endif
	REC(TP_MARK(done));
	tp_flush();
	tpgt_wait_host_ack();

	tpgt_report_untallied(&cfg, 0, generated);
	tpgt_done();
	return 0;
}
