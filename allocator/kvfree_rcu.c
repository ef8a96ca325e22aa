// SPDX-License-Identifier: GPL-2.0
/*
 * kvfree_rcu.c - the batched kvfree_rcu() path (CONFIG_KVFREE_RCU_BATCHED,
 * mm/slab_common.c at 0f35040de593): struct kfree_rcu_cpu, queueing
 * in kvfree_call_rcu(), the monitor that starts batches, the batch work,
 * __kvfree_rcu_barrier(), the shrinker callbacks and the model lifecycle.
 * Blocks, the page cache and the final frees are in kvfree_rcu_bulk.c.
 *
 * Why __kvfree_rcu_barrier() is enough for this path: an object is either
 * on a krcp (offloaded by the first loop into a krwp), in a krwp (its
 * rcu_work is flushed: grace period, then kfree_rcu_work() has run), in
 * the hands of a running monitor that found it ready (the monitor is
 * cancelled synchronously), or being freed inline by a headless caller
 * (which the caller itself must wait for: the kernel documents this).
 */
#include <stdint.h>

#include "kvfree_rcu.h"
#include "model_trace.h"
#include "slab.h"
#include "variant.h"
#include "vmalloc.h"

DEFINE_PER_CPU(struct kfree_rcu_cpu, krc);

/* kfree_rcu_monitor(), the batches and backed-off page cache refills. */
struct workqueue_struct *rcu_reclaim_wq;

struct model_kvfree_rcu_stats kvfree_rcu_stats;

/* Model: the model boots between kvfree_rcu_init() and kvfree_rcu_exit(). */
static bool kvfree_rcu_running;

/* The local krcp, locked, with this vCPU pinned as local_irq_save() does. */
static struct kfree_rcu_cpu *krc_this_cpu_lock(unsigned long *flags)
{
	struct kfree_rcu_cpu *krcp;

	local_irq_save(*flags);
	krcp = &per_cpu(krc, smp_processor_id());
	raw_spin_lock(&krcp->lock);
	return krcp;
}

/*
 * Model: raw_spin_unlock_irqrestore() as two steps, because in the model
 * the "irq" half is the preempt_disable() of local_irq_save() above.
 */
static void krc_this_cpu_unlock(struct kfree_rcu_cpu *krcp, unsigned long flags)
{
	raw_spin_unlock(&krcp->lock);
	local_irq_restore(flags);
}

/* Something on this krcp still waits to be put into a batch. */
static bool need_offload_krc(struct kfree_rcu_cpu *krcp)
{
	int i;

	for (i = 0; i < FREE_N_CHANNELS; i++)
		if (!list_empty(&krcp->bulk_head[i]))
			return true;

	return !!READ_ONCE(krcp->head);
}

/* This batch is in flight: its rcu_work has not taken its lists yet. */
static bool need_wait_for_krwp_work(struct kfree_rcu_cpu_work *krwp)
{
	int i;

	for (i = 0; i < FREE_N_CHANNELS; i++)
		if (!list_empty(&krwp->bulk_head_free[i]))
			return true;

	return !!krwp->head_free;
}

/* Pointers waiting on this krcp (lockless, as the shrinker reads it). */
static int krc_count(struct kfree_rcu_cpu *krcp)
{
	int sum = READ_ONCE(krcp->head_count);
	int i;

	for (i = 0; i < FREE_N_CHANNELS; i++)
		sum += READ_ONCE(krcp->bulk_count[i]);

	return sum;
}

/* Arm the monitor, or bring it forward; never pushes it back. */
static void __schedule_delayed_monitor_work(struct kfree_rcu_cpu *krcp)
{
	long delay, delay_left;

	lockdep_assert_held(&krcp->lock);
	delay = krc_count(krcp) >= (int)KVFREE_BULK_MAX_ENTR ? 1 : KFREE_DRAIN_JIFFIES;
	if (delayed_work_pending(&krcp->monitor_work)) {
		delay_left = (long)(krcp->monitor_work.expires - jiffies);
		if (delay < delay_left)
			mod_delayed_work(rcu_reclaim_wq, &krcp->monitor_work, delay);
		return;
	}
	queue_delayed_work(rcu_reclaim_wq, &krcp->monitor_work, delay);
}

