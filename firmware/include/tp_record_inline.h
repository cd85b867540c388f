/* SPDX-License-Identifier: MIT */
/*
 * tp_record_inline.h - the record fast path, as inline code: the core's own entry points
 * (tp_ring.c) and, with TP_RECORD_INLINE (tracepipe.h), every instrumented line are built
 * from the one body below, tp_rec_fast().
 *
 * NOT API. The channel layout and the tp_rec_* names below may change with any release. A
 * file that records inline must be compiled against the same core and board port headers as
 * the core itself (a firmware build always is): it reads the channel struct and the board's
 * timer directly. A file built with TP_RECORD_INLINE 0 calls the same code out of line; the
 * two kinds of files mix freely, since they do the same thing to the same state. On a
 * one-core ARMv6-M board whose timer is read through a capture (nRF51), records of up to 2
 * arguments run tp_rec_le2_v6m's assembly instead, inline and out of line alike.
 */
#ifndef TP_RECORD_INLINE_H
#define TP_RECORD_INLINE_H

#include <stddef.h>
#include <stdint.h>
#include "port.h" /* board.h, and the board's inline timer, mask and core id */

struct tp_pkt;

/* Per-core state of the writer side. The fast path reads wp, committed and end, the first
 * three words, in that order (one LDM on Cortex-M3, and in the ARMv6-M assembly). */
struct tp_chan {
	uint32_t *wp;          /* next record word of the head packet */
	uint32_t committed;    /* cumulative, wraps mod 2^32 */
	uintptr_t end;         /* end of the head packet; 0 forces the slow path */
	struct tp_pkt *head;   /* packet being written, or the last one opened */
	/* The bytes early: a Cortex-M0 loads a byte at an offset of 31 at most in one instruction. */
	uint8_t open;          /* head is WRITING */
	volatile uint8_t evicting; /* between an eviction's CAS and its overwritten update */
	uint32_t dropped;      /* cumulative: the ring was full */
	uint32_t rejected;     /* cumulative: refused (stopped, too large, bad core, misuse) */
	uint32_t overwritten;  /* cumulative */
	uint32_t next_seq;     /* seq the next opened packet gets */
};
extern struct tp_chan tp_chan[];

/*
 * A record, as the writer stores it (words, native endianness):
 *   w0 = kind << 5 | nargs << 2 | bloblen << 8     (the wire H byte without enc)
 *   w1 = id
 *   w2 = low TP_BOARD_TIMER_BITS bits of the timer
 *   w3.. = nargs argument words, or for nargs 7 the blob bytes padded to a word
 * A blob record reserves one byte more than it holds so that no record is ever shorter
 * in the ring than on the wire: a packet's message then always fits in packet_size.
 */
#define TP_REC_W0(kind, nargs) ((uint32_t)(kind) << 5 | (uint32_t)(nargs) << 2)
#define TP_REC_WORDS(nargs) (3u + (nargs))

#if TP_BOARD_CORES == 1
#define TP_REC_CORE() 0u
#else
#define TP_REC_CORE() tp_port_core_id()
#endif

/* A wrap that happened after the packet opened but is not counted yet (the overflow
 * interrupt is blocked, e.g. the event is recorded in a critical section) must also close
 * the packet, so the record path looks at the flag, after reading the timer. */
#ifdef TP_PORT_OVF_PENDING_INLINE
#define TP_REC_OVF_PENDING() tp_port_timer_overflow_pending_inline()
#else
#define TP_REC_OVF_PENDING() tp_port_timer_overflow_pending()
#endif

/* The slow entries (tp_ring.c): the packet switch, the counted refusals, and the record
 * written there. Called with interrupts as the caller had them; they take a fresh
 * timestamp. Up to 2 arguments: four register arguments, in the order of the API functions'
 * own, so that an out-of-line fast path reaches it as a tail call. */
void tp_rec_slow_le2(uint32_t id, uint32_t a0, uint32_t a1, uint32_t w0);
void tp_rec_slow_any(uint32_t w0, uint32_t id, const uint32_t *args);

