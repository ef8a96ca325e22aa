// SPDX-License-Identifier: GPL-2.0
/*
 * test_kfree_rcu_barrier.c - what the two kfree_rcu barriers promise, and
 * how the seed patch broke the promise.
 *
 * The contract (harness/README.md, the barrier contract): when
 * kvfree_rcu_barrier_on_cache(s) returns, no object of s that was
 * kfree_rcu()'d before the call is still pending (model_cache_counts()'s
 * rcu_pending is 0 when nothing else frees meanwhile); when
 * kvfree_rcu_barrier() returns, no object of any cache is.  Each case puts
 * objects on one of the three places a kfree_rcu()'d object can wait, on
 * several vCPUs:
 *   sheaf path   partial rcu_free sheaves, and a full one already handed
 *                to call_rcu(rcu_free_sheaf);
 *   bulk path    krcp blocks, channel 0 (slab objects of a cache without
 *                sheaves) and channel 1 (vmalloc areas);
 *   list path    krcp->head (two-argument kfree_rcu() without a block),
 *                including sheaf-cache objects whose sheaf allocation
 *                failed (vcpu_fail_next()).
 *
 * The seed patch 0f35040de593 (variants seed-v3 and h1-only): the on-cache
 * barrier flushes the rcu_free sheaves but does not wait for their
 * callbacks, so an object is still in flight when it returns; with a
 * KASAN-like quarantine the late callback parks the object there after
 * kasan_cache_shutdown() drained it, and the destroy fails with "Objects
 * remaining" as the kernel test robot saw (lore 202601121442.c530bed3-lkp).
 *
 * Run: ctest -R kfree_rcu_barrier, or test_kfree_rcu_barrier_sim [case...].
 */
#include "rcu_test.h"

#define NR_CPUS_TEST	4

static struct model_kvfree_rcu_stats kstats(void)
{
	struct model_kvfree_rcu_stats st;

	model_kvfree_rcu_get_stats(&st);
	return st;
}

static void expect_no_rcu_free(struct ktest *t, struct kmem_cache *s)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		KEXPECT_EQ(t, rt_rcu_free_size(s, cpu), 0);
}

/*
 * Sheaf path: a full sheaf submitted earlier on vCPU 0 plus partial
 * rcu_free sheaves on vCPUs 1-3; another cache's partial sheaf is not the
 * on-cache barrier's business and stays.
 */
