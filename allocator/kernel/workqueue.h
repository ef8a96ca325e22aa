/* SPDX-License-Identifier: GPL-2.0 */
/*
 * workqueue.h - workqueues, delayed work and rcu_work.
 *
 * A per-CPU workqueue has one pool per vCPU; work queued on vCPU X runs in
 * a worker bound to X, which executes only while holding X's vCPU token,
 * so it never runs while anything on X has preemption disabled (a pcs
 * local_lock holder).  Items of one pool start in queueing order; when a
 * running item blocks, the next may start (the kernel's concurrency
 * management), so an item that waits for a later item of its own pool does
 * not deadlock.  A WQ_UNBOUND workqueue runs its items on any online vCPU
 * (sim: SIM_PICK_CPU).  After cpu_down(X), X's pools behave as unbound.
 *
 * flush_work(w) waits until the last queueing of @w that happened before
 * the call has finished executing; it returns true if it had to wait.
 * Flushing an item that was never initialised (func == NULL) is the
 * kernel's WARN_ON(!work->func) and is reported the same way.  An item
 * initialised but not pending returns false at once, as in the kernel.
 * check_flush_dependency(): a worker of a WQ_MEM_RECLAIM workqueue that
 * flushes an item of a workqueue without WQ_MEM_RECLAIM is reported.
 *
 * queue_rcu_work() queues the item after a grace period (through call_rcu);
 * flush_rcu_work() waits for that grace period with rcu_barrier() when the
 * callback has not run yet, then flushes the item.
 */
#ifndef SHEAF_KERNEL_WORKQUEUE_H
#define SHEAF_KERNEL_WORKQUEUE_H

#include "list.h"
#include "lockdep.h"
#include "rcupdate.h"

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

#define WORK_CPU_UNBOUND	(-1)

struct work_struct {
	work_func_t func;
	unsigned long pending;		/* queued and not yet started */
	struct list_head entry;		/* on its pool's list while pending */
	struct workqueue_struct *wq;	/* where it was last queued */
	int cpu;			/* requested vCPU, or WORK_CPU_UNBOUND */
	unsigned long nr_queued;	/* queueings so far */
	unsigned long nr_done;		/* executions finished so far */
	/*
	 * cancel_work_sync()/cancel_delayed_work_sync() calls under way: as in
	 * the kernel (work_offqd_disable() since 6.10), queueing fails while
	 * one runs, so that it returns with the item neither pending nor
	 * executing even if another context tried to queue it meanwhile.
	 */
	unsigned int disable;
	struct lockdep_map lockdep_map;	/* flushing an item from itself */
};

struct delayed_work {
	struct work_struct work;
	struct list_head timer_entry;	/* on the timer list while armed */
	unsigned long expires;		/* in jiffies */
	bool timer_pending;
	struct workqueue_struct *wq;
	int cpu;
};

struct rcu_work {
	struct work_struct work;
	struct rcu_head rcu;
	struct workqueue_struct *wq;
	bool rcu_pending;		/* the grace-period callback has not run */
};

void __init_work(struct work_struct *work, work_func_t func, const char *name);
#define INIT_WORK(w, f)		__init_work((w), (f), #f)
void __init_delayed_work(struct delayed_work *dw, work_func_t func, const char *name);
#define INIT_DELAYED_WORK(dw, f)	__init_delayed_work((dw), (f), #f)
void __init_rcu_work(struct rcu_work *rw, work_func_t func, const char *name);
#define INIT_RCU_WORK(rw, f)	__init_rcu_work((rw), (f), #f)

static inline struct delayed_work *to_delayed_work(struct work_struct *work)
{
	return container_of(work, struct delayed_work, work);
}
static inline struct rcu_work *to_rcu_work(struct work_struct *work)
{
	return container_of(work, struct rcu_work, work);
}
static inline bool work_pending(const struct work_struct *work)
{
	return READ_ONCE(work->pending);
}
static inline bool delayed_work_pending(const struct delayed_work *dw)
{
	return READ_ONCE(dw->timer_pending) || work_pending(&dw->work);
}

#define WQ_UNBOUND	0x0002u
#define WQ_MEM_RECLAIM	0x0008u
#define WQ_HIGHPRI	0x0010u
#define WQ_PERCPU	0x0100u

struct workqueue_struct;	/* opaque, owned by the backend */

struct workqueue_struct *alloc_workqueue(const char *name, unsigned int flags, int max_active);
/* Drains the workqueue first; reports items still queued after draining. */
void destroy_workqueue(struct workqueue_struct *wq);
/* Created by vcpu_env_init(), destroyed by vcpu_env_exit(). */
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;

bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work);
/* On the current vCPU for a per-CPU workqueue. */
bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
bool schedule_work(struct work_struct *work);

bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq,
			   struct delayed_work *dw, unsigned long delay);
bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay);
/* Arms or re-arms the timer to @delay from now; queues at once if 0. */
bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay);
bool cancel_delayed_work(struct delayed_work *dw);
/* Cancels the timer or the pending item and waits for a running one. */
bool cancel_delayed_work_sync(struct delayed_work *dw);
bool cancel_work_sync(struct work_struct *work);

bool flush_work(struct work_struct *work);
bool flush_delayed_work(struct delayed_work *dw);
void flush_workqueue(struct workqueue_struct *wq);

bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rw);
bool flush_rcu_work(struct rcu_work *rw);

#endif /* SHEAF_KERNEL_WORKQUEUE_H */