static void schedule_delayed_monitor_work(struct kfree_rcu_cpu *krcp)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&krcp->lock, flags);
	__schedule_delayed_monitor_work(krcp);
	raw_spin_unlock_irqrestore(&krcp->lock, flags);
}

/*
 * Frees at once whatever already passed its grace-period snapshot: blocks
 * from the oldest (tail) end until the first one that has not, and the
 * whole channel 3 list if its newest entry has.  Waits for nothing.
 */
static void kvfree_rcu_drain_ready(struct kfree_rcu_cpu *krcp)
{
	struct list_head bulk_ready[FREE_N_CHANNELS];
	struct kvfree_rcu_bulk_data *bnode, *n;
	struct rcu_head *head_ready = NULL;
	struct list_head *pos, *prev;
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&krcp->lock, flags);
	for (i = 0; i < FREE_N_CHANNELS; i++) {
		INIT_LIST_HEAD(&bulk_ready[i]);

		for (pos = krcp->bulk_head[i].prev; pos != &krcp->bulk_head[i]; pos = prev) {
			prev = pos->prev;
			bnode = list_entry(pos, struct kvfree_rcu_bulk_data, list);
			if (!poll_state_synchronize_rcu_full(&bnode->gp_snap))
				break;

			WRITE_ONCE(krcp->bulk_count[i], krcp->bulk_count[i] - (int)bnode->nr_records);
			list_move(&bnode->list, &bulk_ready[i]);
		}
	}

	if (krcp->head && poll_state_synchronize_rcu(krcp->head_gp_snap)) {
		head_ready = krcp->head;
		WRITE_ONCE(krcp->head_count, 0);
		WRITE_ONCE(krcp->head, NULL);
	}
	raw_spin_unlock_irqrestore(&krcp->lock, flags);
	/* Model: taken off the krcp, not yet freed: a barrier looking now sees nothing */
	vcpu_decision_point("kvfree_rcu_drain_ready: taken, not yet freed");

	for (i = 0; i < FREE_N_CHANNELS; i++) {
		list_for_each_entry_safe(bnode, n, &bulk_ready[i], list) {
			kvfree_stat_add(ready_objs, bnode->nr_records);
			kvfree_rcu_bulk(krcp, bnode, i);
		}
	}

	if (head_ready) {
		struct rcu_head *h;

		for (h = head_ready; h; h = h->next)
			kvfree_stat_add(ready_objs, 1);
		kvfree_rcu_list(head_ready);
	}
}

/*
 * Moves everything waiting on @krcp into the first idle batch and queues
 * its rcu_work.  False if both batches are in flight, or if there was
 * nothing left to move (a concurrent drain took it).
 */
static bool kvfree_rcu_queue_batch(struct kfree_rcu_cpu *krcp)
{
	unsigned long flags;
	bool queued = false;
	int i, j;

	raw_spin_lock_irqsave(&krcp->lock, flags);

	for (i = 0; i < KFREE_N_BATCHES; i++) {
		struct kfree_rcu_cpu_work *krwp = &krcp->krw_arr[i];

		/* A batch owns its lists until kfree_rcu_work() takes them. */
		if (need_wait_for_krwp_work(krwp))
			continue;

		/* kvfree_rcu_drain_ready() may have emptied the krcp meanwhile. */
		if (need_offload_krc(krcp)) {
			for (j = 0; j < FREE_N_CHANNELS; j++) {
				if (list_empty(&krwp->bulk_head_free[j])) {
					WRITE_ONCE(krcp->bulk_count[j], 0);
					list_splice_init(&krcp->bulk_head[j],
							 &krwp->bulk_head_free[j]);
				}
			}

			if (!krwp->head_free) {
				krwp->head_free = krcp->head;
				get_state_synchronize_rcu_full(&krwp->head_free_gp_snap);
				WRITE_ONCE(krcp->head_count, 0);
				WRITE_ONCE(krcp->head, NULL);
			}

			/* An idle batch's rcu_work is never pending: this must queue. */
			model_trace("kvfree_rcu_queue_batch(): batch %d to queue_rcu_work()", i);
			queued = queue_rcu_work(rcu_reclaim_wq, &krwp->rcu_work);
			WARN_ON(!queued);
			kvfree_stat_add(batches_queued, 1);
			break;
		}
	}

	raw_spin_unlock_irqrestore(&krcp->lock, flags);
	return queued;
}

