// SPDX-License-Identifier: GPL-2.0
/*
 * test_kfree_rcu_kunit.c - the kernel's own tests of kfree_rcu() and cache
 * destruction, run on the model with the default variant ("fixed"):
 *
 *   slub_kunit  test_kfree_rcu, test_kfree_rcu_wq_destroy, and
 *               test_leak_destroy as it meets kfree_rcu() (the plain leak
 *               is test_slab_smoke's);
 *   KASAN       the parts of rcu_uaf, kmem_cache_rcu_uaf and
 *               kmem_cache_rcu_reuse that must *not* report: the reads
 *               the RCU rules allow.  The reads they forbid abort under
 *               ASan and live in test_kfree_rcu_death.c.
 *
 * Every cache is made both with sheaves (the 7.0 "sheaves for all" world,
 * where H1 was found) and without (the v6.18 world of slub_kunit), and the
 * quarantine is on, as under KASAN.  Sim backend, inline mode: nothing
 * moves unless the test or a barrier makes it.
 *
 * Run: ctest -R kfree_rcu_kunit, or test_kfree_rcu_kunit_sim [case...].
 */
#include "rcu_test.h"

#define KMEM_CACHE_DESTROY_NR	10

static const unsigned int capacities[] = { 0, 32 };

static bool start_kasan_like(void)
{
	struct rt_env e = RT_ENV_DEFAULT;

	e.quarantine = true;
	return rt_start(&e);
}

/* slub_kunit test_kfree_rcu: one object, kfree_rcu(), destroy: no error. */
static void test_kfree_rcu(struct ktest *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(capacities); i++) {
		struct kmem_cache *s;

		KASSERT(t, start_kasan_like());
		s = rt_cache("test_kfree_rcu", capacities[i], 0);
		KASSERT(t, s);
		KEXPECT_EQ(t, model_cache_has_sheaves(s), capacities[i] != 0);
		rt_kfree_rcu_new(t, s, GFP_KERNEL);
		KEXPECT_EQ(t, rt_pending(t, s), 1);
		kmem_cache_destroy(s);
		RT_EXPECT_CLEAN(t);
		rt_stop();
	}
}

struct test_kfree_rcu_destroy_work {
	struct work_struct work;
	struct kmem_cache *s;
	bool done;
};

static void test_kfree_rcu_destroy_fn(struct work_struct *w)
{
	struct test_kfree_rcu_destroy_work *p =
		container_of(w, struct test_kfree_rcu_destroy_work, work);

	kmem_cache_destroy(p->s);
	p->done = true;
}

/*
 * slub_kunit test_kfree_rcu_wq_destroy: ten rounds of create, kfree_rcu()
 * and destroy from a work item of a WQ_MEM_RECLAIM workqueue, waited for
 * with flush_work().  The kernel sleeps a random time before destroying;
 * here each round frees from another vCPU instead, so the rcu_free sheaf
 * or the krcp batch to flush sits somewhere else every time.  A
 * WQ_MEM_RECLAIM worker may only flush WQ_MEM_RECLAIM workqueues
 * (check_flush_dependency()), which is why slub_flushwq and
 * kvfree_rcu_reclaim carry the flag.
 */
static void test_kfree_rcu_wq_destroy(struct ktest *t)
{
	unsigned int i, round;

	for (i = 0; i < ARRAY_SIZE(capacities); i++) {
		struct workqueue_struct *wq;

		KASSERT(t, start_kasan_like());
		wq = alloc_workqueue("test_kfree_rcu_destroy_wq",
				     WQ_HIGHPRI | WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
		KASSERT(t, wq);

		for (round = 0; round < KMEM_CACHE_DESTROY_NR; round++) {
			struct test_kfree_rcu_destroy_work p = { 0 };

			p.s = rt_cache("test_kfree_rcu_wq_destroy", capacities[i], 0);
			KASSERT(t, p.s);
			vcpu_migrate((int)(round % nr_cpu_ids));
			rt_kfree_rcu_new(t, p.s, GFP_KERNEL);
			if (round & 1)
				rt_kfree_rcu_new(t, p.s, GFP_KERNEL);
			vcpu_migrate(0);

			INIT_WORK(&p.work, test_kfree_rcu_destroy_fn);
			queue_work(wq, &p.work);
			flush_work(&p.work);
			KEXPECT(t, p.done);
		}

		destroy_workqueue(wq);
		RT_EXPECT_CLEAN(t);
		rt_stop();
	}
}

/*
 * slub_kunit test_leak_destroy, with a kfree_rcu() next to the leak: the
 * barrier inside kmem_cache_destroy() must take the kfree_rcu()'d object
 * back before shutdown counts, so only the leaked one is an error: one
 * for the "Objects remaining" header, one for the object.
 */
static void test_leak_destroy_with_kfree_rcu(struct ktest *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(capacities); i++) {
		struct kmem_cache *s;
		bool old;

		KASSERT(t, start_kasan_like());
		s = rt_cache("test_leak_destroy", capacities[i], 0);
		KASSERT(t, s);
		KASSERT(t, kmem_cache_alloc(s, GFP_KERNEL));	/* leaked on purpose */
		rt_kfree_rcu_new(t, s, GFP_KERNEL);

		old = model_set_slab_kunit_test(true);
		kmem_cache_destroy(s);
		model_set_slab_kunit_test(old);

		KEXPECT_EQ(t, model_slab_errors(), 2);
		KEXPECT_EQ(t, vcpu_nr_reports(), 0);
		rt_stop();	/* releases the cache the failed destroy leaked */
	}
}

