// SPDX-License-Identifier: GPL-2.0
/*
 * rcu_sheaf.c - kfree_rcu() through sheaves, and the flush that makes a
 * partially filled rcu_free sheaf visible to RCU (mm/slub.c).
 *
 * __kfree_rcu_sheaf() collects kfree_rcu()'d objects of a cache in the
 * per-CPU pcs->rcu_free sheaf.  Their free hooks have not run: an RCU
 * reader may still use them.  A sheaf that fills up is detached and handed
 * to call_rcu(rcu_free_sheaf) *before* the pcs lock is dropped; after the
 * grace period the hooks run and the sheaf is recycled as a full sheaf of
 * its node's barn.  A partial rcu_free sheaf is invisible to RCU until a
 * flush submits it: flush_rcu_sheaf() on its CPU, pcs_flush_all() at
 * shutdown or shrink, __pcs_flush_all_cpu() when its CPU died.  Those use
 * rcu_free_sheaf_nobarn(), which never touches the barn because the cache
 * may be on its way out.
 *
 * Why flush_rcu_sheaf() must run *on* the CPU: a __kfree_rcu_sheaf() on
 * CPU X may have cleared pcs->rcu_free and not yet called call_rcu(); a
 * work item on X cannot run until X's pcs lock is free, i.e. until that
 * call_rcu() happened, and flush_work() orders it before the barrier's
 * rcu_barrier() (docs/architecture.md, the run-token model).
 */
#include "internal.h"
#include "kvfree_rcu.h"
#include "vmalloc.h"
#include "variant.h"

static void rcu_free_sheaf(struct rcu_head *head);
static void rcu_free_sheaf_nobarn(struct rcu_head *head);

/* Hands a full rcu sheaf to RCU; the irq_work of a parked sheaf (nolock.c). */
void model_submit_rcu_sheaf(struct slab_sheaf *sheaf)
{
	model_sheaf_role(sheaf, MODEL_SHEAF_PARKED, MODEL_SHEAF_RCU);
	model_trace("call_rcu(rcu_free_sheaf): %s's parked rcu sheaf, %u object(s)",
		    sheaf->cache->name, sheaf->size);
	call_rcu(&sheaf->rcu_head, rcu_free_sheaf);
}

/* Hands a detached rcu_free sheaf to RCU; the flush paths' callback. */
void model_submit_rcu_sheaf_nobarn(struct slab_sheaf *sheaf)
{
	model_sheaf_role(sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_RCU);
	model_trace("call_rcu(rcu_free_sheaf_nobarn): %s's rcu sheaf, %u of %u object(s)",
		    sheaf->cache->name, sheaf->size, sheaf->cache->sheaf_capacity);
	call_rcu(&sheaf->rcu_head, rcu_free_sheaf_nobarn);
}

/*
 * kvfree_call_rcu() may be called under a raw_spinlock_t (as
 * set_cpus_allowed_force() holds p->pi_lock), and __kfree_rcu_sheaf() takes
 * barn->lock, a spinlock_t, which sleeps on PREEMPT_RT.  The sheaf path is
 * never taken on RT, so the nesting is fine; this map tells lockdep so
 * (f8b4cd2dad09, the fix of H3).  It is taken as a trylock, or its own
 * acquisition would be the invalid wait context.
 */
static DEFINE_WAIT_OVERRIDE_MAP(kfree_rcu_sheaf_map, LD_WAIT_CONFIG);

/*
 * kfree_rcu() of @obj through @s's per-CPU rcu_free sheaf.  Returns false
 * when the caller must take the batched path instead: the pcs lock is
 * taken (an interrupted holder), no barn (memoryless node), no empty sheaf
 * in the barn and none could be allocated without blocking, or the relock
 * after allocating failed.
 *
 * !@allow_spin is kfree_rcu_nolock(): the caller may hold a raw lock or
 * run with interrupts off.  call_rcu() may not be called with interrupts
 * off from there, so a sheaf that fills up then is parked on this CPU's
 * deferred_percpu_work list and its irq_work makes the call_rcu().
 *
 * !@allow_spin only trylocks barn->lock (barn_get_empty_sheaf()).  Model:
 * the allocation of an empty sheaf is GFP_NOWAIT for both (the kernel's
 * !allow_spin one is its trylock-only SLAB_ALLOC_TRYLOCK form): the model's
 * sheaf allocation has no trylock-only form, and a fuzz_sched decision
 * point the kernel lacks would be the only difference.
 */
