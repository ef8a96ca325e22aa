// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - the life of one input: ops_run() starts the sim environment in
 * inline mode (the driver task is the only task; work, grace periods and
 * callbacks advance when an op asks for them or blocks on them) and the
 * model, runs the ops one after the other, and tears everything down: the
 * readers still open are closed, what the program still holds is freed,
 * every cache left is destroyed, vcpu_quiesce() runs every pending work
 * item, timer and RCU callback, and the model and the environment are
 * stopped.  So a callback that runs late, after its cache was destroyed,
 * runs inside the input that caused it, and nothing survives into the next
 * input.  Also here: the configuration, the context every report carries,
 * the sim decider, and the trace.
 *
 * The model's quarantine is always on, whatever the build, so that one
 * input behaves the same under every preset, and small (H_QUARANTINE
 * objects), so that frees reach the sheaves after a few ops rather than
 * after the 64 of the model's default; one object is enough for H1.
 */
#include <stdarg.h>

#include "kernel/bug.h"
#include "kernel/cpu.h"
#include "kernel/gfp.h"
#include "kernel/sched.h"
#include "kernel/sim.h"
#include "kernel/vcpu.h"
#include "slab.h"
#include "check.h"
#include "variant.h"

#include "exec.h"
#include "input.h"
#include "shadow.h"

#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
#include <sanitizer/common_interface_defs.h>
#endif

#define H_QUARANTINE	8	/* objects in the model's KASAN-like quarantine */

#ifdef SHEAF_ASAN
/*
 * ASan's defaults for every program that runs inputs (fuzz_ops and
 * fuzz_sched under libFuzzer or AFL++'s driver, replay, bench_ops), so that
 * a finding replays with the report it was found with; ASAN_OPTIONS, read
 * after these, still wins (AFL++ sets its own when it is unset).
 *
 * quarantine_size_mb=64: a use-after-free is reported as one while the
 * freed chunk is in ASan's quarantine, which recycles the oldest chunks
 * once more than this has been freed after them.  A stale use the model can
 * make is inside the input that freed the memory (every input ends with a
 * full teardown), and one input frees at most what it allocated: 26 KB on
 * average on the seed corpus, 143 KB at most there, 9.4 MB for the
 * heaviest program written for the purpose (128 ops of prefill, return and
 * shrink on 2048-byte caches; bench_ops prints "at most").  64 MB keeps
 * several such inputs' frees poisoned, where the default 256 MB took some
 * 10,000 inputs to fill (a quarter of a GB of fresh pages, faulted in one
 * by one) and held 200 MB of the process's RSS.
 *
 * malloc_context_size=30 (the default, written down): the frames kept for
 * the stacks of each allocation and free.  The deepest model allocation
 * (a slab for a sheaf refill under kmem_cache_alloc()) is 17 frames down
 * to LLVMFuzzerTestOneInput and a work item's stack ends at its fiber;
 * keeping 20 instead of 30 cost the same within noise (docs/fuzzing.md).
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=64:malloc_context_size=30";
}
#endif

#ifdef SHEAF_COVERAGE
int __llvm_profile_write_file(void);
#endif

struct ops_config ops_config = { .nr_cpus = 4, .nr_nodes = 1, .target = "fuzz_ops" };
struct h_state h;
struct program h_program;

unsigned int h_self(void)
{
	struct task_struct *cur = current;
	unsigned int t;

	for (t = 0; t < H_TASKS; t++)
		if (h.task[t].ts == cur)
			return t;
	return H_DRIVER;
}

/* ------------------------------------------------------------ context */

static bool in_sanitizer_death;	/* the sanitizer printed its stacks already */

/* fuzz_ops's trace: the snapshot the op in progress started from. */
struct trace_snap;
static const struct trace_snap *trace_current;
static void trace_op(unsigned int index, const struct op *op, const struct trace_snap *t0);
static void trace_flush_events(FILE *out);

/* Before the report's first line: the failing op's, with what it did so far. */
static void report_prologue(void)
{
	const struct h_task *t = &h.task[h_self()];

	if (!ops_config.trace)
		return;
	if (!h.tasks_mode && t->op && trace_current) {
		trace_op(t->index, t->op, trace_current);
		trace_current = NULL;	/* printed once, even if a second report follows */
		fprintf(ops_config.trace, "      ^ the report below comes from inside this op\n");
	}
	fflush(ops_config.trace);
}

