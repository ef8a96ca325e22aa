// SPDX-License-Identifier: GPL-2.0
/*
 * test_kfree_rcu_model_bugs.c - defects of the model itself (not of a
 * variant) that the kfree_rcu tests ran into.  Each case fails until the
 * model is fixed; ASan builds only, since the symptom is a use-after-free.
 *
 * test_kfree_rcu_into_leaked_cache (allocator/cache.c, model_release_cache()):
 *   1. a destroy fails ("Objects remaining"): the cache is leaked on
 *      purpose and its object is still the user's;
 *   2. the user kfree_rcu()s that object: it goes into the leaked cache's
 *      rcu_free sheaf on this vCPU (the cache still exists, as in the kernel);
 *   3. model_slab_exit() reclaims the leaked cache: model_release_cache()
 *      runs __pcs_flush_all_cpu(), which hands the partial rcu_free sheaf to
 *      call_rcu(rcu_free_sheaf_nobarn), and then frees the slabs and the
 *      cache without waiting for that callback;
 *   4. vcpu_env_exit() quiesces, the callback runs: heap-use-after-free of
 *      the kmem_cache in model_cache_enter() (rcu_sheaf.c), then of the slabs.
 *   Fix: rcu_barrier() in model_release_cache() after the
 *   __pcs_flush_all_cpu() loop, before barn_shrink()/model_free_node_slabs().
 *
 * Run: ctest -R kfree_rcu_model_bugs, or test_kfree_rcu_model_bugs_sim.
 */
#include "rcu_test.h"

static void test_kfree_rcu_into_leaked_cache(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct kmem_cache *s;
	struct robj *o;
	bool old;

	KASSERT(t, rt_start(&e));
	s = rt_cache("leaked", 4, 0);
	KASSERT(t, s);
	o = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, o);

	old = model_set_slab_kunit_test(true);
	kmem_cache_destroy(s);
	model_set_slab_kunit_test(old);
	KEXPECT_EQ(t, model_slab_errors(), 2);

	kfree_rcu(o, rcu);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 1);
	rt_stop();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_kfree_rcu_into_leaked_cache),
	{}
};

KTEST_MAIN("kfree_rcu_model_bugs", cases)