static void test_on_cache_sheaf_path(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct robj *objs[16];
	struct kmem_cache *s, *other;
	unsigned int cpu, n = 0, i;

	KASSERT(t, rt_start(&e));
	s = rt_cache("barrier_sheaf", 4, 0);
	other = rt_cache("barrier_other", 4, 0);
	KASSERT(t, s && other);

	rt_kfree_rcu_on(t, s, 0, 4, objs);		/* fills and submits the sheaf */
	n = 4;
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	for (cpu = 1; cpu < NR_CPUS_TEST; cpu++) {
		rt_kfree_rcu_on(t, s, (int)cpu, cpu, objs + n);
		n += cpu;
		KEXPECT_EQ(t, rt_rcu_free_size(s, cpu), (int)cpu);
	}
	rt_kfree_rcu_on(t, other, 1, 2, NULL);
	KEXPECT_EQ(t, rt_pending(t, s), n);
	KEXPECT_EQ(t, model_cache_stat(s, FREE_RCU_SHEAF), n);
	KEXPECT_EQ(t, rt_pending(t, other), 2);

	kvfree_rcu_barrier_on_cache(s);

	KEXPECT_EQ(t, rt_pending(t, s), 0);
	for (i = 0; i < n; i++)
		KEXPECT(t, !rt_obj_in_rcu(s, objs[i]));
	expect_no_rcu_free(t, s);
	/* the full sheaf went to the barn after its grace period (BARN_PUT) */
	KEXPECT_EQ(t, model_cache_stat(s, BARN_PUT), 1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, 1);
	KEXPECT_EQ(t, rt_rcu_free_size(other, 1), 2);
	KEXPECT_EQ(t, rt_pending(t, other), 2);

	kmem_cache_destroy(other);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * Bulk path: headless kfree_rcu() of objects of a cache without sheaves
 * from every vCPU (each gets a block, channel 0) and of vmalloc areas
 * (channel 1), then two-argument ones into the page-cache blocks.
 */
static void test_on_cache_bulk_path(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct model_kvfree_rcu_stats st;
	struct kmem_cache *s;
	unsigned int cpu;
	void *v;

	KASSERT(t, rt_start(&e));
	s = rt_cache("barrier_bulk", 0, 0);
	KASSERT(t, s && !model_cache_has_sheaves(s));

	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++) {
		struct robj *o = kmem_cache_alloc(s, GFP_KERNEL);

		KASSERT(t, o);
		vcpu_migrate((int)cpu);
		kfree_rcu_mightsleep(o);
		if (cpu & 1) {
			v = vmalloc(2 * PAGE_SIZE);
			KASSERT(t, v);
			kfree_rcu_mightsleep(v);
		}
		vcpu_migrate(0);
	}
	/* fill vCPU 0's page cache, then two-argument frees use its blocks */
	vcpu_run_work(0);
	rt_kfree_rcu_on(t, s, 0, 3, NULL);

	st = kstats();
	KEXPECT_EQ(t, st.bulk_objs[0], NR_CPUS_TEST + 3);
	KEXPECT_EQ(t, st.bulk_objs[1], NR_CPUS_TEST / 2);
	KEXPECT_EQ(t, st.list_objs, 0);
	KEXPECT_EQ(t, rt_pending(t, s), NR_CPUS_TEST + 3);
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, NR_CPUS_TEST / 2);

	kvfree_rcu_barrier_on_cache(s);

	KEXPECT_EQ(t, rt_pending(t, s), 0);
	KEXPECT_EQ(t, cache_counts(t, s).live, 0);
	/* the batched half of the barrier is global: the areas went too */
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 0);
	KEXPECT_EQ(t, model_vmalloc_nr_areas(), 0);

	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * List path: no block at hand.  A sheaf cache's object whose rcu_free
 * sheaf cannot be allocated (GFP_NOWAIT fails; the barn has no empty one
 * because the objects came from the slabs with GFP_NOWAIT) falls back to
 * the batched path, and two-argument kfree_rcu() of an object of a cache
 * without sheaves takes krcp->head as well.  On every vCPU.
 */
static void test_on_cache_list_path(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct robj *objs[NR_CPUS_TEST];
	struct kmem_cache *s, *plain;
	unsigned int cpu;

	KASSERT(t, rt_start(&e));
	s = rt_cache("barrier_list", 4, 0);
	plain = rt_cache("barrier_list_plain", 0, 0);
	KASSERT(t, s && plain);

	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++) {
		vcpu_migrate((int)cpu);
		objs[cpu] = kmem_cache_alloc(s, GFP_NOWAIT);
		KASSERT(t, objs[cpu]);
		vcpu_fail_next(1);
		kfree_rcu(objs[cpu], rcu);
		KEXPECT_EQ(t, rt_rcu_free_size(s, cpu), 0);
		rt_kfree_rcu_new(t, plain, GFP_KERNEL);
		vcpu_migrate(0);
	}
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	KEXPECT_EQ(t, model_cache_stat(s, FREE_RCU_SHEAF_FAIL), NR_CPUS_TEST);
	KEXPECT_EQ(t, model_cache_stat(s, FREE_RCU_SHEAF), 0);
	KEXPECT_EQ(t, kstats().list_objs, 2 * NR_CPUS_TEST);
	KEXPECT_EQ(t, rt_pending(t, s), NR_CPUS_TEST);
	KEXPECT_EQ(t, rt_pending(t, plain), NR_CPUS_TEST);

	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	KEXPECT_EQ(t, cache_counts(t, s).live, 0);
	kvfree_rcu_barrier_on_cache(plain);
	KEXPECT_EQ(t, rt_pending(t, plain), 0);

	kmem_cache_destroy(plain);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * kvfree_rcu_barrier(): three caches and vmalloc areas, every path, on
 * every vCPU; afterwards nothing at all is pending and no vCPU has an
 * rcu_free sheaf of any cache.
 */
