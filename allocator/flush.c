// SPDX-License-Identifier: GPL-2.0
/*
 * flush.c - struct slub_flush_work: emptying the per-CPU sheaves of a cache
 * back to its slabs, on every CPU (shrink, shutdown) or for a CPU that went
 * down (slub_cpu_dead()).
 *
 * The flush of CPU X runs as a work item queued on X, so it executes only
 * while nothing on X holds X's pcs lock, and it takes that lock itself:
 * "work on X" and "X's pcs lock" are one serialisation domain.  One
 * slub_flush item per CPU is shared by every flush (the kfree_rcu barrier
 * of the next issue included), so flush_lock serialises their users and an
 * item is never re-initialised while queued.  flushwq is WQ_MEM_RECLAIM
 * because kmem_cache_destroy() may be called from a reclaim worker.
 *
 * Flushing skips the barn on purpose: flushes are rare, and going straight
 * to the slabs keeps them simple.
 */
#include "internal.h"
#include "variant.h"

struct workqueue_struct *flushwq;
DEFINE_MUTEX(flush_lock);
DEFINE_PER_CPU(struct slub_flush_work, slub_flush);

/*
 * Flushes this CPU's sheaves; main stays allocated, now empty.  The caller
 * keeps the context on this CPU (a per-CPU work item does) and is not an
 * interrupt.
 */
void pcs_flush_all(struct kmem_cache *s)
{
	struct slub_percpu_sheaves *pcs;
	struct slab_sheaf *spare, *rcu_free;

	local_lock(&s->cpu_sheaves->lock);
	pcs = this_cpu_ptr(s->cpu_sheaves);

	spare = pcs->spare;
	pcs->spare = NULL;

	rcu_free = pcs->rcu_free;
	pcs->rcu_free = NULL;

	local_unlock(&s->cpu_sheaves->lock);

	if (spare) {
		sheaf_flush_unused(s, spare);
		free_empty_sheaf(s, spare);
	}

	if (rcu_free)
		model_submit_rcu_sheaf_nobarn(rcu_free);

	sheaf_flush_main(s);
}

/*
 * The sheaves of a CPU that is no longer executing: no pcs lock needed.
 * Main is flushed and kept, spare flushed and freed, rcu_free submitted.
 */
void __pcs_flush_all_cpu(struct kmem_cache *s, unsigned int cpu)
{
	struct slub_percpu_sheaves *pcs = per_cpu_ptr(s->cpu_sheaves, cpu);

	sheaf_flush_unused(s, pcs->main);
	if (pcs->spare) {
		sheaf_flush_unused(s, pcs->spare);
		free_empty_sheaf(s, pcs->spare);
		pcs->spare = NULL;
	}

	/* M11: the dead CPU's rcu_free sheaf is left behind, invisible to RCU */
	if (pcs->rcu_free && !variant(VS_M11_DEAD_CPU_KEEPS_RCU_FREE)) {
		model_submit_rcu_sheaf_nobarn(pcs->rcu_free);
		pcs->rcu_free = NULL;
	}
}

/*
 * A racy peek at another CPU's sheaves: a stale answer only costs a less
 * thorough shrink.  But pcs->main is dereferenced, and the owner hands its
 * old main to the barn before it stores the new one (__pcs_replace_empty_main(),
 * barn_replace_empty_sheaf()), where a concurrent barn_shrink() may free it:
 * F3 (docs/findings.md).  f3-fix does not look and flushes every CPU.
 */
static bool __model_racy has_pcs_used(int cpu, struct kmem_cache *s)
{
	struct slub_percpu_sheaves *pcs;

	if (!cache_has_sheaves(s))
		return false;
	if (variant(VS_F3_FLUSH_EVERY_CPU))
		return true;

	pcs = per_cpu_ptr(s->cpu_sheaves, cpu);
	return pcs->spare || pcs->rcu_free || pcs->main->size;
}

/* The work function: runs on the CPU whose sheaves it flushes. */
static void flush_cpu_slab(struct work_struct *w)
{
	struct slub_flush_work *sfw = container_of(w, struct slub_flush_work, work);
	struct kmem_cache *s = sfw->s;

	model_cache_enter(s);
	model_trace("flush_cpu_slab(%s) runs", s->name);
	if (cache_has_sheaves(s))
		pcs_flush_all(s);
	model_cache_exit(s);
}

/* Flushes every online CPU that has something to flush; cpus held. */
void flush_all_cpus_locked(struct kmem_cache *s)
{
	struct slub_flush_work *sfw;
	unsigned int cpu;

	lockdep_assert_cpus_held();
	mutex_lock(&flush_lock);

	for_each_online_cpu(cpu) {
		sfw = &per_cpu(slub_flush, cpu);
		if (!has_pcs_used(cpu, s)) {
			sfw->skip = true;
			continue;
		}
		INIT_WORK(&sfw->work, flush_cpu_slab);
		sfw->skip = false;
		sfw->s = s;
		queue_work_on(cpu, flushwq, &sfw->work);
	}

	for_each_online_cpu(cpu) {
		sfw = &per_cpu(slub_flush, cpu);
		if (sfw->skip)
			continue;
		flush_work(&sfw->work);
	}

	mutex_unlock(&flush_lock);
}

void flush_all(struct kmem_cache *s)
{
	cpus_read_lock();
	flush_all_cpus_locked(s);
	cpus_read_unlock();
}

/*
 * CPUHP_SLUB_DEAD teardown: runs after @cpu stopped, with the hotplug lock
 * held for write, so the cpu's sheaves are flushed without its pcs lock.
 */
int slub_cpu_dead(unsigned int cpu)
{
	struct kmem_cache *s;

	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		if (!cache_has_sheaves(s))
			continue;
		model_cache_enter(s);
		__pcs_flush_all_cpu(s, cpu);
		model_cache_exit(s);
	}
	mutex_unlock(&slab_mutex);
	return 0;
}