static void report_hook(FILE *out)
{
	unsigned int self = h_self();
	const struct h_task *t = &h.task[self];
	char text[128];

	if (in_sanitizer_death)
		report_prologue();	/* the sanitizer's report is out already */
	if (ops_config.trace)
		fflush(ops_config.trace);
#ifdef SHEAF_COVERAGE
	/* the abort skips the runtime's exit dump: keep what this input reached */
	__llvm_profile_write_file();
#endif
	fprintf(out, "harness: %s, variant %s, %u vCPUs", ops_config.target, variant_name(),
		ops_config.nr_cpus);
	if (ops_config.input_name)
		fprintf(out, ", input %s", ops_config.input_name);
	if (t->op) {
		op_format(t->op, text, sizeof(text));
		if (self == H_DRIVER)
			fprintf(out, ", op %u: %s\n", t->index, text);
		else
			fprintf(out, ", T%u op %u: %s\n", self, t->index, text);
	} else if (h.teardown) {
		fprintf(out, ", teardown after op %u\n", h_program.nr_ops ? h_program.nr_ops - 1 : 0);
	} else if (self == H_DRIVER && current && !(current->flags & PF_DRIVER)) {
		fprintf(out, ", in %s on vCPU %u\n", current->comm, current->cpu);
	} else {
		fputc('\n', out);
	}
	if (h.tasks_mode)
		tasks_report_context(out, self);
	shadow_print_handles(out);
#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
	/* where the model was when it reported (a sanitizer's report has its own) */
	if (!in_sanitizer_death) {
		fprintf(out, "harness: the model's stack at the report:\n");
		__sanitizer_print_stack_trace();
	}
#endif
}

#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
/* A sanitizer's report does not go through vcpu_report(): add the context. */
static void sanitizer_death(void)
{
	in_sanitizer_death = true;
	report_hook(stderr);
}
#endif

void h_note(const char *fmt, ...)
{
	struct h_task *t;
	va_list ap;
	int n;

	if (!ops_config.trace)
		return;
	t = &h.task[h_self()];
	if (t->note_len >= sizeof(t->note) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->note + t->note_len, sizeof(t->note) - t->note_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->note_len = min(t->note_len + (size_t)n, sizeof(t->note) - 1);
}

static unsigned int decide(void *data, enum sim_choice what, unsigned int nr)
{
	if (what == SIM_TRYLOCK_FAIL && h.trylock_fail_at && --h.trylock_fail_at == 0) {
		h_note(" [trylock failed]");
		return 1;
	}
	return 0;
}

static const struct sim_decider inline_decider = { decide, NULL };

/* --------------------------------------------------------------- trace */

struct trace_snap {
	struct vcpu_stats env;
	struct model_kvfree_rcu_stats kv;
	unsigned long stat[H_CACHES][NR_SLUB_STAT_ITEMS];
	long rcu_pending[H_CACHES];
	bool had[H_CACHES];
};

static long rcu_pending_of(unsigned int c)
{
	struct model_cache_counts counts;

	return model_cache_counts(h.cache[c].s, &counts) ? -1 : counts.rcu_pending;
}

static void trace_snap(struct trace_snap *t)
{
	unsigned int c, i;

	vcpu_get_stats(&t->env);
	model_kvfree_rcu_get_stats(&t->kv);
	for (c = 0; c < H_CACHES; c++) {
		t->had[c] = h.cache[c].s;
		if (!t->had[c])
			continue;
		for (i = 0; i < NR_SLUB_STAT_ITEMS; i++)
			t->stat[c][i] = model_cache_stat(h.cache[c].s, (enum stat_item)i);
		t->rcu_pending[c] = rcu_pending_of(c);
	}
}

/* The batched kvfree_rcu path's counters that moved: kvfree.<name>+N. */
static void trace_kvfree(FILE *out, const struct model_kvfree_rcu_stats *k0)
{
	static const struct { const char *name; size_t off; } fields[] = {
#define F(f) { #f, offsetof(struct model_kvfree_rcu_stats, f) }
		F(bulk_objs[0]), F(bulk_objs[1]), F(list_objs), F(inline_objs),
		F(block_alloc_failed), F(pages_filled), F(monitor_runs), F(ready_objs),
		F(batches_queued), F(work_runs), F(freed_objs), F(barrier_offloads),
#undef F
	};
	struct model_kvfree_rcu_stats k1;
	unsigned int i;

	model_kvfree_rcu_get_stats(&k1);
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		unsigned long a = *(const unsigned long *)((const char *)k0 + fields[i].off);
		unsigned long b = *(const unsigned long *)((const char *)&k1 + fields[i].off);

		if (a != b)
			fprintf(out, " kvfree.%s+%lu", fields[i].name, b - a);
	}
}