/*
 * ARMv6-M fast path, for a one-core board whose timer is read through a capture (a store
 * starts it, a load reads the count: nRF51). Thumb-1 has 8 low registers, loads with small
 * offsets only, and no 3-operand add of 20: the C body below costs 29 instructions on
 * Cortex-M0 for a 2-argument event, 9 of them for the timer and its wrap flag, whose
 * registers are too far apart for one base register. This one is 18 plus the argument moves:
 * one LDM takes the capture task, the trigger value, the wrap flag's and the count's
 * addresses and the channel from a const table (struct tp_rec_v6m, which tp_ring.c builds
 * from the port's TP_PORT_TS_* words); a second LDM takes wp, committed and end; one STM
 * stores the record, another wp and committed. LDM and STM take their registers in
 * ascending order, so the registers are fixed:
 *   r0  the table, then wp (the STM base: the next record's place after it)
 *   r1  trigger, then committed    r2  wrap flag, then end - wp, then w0
 *   r3  id    r4  count address, then the low timer bits    r5 r6  a0 a1
 *   r7  the channel    ip  PRIMASK
 * The checks and their order are the C body's: the count before the wrap flag, both checks
 * before anything is stored. The room test is signed, end - wp >= size: it needs no next
 * pointer, and `end` 0 fails it because RAM (0x20000000 on these parts) lies below 2^31.
 *
 * A failed check unmasks and then either calls the slow entry from inside the assembly
 * (the void records: no test on the fast path) or leaves r0 at 0 for the caller to test
 * (tp_rec_fast, for the _checked calls that need the slow entry's result). Not asm goto:
 * GCC counts an asm goto as one instruction when it places literal pools and picks branch
 * ranges, so a large function with many records fails to assemble. Records of 3 and 4
 * arguments take the C body (the STM would need the channel's register). Not with -O0
 * (r7 is the frame pointer there), nor where TP_REC_V6M_ASM is 0 (a file built with
 * -fno-omit-frame-pointer must set it).
 */
#ifndef TP_REC_V6M_ASM
#define TP_REC_V6M_ASM 1
#endif
#if defined(__ARM_ARCH_6M__) && TP_BOARD_CORES == 1 && defined(TP_PORT_TS_CAPTURE_TASK)
/* The table exists whatever this file's optimisation and knob: tp_ring.c defines it for the
 * files that use it, which may be built otherwise. In the order of the first LDM's registers
 * r0, r1, r2, r4, r7. */
#define TP_REC_V6M_TABLE 1
struct tp_rec_v6m {
	volatile uint32_t *capture;   /* TP_PORT_TS_CAPTURE_TASK */
	uint32_t trigger;             /* TP_PORT_TS_CAPTURE_TRIGGER */
	volatile uint32_t *wrap_flag; /* TP_PORT_TS_WRAP_FLAG */
	volatile uint32_t *count;     /* TP_PORT_TS_CAPTURE_COUNT */
	struct tp_chan *chan;         /* &tp_chan[0] */
};
extern const struct tp_rec_v6m tp_rec_v6m;
_Static_assert(offsetof(struct tp_rec_v6m, count) == 12 && offsetof(struct tp_rec_v6m, chan) == 16,
	       "struct tp_rec_v6m is the first LDM's five words");
_Static_assert(offsetof(struct tp_chan, committed) == 4 && offsetof(struct tp_chan, end) == 8,
	       "the second LDM takes wp, committed, end: the channel's first three words");

#if defined(__OPTIMIZE__) && TP_REC_V6M_ASM
#define TP_REC_V6M 1

#define TP_REC_V6M_STR_(x) #x
#define TP_REC_V6M_STR(x) TP_REC_V6M_STR_(x)
/* The STM of the record for 0, 1, 2 arguments: w0, id, lo, a0, a1 in r2..r6. */
#define TP_REC_V6M_REGS0 "{r2, r3, r4}"
#define TP_REC_V6M_REGS1 "{r2, r3, r4, r5}"
#define TP_REC_V6M_REGS2 "{r2, r3, r4, r5, r6}"
/* The failed check's tails (after the unmask): the slow entry's arguments (id, a0, a1, w0)
 * and the call; or r0 = 0. */
#define TP_REC_V6M_FAIL_CALL "movs	r0, r3\n\tmovs	r1, r5\n\tmovs	r2, r6\n\tmovs	r3, %[w0]\n\tbl	%c[slow]"
#define TP_REC_V6M_FAIL_ZERO "movs	r0, #0"
/* GCC hands Thumb-1 inline assembly to the assembler in divided syntax unless built with
 * -masm-syntax-unified, and returns to unified syntax after it either way. */