/* monitor_work: KFREE_DRAIN_JIFFIES (or 1 jiffy) after queueing. */
static void kfree_rcu_monitor(struct work_struct *work)
{
	struct kfree_rcu_cpu *krcp =
		container_of(to_delayed_work(work), struct kfree_rcu_cpu, monitor_work);

	kvfree_stat_add(monitor_runs, 1);
	kvfree_rcu_drain_ready(krcp);
	kvfree_rcu_queue_batch(krcp);

	/* Both batches were busy: try again later. */
	if (need_offload_krc(krcp))
		schedule_delayed_monitor_work(krcp);
}

/* A batch's rcu_work, after its grace period: free everything it holds. */
static void kfree_rcu_work(struct work_struct *work)
{
	struct kfree_rcu_cpu_work *krwp =
		container_of(to_rcu_work(work), struct kfree_rcu_cpu_work, rcu_work);
	struct kfree_rcu_cpu *krcp = krwp->krcp;
	struct list_head bulk_head[FREE_N_CHANNELS];
	struct kvfree_rcu_bulk_data *bnode, *n;
	struct rcu_gp_oldstate head_gp_snap;
	struct rcu_head *head;
	unsigned long flags;
	int i;

	kvfree_stat_add(work_runs, 1);
	model_trace("kfree_rcu_work() runs: a batch's grace period is over");
	raw_spin_lock_irqsave(&krcp->lock, flags);
	for (i = 0; i < FREE_N_CHANNELS; i++) {
		INIT_LIST_HEAD(&bulk_head[i]);
		list_splice_init(&krwp->bulk_head_free[i], &bulk_head[i]);
	}

	head = krwp->head_free;
	krwp->head_free = NULL;
	head_gp_snap = krwp->head_free_gp_snap;
	raw_spin_unlock_irqrestore(&krcp->lock, flags);
	/* Model: the batch is idle again, its objects not yet freed */
	vcpu_decision_point("kfree_rcu_work: taken, not yet freed");

	/* The batch is idle again from here on: the lists are ours. */
	for (i = 0; i < FREE_N_CHANNELS; i++)
		list_for_each_entry_safe(bnode, n, &bulk_head[i], list)
			kvfree_rcu_bulk(krcp, bnode, i);

	if (head && !WARN_ON(!poll_state_synchronize_rcu_full(&head_gp_snap)))
		kvfree_rcu_list(head);
}

/*
 * Records @ptr in a block of this vCPU's krcp; returns with the krcp
 * locked either way (*krcp set).  A new block comes from the page cache,
 * or, when @can_alloc (headless callers, which may sleep), from
 * __get_free_page() with the lock dropped: the vCPU may change meanwhile,
 * and the block then goes to the krcp we started on, as in the kernel.
 * False: the caller falls back.
 */
static bool add_ptr_to_bulk_krc_lock(struct kfree_rcu_cpu **krcp, unsigned long *flags,
				     void *ptr, bool can_alloc)
{
	struct kvfree_rcu_bulk_data *bnode;
	int idx;

	*krcp = krc_this_cpu_lock(flags);
	if (unlikely(!(*krcp)->initialized))
		return false;

	idx = !!is_vmalloc_addr(ptr);
	bnode = list_first_entry_or_null(&(*krcp)->bulk_head[idx],
					 struct kvfree_rcu_bulk_data, list);

	if (!bnode || bnode->nr_records == KVFREE_BULK_MAX_ENTR) {
		bnode = get_cached_bnode(*krcp);
		if (bnode) {
			kvfree_stat_add(blocks_cached, 1);
		} else if (can_alloc) {
			krc_this_cpu_unlock(*krcp, *flags);

			/* Light reclaim, no OOM, no reserves: there is a fallback. */
			bnode = (struct kvfree_rcu_bulk_data *)
				__get_free_page(GFP_KERNEL | __GFP_NORETRY |
						__GFP_NOMEMALLOC | __GFP_NOWARN);
			kvfree_stat_add(blocks_allocated, bnode ? 1 : 0);
			kvfree_stat_add(block_alloc_failed, bnode ? 0 : 1);

			/* Model: the irq half of raw_spin_lock_irqsave(), see krc_this_cpu_unlock(). */
			local_irq_save(*flags);
			raw_spin_lock(&(*krcp)->lock);
		}

		if (!bnode)
			return false;

		bnode->nr_records = 0;
		list_add(&bnode->list, &(*krcp)->bulk_head[idx]);
	}

	/* A block is ready only after a GP that began after its last insertion. */
	bnode->nr_records++;
	bnode->records[bnode->nr_records - 1] = ptr;
	get_state_synchronize_rcu_full(&bnode->gp_snap);
	WRITE_ONCE((*krcp)->bulk_count[idx], (*krcp)->bulk_count[idx] + 1);
	kvfree_stat_add(bulk_objs[idx], 1);

	return true;
}

