/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched.h - the task, preemption and sleeping: <linux/sched.h>,
 * <linux/preempt.h>, <linux/delay.h> as far as the model needs them.
 *
 * struct task_struct is the per-context state every part of the
 * environment shares; the backend owns its storage and sets `current`.
 */
#ifndef SHEAF_KERNEL_SCHED_H
#define SHEAF_KERNEL_SCHED_H

#include "compiler.h"

struct lockdep_map;
struct workqueue_struct;
struct work_struct;

#define MAX_LOCK_DEPTH	48

struct held_lock {
	struct lockdep_map *instance;
	unsigned long acquire_ip;
	unsigned char read;	/* 0 exclusive, 1 shared (cpus_read_lock) */
	unsigned char trylock;
};

#define PF_WQ_WORKER	0x1	/* a workqueue worker */
#define PF_RCU_CB	0x2	/* the RCU callback invoker */
#define PF_DRIVER	0x4	/* task 0, the thread that called vcpu_env_init() */

struct task_struct {
	char comm[32];
	int pid;
	unsigned int flags;			/* PF_* */
	unsigned int cpu;			/* the vCPU it runs on */
	int preempt_count;			/* >0: keeps its vCPU, may not sleep */
	int migration_disabled;			/* >0: may sleep, stays on its vCPU */
	int model_irqs_off;			/* local_irq_save() nesting (spinlock.h) */
	int rcu_read_lock_nesting;
	unsigned long rcu_reader_seq;		/* sim: GP sequence at the outermost rcu_read_lock() */
	int lockdep_depth;
	struct held_lock held_locks[MAX_LOCK_DEPTH];
	struct workqueue_struct *worker_wq;	/* set while a worker runs an item */
	struct work_struct *current_work;
	void *backend;				/* the backend's own per-context state */
};

struct task_struct *get_current(void);
#ifdef SHEAF_BACKEND_SIM
/*
 * The sim runs every context on one thread: its current task is one
 * thread-local pointer, which sim/sched.c keeps equal to get_current() (NULL
 * off the sim's thread).  Read inline: current is read thousands of times
 * per fuzz input, and calling get_current() took about 5% of its instructions.
 */
extern _Thread_local struct task_struct *sim_current_task;
#define current	((struct task_struct *)sim_current_task)
#else
#define current	get_current()
#endif

/*
 * preempt_disable() pins the context to its vCPU and keeps the vCPU token
 * (vcpu.h) until the matching preempt_enable(), which is a decision point.
 */
void preempt_disable(void);
void preempt_enable(void);
void migrate_disable(void);
void migrate_enable(void);
static inline bool preemptible(void)
{
	return current->preempt_count == 0;
}

/*
 * Model: interrupts are not modelled; local_irq_save()/local_irq_disable()
 * disable preemption and count here, and irqs_disabled() reads the count.
 * The _irqsave forms of the locks do not count (spinlock.h).
 */
void vcpu_local_irq_disable(void);
void vcpu_local_irq_enable(void);
static inline bool irqs_disabled(void)
{
	return current->model_irqs_off > 0;
}

/*
 * Reports "sleeping function called from invalid context" when the current
 * context has preemption disabled or is inside an RCU read-side section.
 */
void __might_sleep(const char *func);
#define might_sleep()	__might_sleep(__func__)

/* A voluntary preemption point. */
void cond_resched(void);
/* Sleeps for @msecs of virtual time (jiffies advance; sim never waits). */
void msleep(unsigned int msecs);

#endif /* SHEAF_KERNEL_SCHED_H */