/* The lowest handle naming cN's cache: a merged cache's counters print once. */
static unsigned int first_handle_of(unsigned int c)
{
	unsigned int d;

	for (d = 0; d < c; d++)
		if (h.cache[d].s == h.cache[c].s)
			return d;
	return c;
}

/*
 * One line: the op, its effect, what moved in the environment (work items,
 * callbacks, grace periods) and in each cache (its rcu-pending objects and
 * the stat counters that changed).
 */
static void trace_op(unsigned int index, const struct op *op, const struct trace_snap *t0)
{
	FILE *out = ops_config.trace;
	struct vcpu_stats env;
	char text[128];
	unsigned int c, i;

	op_format(op, text, sizeof(text));
	vcpu_get_stats(&env);
	fprintf(out, "%4u  %-44s vCPU %u:%s", index, text, smp_processor_id(),
		h.task[H_DRIVER].note);
	if (env.works_run != t0->env.works_run)
		fprintf(out, " works+%lu", env.works_run - t0->env.works_run);
	if (env.callbacks_run != t0->env.callbacks_run)
		fprintf(out, " callbacks+%lu", env.callbacks_run - t0->env.callbacks_run);
	if (env.gps_completed != t0->env.gps_completed)
		fprintf(out, " gps+%lu", env.gps_completed - t0->env.gps_completed);
	trace_kvfree(out, &t0->kv);
	for (c = 0; c < H_CACHES; c++) {
		long pending;

		if (!t0->had[c] || !h.cache[c].s || first_handle_of(c) != c)
			continue;
		pending = rcu_pending_of(c);
		if (pending != t0->rcu_pending[c])
			fprintf(out, " c%u.rcu_pending=%ld", c, pending);
		for (i = 0; i < NR_SLUB_STAT_ITEMS; i++) {
			unsigned long v = model_cache_stat(h.cache[c].s, (enum stat_item)i);

			if (v != t0->stat[c][i])
				fprintf(out, " c%u.%s+%lu", c, model_stat_name((enum stat_item)i),
					v - t0->stat[c][i]);
		}
	}
	fputc('\n', out);
	trace_flush_events(out);
	fflush(out);
}

/*
 * The model's events (model_set_trace_hook()).  fuzz_ops prints an op's
 * events under its line, so they are kept until the op ends; in teardown,
 * with the sim's own events (--events) and in fuzz_sched's columns they go
 * out as they happen.
 */
static char trace_events[4096];
static size_t trace_events_len;
static unsigned int trace_events_lost;

static void trace_flush_events(FILE *out)
{
	if (trace_events_len)
		fputs(trace_events, out);
	if (trace_events_lost)
		fprintf(out, "        (%u more event(s) not shown)\n", trace_events_lost);
	trace_events_len = 0;
	trace_events[0] = '\0';
	trace_events_lost = 0;
}

static void model_event(const char *text)
{
	FILE *out = ops_config.trace;
	char who[48] = "";
	int n;

	if (!out)
		return;
	if (current)
		snprintf(who, sizeof(who), "vCPU %u %s: ", current->cpu, current->comm);
	if (h.tasks_mode) {
		char line[256];

		snprintf(line, sizeof(line), "  %s", text);
		tasks_trace_event((int)(current ? current->cpu : 0), line);
		return;
	}
	if (h.teardown || ops_config.events || !trace_current) {
		fprintf(out, "        %s%s\n", who, text);
		return;
	}
	n = snprintf(trace_events + trace_events_len, sizeof(trace_events) - trace_events_len,
		     "        %s%s\n", who, text);
	if (n < 0 || (size_t)n >= sizeof(trace_events) - trace_events_len) {
		trace_events[trace_events_len] = '\0';
		trace_events_lost++;
		return;
	}
	trace_events_len += (size_t)n;
}

/* ----------------------------------------------------------- lifecycle */

