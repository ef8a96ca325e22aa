/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpu.h - the environment's own controls: configuration, lifecycle, tasks
 * and the driver's hands on time, work and grace periods.
 *
 * Model-only (vcpu_ prefix).  Both backends implement every function here
 * with the same meaning; where a backend cannot, the comment says so.
 *
 * Vocabulary used across allocator/kernel/:
 *  - a *context* is anything that executes model code: a task (the driver,
 *    or one spawned with vcpu_spawn()), a workqueue worker, or the RCU
 *    callback invoker.
 *  - each vCPU is a *run token*: a context executes on vCPU X only while it
 *    holds X's token, so at most one context runs on X at any instant, as on
 *    a real CPU.  A context gives its token up when it blocks (mutex, flush,
 *    grace period, sleep) and at preemption points when its preempt_count is
 *    zero.  preempt_disable(), spin_lock() and local_lock() keep the token.
 *    This is what makes "work queued on X cannot run while X's pcs lock is
 *    held" true in the model (docs/architecture.md).
 */
#ifndef SHEAF_KERNEL_VCPU_H
#define SHEAF_KERNEL_VCPU_H

#include "compiler.h"

#define VCPU_MAX	64	/* hard upper bound on nr_cpu_ids */
#define VCPU_MAX_NODES	4	/* hard upper bound on nr_node_ids */

enum vcpu_mode {
	/*
	 * sim: one task, the caller.  Work items, timers, grace periods and
	 * RCU callbacks make progress when the caller blocks on them or asks
	 * for it (vcpu_run_work(), vcpu_rcu_gp(), vcpu_tick(), vcpu_quiesce()).
	 * The code of one context is never interrupted by another.
	 */
	VCPU_MODE_INLINE,
	/*
	 * sim: several tasks from vcpu_spawn(); at every decision point the
	 * decider may switch to any runnable context.  threads: always this.
	 */
	VCPU_MODE_TASKS,
};

struct sim_decider;
struct task_struct;

struct vcpu_config {
	unsigned int nr_cpus;		/* 1..VCPU_MAX; default 4 */
	unsigned int nr_nodes;		/* 1..VCPU_MAX_NODES; default 1 */
	/* vCPU -> NUMA node; default: contiguous blocks, cpu * nr_nodes / nr_cpus */
	unsigned char cpu_to_node[VCPU_MAX];
	unsigned long memoryless_nodes;	/* bit n set: node n has no memory */
	enum vcpu_mode mode;		/* sim only; threads ignores it */
	bool panic_on_report;		/* abort() after each report; default true */
	const struct sim_decider *decider; /* sim only; NULL: every choice is 0 */
};

/* Fills in the defaults above. */
void vcpu_config_default(struct vcpu_config *cfg);
/*
 * Applies SHEAF_CPUS and SHEAF_NODES from the environment, if set.  Returns 0,
 * or -EINVAL after printing which variable is wrong and the valid range.
 */
int vcpu_config_from_env(struct vcpu_config *cfg);

/*
 * Starts the environment: vCPUs 0..nr_cpus-1 online, the calling thread
 * becomes task 0 ("driver") on vCPU 0.  Returns -EINVAL (after printing
 * why) on an impossible configuration, -EBUSY if already started.
 */
int vcpu_env_init(const struct vcpu_config *cfg);
/*
 * Tears it down: runs vcpu_quiesce(), stops workers, frees every
 * environment object.  A workqueue, percpu allocation or task still alive
 * is reported (it is a leak of the model).  Nothing survives into the next
 * vcpu_env_init().
 */
void vcpu_env_exit(void);
const struct vcpu_config *vcpu_env_config(void);

/*
 * Tasks.  vcpu_spawn() creates a task that will run fn(arg) on @cpu; in sim
 * inline mode it returns -EINVAL.  vcpu_run_tasks() returns once every
 * spawned task has returned (sim: the scheduler runs them, taking each
 * choice from the decider; threads: joins them).
 */
int vcpu_spawn(const char *name, int cpu, void (*fn)(void *arg), void *arg);
void vcpu_run_tasks(void);

/*
 * Driver controls, valid from any task.
 *  vcpu_migrate(cpu)   the current task continues on @cpu (online; the task
 *                      must be preemptible: migrating with a pcs lock held
 *                      is reported).
 *  vcpu_run_work(cpu)  run the work pending on @cpu's workqueues until none
 *                      is left or every remaining one is blocked.
 *  vcpu_rcu_gp()       complete one grace period (waiting for the readers
 *                      that block it) and invoke the callbacks it made ready.
 *  vcpu_tick(n)        advance jiffies by n and run the timers that expire.
 *  vcpu_quiesce()      until nothing is pending: every work item run, every
 *                      RCU callback invoked, every timer fired (jiffies are
 *                      advanced as needed).  Returns false if that cannot
 *                      happen (a reader or a lock holder never finishes),
 *                      after reporting why.
 */
void vcpu_migrate(int cpu);
void vcpu_run_work(int cpu);
void vcpu_rcu_gp(void);
void vcpu_tick(unsigned long n);
bool vcpu_quiesce(void);

/*
 * A preemption point for the current context: sim tasks mode asks the
 * decider whether to switch; threads releases and retakes the vCPU token
 * if the context is preemptible.  The lock, workqueue and RCU code call it
 * at every decision point; the model and harness may call it too.
 */
void vcpu_decision_point(const char *what);

/*
 * Where task @t is, in words, for reports: "blocked in flush_work",
 * "preempted at kvfree_rcu_drain_ready: ...", "running".  sim only (the
 * threads backend says "?").  Returns @buf.
 */
const char *vcpu_where(const struct task_struct *t, char *buf, size_t size);

/* Counters the tests and the trace printer read. */
struct vcpu_stats {
	unsigned long switches;		/* context switches (sim) */
	unsigned long works_run;
	unsigned long callbacks_run;	/* RCU callbacks invoked */
	unsigned long gps_completed;
	unsigned long reports;
};
void vcpu_get_stats(struct vcpu_stats *st);

/* Returns @cpu, or reports "CPU index out of range" and returns 0. */
unsigned int vcpu_check_cpu(long cpu, const char *func);

#endif /* SHEAF_KERNEL_VCPU_H */
