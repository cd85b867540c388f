/* SPDX-License-Identifier: MIT */
/*
 * masked_plugin.c - a QEMU TCG plugin (API v1, QEMU 7.2) that measures, on the running
 * firmware, the longest stretch of instructions executed with interrupts masked.
 *
 * Debian ships no plugin headers, so the few API declarations the plugin needs are written
 * out below. Build: gcc -shared -fPIC -O2 -o libmasked.so masked_plugin.c
 * Use:   qemu-system-arm ... -icount shift=0,sleep=off -plugin ./libmasked.so,out=<file>
 *
 * Every instruction adds 1 to a counter (an inline op, exact per instruction). A section
 * starts at `cpsid i` and ends at the `msr PRIMASK, rN` (or `cpsie i`) that unmasks. The
 * API cannot read register values, so nesting is tracked structurally: the core masks
 * with `mrs; cpsid` and restores with `msr`, in pairs, so a `cpsid` inside a section opens
 * a nested level and its `msr` closes only that level. The length of a section counts the
 * instructions from the one after `cpsid` through the unmasking `msr`. Every level is a
 * section of the site that opened it (nested= counts those closed inside another one).
 * One counter for the machine by default, exact for one vCPU. With percpu=1 (multi-core
 * boards) every vCPU has its own counter and nesting state, kept by a callback on every
 * instruction instead of the inline add (slower, still exact): under round-robin TCG a
 * shared counter would charge one vCPU's section with the other's instructions, and under
 * multi-threaded TCG (what `tracepipe run` gets on a 2-core board) the two would race.
 *
 * With long=N it also prints on stderr, for each section longer than N instructions, the
 * vCPU, the section's start and end addresses and every vCPU's last address and count at
 * that moment (percpu=1): what another core was doing while this one stayed masked.
 *
 * With prof=<file> it also writes, per translated instruction, "pc 1 executions", so the
 * bench can say which functions the instructions went to. Per instruction, not per block:
 * under -icount a block is cut short at an I/O access, and a per-block count charged such a
 * block's instructions after the access too (about twice the UART loop's real count).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op, void *ptr,
						uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
					      uint64_t imm);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define VCPUS 8
static uint64_t insns[VCPUS];
/* Per vCPU, per nesting level: where and at which count each open section began. Every
 * level is a section of its own site: the tracer's sections inside an app's own masked
 * section (apps/flight_recorder masks around its records) are measured too, though only
 * the outermost level is the interrupt latency. */
#define LEVELS 8
static uint64_t start_count[VCPUS][LEVELS];
static uint64_t start_pc[VCPUS][LEVELS];
static unsigned depth[VCPUS];
static int percpu;
static uint64_t sections;
/* the longest section seen from each masking site */
#define SITES 512
static struct site {
	uint64_t pc, end_pc, longest, count, nested;
} sites[SITES];
static unsigned n_sites;
static pthread_mutex_t sites_lock = PTHREAD_MUTEX_INITIALIZER;
static char out_path[512];
static char prof_path[512];

struct tb_count { /* one instruction of one translation */
	uint64_t pc, n, count;
	struct tb_count *next;
};
static struct tb_count *tbs;

enum { OP_MASK = 1, OP_RESTORE = 2, OP_UNMASK = 3 };

/* the address of each vCPU's last instruction (percpu=1 only): where a vCPU stood when
 * another one's section ended, for the long= log */
static uint64_t last_pc[VCPUS];
static uint64_t long_limit;
static FILE *long_log;

static void on_insn(unsigned int vcpu, void *ud)
{
	insns[vcpu % VCPUS]++;
	last_pc[vcpu % VCPUS] = (uint64_t)(uintptr_t)ud;
}

/* long=N: one line per section longer than N, with every vCPU's position at its end */
static void log_long(unsigned c, uint64_t pc, uint64_t len)
{
	fprintf(long_log, "TPLONG vcpu=%u start_pc=0x%llx end_pc=0x%llx len=%llu", c, (unsigned long long)start_pc[c][0],
		(unsigned long long)pc, (unsigned long long)len);
	for (unsigned v = 0; v < VCPUS && percpu; v++)
		if (insns[v])
			fprintf(long_log, " cpu%u_insns=%llu cpu%u_pc=0x%llx cpu%u_depth=%u", v,
				(unsigned long long)insns[v], v, (unsigned long long)last_pc[v], v, depth[v]);
	fputc('\n', long_log);
}

/* Closes nesting level lvl (0 = outermost) of vCPU c at pc: the site that opened it keeps
 * its longest length. Called under sites_lock. */