/*
 * kfree_rcu(ptr, field) is kvfree_call_rcu(&ptr->field, ptr);
 * kfree_rcu_mightsleep(ptr) is kvfree_call_rcu(NULL, ptr) and may sleep;
 * kfree_rcu_nolock(ptr, field) comes here with !@allow_spin.
 */
static void __kvfree_call_rcu(struct rcu_head *head, void *ptr, bool allow_spin)
{
	struct kfree_rcu_cpu *krcp;
	unsigned long flags;
	bool success;

	/* Headless callers may end in synchronize_rcu() below. */
	if (!head)
		might_sleep();

	if (WARN(!READ_ONCE(kvfree_rcu_running),
		 "kvfree_call_rcu() outside kvfree_rcu_init()..kvfree_rcu_exit()"))
		return;

	/* Model: a !PREEMPT_RT kernel, so the sheaf path is always tried first. */
	if (kfree_rcu_sheaf(ptr, allow_spin))
		return;

	/*
	 * Model: a kfree_rcu_nolock() the sheaf path declined goes on as a
	 * two-argument kfree_rcu() does: krcp->lock is a raw spinlock, taken
	 * with interrupts off, and a two-argument call never allocates a block
	 * here; the kernel's own !allow_spin fallback for this case is not
	 * modelled.
	 */

	if (debug_rcu_head_queue(ptr)) {
		/* Probably a double kvfree_rcu(): leak the object (Model: WARN, not _ONCE). */
		WARN(1, "%s(): Double-freed call. rcu_head %p", __func__, (void *)head);
		kvfree_stat_add(double_frees, 1);
		return;
	}

	model_kvfree_rcu_enter(ptr);
	success = add_ptr_to_bulk_krc_lock(&krcp, &flags, ptr, !head);
	if (!success) {
		run_page_cache_worker(krcp);

		if (!head)
			goto unlock_return;

		/* Channel 3: the object's own rcu_head links it; func keeps its start. */
		head->func = (rcu_callback_t)(uintptr_t)ptr;
		head->next = krcp->head;
		WRITE_ONCE(krcp->head, head);
		WRITE_ONCE(krcp->head_count, krcp->head_count + 1);
		krcp->head_gp_snap = get_state_synchronize_rcu();
		kvfree_stat_add(list_objs, 1);
		model_trace("kvfree_call_rcu(): no block, the object's rcu_head goes on krcp->head");
		success = true;
	}

	__schedule_delayed_monitor_work(krcp);

unlock_return:
	krc_this_cpu_unlock(krcp, flags);

	/* Headless and no block: wait here (we may sleep), then free. */
	if (!success) {
		kvfree_stat_add(inline_objs, 1);
		debug_rcu_head_unqueue(ptr);
		model_trace("kvfree_call_rcu(): headless and no block: synchronize_rcu(), kvfree()");
		synchronize_rcu();
		model_kvfree_rcu_leave(ptr, MODEL_RCU_INLINE);
		kvfree(ptr);
		kvfree_stat_add(freed_objs, 1);
	}
}

void kvfree_call_rcu(struct rcu_head *head, void *ptr)
{
	__kvfree_call_rcu(head, ptr, true);
}