bool __kfree_rcu_sheaf(struct kmem_cache *s, void *obj, bool allow_spin)
{
	struct slub_percpu_sheaves *pcs;
	struct slab_sheaf *rcu_sheaf;

	/*
	 * Model: there is no PREEMPT_RT, so the WARN_ON_ONCE() that keeps RT
	 * out of here has nothing to test.
	 */
	/* H3 (ec66e0d59952): no wait-type override; fixed by f8b4cd2dad09 */
	if (!variant(VS_H3_NO_WAIT_OVERRIDE))
		lock_map_acquire_try(&kfree_rcu_sheaf_map);

	if (!local_trylock(&s->cpu_sheaves->lock))
		goto fail;

	pcs = this_cpu_ptr(s->cpu_sheaves);

	if (unlikely(!pcs->rcu_free)) {
		struct slab_sheaf *empty;
		struct node_barn *barn;

		/* bootstrap or debug cache: fall back */
		if (unlikely(!cache_has_sheaves(s))) {
			local_unlock(&s->cpu_sheaves->lock);
			goto fail;
		}

		if (pcs->spare && pcs->spare->size == 0) {
			pcs->rcu_free = pcs->spare;
			pcs->spare = NULL;
			goto do_free;
		}

		barn = get_barn(s);
		if (!barn) {
			local_unlock(&s->cpu_sheaves->lock);
			goto fail;
		}

		empty = barn_get_empty_sheaf(barn, allow_spin);
		if (empty) {
			pcs->rcu_free = empty;
			goto do_free;
		}

		local_unlock(&s->cpu_sheaves->lock);

		empty = alloc_empty_sheaf(s, GFP_NOWAIT);
		if (!empty)
			goto fail;

		if (!local_trylock(&s->cpu_sheaves->lock)) {
			barn_put_empty_sheaf(barn, empty);
			goto fail;
		}

		pcs = this_cpu_ptr(s->cpu_sheaves);

		/* an interrupt, or a migration, installed one meanwhile */
		if (unlikely(pcs->rcu_free))
			barn_put_empty_sheaf(barn, empty);
		else
			pcs->rcu_free = empty;
	}

do_free:
	rcu_sheaf = pcs->rcu_free;
	model_rcu_object_enter(s, obj);
	rcu_sheaf->objects[rcu_sheaf->size++] = obj;

	if (likely(rcu_sheaf->size < s->sheaf_capacity)) {
		rcu_sheaf = NULL;
	} else {
		pcs->rcu_free = NULL;
		rcu_sheaf->node = numa_mem_id();
		/*
		 * Model: the other vCPUs may run here (this one is held), so
		 * that a flusher peeking at pcs->rcu_free from elsewhere (M9)
		 * can see it cleared before the call_rcu() below.
		 */
		vcpu_decision_point("__kfree_rcu_sheaf: detached");
	}

	/*
	 * Submit before local_unlock(), so that a racing flush_rcu_sheaf() on
	 * this CPU cannot run between the detach and the call_rcu() and miss
	 * the sheaf.
	 */
	if (rcu_sheaf && !variant(VS_M10_CALL_RCU_AFTER_UNLOCK) &&
	    !variant(VS_M14_RCU_SHEAF_TO_BARN)) {
		/* call_rcu() disables interrupts to protect its per-CPU lists */
		if (unlikely(!allow_spin && irqs_disabled())) {
			struct deferred_percpu_work *dpw;

			dpw = &per_cpu(deferred_percpu_work, smp_processor_id());
			model_sheaf_role(rcu_sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_PARKED);
			model_trace("__kfree_rcu_sheaf(%s): rcu sheaf full, interrupts off: parked "
				    "for the irq_work, %u object(s)", s->name, rcu_sheaf->size);
			if (llist_add(&rcu_sheaf->llnode, &dpw->rcu_sheaves))
				irq_work_queue(&dpw->work);
		} else {
			model_sheaf_role(rcu_sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_RCU);
			model_trace("__kfree_rcu_sheaf(%s): rcu sheaf full, call_rcu(rcu_free_sheaf) "
				    "of %u object(s)", s->name, rcu_sheaf->size);
			call_rcu(&rcu_sheaf->rcu_head, rcu_free_sheaf);
		}
		rcu_sheaf = NULL;
	}

	local_unlock(&s->cpu_sheaves->lock);

	if (rcu_sheaf) {
		model_sheaf_role(rcu_sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_RCU);
		/* M14: the callback runs at once: the sheaf reaches the barn with no grace period */
		if (variant(VS_M14_RCU_SHEAF_TO_BARN)) {
			model_trace("__kfree_rcu_sheaf(%s): rcu sheaf full, rcu_free_sheaf() at once",
				    s->name);
			rcu_free_sheaf(&rcu_sheaf->rcu_head);
		/* M10: call_rcu() after local_unlock(): a flush can run in between */
		} else {
			model_trace("__kfree_rcu_sheaf(%s): rcu sheaf full, call_rcu(rcu_free_sheaf) "
				    "after local_unlock()", s->name);
			call_rcu(&rcu_sheaf->rcu_head, rcu_free_sheaf);
		}
	}

	stat(s, FREE_RCU_SHEAF);
	/* H3: nothing to release */
	if (!variant(VS_H3_NO_WAIT_OVERRIDE))
		lock_map_release(&kfree_rcu_sheaf_map);
	return true;

fail:
	stat(s, FREE_RCU_SHEAF_FAIL);
	/* H3: nothing to release */
	if (!variant(VS_H3_NO_WAIT_OVERRIDE))
		lock_map_release(&kfree_rcu_sheaf_map);
	return false;
}

