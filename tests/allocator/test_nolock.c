// SPDX-License-Identifier: GPL-2.0
/*
 * test_nolock.c - white-box tests of kfree_nolock(), kfree_rcu_nolock() and
 * deferred_work_barrier() (allocator/nolock.c, allocator/rcu_sheaf.c): which
 * path each takes in which context, what waits in the per-CPU deferred
 * work, and which barrier gives it back.
 *
 *   test_kfree_nolock_fast          the main sheaf takes it, nothing deferred
 *   test_kfree_nolock_in_holder     the pcs lock is held on this vCPU (the
 *                                   call interrupted its holder): deferred,
 *                                   freed to its slab by the irq_work
 *   test_kfree_nolock_full_main     main and spare full, barn empty: the
 *                                   !allow_spin free does not allocate a
 *                                   sheaf, it defers
 *   test_kfree_nolock_no_sheaves    a cache without sheaves always defers;
 *                                   kmem_cache_destroy() waits for it
 *   test_rcu_nolock_parks_sheaf     interrupts off: the full rcu sheaf is
 *                                   parked, rcu_barrier() alone misses it,
 *                                   kvfree_rcu_barrier_on_cache() does not
 *   test_rcu_nolock_irqs_on         interrupts on: call_rcu() at once
 *   test_full_barrier_parked        kvfree_rcu_barrier() waits for a sheaf
 *                                   parked on another vCPU
 *   test_kfree_nolock_barn_locked   main and spare full, an empty sheaf in
 *                                   the barn: taken, unless barn->lock is
 *                                   held (barn_replace_full_sheaf()'s
 *                                   trylock fails: -EBUSY) and it defers
 *   test_rcu_nolock_barn_locked     no rcu_free sheaf: the barn's empty one,
 *                                   unless barn->lock is held
 *                                   (barn_get_empty_sheaf() fails) and a
 *                                   new sheaf is allocated
 *
 * Run: ctest -R nolock, or nolock_sim [case...].
 */
#include "rcu_test.h"

#define CAP	4

static bool start(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;

	e.quarantine = false;
	if (!rt_start(&e)) {
		KEXPECT(t, false);
		return false;
	}
	return true;
}

static struct deferred_percpu_work *dpw_of(unsigned int cpu)
{
	return &per_cpu(deferred_percpu_work, cpu);
}

static long deferred(struct kmem_cache *s)
{
	return model_count_read(s->model_deferred);
}

static struct robj *new_obj(struct ktest *t, struct kmem_cache *s)
{
	struct robj *o = kmem_cache_alloc(s, GFP_KERNEL);

	KEXPECT(t, o != NULL);
	return o;
}