/*
 * KASAN rcu_uaf, the allowed half: after kfree_rcu() and before a grace
 * period the object is still the reader's (a read must not fault under
 * ASan); after kvfree_rcu_barrier() it is free, and the free hooks have
 * poisoned it (the read would fault: test_kfree_rcu_death.c).
 */
static void test_rcu_uaf_reader_window(struct ktest *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(capacities); i++) {
		struct kmem_cache *s;
		struct robj *o;

		KASSERT(t, start_kasan_like());
		s = rt_cache("kasan_rcu_uaf", capacities[i], 0);
		KASSERT(t, s);
		o = kmem_cache_alloc(s, GFP_KERNEL);
		KASSERT(t, o);
		o->payload[1] = 42;

		rcu_read_lock();
		kfree_rcu(o, rcu);
		KEXPECT_EQ(t, READ_ONCE(o->payload[1]), 42);
		rcu_read_unlock();
		KEXPECT_EQ(t, rt_pending(t, s), 1);
		/* the sheaf path keeps the object RCU-pending, the batched one LIVE */
		KEXPECT_EQ(t, rt_obj_in_rcu(s, o), capacities[i] != 0);

		kvfree_rcu_barrier();
		KEXPECT_EQ(t, rt_pending(t, s), 0);
		KEXPECT(t, !rt_obj_in_rcu(s, o));
		KEXPECT_EQ(t, cache_counts(t, s).live, 0);

		kmem_cache_destroy(s);
		RT_EXPECT_CLEAN(t);
		rt_stop();
	}
}

/*
 * KASAN kmem_cache_rcu_uaf, the allowed half: an object of a
 * SLAB_TYPESAFE_BY_RCU cache freed inside a reader stays readable there
 * (the free hook does not poison it).  A shrink that gives the empty slab
 * back only queues rcu_free_slab(): the memory goes after a grace period.
 */
static void test_kmem_cache_rcu_uaf_reader_window(struct ktest *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(capacities); i++) {
		struct kmem_cache *s;
		unsigned long slabs;
		struct robj *p;

		KASSERT(t, start_kasan_like());
		s = rt_cache("kasan_rcu_uaf_typesafe", capacities[i], SLAB_TYPESAFE_BY_RCU);
		KASSERT(t, s);
		p = kmem_cache_alloc(s, GFP_KERNEL);
		KASSERT(t, p);
		p->payload[0] = 1;

		rcu_read_lock();
		kmem_cache_free(s, p);
		KEXPECT_EQ(t, READ_ONCE(p->payload[0]), 1);
		rcu_read_unlock();

		slabs = cache_counts(t, s).slabs;
		KEXPECT_EQ(t, slabs, 1);
		kmem_cache_shrink(s);
		/* the node forgot the slab; its memory waits for rcu_free_slab() */
		KEXPECT_EQ(t, cache_counts(t, s).slabs, 0);
		KEXPECT(t, vcpu_rcu_pending_callbacks() > 0);

		rcu_barrier();
		kmem_cache_destroy(s);
		RT_EXPECT_CLEAN(t);
		rt_stop();
	}
}

/*
 * KASAN kmem_cache_rcu_reuse: a SLAB_TYPESAFE_BY_RCU object freed and
 * allocated again inside one reader is the same memory, valid all along;
 * no report.  With sheaves the reuse is immediate (LIFO main sheaf).
 */
static void test_kmem_cache_rcu_reuse(struct ktest *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(capacities); i++) {
		struct kmem_cache *s;
		struct robj *p, *q;

		KASSERT(t, start_kasan_like());
		s = rt_cache("kasan_rcu_reuse", capacities[i], SLAB_TYPESAFE_BY_RCU);
		KASSERT(t, s);

		rcu_read_lock();
		p = kmem_cache_alloc(s, GFP_NOWAIT);
		KASSERT(t, p);
		p->payload[0] = 7;
		kmem_cache_free(s, p);
		q = kmem_cache_alloc(s, GFP_NOWAIT);
		KASSERT(t, q);
		if (capacities[i])
			KEXPECT(t, q == p);
		q->payload[0] = 8;
		KEXPECT_EQ(t, READ_ONCE(p->payload[0]), q == p ? 8 : 7);
		rcu_read_unlock();

		kmem_cache_free(s, q);
		kmem_cache_destroy(s);
		RT_EXPECT_CLEAN(t);
		rt_stop();
	}
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_kfree_rcu),
	KTEST_CASE(test_kfree_rcu_wq_destroy),
	KTEST_CASE(test_leak_destroy_with_kfree_rcu),
	KTEST_CASE(test_rcu_uaf_reader_window),
	KTEST_CASE(test_kmem_cache_rcu_uaf_reader_window),
	KTEST_CASE(test_kmem_cache_rcu_reuse),
	{}
};

KTEST_MAIN("kfree_rcu_kunit", cases)