/*
 * The entry kvfree_call_rcu() tries first.  False sends @obj down the
 * batched path: not a slab object (vmalloc), a cache without sheaves, or
 * an object of another node than this CPU's.
 */
bool kfree_rcu_sheaf(void *obj, bool allow_spin)
{
	struct kmem_cache *s;
	struct slab *slab;
	bool ret;

	if (is_vmalloc_addr(obj))
		return false;

	slab = virt_to_slab(obj);
	if (unlikely(!slab))
		return false;

	s = slab->slab_cache;
	if (slab_nid(slab) != numa_mem_id())
		return false;

	model_cache_enter(s);
	ret = __kfree_rcu_sheaf(s, obj, allow_spin);
	model_cache_exit(s);
	return ret;
}

/*
 * Runs the free hooks the objects skipped at kfree_rcu() time, now that a
 * grace period has passed: even a SLAB_TYPESAFE_BY_RCU object is poisoned
 * here (after_rcu_delay).  An object a hook keeps (the quarantine) leaves
 * the sheaf; the last entry takes its place.
 */
static void __rcu_free_sheaf_prepare(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	unsigned int i = 0;

	while (i < sheaf->size) {
		void *obj = sheaf->objects[i];

		model_rcu_object_leave(s, obj);
		if (slab_free_hook(s, obj, false, true)) {
			i++;
			continue;
		}
		sheaf->objects[i] = sheaf->objects[--sheaf->size];
	}
}

/* The callback for sheaves that filled up in __kfree_rcu_sheaf(). */
static void rcu_free_sheaf(struct rcu_head *head)
{
	struct slab_sheaf *sheaf = container_of(head, struct slab_sheaf, rcu_head);
	struct kmem_cache *s = sheaf->cache;
	struct kmem_cache_node *n;
	struct node_barn *barn = NULL;
	int node = sheaf->node;

	model_cache_enter(s);
	model_sheaf_role(sheaf, MODEL_SHEAF_RCU, MODEL_SHEAF_DETACHED);
	model_trace("rcu_free_sheaf(%s): grace period over, %u object(s) to free",
		    s->name, sheaf->size);
	__rcu_free_sheaf_prepare(s, sheaf);

	/* M16 (H6, v8 of ec66e0d59952): the callback vCPU's node, not the sheaf's */
	if (variant(VS_M16_CALLBACK_NODE)) {
		/* that version read get_node(s, numa_mem_id())->barn: NULL n on a memoryless node */
		n = get_node(s, numa_mem_id());
		barn = get_barn_node(s, n->node);
		goto have_barn;
	}

	barn = get_barn_node(s, node);
	if (!barn)
		goto flush;

have_barn:
	if (!sheaf->size)
		goto empty;

	/* The limit is read without the lock: going over it is rare and harmless. */
	if (data_race(barn->nr_full) < MAX_FULL_SHEAVES) {
		stat(s, BARN_PUT);
		barn_put_full_sheaf(barn, sheaf);
		goto out;
	}

flush:
	stat(s, BARN_PUT_FAIL);
	sheaf_flush_unused(s, sheaf);

empty:
	if (barn && data_race(barn->nr_empty) < MAX_EMPTY_SHEAVES)
		barn_put_empty_sheaf(barn, sheaf);
	else
		free_empty_sheaf(s, sheaf);
out:
	model_cache_exit(s);
}

/* The callback of every flush path: back to the slabs, never to the barn. */
static void rcu_free_sheaf_nobarn(struct rcu_head *head)
{
	struct slab_sheaf *sheaf = container_of(head, struct slab_sheaf, rcu_head);
	struct kmem_cache *s = sheaf->cache;

	model_cache_enter(s);
	model_sheaf_role(sheaf, MODEL_SHEAF_RCU, MODEL_SHEAF_DETACHED);
	model_trace("rcu_free_sheaf_nobarn(%s): grace period over, %u object(s) to their slabs",
		    s->name, sheaf->size);
	__rcu_free_sheaf_prepare(s, sheaf);
	sheaf_flush_unused(s, sheaf);
	free_empty_sheaf(s, sheaf);
	model_cache_exit(s);
}