#define TP_REC_V6M_TEXT(nargs, fail)                                                           \
	".syntax unified\n\t"                                                                  \
	"mrs	ip, primask\n\t"                                                               \
	"cpsid	i\n\t"                                                                        \
	"ldm	r0, {r0, r1, r2, r4, r7}\n\t"                                                   \
	"str	r1, [r0]\n\t"            /* capture the count */                              \
	"ldr	r4, [r4]\n\t"            /* lo */                                             \
	"ldr	r2, [r2]\n\t"            /* the wrap flag, after the count */                 \
	"cmp	r2, #0\n\t"                                                                    \
	"bne	1f\n\t"                                                                        \
	"ldm	r7!, {r0, r1, r2}\n\t"   /* wp, committed, end */                             \
	"subs	r2, r2, r0\n\t"                                                               \
	"cmp	r2, #" TP_REC_V6M_STR(4 * (3 + nargs)) "\n\t"                                  \
	"bge	2f\n"                                                                           \
	"1:\tmsr	primask, ip\n\t" fail "\n\t"                                                \
	"b	3f\n"                                                                             \
	"2:\tadds	r1, #1\n\t"                                                              \
	"subs	r7, #12\n\t"                                                                  \
	"movs	r2, %[w0]\n\t"                                                                \
	"stm	r0!, " TP_REC_V6M_REGS##nargs "\n\t"                                          \
	"stm	r7!, {r0, r1}\n\t"       /* wp = the next record's place, committed */        \
	"msr	primask, ip\n"                                                                  \
	"3:"
/* r0 and r3 are outputs too (the call tail's arguments); the slow entry, like any callee,
 * keeps r4-r7, so a0 and a1 in r5 r6 survive it. */
#define TP_REC_V6M_CLOBBERS "r1", "r2", "r4", "r7", "ip", "lr", "cc", "memory"
#define TP_REC_V6M_STMT_(nargs, fail, ...)                                                        \
	__asm__ volatile(TP_REC_V6M_TEXT(nargs, fail)                                               \
			 : "+l"(tbl), "+l"(rid)                                                      \
			 : [w0] "i"(w0), [slow] "i"(tp_rec_slow_le2)__VA_ARGS__                      \
			 : TP_REC_V6M_CLOBBERS)
#define TP_REC_V6M_STMT(nargs, fail)                                                               \
	do {                                                                                      \
		if ((nargs) == 0) {                                                                 \
			TP_REC_V6M_STMT_(0, fail);                                                   \
		} else if ((nargs) == 1) {                                                          \
			TP_REC_V6M_STMT_(1, fail, , "l"(ra0));                                       \
		} else {                                                                            \
			TP_REC_V6M_STMT_(2, fail, , "l"(ra0), "l"(ra1));                             \
		}                                                                                   \
	} while (0)

/* A record of up to 2 arguments. With call_slow (TP_REC_LE2) the record is done either way,
 * the slow entry included, and the result means nothing; without (tp_rec_fast), 1 once
 * recorded, 0 with nothing done. */
__attribute__((always_inline)) static inline int tp_rec_le2_v6m(uint32_t w0, uint32_t id, uint32_t a0, uint32_t a1,
								 unsigned nargs, int call_slow)
{
	register const struct tp_rec_v6m *tbl __asm__("r0") = &tp_rec_v6m;
	register uint32_t rid __asm__("r3") = id;
	register uint32_t ra0 __asm__("r5") = a0;
	register uint32_t ra1 __asm__("r6") = a1;
	if (call_slow)
		TP_REC_V6M_STMT(nargs, TP_REC_V6M_FAIL_CALL);
	else
		TP_REC_V6M_STMT(nargs, TP_REC_V6M_FAIL_ZERO);
	return tbl != 0;
}
#endif /* TP_REC_V6M */
#endif /* TP_REC_V6M_TABLE */

/*
 * The fast path: all masked. Read the timer, check room and the wrap flag, bump the write
 * pointer and `committed`, store the record's words. The timer is read before the wrap flag
 * (see TP_REC_OVF_PENDING). Returns 1 once the record is committed; 0 with nothing done and
 * interrupts as on entry: every rare condition (packet full, none open, a counted wrap,
 * recording stopped) has set `end` to 0, and the caller takes the slow entry. With nargs
 * and w0 constants (every caller) the copy is a few stores, no loop, no array.
 */