/* kfree_rcu_nolock(ptr, field); the object must embed its rcu_head. */
void model_kvfree_call_rcu_nolock(struct rcu_head *head, void *ptr)
{
	if (WARN_ON_ONCE(!head))
		return;
	__kvfree_call_rcu(head, ptr, false);
}

/*
 * First offload every krcp into a batch (waiting for busy batches and
 * retrying), then wait for each vCPU's monitor and both its batches.
 * Global: every cache, every vCPU.
 */
void __kvfree_rcu_barrier(void)
{
	struct kfree_rcu_cpu_work *krwp;
	struct kfree_rcu_cpu *krcp;
	bool queued;
	int i, cpu;

	kvfree_stat_add(barriers, 1);
	for_each_possible_cpu(cpu) {
		krcp = &per_cpu(krc, cpu);

		/* Nothing unbatched here; batches in flight are flushed below. */
		if (!need_offload_krc(krcp))
			continue;

		kvfree_stat_add(barrier_offloads, 1);
		while (1) {
			queued = kvfree_rcu_queue_batch(krcp);

			/* Done, or a concurrent monitor drained it first. */
			if (queued || !need_offload_krc(krcp))
				break;

			/* Both batches are in flight: wait for them, then retry. */
			kvfree_stat_add(barrier_retries, 1);
			for (i = 0; i < KFREE_N_BATCHES; i++) {
				krwp = &krcp->krw_arr[i];
				flush_rcu_work(&krwp->rcu_work);
			}
		}
	}

	for_each_possible_cpu(cpu) {
		krcp = &per_cpu(krc, cpu);

		/*
		 * A running monitor may be freeing objects it found ready:
		 * wait for it, and drop a pending one.
		 */
		if (!variant(VS_M20_NO_MONITOR_CANCEL))	/* M20: monitor not cancelled */
			cancel_delayed_work_sync(&krcp->monitor_work);

		/*
		 * F2's proposed fix (docs/findings.md): a kvfree_rcu_queue_batch()
		 * of another barrier may have taken this krcp's objects (so the
		 * loop above saw nothing) and set the batch's PENDING bit, and not
		 * yet made its call_rcu(): then flush_rcu_work()'s rcu_barrier()
		 * need not wait for it.  Both happen under krcp->lock.
		 */
		if (variant(VS_F2_BARRIER_SYNCS_KRCP_LOCK)) {
			unsigned long flags;

			raw_spin_lock_irqsave(&krcp->lock, flags);
			raw_spin_unlock_irqrestore(&krcp->lock, flags);
		}

		for (i = 0; i < KFREE_N_BATCHES; i++) {
			krwp = &krcp->krw_arr[i];
			flush_rcu_work(&krwp->rcu_work);
		}
	}
}

void model_kvfree_rcu_refill_page_cache(unsigned int cpu)
{
	struct kfree_rcu_cpu *krcp = &per_cpu(krc, cpu);
	unsigned long flags;

	raw_spin_lock_irqsave(&krcp->lock, flags);
	run_page_cache_worker(krcp);
	raw_spin_unlock_irqrestore(&krcp->lock, flags);
}

unsigned long kfree_rcu_shrink_count(struct shrink_control *sc)
{
	unsigned long count = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct kfree_rcu_cpu *krcp = &per_cpu(krc, cpu);

		count += krc_count(krcp);
		count += READ_ONCE(krcp->nr_bkv_objs);
		__atomic_store_n(&krcp->backoff_page_cache_fill, 1, __ATOMIC_RELAXED);
	}

	return count == 0 ? SHRINK_EMPTY : count;
}

/*
 * F1 (docs/findings.md), the proposed fix: the scan drains through the
 * monitor work itself, queued at once and waited for, instead of calling
 * kfree_rcu_monitor() in the shrinker's context, where the
 * cancel_delayed_work_sync() of __kvfree_rcu_barrier() cannot see it.
 */
static void model_f1_scan_monitor(struct kfree_rcu_cpu *krcp)
{
	mod_delayed_work(rcu_reclaim_wq, &krcp->monitor_work, 0);
	flush_delayed_work(&krcp->monitor_work);
}