static void test_kfree_nolock_fast(struct ktest *t)
{
	struct kmem_cache *s;
	struct robj *o;
	unsigned long flags;
	int before;

	if (!start(t))
		return;
	s = rt_cache("n_fast", CAP, 0);
	KASSERT(t, s);
	o = new_obj(t, s);
	KASSERT(t, o);
	before = pcs_main_size(s, 0);
	local_irq_save(flags);
	kfree_nolock(o);
	local_irq_restore(flags);
	KEXPECT_EQ(t, pcs_main_size(s, 0), before + 1);
	KEXPECT_EQ(t, deferred(s), 0);
	KEXPECT(t, !irq_work_is_busy(&dpw_of(0)->work));
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_kfree_nolock_in_holder(struct ktest *t)
{
	struct kmem_cache *s;
	struct robj *o;
	unsigned long inuse;
	int before;

	if (!start(t))
		return;
	s = rt_cache("n_holder", CAP, 0);
	KASSERT(t, s);
	o = new_obj(t, s);
	KASSERT(t, o);
	before = pcs_main_size(s, 0);
	inuse = cache_counts(t, s).inuse;

	/* the holder of vCPU 0's pcs lock, interrupted by the kfree_nolock() */
	local_lock(&s->cpu_sheaves->lock);
	kfree_nolock(o);
	local_unlock(&s->cpu_sheaves->lock);

	KEXPECT_EQ(t, pcs_main_size(s, 0), before);
	KEXPECT_EQ(t, deferred(s), 1);
	KEXPECT(t, !llist_empty(&dpw_of(0)->objects));
	KEXPECT(t, irq_work_is_pending(&dpw_of(0)->work));
	KEXPECT_EQ(t, cache_counts(t, s).inuse, inuse);	/* its slab still counts it */
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	deferred_work_barrier();
	KEXPECT_EQ(t, deferred(s), 0);
	KEXPECT(t, llist_empty(&dpw_of(0)->objects));
	KEXPECT(t, !irq_work_is_busy(&dpw_of(0)->work));
	KEXPECT_EQ(t, cache_counts(t, s).inuse, inuse - 1);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_kfree_nolock_full_main(struct ktest *t)
{
	struct robj *objs[4 * CAP];
	struct kmem_cache *s;
	unsigned int i, n;

	if (!start(t))
		return;
	s = rt_cache("n_full", CAP, 0);
	KASSERT(t, s);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = new_obj(t, s);
		KASSERT(t, objs[i]);
	}
	/* ordinary frees until main and spare are full and the barn has no empty sheaf */
	for (n = 0; n < ARRAY_SIZE(objs) - 1; n++) {
		if (pcs_main_size(s, 0) == CAP && pcs_spare_size(s, 0) == CAP &&
		    !cache_counts(t, s).barn_empty)
			break;
		kmem_cache_free(s, objs[n]);
	}
	KASSERT(t, n < ARRAY_SIZE(objs) - 1);

	kfree_nolock(objs[n]);
	KEXPECT_EQ(t, deferred(s), 1);
	KEXPECT_EQ(t, pcs_main_size(s, 0), CAP);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), CAP);

	/* the irq_work runs with the vCPU's other work */
	vcpu_run_work(0);
	KEXPECT_EQ(t, deferred(s), 0);
	KEXPECT(t, !irq_work_is_busy(&dpw_of(0)->work));
	for (i = n + 1; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(s, objs[i]);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_kfree_nolock_no_sheaves(struct ktest *t)
{
	struct kmem_cache *s;
	struct robj *o;

	if (!start(t))
		return;
	s = rt_cache("n_plain", 0, 0);
	KASSERT(t, s);
	vcpu_migrate(2);
	o = new_obj(t, s);
	KASSERT(t, o);
	kfree_nolock(o);
	vcpu_migrate(0);
	KEXPECT_EQ(t, deferred(s), 1);
	KEXPECT(t, irq_work_is_pending(&dpw_of(2)->work));
	kmem_cache_destroy(s);		/* deferred_work_barrier() before the shutdown */
	KEXPECT(t, !irq_work_is_busy(&dpw_of(2)->work));
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* @n objects of @s kfree_rcu_nolock()'d on @cpu, interrupts off if @irqs_off. */
static void rcu_nolock_on(struct ktest *t, struct kmem_cache *s, unsigned int cpu,
			  unsigned int n, bool irqs_off)
{
	unsigned long flags;
	unsigned int i;

	vcpu_migrate(cpu);
	for (i = 0; i < n; i++) {
		struct robj *o = new_obj(t, s);

		if (!o)
			break;
		if (irqs_off)
			local_irq_save(flags);
		else
			preempt_disable();
		kfree_rcu_nolock(o, rcu);
		if (irqs_off)
			local_irq_restore(flags);
		else
			preempt_enable();
	}
	vcpu_migrate(0);
}

static void test_rcu_nolock_parks_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct slab_sheaf *parked;

	if (!start(t))
		return;
	s = rt_cache("n_rcu_park", CAP, 0);
	KASSERT(t, s);
	rcu_nolock_on(t, s, 1, CAP, true);
	KEXPECT_EQ(t, rt_pending(t, s), CAP);
	KEXPECT(t, pcs_of(s, 1)->rcu_free == NULL);
	KASSERT(t, !llist_empty(&dpw_of(1)->rcu_sheaves));
	parked = llist_entry(dpw_of(1)->rcu_sheaves.first, struct slab_sheaf, llnode);
	KEXPECT_EQ(t, parked->model_role, MODEL_SHEAF_PARKED);
	KEXPECT_EQ(t, parked->size, CAP);
	KEXPECT(t, irq_work_is_pending(&dpw_of(1)->work));
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	/* not an RCU callback yet: rcu_barrier() alone does not wait for it */
	rcu_barrier();
	KEXPECT_EQ(t, rt_pending(t, s), CAP);

	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	KEXPECT(t, llist_empty(&dpw_of(1)->rcu_sheaves));
	KEXPECT(t, !irq_work_is_busy(&dpw_of(1)->work));
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_rcu_nolock_irqs_on(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t))
		return;
	s = rt_cache("n_rcu_on", CAP, 0);
	KASSERT(t, s);
	rcu_nolock_on(t, s, 1, CAP, false);
	KEXPECT_EQ(t, rt_pending(t, s), CAP);
	KEXPECT(t, llist_empty(&dpw_of(1)->rcu_sheaves));
	KEXPECT(t, !irq_work_is_busy(&dpw_of(1)->work));
	rcu_barrier();			/* the full sheaf was a callback already */
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_full_barrier_parked(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t))
		return;
	s = rt_cache("n_rcu_full", CAP, 0);
	KASSERT(t, s);
	rcu_nolock_on(t, s, 3, CAP + 1, true);	/* a parked sheaf and a partial rcu_free */
	KEXPECT_EQ(t, rt_pending(t, s), CAP + 1);
	kvfree_rcu_barrier();
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	KEXPECT(t, !irq_work_is_busy(&dpw_of(3)->work));
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * Main and spare full on vCPU 0 and one empty sheaf in the barn, then
 * kfree_nolock() with interrupts off; @locked: it interrupted a holder of
 * barn->lock on this vCPU (rcu_free_sheaf() or barn_shrink() hold it
 * without the pcs lock).  Returns whether the object was deferred.
 */