__attribute__((always_inline)) static inline int tp_rec_fast(uint32_t w0, uint32_t id, const uint32_t *args,
							      unsigned nargs)
{
#ifdef TP_REC_V6M
	if (nargs <= 2)
		return tp_rec_le2_v6m(w0, id, nargs > 0 ? args[0] : 0, nargs > 1 ? args[1] : 0, nargs, 0);
#endif
	uint32_t key = tp_port_irq_save();
	struct tp_chan *ch = &tp_chan[TP_REC_CORE()];
	uint32_t lo = tp_port_timer_lo();
	uint32_t *r = ch->wp;
	uint32_t *next = r + TP_REC_WORDS(nargs);
#if defined(__ARM_ARCH_6M__)
	/* Cortex-M0: 8 low registers; `committed` is loaded once the record surely goes here. */
	if (__builtin_expect((uintptr_t)next > ch->end || TP_REC_OVF_PENDING(), 0)) {
		tp_port_irq_restore(key);
		return 0;
	}
	ch->wp = next;
	ch->committed++;
#else
	/* Loaded with the others: one LDM on Cortex-M3 (the three first words of tp_chan). */
	uint32_t committed = ch->committed;
	if (__builtin_expect((uintptr_t)next > ch->end || TP_REC_OVF_PENDING(), 0)) {
		tp_port_irq_restore(key);
		return 0;
	}
	ch->wp = next;
	ch->committed = committed + 1u;
#endif
	r[0] = w0;
	r[1] = id;
	r[2] = lo;
	for (unsigned i = 0; i < nargs; i++)
		r[3 + i] = args[i];
	tp_port_irq_restore(key);
	return 1;
}

/* The bodies of the API's fixed-arity records (tracepipe.h): the fast path, else the slow
 * entry. */
#ifdef TP_REC_V6M
#define TP_REC_LE2(w0, id, nargs, a0, a1) ((void)tp_rec_le2_v6m((w0), (id), (a0), (a1), (nargs), 1))
#else
#define TP_REC_LE2(w0, id, nargs, a0, a1)                          \
	do {                                                        \
		const uint32_t a_[2] = {(a0), (a1)};                \
		if (!tp_rec_fast((w0), (id), a_, (nargs)))          \
			tp_rec_slow_le2((id), (a0), (a1), (w0));    \
	} while (0)
#endif
#define TP_REC_ARGS(w0, id, nargs, ...)                          \
	do {                                                      \
		const uint32_t a_[nargs] = {__VA_ARGS__};         \
		if (!tp_rec_fast((w0), (id), a_, (nargs)))        \
			tp_rec_slow_any((w0), (id), a_);          \
	} while (0)

/* The API functions themselves: static inline in a file built with TP_RECORD_INLINE, plain
 * external definitions in tp_ring.c (TP_REC_EXTERN_DEFS), from the same text. */
#if defined(TP_REC_EXTERN_DEFS) || TP_RECORD_INLINE
#ifdef TP_REC_EXTERN_DEFS
#define TP_REC_API void
#else
#define TP_REC_API __attribute__((always_inline)) static inline void
#endif
#define TP_REC_EV(n) TP_REC_W0(TP_KIND_EVENT, n)

TP_REC_API tp_event0(uint32_t id)
{
	TP_REC_LE2(TP_REC_EV(0), id, 0, 0, 0);
}

TP_REC_API tp_event1(uint32_t id, uint32_t a0)
{
	TP_REC_LE2(TP_REC_EV(1), id, 1, a0, 0);
}

TP_REC_API tp_event2(uint32_t id, uint32_t a0, uint32_t a1)
{
	TP_REC_LE2(TP_REC_EV(2), id, 2, a0, a1);
}

TP_REC_API tp_event3(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2)
{
	TP_REC_ARGS(TP_REC_EV(3), id, 3, a0, a1, a2);
}

TP_REC_API tp_event4(uint32_t id, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3)
{
	TP_REC_ARGS(TP_REC_EV(4), id, 4, a0, a1, a2, a3);
}

TP_REC_API tp_mark(uint32_t id)
{
	TP_REC_LE2(TP_REC_W0(TP_KIND_MARK, 0), id, 0, 0, 0);
}

TP_REC_API tp_span_begin(uint32_t id)
{
	TP_REC_LE2(TP_REC_W0(TP_KIND_SPAN_BEGIN, 0), id, 0, 0, 0);
}

TP_REC_API tp_span_end(uint32_t id)
{
	TP_REC_LE2(TP_REC_W0(TP_KIND_SPAN_END, 0), id, 0, 0, 0);
}

TP_REC_API tp_counter(uint32_t id, uint32_t value)
{
	TP_REC_LE2(TP_REC_W0(TP_KIND_COUNTER, 1), id, 1, value, 0);
}

TP_REC_API tp_isr_enter(uint32_t irq)
{
	TP_REC_LE2(TP_REC_W0(TP_KIND_ISR_ENTER, 0), irq, 0, 0, 0);
}

TP_REC_API tp_isr_exit(uint32_t irq)
{
	TP_REC_LE2(TP_REC_W0(TP_KIND_ISR_EXIT, 0), irq, 0, 0, 0);
}
#undef TP_REC_API
#endif

#endif /* TP_RECORD_INLINE_H */