static void test_full_barrier_every_cache(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct kmem_cache *a, *b, *plain;
	struct robj *o;
	void *v;

	KASSERT(t, rt_start(&e));
	a = rt_cache("barrier_all_a", 4, 0);
	b = rt_cache("barrier_all_b", 8, 0);
	plain = rt_cache("barrier_all_plain", 0, 0);
	KASSERT(t, a && b && plain);

	rt_kfree_rcu_on(t, a, 0, 5, NULL);		/* one full sheaf, one partial */
	rt_kfree_rcu_on(t, a, 1, 2, NULL);
	rt_kfree_rcu_on(t, b, 2, 3, NULL);
	rt_kfree_rcu_on(t, b, 3, 1, NULL);
	rt_kfree_rcu_on(t, plain, 1, 2, NULL);	/* list path */

	vcpu_migrate(2);
	o = kmem_cache_alloc(plain, GFP_KERNEL);
	KASSERT(t, o);
	kfree_rcu_mightsleep(o);		/* bulk path, channel 0 */
	v = vmalloc(PAGE_SIZE);
	KASSERT(t, v);
	kfree_rcu_mightsleep(v);		/* bulk path, channel 1 */
	vcpu_migrate(3);
	o = kmem_cache_alloc(b, GFP_NOWAIT);
	KASSERT(t, o);
	script_fail_trylock(1);
	kfree_rcu(o, rcu);			/* sheaf cache, batched fallback */
	vcpu_migrate(0);

	KEXPECT_EQ(t, rt_pending(t, a), 7);
	KEXPECT_EQ(t, rt_pending(t, b), 5);
	KEXPECT_EQ(t, rt_pending(t, plain), 3);
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 1);

	kvfree_rcu_barrier();

	KEXPECT_EQ(t, rt_pending(t, a), 0);
	KEXPECT_EQ(t, rt_pending(t, b), 0);
	KEXPECT_EQ(t, rt_pending(t, plain), 0);
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 0);
	expect_no_rcu_free(t, a);
	expect_no_rcu_free(t, b);

	kmem_cache_destroy(plain);
	kmem_cache_destroy(b);
	kmem_cache_destroy(a);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* The same barrier twice, and on a cache with nothing pending: no harm. */