/* The work item flush_rcu_sheaves_on_cache() runs on every online CPU. */
static void flush_rcu_sheaf(struct work_struct *w)
{
	struct slub_flush_work *sfw = container_of(w, struct slub_flush_work, work);
	struct kmem_cache *s = sfw->s;
	struct slub_percpu_sheaves *pcs;
	struct slab_sheaf *rcu_free;

	/* M17: the work takes slab_mutex, which its flusher may hold */
	if (variant(VS_M17_FLUSH_TAKES_SLAB_MUTEX))
		mutex_lock(&slab_mutex);

	model_cache_enter(s);
	local_lock(&s->cpu_sheaves->lock);
	pcs = this_cpu_ptr(s->cpu_sheaves);

	rcu_free = pcs->rcu_free;
	/* M15: the sheaf is submitted but stays installed */
	if (!variant(VS_M15_FLUSH_KEEPS_RCU_FREE))
		pcs->rcu_free = NULL;

	local_unlock(&s->cpu_sheaves->lock);

	model_trace("flush_rcu_sheaf(%s) runs: %s", s->name,
		    rcu_free ? "takes pcs->rcu_free" : "no rcu_free sheaf");
	if (rcu_free)
		model_submit_rcu_sheaf_nobarn(rcu_free);
	model_cache_exit(s);

	if (variant(VS_M17_FLUSH_TAKES_SLAB_MUTEX))
		mutex_unlock(&slab_mutex);
}

/* Needed for both kfree_rcu barriers; the caller holds cpus_read_lock(). */
void flush_rcu_sheaves_on_cache(struct kmem_cache *s)
{
	struct slub_flush_work *sfw;
	unsigned int cpu;
	/* M3: the rejected fix for H2, the hotplug lock taken in here */
	bool take_hotplug = variant(VS_M3_CPUS_LOCK_INSIDE_FLUSH);
	/* M19: no flush_lock, so two flushers share the per-CPU items */
	bool serialize = !variant(VS_M19_NO_FLUSH_LOCK);

	if (take_hotplug)
		cpus_read_lock();
	/* 67ea9d353d0b added the assertion with its fix of H2; h2-assert keeps it */
	else if (!variant(VS_H2_NO_CPUS_READ_LOCK) || variant(VS_H2_ASSERT_WITHOUT_LOCK))
		lockdep_assert_cpus_held();

	if (serialize)
		mutex_lock(&flush_lock);

	for_each_online_cpu(cpu) {
		sfw = &per_cpu(slub_flush, cpu);

		/*
		 * No check whether this CPU has an rcu_free sheaf: a racing
		 * __kfree_rcu_sheaf() may have just detached it and not yet
		 * called call_rcu(); running flush_rcu_sheaf() there waits
		 * for it to finish.
		 */
		/* M9: peek at the remote pcs->rcu_free and skip the CPU if NULL */
		if (variant(VS_M9_PEEK_RCU_FREE) &&
		    !data_race(per_cpu_ptr(s->cpu_sheaves, cpu)->rcu_free)) {
			sfw->skip = true;
			continue;
		}
		sfw->skip = false;
		INIT_WORK(&sfw->work, flush_rcu_sheaf);
		sfw->s = s;
		queue_work_on(cpu, flushwq, &sfw->work);
	}

	/* M8: the queued flushes are never waited for */
	if (!variant(VS_M8_NO_FLUSH_WORK)) {
		for_each_online_cpu(cpu) {
			sfw = &per_cpu(slub_flush, cpu);
			if (sfw->skip)
				continue;
			flush_work(&sfw->work);
		}
	}

	if (serialize)
		mutex_unlock(&flush_lock);
	if (take_hotplug)
		cpus_read_unlock();
}

/*
 * kvfree_rcu_barrier()'s sheaf half: every cache, then the rcu sheaves
 * parked for the irq_work (deferred_work_barrier()), then one rcu_barrier().
 */
void flush_all_rcu_sheaves(void)
{
	struct kmem_cache *s;

	cpus_read_lock();
	mutex_lock(&slab_mutex);

	list_for_each_entry(s, &slab_caches, list) {
		if (!cache_has_sheaves(s))
			continue;
		flush_rcu_sheaves_on_cache(s);
	}

	mutex_unlock(&slab_mutex);
	cpus_read_unlock();

	/* M21: no deferred_work_barrier(), so a parked rcu sheaf is missed */
	if (!variant(VS_M21_NO_DEFERRED_WORK_BARRIER))
		deferred_work_barrier();
	rcu_barrier();
}
