// SPDX-License-Identifier: GPL-2.0
/*
 * barrier.c - the two kfree_rcu barriers (mm/slab_common.c).
 *
 * A kfree_rcu()'d object can be in three places before it is really freed:
 * a per-CPU rcu_free sheaf nobody has submitted yet, an rcu sheaf already
 * handed to call_rcu(), or a kfree_rcu_cpu batch (kvfree_rcu.c).  A barrier
 * therefore is four steps, each one a link of its correctness argument:
 *
 *   1. flush_rcu_sheaves_on_cache(): run flush_rcu_sheaf() on every online
 *      CPU, so each partial rcu_free sheaf is handed to call_rcu();
 *      cpus_read_lock() keeps the set of online CPUs fixed meanwhile (an
 *      offline CPU gave its rcu_free away in slub_cpu_dead() already);
 *   2. the flush_work()s inside it order those call_rcu()s before ...
 *   3. deferred_work_barrier(), which waits for each CPU's irq_work, so
 *      that a full rcu sheaf kfree_rcu_nolock() parked with interrupts off
 *      has had its call_rcu() too (nolock.c);
 *   4. rcu_barrier(), which waits for every rcu sheaf callback, including
 *      the sheaves that filled up and were submitted earlier;
 *   5. __kvfree_rcu_barrier() for the objects that took the batched path.
 *
 * kvfree_rcu_barrier_on_cache() does steps 1-4 for one cache only (the
 * patch 0f35040de593; its first version missed step 4 (H1) and the hotplug
 * lock of step 1 (H2); step 3 came with kfree_rcu_nolock() and its parked
 * rcu sheaves); kvfree_rcu_barrier() does them for every cache.
 */
#include "internal.h"
#include "kvfree_rcu.h"
#include "variant.h"

/**
 * kvfree_rcu_barrier - wait until every in-flight kvfree_rcu() is done.
 *
 * As in the kernel, a one-argument kvfree_rcu() that fell back to an inline
 * synchronize_rcu() is not covered: its caller must have returned.
 */
void kvfree_rcu_barrier(void)
{
	flush_all_rcu_sheaves();
	__kvfree_rcu_barrier();
}

/**
 * kvfree_rcu_barrier_on_cache - wait for the in-flight kvfree_rcu() calls
 * that may free objects of @s; called by kmem_cache_destroy().
 *
 * The batched part has no per-cache form (its blocks are not sorted by
 * cache), so it still waits for everything.
 */
void kvfree_rcu_barrier_on_cache(struct kmem_cache *s)
{
	/* M7: the barrier as a plain rcu_barrier() (the WireGuard misreading) */
	if (variant(VS_M7_PLAIN_RCU_BARRIER)) {
		rcu_barrier();
		return;
	}

	if (cache_has_sheaves(s)) {
		/* 0f35040de593 (H2): no hotplug lock; fixed by 67ea9d353d0b */
		bool hotplug_locked = !variant(VS_H2_NO_CPUS_READ_LOCK);

		if (hotplug_locked)
			cpus_read_lock();
		flush_rcu_sheaves_on_cache(s);
		if (hotplug_locked)
			cpus_read_unlock();
		/* M21: no deferred_work_barrier(), so a parked rcu sheaf is missed */
		if (!variant(VS_M21_NO_DEFERRED_WORK_BARRIER))
			deferred_work_barrier();
		/* 0f35040de593 (H1): no rcu_barrier(); fixed by b55b423e8518 */
		if (!variant(VS_H1_NO_RCU_BARRIER))
			rcu_barrier();
	}

	/* M6: the on-cache barrier forgets the batched path */
	if (variant(VS_M6_ON_CACHE_NO_BATCHED))
		return;
	__kvfree_rcu_barrier();
}