static void test_barrier_idempotent(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct kmem_cache *s;

	KASSERT(t, rt_start(&e));
	s = rt_cache("barrier_twice", 4, 0);
	KASSERT(t, s);
	kvfree_rcu_barrier_on_cache(s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kvfree_rcu_barrier_on_cache(s);
	kvfree_rcu_barrier_on_cache(s);
	kvfree_rcu_barrier();
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* ------------------------------------------------------------------ */
/* The seed patch (0f35040de593) and its H1                             */

static const char *const seed_variants[] = { "seed-v3", "h1-only" };

/*
 * The barrier itself: the flush hands the partial rcu_free sheaf to
 * call_rcu() but nothing waits for the callback, so the object is still
 * in flight when kvfree_rcu_barrier_on_cache() returns.  "fixed" waits.
 */
static void test_seed_barrier_returns_early(struct ktest *t)
{
	unsigned int i;

	for (i = 0; i <= ARRAY_SIZE(seed_variants); i++) {
		const char *name = i < ARRAY_SIZE(seed_variants) ? seed_variants[i] : "fixed";
		struct rt_env e = RT_ENV_DEFAULT;
		bool buggy = strcmp(name, "fixed") != 0;
		struct kmem_cache *s;
		struct robj *o;

		e.variant = name;
		KASSERT(t, rt_start(&e));
		s = rt_cache("test_kfree_rcu", 32, 0);
		KASSERT(t, s);
		rt_kfree_rcu_on(t, s, 1, 1, &o);
		KEXPECT_EQ(t, rt_rcu_free_size(s, 1), 1);

		kvfree_rcu_barrier_on_cache(s);

		/* the flush worked either way: the sheaf left vCPU 1 */
		KEXPECT_EQ(t, rt_rcu_free_size(s, 1), 0);
		KEXPECT_EQ(t, rt_pending(t, s), buggy ? 1 : 0);
		KEXPECT_EQ(t, rt_obj_in_rcu(s, o), buggy);
		KEXPECT(t, variant_site_hits[VS_H1_NO_RCU_BARRIER] > 0);

		vcpu_quiesce();
		KEXPECT_EQ(t, rt_pending(t, s), 0);
		kmem_cache_destroy(s);
		RT_EXPECT_CLEAN(t);
		rt_stop();
	}
}

/*
 * The destroy, as the kernel test robot ran slub_kunit's test_kfree_rcu
 * under KASAN: alloc, kfree_rcu(), destroy.  The late callback runs in
 * __kmem_cache_shutdown()'s own rcu_barrier(), after
 * kasan_cache_shutdown(); its free hook parks the object in the
 * quarantine, and the slab is still in use.  Reported: "Objects remaining"
 * and the destroy's WARN, the cache leaked; in a KUnit run: two slab
 * errors.  Without the quarantine the shutdown's rcu_barrier() masks the
 * bug, as it did in kernels without KASAN.
 */
static void run_seed_destroy(struct ktest *t, const char *name, bool quarantine, bool kunit)
{
	struct rt_env e = RT_ENV_DEFAULT;
	bool caught = strcmp(name, "fixed") != 0 && quarantine;
	struct kmem_cache *s;
	bool old;

	e.variant = name;
	e.quarantine = quarantine;
	KASSERT(t, rt_start(&e));
	s = rt_cache("test_kfree_rcu", 32, 0);
	KASSERT(t, s);
	rt_kfree_rcu_new(t, s, GFP_KERNEL);

	old = model_set_slab_kunit_test(kunit);
	kmem_cache_destroy(s);
	model_set_slab_kunit_test(old);

	KEXPECT_EQ(t, model_slab_errors(), caught ? 2 : 0);
	if (kunit) {
		KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	} else {
		KEXPECT_EQ(t, vcpu_nr_reports(), caught ? 2 : 0);
		KEXPECT_EQ(t, rt_reports_matching("Objects remaining on __kmem_cache_shutdown()"),
			   caught ? 1 : 0);
		KEXPECT_EQ(t, rt_reports_matching("Slab cache still has objects"), caught ? 1 : 0);
	}
	rt_stop();
}

static void test_seed_destroy_objects_remaining(struct ktest *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seed_variants); i++) {
		run_seed_destroy(t, seed_variants[i], true, false);
		run_seed_destroy(t, seed_variants[i], true, true);
		run_seed_destroy(t, seed_variants[i], false, false);
	}
	run_seed_destroy(t, "fixed", true, false);
	run_seed_destroy(t, "fixed", true, true);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_on_cache_sheaf_path),
	KTEST_CASE(test_on_cache_bulk_path),
	KTEST_CASE(test_on_cache_list_path),
	KTEST_CASE(test_full_barrier_every_cache),
	KTEST_CASE(test_barrier_idempotent),
	KTEST_CASE(test_seed_barrier_returns_early),
	KTEST_CASE(test_seed_destroy_objects_remaining),
	{}
};

KTEST_MAIN("kfree_rcu_barrier", cases)
