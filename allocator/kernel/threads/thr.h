/* SPDX-License-Identifier: GPL-2.0 */
/*
 * thr.h - the threads backend's internal data model: contexts, vCPU run
 * tokens and the calls its files make to each other.  Nothing outside
 * allocator/kernel/threads/ includes it (the backend's own tests may).
 *
 * Every context is one pthread with one struct thr_ctx:
 *   driver   the thread that called vcpu_env_init() (task 0)
 *   task     one per vcpu_spawn(), started by vcpu_run_tasks()
 *   worker   one or more per workqueue pool (worker.c)
 *   rcu      liburcu's call_rcu thread while it runs one of our callbacks
 *   (the timer thread of delayed_work.c runs no model code and has none)
 *
 * Locks.  The backend's own pthread mutexes (thr_vcpus[].mu, hp_mu,
 * thr_wq_mutex, thr_tasks_mu, rcu_mu, gp_mu) are leaves: none is taken
 * while another is held.  The pthread mutex inside a model lock
 * (spinlock_t, struct mutex) is held as long as the model lock, so it
 * nests outside all of them; lockdep orders the model locks.  A vCPU token
 * is not a mutex but it is waited for: a context never waits for a token
 * while it holds a backend mutex (a token holder may need that mutex), so
 * thr_token_get() and thr_sleep_end() are called with none held.
 */
#ifndef SHEAF_THREADS_THR_H
#define SHEAF_THREADS_THR_H

#include <pthread.h>

#include "env_internal.h"

struct thr_pool;

struct thr_ctx {
	struct task_struct task;	/* task.backend points back here */
	pthread_t thread;
	bool holds_token;		/* owns thr_vcpus[task.cpu]'s token */
	/* tasks (vcpu.c), under thr_tasks_mu */
	void (*fn)(void *arg);
	void *arg;
	bool started;
	struct list_head node;		/* tasks: thr_tasks; workers: pool->workers */
	/* workers (worker.c, flush.c), under thr_wq_mutex */
	struct thr_pool *pool;
	struct list_head all_node;	/* on thr_workers */
	unsigned long exec_seq;		/* the execution claimed; 0: idle */
	unsigned int exec_color;	/* flush color of that execution */
	work_func_t exec_func;
	struct lockdep_map exec_map;	/* copy of the item's map: it may be freed */
	bool kick_pools;		/* a pool skipped our item: wake pools when done */
};

/*
 * One vCPU.  The token is held by @holder; waiters sleep on @cond.  A vCPU
 * goes offline only while its token is free, so no context ever holds the
 * token of an offline vCPU.
 */
struct thr_vcpu {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct thr_ctx *holder;		/* NULL: free */
	struct thr_ctx *last;		/* the previous holder (switch counting) */
	unsigned int waiters;		/* sleeping on @cond; written atomically, under @mu */
	unsigned long grants;		/* times the token was handed out */
	bool online;
	bool stopping;			/* cpu_down() waits for the holder; no new grants */
};

extern struct thr_vcpu thr_vcpus[VCPU_MAX];
extern _Thread_local struct thr_ctx *thr_self;

/* The calling context's task; model code outside any context is a bug. */
static inline struct task_struct *thr_task(const char *func)
{
	struct thr_ctx *c = thr_self;

	if (unlikely(!c || !READ_ONCE(vcpu_env_running)))
		vcpu_panic("no task context", func,
			   "called outside a vCPU context (before vcpu_env_init()?)");
	return &c->task;
}

/* token.c */
void thr_token_get(struct thr_ctx *c);
void thr_token_get_any(struct thr_ctx *c);
void thr_token_put(struct thr_ctx *c);
/*
 * Around every wait of a context: thr_sleep_begin() gives the token up
 * (unless preemption is disabled: might_sleep() has reported that, and the
 * context keeps its vCPU as the kernel would) and tells the workqueue a
 * worker went to sleep; thr_sleep_end() takes a token back.  Called with
 * no backend mutex held.
 */
bool thr_sleep_begin(void);
void thr_sleep_end(bool released);
void thr_vcpu_stop(unsigned int cpu);
void thr_vcpu_start(unsigned int cpu);
bool thr_vcpu_stopping(unsigned int cpu);	/* tests */

/* vcpu.c */
void thr_ctx_init(struct thr_ctx *c, const char *comm, unsigned int flags, int cpu);
/* The end of a task, work item or callback: nothing may be held. */
void thr_check_clean(struct task_struct *t, const char *title, const char *what,
		     int preempt_expected);
unsigned long thr_now_ns(void);
void thr_jiffies_advance_to(unsigned long expires);
/* The CLOCK_MONOTONIC time (ns) at which jiffies reach @j; 0 if they have. */
unsigned long thr_jiffies_to_ns(unsigned long j);
void thr_cond_init_monotonic(pthread_cond_t *cond);

struct thr_stats {
	unsigned long switches, works_run, callbacks_run, gps_completed;
};
extern struct thr_stats thr_stats;

/* The workqueue files (their own data model: thr_wq.h) */
void thr_wq_init(void);
void thr_wq_exit(void);
void thr_wq_worker_sleeping(struct thr_ctx *c);
void thr_wq_worker_waking(struct thr_ctx *c);
/* Waits until no work is queued or running anywhere; false on a stall. */
bool thr_wq_wait_idle(void);
/* Work queued or running, or a delayed item armed. */
bool thr_wq_busy(void);
/* Fires every armed timer now (jiffies jump); returns how many there were. */
unsigned int thr_timers_fire_all(void);
/* vcpu_tick() moved jiffies: fire what expired, re-time the timer thread. */
void thr_timers_tick(void);

/* hotplug.c */
void thr_hotplug_init(void);
unsigned int thr_hotplug_writers_waiting(void);	/* tests */

/* rcu.c */
void thr_rcu_init(void);
void thr_rcu_exit(void);
bool thr_rcu_head_queued(const struct rcu_head *head);
/* Called with every context's exit check: drops a reader left open. */
void thr_rcu_force_unlock(struct task_struct *t);

/* Called by rcu_barrier() once its marker is queued (tests only). */
extern void (*thr_rcu_barrier_queued_hook)(void);

/* urcu_glue.c: the only file that sees liburcu's headers */
#include "urcu_glue.h"

#endif /* SHEAF_THREADS_THR_H */