int ops_init_from_env(const char *target)
{
	struct vcpu_config cfg;

	ops_config.target = target;
	vcpu_config_default(&cfg);
	if (vcpu_config_from_env(&cfg))
		return -EINVAL;
	ops_config.nr_cpus = cfg.nr_cpus;
	ops_config.nr_nodes = cfg.nr_nodes;
	if (variant_select_from_env())
		return -EINVAL;
	vcpu_set_report_hook(report_hook);
	vcpu_set_report_prologue(report_prologue);
	/* nothing here reads the sim's trace hash: do not compute it */
	sim_set_trace_hashing(false);
#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
	__sanitizer_set_death_callback(sanitizer_death);
#endif
	return 0;
}

void h_model_start(const struct sim_decider *decider, bool tasks_mode)
{
	struct vcpu_config cfg;
	struct model_config mcfg;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = ops_config.nr_cpus;
	cfg.nr_nodes = ops_config.nr_nodes;
	for (unsigned int cpu = 0; cpu < cfg.nr_cpus; cpu++)
		cfg.cpu_to_node[cpu] = (unsigned char)(cpu * cfg.nr_nodes / cfg.nr_cpus);
	cfg.mode = tasks_mode ? VCPU_MODE_TASKS : VCPU_MODE_INLINE;
	cfg.panic_on_report = true;
	cfg.decider = decider ? decider : &inline_decider;
	h.tasks_mode = tasks_mode;
	if (vcpu_env_init(&cfg))
		vcpu_panic("harness cannot start", "vcpu_env_init", "the environment refused "
			   "%u vCPUs, %u nodes", cfg.nr_cpus, cfg.nr_nodes);
	model_config_default(&mcfg);
	mcfg.quarantine = true;		/* the same behaviour under every preset */
	mcfg.quarantine_objects = H_QUARANTINE;
	mcfg.exit_checks = false;	/* shadow_after_op() validates every cache */
	mcfg.slab_merge = true;		/* only create_mergeable asks for it */
	for (unsigned int i = 0; i < h_program.nr_ops; i++)	/* the kmalloc caches the program uses */
		if (h_program.op[i].code == OP_kmalloc)
			mcfg.kmalloc_sizes |= model_kmalloc_size_bit(h_program.op[i].arg[1]);
		else if (h_program.op[i].code == OP_kmalloc_nolock)	/* and the size it may retry in */
			mcfg.kmalloc_sizes |= model_kmalloc_size_bit(h_program.op[i].arg[1]) |
					      model_kmalloc_size_bit(kmalloc_size_roundup(h_program.op[i].arg[1]) + 1);
	if (model_slab_init(&mcfg))
		vcpu_panic("harness cannot start", "model_slab_init", "the model did not start");
	if (ops_config.trace && ops_config.events)
		sim_set_trace(ops_config.trace);
	model_set_trace_hook(ops_config.trace ? model_event : NULL);
}

void h_model_stop(void)
{
	h.teardown = true;
	ops_teardown();
	vcpu_quiesce();
	if (ops_config.trace && ops_config.events)
		sim_set_trace(NULL);
	model_slab_exit();
	model_set_trace_hook(NULL);
	vcpu_env_exit();
	h.teardown = false;
}

void h_run_op(unsigned int i)
{
	const struct op *op = &h_program.op[i];
	unsigned int self = h_self();
	struct h_task *t = &h.task[self];
	struct trace_snap t0;

	t->op = op;
	t->index = i;
	t->note[0] = '\0';
	t->note_len = 0;
	t->skipped = false;
	h.nr_ops++;
	shadow_op_begin(self, i);
	if (ops_config.trace && !h.tasks_mode) {
		trace_snap(&t0);
		trace_current = &t0;
	}
	if (h.tasks_mode) {
		tasks_op_begin(self);
		if (ops_config.trace)
			tasks_trace_op(self, true);
	}
	ops_exec(op);
	shadow_op_end(self);
	shadow_after_op();
	if (ops_config.trace && !h.tasks_mode) {
		trace_current = NULL;
		trace_op(i, op, &t0);
	}
	if (h.tasks_mode) {
		tasks_op_end(self, i);
		if (ops_config.trace)
			tasks_trace_op(self, false);
	}
	t->op = NULL;
}

void ops_run(const uint8_t *data, size_t size)
{
	unsigned int i;

	memset(&h, 0, sizeof(h));
	shadow_reset();
	input_decode_program(data, size, &h_program);
	h.prog = &h_program;
	h_model_start(NULL, false);
	for (i = 0; i < h_program.nr_ops; i++)
		h_run_op(i);
	if (ops_config.trace)
		fprintf(ops_config.trace, "      teardown\n");
	h_model_stop();
}