static bool kfree_nolock_barn(struct ktest *t, bool locked)
{
	struct robj *objs[4 * CAP];
	struct node_barn *barn;
	struct kmem_cache *s;
	unsigned long flags;
	unsigned int i, n;
	bool defers;

	if (!start(t))
		return false;
	s = rt_cache(locked ? "n_barn_locked" : "n_barn_free", CAP, 0);
	if (!s) {
		KEXPECT(t, s);
		rt_stop();
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = new_obj(t, s);
	for (n = 0; n < ARRAY_SIZE(objs) - 1; n++) {
		if (pcs_main_size(s, 0) == CAP && pcs_spare_size(s, 0) == CAP)
			break;
		kmem_cache_free(s, objs[n]);
	}
	barn = get_barn(s);
	KEXPECT(t, barn && n < ARRAY_SIZE(objs) - 1);
	if (barn && !barn->nr_empty)
		barn_put_empty_sheaf(barn, alloc_empty_sheaf(s, GFP_KERNEL));
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);

	local_irq_save(flags);
	if (locked)
		spin_lock(&barn->lock);
	kfree_nolock(objs[n]);
	if (locked)
		spin_unlock(&barn->lock);
	local_irq_restore(flags);

	defers = deferred(s) == 1;
	/* the barn kept its empty sheaf iff the object was deferred */
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, defers ? 1 : 0);
	KEXPECT_EQ(t, pcs_main_size(s, 0), defers ? CAP : 1);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	deferred_work_barrier();
	for (i = n + 1; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(s, objs[i]);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
	return defers;
}

static void test_kfree_nolock_barn_locked(struct ktest *t)
{
	KEXPECT(t, !kfree_nolock_barn(t, false));
	KEXPECT(t, kfree_nolock_barn(t, true));
}

/*
 * kfree_rcu_nolock() on vCPU 0, which has no rcu_free sheaf and no empty
 * spare, with an empty sheaf in the barn; @locked as above.  Returns the
 * empty sheaves allocated for the rcu_free sheaf.
 */
static long rcu_nolock_barn(struct ktest *t, bool locked)
{
	struct stat_snap snap;
	struct node_barn *barn;
	struct kmem_cache *s;
	unsigned long flags;
	struct robj *o;
	long allocated;

	if (!start(t))
		return -1;
	s = rt_cache(locked ? "n_rcu_barn_locked" : "n_rcu_barn_free", CAP, 0);
	if (!s) {
		KEXPECT(t, s);
		rt_stop();
		return -1;
	}
	barn = get_barn(s);
	KEXPECT(t, barn && !pcs_of(s, 0)->spare && !pcs_of(s, 0)->rcu_free);
	barn_put_empty_sheaf(barn, alloc_empty_sheaf(s, GFP_KERNEL));
	o = new_obj(t, s);
	KEXPECT(t, o != NULL);
	stat_snap(s, &snap);

	local_irq_save(flags);
	if (locked)
		spin_lock(&barn->lock);
	kfree_rcu_nolock(o, rcu);
	if (locked)
		spin_unlock(&barn->lock);
	local_irq_restore(flags);

	allocated = stat_delta(s, &snap, SHEAF_ALLOC);
	KEXPECT_EQ(t, stat_delta(s, &snap, FREE_RCU_SHEAF), 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, allocated);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
	return allocated;
}

static void test_rcu_nolock_barn_locked(struct ktest *t)
{
	KEXPECT_EQ(t, rcu_nolock_barn(t, false), 0);
	KEXPECT_EQ(t, rcu_nolock_barn(t, true), 1);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_kfree_nolock_fast),
	KTEST_CASE(test_kfree_nolock_in_holder),
	KTEST_CASE(test_kfree_nolock_full_main),
	KTEST_CASE(test_kfree_nolock_no_sheaves),
	KTEST_CASE(test_rcu_nolock_parks_sheaf),
	KTEST_CASE(test_rcu_nolock_irqs_on),
	KTEST_CASE(test_full_barrier_parked),
	KTEST_CASE(test_kfree_nolock_barn_locked),
	KTEST_CASE(test_rcu_nolock_barn_locked),
	{}
};

KTEST_MAIN("nolock", cases)