unsigned long kfree_rcu_shrink_scan(struct shrink_control *sc)
{
	int cpu, freed = 0;

	for_each_possible_cpu(cpu) {
		struct kfree_rcu_cpu *krcp = &per_cpu(krc, cpu);
		int count;

		count = krc_count(krcp);
		count += drain_page_cache(krcp);
		/* F1: the proposed fix; upstream calls the monitor here directly */
		if (variant(VS_F1_SCAN_VIA_MONITOR_WORK))
			model_f1_scan_monitor(krcp);
		else
			kfree_rcu_monitor(&krcp->monitor_work.work);

		sc->nr_to_scan -= count;
		freed += count;

		if (sc->nr_to_scan <= 0)
			break;
	}

	return freed == 0 ? SHRINK_STOP : (unsigned long)freed;
}

int kvfree_rcu_init(void)
{
	int cpu, i, j;

	if (WARN_ON(rcu_reclaim_wq))
		return -EBUSY;
	rcu_reclaim_wq = alloc_workqueue("kvfree_rcu_reclaim", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (WARN_ON(!rcu_reclaim_wq))
		return -ENOMEM;

	memset(&kvfree_rcu_stats, 0, sizeof(kvfree_rcu_stats));
	for_each_possible_cpu(cpu) {
		struct kfree_rcu_cpu *krcp = &per_cpu(krc, cpu);

		/* Model: every input starts from a clean krcp. */
		memset(krcp, 0, sizeof(*krcp));
		raw_spin_lock_init(&krcp->lock);

		for (i = 0; i < KFREE_N_BATCHES; i++) {
			INIT_RCU_WORK(&krcp->krw_arr[i].rcu_work, kfree_rcu_work);
			krcp->krw_arr[i].krcp = krcp;

			for (j = 0; j < FREE_N_CHANNELS; j++)
				INIT_LIST_HEAD(&krcp->krw_arr[i].bulk_head_free[j]);
		}

		for (i = 0; i < FREE_N_CHANNELS; i++)
			INIT_LIST_HEAD(&krcp->bulk_head[i]);

		INIT_DELAYED_WORK(&krcp->monitor_work, kfree_rcu_monitor);
		INIT_DELAYED_WORK(&krcp->page_cache_work, fill_page_cache_func);
		krcp->initialized = true;
	}

	/* Model: no shrinker registry; kfree_rcu_shrink_count/scan are called directly. */
	WRITE_ONCE(kvfree_rcu_running, true);
	return 0;
}

void kvfree_rcu_exit(void)
{
	int cpu, i;

	if (!rcu_reclaim_wq)
		return;

	__kvfree_rcu_barrier();

	WRITE_ONCE(kvfree_rcu_running, false);
	for_each_possible_cpu(cpu) {
		struct kfree_rcu_cpu *krcp = &per_cpu(krc, cpu);

		cancel_delayed_work_sync(&krcp->monitor_work);
		cancel_delayed_work_sync(&krcp->page_cache_work);
		__atomic_store_n(&krcp->work_in_progress, 0, __ATOMIC_RELAXED);

		WARN(need_offload_krc(krcp), "vCPU %d: kvfree_rcu objects left at exit", cpu);
		for (i = 0; i < KFREE_N_BATCHES; i++)
			WARN(need_wait_for_krwp_work(&krcp->krw_arr[i]),
			     "vCPU %d: kvfree_rcu batch %d in flight at exit", cpu, i);

		drain_page_cache(krcp);
		krcp->initialized = false;
	}

	destroy_workqueue(rcu_reclaim_wq);
	rcu_reclaim_wq = NULL;
	model_debug_rcu_head_exit();
}

void model_kvfree_rcu_get_stats(struct model_kvfree_rcu_stats *st)
{
	unsigned long *dst = (unsigned long *)st;
	unsigned long *src = (unsigned long *)&kvfree_rcu_stats;
	size_t i;

	/* Every field is an unsigned long counter; one per channel in bulk_objs. */
	BUILD_BUG_ON(sizeof(*st) % sizeof(unsigned long));
	BUILD_BUG_ON(ARRAY_SIZE(st->bulk_objs) != FREE_N_CHANNELS);
	for (i = 0; i < sizeof(*st) / sizeof(unsigned long); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