static void close_level(unsigned c, unsigned lvl, uint64_t pc)
{
	/* this instruction's count has run (inline add or on_insn, registered first) */
	uint64_t len = insns[c] - start_count[c][lvl];
	uint64_t at = start_pc[c][lvl];
	if (lvl == 0) {
		sections++;
		if (long_log && len > long_limit)
			log_long(c, pc, len);
	}
	unsigned i = 0;
	while (i < n_sites && sites[i].pc != at)
		i++;
	if (i == n_sites && n_sites < SITES) {
		n_sites++;
		sites[i].pc = at;
	}
	if (i == n_sites)
		return;
	sites[i].count++;
	if (lvl > 0)
		sites[i].nested++;
	if (len > sites[i].longest) {
		sites[i].longest = len;
		sites[i].end_pc = pc;
	}
}

static void on_op(unsigned int vcpu, void *ud)
{
	uintptr_t v = (uintptr_t)ud;
	unsigned op = (unsigned)(v & 3u);
	uint64_t pc = (uint64_t)(v >> 2);
	unsigned c = percpu ? vcpu % VCPUS : 0;
	if (op == OP_MASK) {
		unsigned d = depth[c]++;
		if (d < LEVELS) {
			start_count[c][d] = insns[c];
			start_pc[c][d] = pc;
		}
		return;
	}
	if (depth[c] == 0)
		return; /* an msr outside any section we saw open: start-up code */
	/* Multi-threaded TCG (the default for a multi-core machine without -icount) runs the
	 * vCPUs on threads of their own: the site table is shared, so it is updated under a lock. */
	pthread_mutex_lock(&sites_lock);
	/* msr closes the innermost level, cpsie every level */
	unsigned to = op == OP_RESTORE ? depth[c] - 1 : 0;
	while (depth[c] > to) {
		depth[c]--;
		if (depth[c] < LEVELS)
			close_level(c, depth[c], pc);
	}
	pthread_mutex_unlock(&sites_lock);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		if (prof_path[0]) {
			struct tb_count *t = calloc(1, sizeof *t);
			if (t) {
				t->pc = qemu_plugin_insn_vaddr(insn);
				t->n = 1;
				t->next = tbs;
				tbs = t;
				qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &t->count, 1);
			}
		}
		if (percpu)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)qemu_plugin_insn_vaddr(insn));
		else
			qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insns[0], 1);
		const uint8_t *b = qemu_plugin_insn_data(insn);
		size_t sz = qemu_plugin_insn_size(insn);
		unsigned op = 0;
		if (sz == 2 && b[0] == 0x72 && b[1] == 0xb6)
			op = OP_MASK; /* cpsid i */
		else if (sz == 2 && b[0] == 0x62 && b[1] == 0xb6)
			op = OP_UNMASK; /* cpsie i */
		else if (sz == 4 && (b[0] & 0xf0) == 0x80 && b[1] == 0xf3 && b[2] == 0x10 && b[3] == 0x88)
			op = OP_RESTORE; /* msr PRIMASK, rN */
		if (op) {
			uintptr_t ud = ((uintptr_t)qemu_plugin_insn_vaddr(insn) << 2) | op;
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_op, QEMU_PLUGIN_CB_NO_REGS, (void *)ud);
		}
	}
}

static void at_exit(qemu_plugin_id_t id, void *ud)
{
	(void)id;
	(void)ud;
	FILE *f = out_path[0] ? fopen(out_path, "w") : stderr;
	if (!f)
		return;
	fprintf(f, "TPMASKED total sections=%llu insns=%llu\n", (unsigned long long)sections,
		(unsigned long long)(insns[0] + insns[1] + insns[2] + insns[3] + insns[4] + insns[5] + insns[6] + insns[7]));
	for (unsigned v = 0; v < VCPUS; v++)
		if (insns[v])
			fprintf(f, "TPMASKED vcpu=%u insns=%llu\n", v, (unsigned long long)insns[v]);
	for (unsigned i = 0; i < n_sites; i++)
		fprintf(f, "TPMASKED site pc=%llu end_pc=%llu longest=%llu count=%llu nested=%llu\n",
			(unsigned long long)sites[i].pc, (unsigned long long)sites[i].end_pc,
			(unsigned long long)sites[i].longest, (unsigned long long)sites[i].count,
			(unsigned long long)sites[i].nested);
	if (f != stderr)
		fclose(f);
	if (prof_path[0]) {
		FILE *p = fopen(prof_path, "w");
		if (!p)
			return;
		for (struct tb_count *t = tbs; t; t = t->next)
			if (t->count)
				fprintf(p, "%llu %llu %llu\n", (unsigned long long)t->pc, (unsigned long long)t->n,
					(unsigned long long)t->count);
		fclose(p);
	}
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
							       int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0) {
			strncpy(out_path, argv[i] + 4, sizeof out_path - 1);
		} else if (strcmp(argv[i], "percpu=1") == 0) {
			percpu = 1;
		} else if (strncmp(argv[i], "long=", 5) == 0) {
			long_limit = strtoull(argv[i] + 5, NULL, 0);
			long_log = stderr;
		} else if (strncmp(argv[i], "prof=", 5) == 0) {
			strncpy(prof_path, argv[i] + 5, sizeof prof_path - 1);
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
