/* SPDX-License-Identifier: MIT */
/*
 * demo - what an instrumented app looks like, with every name in the ELF
 * (firmware/include/tracepipe_meta.h): a 1 kHz timer interrupt, a main loop doing paced work,
 * and on dual-core boards a worker on core 1 that filters each result, so the capture is one
 * timeline of both cores.
 *
 * It waits for CMD_START, then runs until the host stops it (CMD_FLUSH and CMD_DUMP are
 * handled by the core inside tp_poll()). What it records, by name:
 *   isr app_timer        enter/exit around the tick interrupt (core 0)
 *   event tick           n                       from the interrupt, 1 kHz
 *   counter queue_depth  ticks not yet handled by the loop
 *   span work            each iteration's computation (core 0)
 *   event work_done      iteration, checksum
 *   mark hundred         every 100th iteration, with a debug log of the checksum
 *   log (info)           once at start; every 1000th iteration
 *   log (warn)           when the loop fell more than 2 ticks behind
 *   core 1: log (info) once at start, span filter, event filtered (job, gain, level),
 *           log (trace) every 50th job
 * Exactly once per run: mark boot and the start log on core 0; the start log on core 1.
 */
#include <stdint.h>

#include "app_board.h"
#include "app_util.h"
#include "board.h"
#include "demo_isr.h"
#include "tracepipe.h"
#include "tracepipe_meta.h"

#define TICK_HZ 1000u
#define TICK_PERIOD (TP_BOARD_TIMER_HZ / TICK_HZ)
#define RING_PACKETS 8u
#define PACKET_SIZE 512u

#if TP_BOARD_CORES > 1
#define DEMO_CORES 2u
#else
#define DEMO_CORES 1u
#endif

static uint32_t ring[DEMO_CORES * RING_PACKETS * PACKET_SIZE / 4u];
static volatile uint32_t ticks;

#ifdef DEMO_TICK_EXCEPTION
TP_ISR_NAME(DEMO_TICK_EXCEPTION, app_timer);
#endif
TP_SPAN_DEFINE(work);
TP_COUNTER_DEFINE(queue_depth, "ticks");

static void tick(void)
{
	unsigned exc = board_active_exception();
	tp_isr_enter(exc);
	ticks++;
	TP_EVENT(tick, TP_U32(n, ticks));
	tp_isr_exit(exc);
}

static uint32_t work(uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1u;
	for (unsigned i = 0; i < 200u; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
	}
	return x;
}

#if DEMO_CORES > 1
TP_SPAN_DEFINE(filter);

/* Core 0 posts the checksum of each iteration; core 1 filters it. Each is written by one core. */
static volatile uint32_t jobs_posted;
static volatile uint32_t job_value;
static volatile uint32_t jobs_taken;

/* Under round-robin TCG a plain busy-wait lets the other core run only now and then; YIELD
 * hands it the CPU at once. */
static inline void relax(void)
{
	__asm__ volatile("yield" : : : "memory");
}

static void core1_main(void)
{
	TP_LOG("core %u: filter worker started", 1u);
	int32_t smooth = 0;
	for (;;) {
		while (jobs_taken == jobs_posted)
			relax();
		__asm__ volatile("dmb" : : : "memory");
		uint32_t job = jobs_taken + 1u;
		uint32_t v = job_value;
		TP_SPAN_BEGIN(filter);
		int32_t sample = (int32_t)(v & 0xfffu) - 2048;
		smooth += (sample - smooth) / 8;
		TP_SPAN_END(filter);
		TP_EVENT(filtered, TP_U32(job, job), TP_I16(gain, smooth), TP_F32(level, (float)smooth / 2048.0f));
		if (job % 50u == 0u)
			TP_LOG_TRACE("job %u: sample %d, smoothed %d", (unsigned)job, (int)sample, (int)smooth);
		jobs_taken = job;
	}
}

static void post_job(uint32_t value)
{
	/* one job in flight: a busy worker skips values, it never queues them */
	if (jobs_taken != jobs_posted)
		return;
	job_value = value;
	__asm__ volatile("dmb" : : : "memory");
	jobs_posted = jobs_posted + 1u;
}
#endif

int main(void)
{
	const struct tp_config cfg = app_config(TP_MODE_DISCARD, ring, PACKET_SIZE, RING_PACKETS, DEMO_CORES);
	if (app_start(&cfg, "demo") != 0) {
		return 2;
	}

	TP_MARK(boot);
	TP_LOG("demo on %s: %u core(s), tick %u Hz", TP_BOARD_NAME, DEMO_CORES, TICK_HZ);
#if DEMO_CORES > 1
	if (board_core_start(1, core1_main) != 0)
		TP_LOG_ERROR("core 1 did not start; the demo runs on core 0 only");
#endif
	board_periodic_start(0, TICK_PERIOD, 0, tick);
	uint32_t handled = 0;
	uint32_t iteration = 0;
	for (;;) {
		while (handled == ticks) {
			tp_poll();
			board_idle();
		}
		uint32_t behind = ticks - handled;
		TP_COUNTER(queue_depth, behind);
		if (behind > 2u)
			TP_LOG_WARN("main loop %u ticks behind", (unsigned)behind);
		handled++;
		iteration++;
		TP_SPAN_BEGIN(work);
		uint32_t sum = work(iteration);
		TP_SPAN_END(work);
		TP_EVENT(work_done, TP_U32(iteration, iteration), TP_U32(checksum, sum));
#if DEMO_CORES > 1
		post_job(sum);
#endif
		if (iteration % 100u == 0u) {
			TP_MARK(hundred);
			TP_LOG_DEBUG("iteration %u: checksum %08x", (unsigned)iteration, (unsigned)sum);
		}
		if (iteration % 1000u == 0u)
			TP_LOG("%u iterations", (unsigned)iteration);
		tp_poll();
	}
}
