/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exec.h - what the op executors (ops.c), the life of one input (run.c)
 * and fuzz_sched's tasks (tasks.c) share: the program's handle tables, its
 * tasks, and the trace note.  Internal to harness/.
 *
 * Tasks.  fuzz_ops runs every op on the driver (inline mode).  fuzz_sched
 * runs the prologue on the driver, then each task's ops on a task of its
 * own (H_TASKS at most), while the schedule picks who runs at every
 * decision point.  Whatever an op needs to know about the task running it
 * (its readers, its op in progress, its trace note) is per task, indexed
 * by h_self(): 0..H_TASKS-1 for the tasks, H_DRIVER for the driver.
 *
 * Sharing.  Handles are shared by all tasks, and an op that names a cache
 * (or an object or a sheaf of it) counts as one of the cache's users while
 * it runs.  The harness keeps programs legal kernel code: a cache being
 * destroyed is not used, a cache in use is not destroyed, a prefilled
 * sheaf serves one op at a time; an op that would break that is skipped.
 * destroy_leak counts the model's slab errors, a global count, so it runs
 * only while no other destroy does.
 */
#ifndef SHEAF_HARNESS_EXEC_H
#define SHEAF_HARNESS_EXEC_H

#include <stddef.h>

#include "input.h"
#include "ops.h"
#include "shadow.h"

struct kmem_cache;
struct slab_sheaf;
struct task_struct;
struct sim_decider;

#define H_DRIVER	H_TASKS		/* the driver's index in the task tables */
BUILD_BUG_ON(H_TASKS + 1 != SHADOW_TASKS);

struct h_task {
	struct task_struct *ts;		/* its environment task, once it runs */
	const struct op *op;		/* the op it runs; NULL between ops */
	unsigned int index;		/* that op's index in the program */
	unsigned int cpu;		/* fuzz_sched: the vCPU it starts on */
	bool done;			/* fuzz_sched: its program ended */
	bool skipped;			/* the op in progress was skipped (h_skip()) */
	char note[256];			/* the op's effect, for the trace */
	size_t note_len;
};

/* The program's resources, by handle, and where the run is. */
struct h_state {
	struct h_cache {
		struct kmem_cache *s;		/* NULL: the handle names nothing */
		unsigned int users;		/* ops running that name it */
		bool dying;			/* destroy in progress */
		bool creating;			/* create in progress */
		bool kmalloc;			/* names a kmalloc cache (op kmalloc) */
	} cache[H_CACHES];
	struct h_sheaf {
		struct slab_sheaf *sheaf;	/* NULL: the handle names nothing */
		unsigned int c;			/* its cache handle */
		bool busy;			/* an op is using it */
	} sheaf[H_SHEAVES];
	struct h_task task[H_TASKS + 1];	/* [H_DRIVER]: the driver */
	const struct program *prog;
	unsigned int nr_ops;		/* ops that ran (or were skipped) */
	unsigned int nr_destroying;	/* destroy and destroy_leak ops running */
	unsigned int nr_merging;	/* create_mergeable ops running */
	bool kunit_destroy;		/* one of them is a destroy_leak */
	bool tasks_mode;		/* fuzz_sched */
	bool teardown;
	bool over_budget;		/* fuzz_sched: the step budget ran out */
	unsigned int trylock_fail_at;	/* fail_trylock: the n-th trylock from now */
};
extern struct h_state h;
/* The input being run, decoded (input.c). */
extern struct program h_program;

/* The harness task running now: 0..H_TASKS-1, or H_DRIVER. */
unsigned int h_self(void);

/* Appends to the current op's effect line (only when tracing). */
__attribute__((format(printf, 1, 2))) void h_note(const char *fmt, ...);
/* The op cannot run now (why, for the trace): h_note() and remember it. */
#define h_skip(...)						\
	do {							\
		h.task[h_self()].skipped = true;		\
		h_note(__VA_ARGS__);				\
	} while (0)
/* fuzz_sched: one of the model's events in @cpu's column of the trace. */
void tasks_trace_event(int cpu, const char *text);
/* fuzz_sched: task @self's op starts and ends (reports name overlapping ops). */
void tasks_op_begin(unsigned int self);
void tasks_op_end(unsigned int self, unsigned int index);

/* Runs one op for the current task: the sharing and reader rules, then its executor. */
void ops_exec(const struct op *op);
/* The end of a program: readers closed, failures disarmed, caches destroyed. */
void ops_teardown(void);

/*
 * run.c: the shared life of an input.  h_model_start() starts the
 * environment (inline mode, or tasks mode with @decider) and the model;
 * h_model_stop() tears both down as the end of an input does.
 */
void h_model_start(const struct sim_decider *decider, bool tasks_mode);
void h_model_stop(void);
/* Runs op @i of the program on the current task, with the oracle around it. */
void h_run_op(unsigned int i);

/* tasks.c: fuzz_sched's side of reports and traces. */
void tasks_report_context(FILE *out, unsigned int self);
void tasks_trace_op(unsigned int self, bool begin);

#endif /* SHEAF_HARNESS_EXEC_H */
