/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvfree_rcu.h - the batched kvfree_rcu() path of mm/slab_common.c
 * (CONFIG_KVFREE_RCU_BATCHED): the per-CPU struct kfree_rcu_cpu ("krcp"),
 * its two in-flight batches (struct kfree_rcu_cpu_work, "krwp"), the
 * page-sized pointer blocks (struct kvfree_rcu_bulk_data) and the per-CPU
 * cache of free blocks, as in mm/slab_common.c.
 *
 * Where a pointer goes (kvfree_call_rcu(), after kfree_rcu_sheaf() refused):
 *   channel 0   a block on krcp->bulk_head[0]       slab objects
 *   channel 1   a block on krcp->bulk_head[1]       vmalloc() areas
 *   channel 3   krcp->head, linked through the object's own rcu_head
 *               (two-argument kfree_rcu() when no block is at hand)
 *   inline      synchronize_rcu(); kvfree()         (headless, no block)
 * and how it leaves:
 *   kfree_rcu_monitor() (KFREE_DRAIN_JIFFIES after queueing, or 1 jiffy
 *   when a block's worth is waiting), the shrinker and __kvfree_rcu_barrier()
 *   either free what already passed its grace-period snapshot at once
 *   (kvfree_rcu_drain_ready()), or move everything to an idle krwp and
 *   queue_rcu_work() it: kfree_rcu_work() frees after a grace period.
 *
 * Locking: krcp->lock (raw_spinlock_t; one lock class for every vCPU, taken
 * with "interrupts off", so nothing under it may sleep) protects every field
 * of its kfree_rcu_cpu and of its two kfree_rcu_cpu_work, except the work
 * items themselves.  Under it only the workqueue and RCU internals and the
 * raw vmalloc/debug registries (vmalloc.c, debug_rcu_head_queue()) are
 * taken.  Objects are freed, and pages allocated, only with it dropped.
 *
 * Accounting (model only): an object is "rcu-pending" from kvfree_call_rcu()
 * until right before its kfree()/vfree(): slab objects through
 * model_rcu_enter()/model_rcu_leave() of their cache, vmalloc areas in
 * model_vmalloc_rcu_pending.
 */
#ifndef SHEAF_KVFREE_RCU_H
#define SHEAF_KVFREE_RCU_H

#if !defined(SHEAF_ALLOCATOR_PRIVATE) && !defined(SHEAF_WHITE_BOX)
#error "kvfree_rcu.h is private to allocator/: the harness sees slab.h, check.h, variant.h, vmalloc.h and kernel/; a white-box test defines SHEAF_WHITE_BOX on purpose"
#endif

#include "kernel/kernel.h"
#include "check.h"
#include "slab.h"

struct kmem_cache;

/* Maximum number of jiffies a queued object waits before a batch starts. */
#define KFREE_DRAIN_JIFFIES	(5 * HZ)
#define KFREE_N_BATCHES		2
#define FREE_N_CHANNELS		2	/* model_kvfree_rcu_stats.bulk_objs[] (check.h) has as many */

/*
 * The page cache is an llist (kernel/llist.h), only ever touched under
 * krcp->lock; its node lives in the first bytes of the free page, as in
 * the kernel.
 */

/* One page of kvfree_rcu() pointers. */
struct kvfree_rcu_bulk_data {
	struct list_head list;		/* on krcp->bulk_head[] (newest first) or a krwp */
	struct rcu_gp_oldstate gp_snap;	/* GP state at the *last* insertion */
	unsigned long nr_records;	/* valid entries in records[] */
	void *records[];
};

/* So that a block is exactly one page. */
#define KVFREE_BULK_MAX_ENTR \
	((PAGE_SIZE - sizeof(struct kvfree_rcu_bulk_data)) / sizeof(void *))

/* One batch in flight: filled by kvfree_rcu_queue_batch(), emptied by kfree_rcu_work(). */
struct kfree_rcu_cpu_work {
	struct rcu_work rcu_work;
	struct rcu_head *head_free;			/* channel 3, waiting for a GP */
	struct rcu_gp_oldstate head_free_gp_snap;	/* taken when head_free was set */
	struct list_head bulk_head_free[FREE_N_CHANNELS];/* blocks waiting for a GP */
	struct kfree_rcu_cpu *krcp;			/* owner */
};

/*
 * Model: the kernel's atomic_t counters are ints written under krcp->lock
 * and read with READ_ONCE() where the kernel reads them locklessly
 * (krc_count() from the shrinker); work_in_progress and
 * backoff_page_cache_fill use __atomic builtins.  There is no hrtimer: the
 * page cache fill is queued directly (run_page_cache_worker()).
 */
struct kfree_rcu_cpu {
	struct rcu_head *head;		/* channel 3: not yet batched, newest first */
	unsigned long head_gp_snap;	/* GP cookie of the newest head entry */
	int head_count;

	struct list_head bulk_head[FREE_N_CHANNELS];	/* newest block first */
	int bulk_count[FREE_N_CHANNELS];		/* pointers in those blocks */

	struct kfree_rcu_cpu_work krw_arr[KFREE_N_BATCHES];
	raw_spinlock_t lock;
	struct delayed_work monitor_work;	/* kfree_rcu_monitor() on rcu_reclaim_wq */
	bool initialized;			/* kvfree_rcu_init() has run */

	struct delayed_work page_cache_work;	/* fill_page_cache_func() */
	int backoff_page_cache_fill;		/* shrinker asked: fill slowly, one page */
	int work_in_progress;			/* page_cache_work queued or running */

	struct llist_head bkvcache;		/* free blocks, at most rcu_min_cached_objs */
	int nr_bkv_objs;
};

/* Model: not static, so that the tests and check.c can look at it. */
DECLARE_PER_CPU(struct kfree_rcu_cpu, krc);

/* rcu_sheaf.c (the lead): the sheaf path; false sends ptr down the batched path. */
bool kfree_rcu_sheaf(void *obj, bool allow_spin);

/*
 * Waits until every object that took the batched path before the call has
 * been freed (__kvfree_rcu_barrier()).  For kvfree_rcu_barrier() and
 * kvfree_rcu_barrier_on_cache() (barrier.c).  May sleep.
 */
void __kvfree_rcu_barrier(void);

/*
 * Model lifecycle, from model_slab_init()/model_slab_exit().  Init creates
 * rcu_reclaim_wq and initialises every krcp; 0 or -ENOMEM.  Exit runs
 * __kvfree_rcu_barrier(), cancels the monitor and page cache works, frees
 * the cached pages and destroys the workqueue: nothing survives.
 */
int kvfree_rcu_init(void);
void kvfree_rcu_exit(void);

/* vmalloc areas between kvfree_call_rcu() and their vfree(). */
extern unsigned long model_vmalloc_rcu_pending;

/* ---- shared by kvfree_rcu.c and kvfree_rcu_bulk.c only ---- */

extern struct workqueue_struct *rcu_reclaim_wq;
extern int rcu_min_cached_objs;
extern struct model_kvfree_rcu_stats kvfree_rcu_stats;

static inline void model_kvfree_stat_add(unsigned long *ctr, unsigned long n)
{
#ifndef SHEAF_NO_MODEL_COUNTERS
	__atomic_fetch_add(ctr, n, __ATOMIC_RELAXED);
#endif
}
#define kvfree_stat_add(field, n) model_kvfree_stat_add(&kvfree_rcu_stats.field, (n))

struct kvfree_rcu_bulk_data *get_cached_bnode(struct kfree_rcu_cpu *krcp);
bool put_cached_bnode(struct kfree_rcu_cpu *krcp, struct kvfree_rcu_bulk_data *bnode);
int drain_page_cache(struct kfree_rcu_cpu *krcp);
void fill_page_cache_func(struct work_struct *work);
void run_page_cache_worker(struct kfree_rcu_cpu *krcp);
void kvfree_rcu_bulk(struct kfree_rcu_cpu *krcp, struct kvfree_rcu_bulk_data *bnode, int idx);
void kvfree_rcu_list(struct rcu_head *head);

bool debug_rcu_head_queue(void *ptr);
void debug_rcu_head_unqueue(void *ptr);
/* Reports and forgets pointers still marked queued (kvfree_rcu_exit()). */
void model_debug_rcu_head_exit(void);

void model_kvfree_rcu_enter(void *ptr);
void model_kvfree_rcu_leave(void *ptr, enum model_rcu_path path);

#endif /* SHEAF_KVFREE_RCU_H */
