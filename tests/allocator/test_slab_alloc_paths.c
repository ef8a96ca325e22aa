// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_alloc_paths.c - every branch of the allocation side of the
 * sheaves, one case each: alloc_from_pcs() and __pcs_replace_empty_main()
 * (spare swap, barn exchange, refill of the spare or of a barn empty sheaf,
 * alloc_full_sheaf(), the failures, the four ways to install the refilled
 * sheaf after the lock was retaken), the soft barn limit, trylock
 * failures and the node checks (bulk: test_slab_bulk_paths.c).  Each case
 * builds the state the branch needs, snapshots the stat counters, runs one
 * allocation and asserts the exact counter movement and the resulting
 * sheaf sizes.
 *
 * The sheaf capacity is the number of objects in one slab, so a refill
 * from an empty partial list takes exactly one new slab.  The races of the
 * install step are made with a constructor: it runs while the refill
 * allocates a slab with the pcs lock dropped, and there it frees an object
 * or migrates the task, as an interrupt or the scheduler would.
 *
 * Run: ctest -R slab_alloc_paths, or slab_alloc_paths_sim [case...].
 */
#define SHEAF_WHITE_BOX 1	/* reads the model's internals on purpose */
#include "internal.h"
#include "slab_paths.h"

/* ------------------------------------------------------------------ */
/* The constructor hook                                                 */

static void (*ctor_hook)(void);

static void hooked_ctor(void *obj)
{
	void (*hook)(void) = ctor_hook;

	memset(obj, 0xc7, OBJ_SIZE);
	if (hook) {
		ctor_hook = NULL;
		hook();
	}
}

static void hook_free_top(void)
{
	kmem_cache_free(case_cache, pool_pop(&pool));
}

static void hook_migrate_1(void)
{
	vcpu_migrate(1);
}

static void hook_migrate_0(void)
{
	vcpu_migrate(0);
}

/* Migrates, then pushes the barn to its limit with the held sheaves. */
static void hook_migrate_1_fill_barn(void)
{
	vcpu_migrate(1);
	while (nr_held)
		kmem_cache_return_sheaf(case_cache, GFP_KERNEL, held[--nr_held]);
}

/* ------------------------------------------------------------------ */
/* __pcs_replace_empty_main()                                           */

/* No spare, barn empty: alloc_full_sheaf(); the empty main goes to the barn. */
static void test_alloc_full_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct model_cache_counts c;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { SHEAF_ALLOC, 1 }, { ALLOC_SLAB, 1 },
		     { SHEAF_REFILL, cap }, { ALLOC_PCS, 1 });
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.barn_empty, 1);
	KEXPECT_EQ(t, c.barn_full, 0);
	KEXPECT_EQ(t, c.in_pcs, cap - 1);
	KEXPECT_EQ(t, c.live, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);
	finish(t, s);
}

/* Main and spare empty, no full sheaf in the barn: the barn's empty one is refilled. */
static void test_alloc_refill_barn_empty(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, empty_main_barn_empty(t, s, cap));
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLAB, 1 },
		     { SHEAF_REFILL, cap }, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	finish(t, s);
}

/*
 * The refill fails: the sheaf is freed rather than kept ("very low on
 * memory"), and the object comes from a new slab.  Two failures: the
 * preferred order and the fallback order of allocate_slab().
 */
static void test_alloc_refill_failure_frees_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct model_cache_counts c;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, empty_main_barn_empty(t, s, cap));
	stat_snap(s, &snap);
	vcpu_fail_next_blocking(2);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	vcpu_fail_next_blocking(0);
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { SHEAF_FREE, 1 },
		     { ALLOC_SLOWPATH, 1 }, { ALLOC_SLAB, 1 });
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.barn_empty, 0);
	KEXPECT_EQ(t, c.in_pcs, 0);
	KEXPECT_EQ(t, c.partial, 1);
	finish(t, s);
}

/* alloc_full_sheaf() cannot even get the sheaf: the slow path serves. */
static void test_alloc_full_sheaf_failure(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	stat_snap(s, &snap);
	vcpu_fail_next_blocking(1);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLOWPATH, 1 }, { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	finish(t, s);
}

/* A non-blocking allocation never refills: slow path.  With objects in main, it is served. */
static void test_alloc_nowait_no_refill(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_NOWAIT));
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLOWPATH, 1 }, { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);

	give(s, &pool, 1);
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_NOWAIT));
	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 1 });
	finish(t, s);
}

/* Main empty, spare full: swap, nothing else. */
static void test_alloc_spare_swap(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, make_full_spare(t, s, cap));
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 0);
	finish(t, s);
}

/*
 * A spare with a single object (a returned prefilled sheaf that was nearly
 * used up) is swapped in all the same.
 */
static void test_alloc_spare_swap_partial(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *sheaf;
	unsigned int cap, i;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	for (i = 0; i < cap - 1; i++)
		KASSERT(t, pool.obj[pool.nr++] = kmem_cache_alloc_from_sheaf(s, GFP_KERNEL, sheaf));
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 1);

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 0);
	finish(t, s);
}

/* Main empty, no spare, a full sheaf in the barn: barn_replace_empty_sheaf(). */
static void test_alloc_barn_get(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct model_cache_counts c;
	struct slab_sheaf *a, *b;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	/* vCPU 1 keeps one full sheaf as its spare and puts the other in the barn */
	vcpu_migrate(1);
	a = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap);
	b = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap);
	KASSERT(t, a && b);
	kmem_cache_return_sheaf(s, GFP_KERNEL, a);
	kmem_cache_return_sheaf(s, GFP_KERNEL, b);
	vcpu_migrate(0);
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, 1);

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { BARN_GET, 1 }, { ALLOC_PCS, 1 });
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.barn_full, 0);
	KEXPECT_EQ(t, c.barn_empty, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);
	finish(t, s);
}

/* Main and spare empty, nothing in the barn: the spare itself is refilled. */
static void test_alloc_refill_spare(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, make_full_spare(t, s, cap));
	KASSERT(t, take(t, s, &pool, cap, GFP_KERNEL));
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 0);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLAB, 1 },
		     { SHEAF_REFILL, cap }, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	finish(t, s);
}

/*
 * Install after relock, "no spare": while the lock was dropped an object
 * was freed into main, so main is not empty any more; the refilled sheaf
 * becomes the spare and the freed object is handed out (LIFO).
 */
static void test_alloc_install_as_spare(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;
	void *freed;

	KASSERT(t, s = begin(t, 1, &cap, hooked_ctor));
	KASSERT(t, empty_main_barn_empty(t, s, cap));
	freed = pool.obj[pool.nr - 1];
	ctor_hook = hook_free_top;

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	KEXPECT(t, ctor_hook == NULL);
	KEXPECT(t, pool.obj[pool.nr - 1] == freed);
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLAB, 1 }, { SHEAF_REFILL, cap },
		     { FREE_PCS, 1 }, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	finish(t, s);
}

/*
 * Install after relock, "spare empty": the task migrated to a vCPU whose
 * main has objects and whose spare is empty; that spare goes to the barn.
 */
static void test_alloc_install_spare_empty(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, hooked_ctor));
	vcpu_migrate(1);
	KASSERT(t, make_full_spare(t, s, cap));
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));	/* swap: main cap-1, spare 0 */
	vcpu_migrate(0);
	KASSERT(t, empty_main_barn_empty(t, s, cap));
	ctor_hook = hook_migrate_1;

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	KEXPECT_EQ(t, smp_processor_id(), 1);
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLAB, 1 },
		     { SHEAF_REFILL, cap }, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 1), cap - 2);
	KEXPECT_EQ(t, pcs_spare_size(s, 1), cap);
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	finish(t, s);
}

/*
 * Install after relock, main and spare both in use: the refilled sheaf
 * goes to the barn with barn_put_full_sheaf().
 */
static void test_alloc_install_barn_put_full(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct model_cache_counts c;
	unsigned int cap;
	void *y;

	KASSERT(t, s = begin(t, 1, &cap, hooked_ctor));
	vcpu_migrate(1);
	KASSERT(t, make_full_spare(t, s, cap));
	vcpu_migrate(0);
	KASSERT(t, empty_main_barn_empty(t, s, cap));
	y = pool_pop(&pool);
	vcpu_migrate(1);
	kmem_cache_free(s, y);				/* vCPU 1: main 1, spare full */
	vcpu_migrate(0);
	ctor_hook = hook_migrate_1;

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	KEXPECT(t, pool.obj[pool.nr - 1] == y);
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLAB, 1 },
		     { SHEAF_REFILL, cap }, { BARN_PUT, 1 }, { ALLOC_PCS, 1 });
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.barn_full, 1);
	KEXPECT_EQ(t, c.barn_empty, 0);
	KEXPECT_EQ(t, pcs_main_size(s, 1), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 1), cap);
	finish(t, s);
}

/*
 * The barn limits are soft: while the refill ran, other returns filled the
 * barn to MAX_FULL_SHEAVES; the install still puts its sheaf there.  The
 * structure stays valid with 11 full sheaves, and a return that finds the
 * barn over its limit flushes and frees its sheaf instead.
 */
static void test_barn_soft_limit(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *late;
	unsigned int cap, i;
	void *y;

	KASSERT(t, s = begin(t, 1, &cap, hooked_ctor));
	vcpu_migrate(1);
	for (i = 0; i < MAX_FULL_SHEAVES; i++)
		KASSERT(t, held[nr_held++] = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	KASSERT(t, late = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	KASSERT(t, make_full_spare(t, s, cap));
	vcpu_migrate(0);
	KASSERT(t, empty_main_barn_empty(t, s, cap));
	y = pool_pop(&pool);
	vcpu_migrate(1);
	kmem_cache_free(s, y);
	vcpu_migrate(0);
	ctor_hook = hook_migrate_1_fill_barn;

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { ALLOC_SLAB, 1 },
		     { SHEAF_REFILL, cap }, { SHEAF_RETURN_SLOW, MAX_FULL_SHEAVES },
		     { BARN_PUT, MAX_FULL_SHEAVES + 1 }, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, MAX_FULL_SHEAVES + 1);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	/* over the limit: a returned sheaf is flushed and freed (vCPU 1 has a spare) */
	KEXPECT_EQ(t, smp_processor_id(), 1);
	stat_snap(s, &snap);
	kmem_cache_return_sheaf(s, GFP_KERNEL, late);
	EXPECT_STATS(t, s, &snap, { SHEAF_RETURN_SLOW, 1 }, { SHEAF_FLUSH, cap },
		     { SHEAF_FREE, 1 }, { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, MAX_FULL_SHEAVES + 1);
	finish(t, s);
}

/* The decider fails the fast path's trylock: the slow path serves. */
static void test_alloc_trylock_fail(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	stat_snap(s, &snap);
	script_fail_trylock(1);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { ALLOC_SLOWPATH, 1 }, { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */

/*
 * Two nodes (vCPU 0 on node 0, vCPU 1 on node 1).  A request for the other
 * node bypasses the sheaves.  A migration during a refill can leave
 * remote objects in a main sheaf: a plain allocation takes them, a request
 * for the local node does not.
 */
static void test_alloc_node_mismatch(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 2, &cap, hooked_ctor));

	stat_snap(s, &snap);
	KASSERT(t, pool.obj[pool.nr] = kmem_cache_alloc_node(s, GFP_KERNEL, 1));
	KEXPECT_EQ(t, obj_node(pool.obj[pool.nr++]), 1);
	EXPECT_STATS(t, s, &snap, { ALLOC_NODE_MISMATCH, 1 }, { ALLOC_SLOWPATH, 1 },
		     { ALLOC_SLAB, 1 });

	/* refilled on node 1, installed on vCPU 0 */
	vcpu_migrate(1);
	ctor_hook = hook_migrate_0;
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	KEXPECT_EQ(t, smp_processor_id(), 0);
	KEXPECT_EQ(t, obj_node(pool.obj[pool.nr - 1]), 1);
	EXPECT_STATS(t, s, &snap, { BARN_GET_FAIL, 1 }, { SHEAF_ALLOC, 1 }, { ALLOC_SLAB, 1 },
		     { SHEAF_REFILL, cap }, { ALLOC_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);

	stat_snap(s, &snap);
	KASSERT(t, pool.obj[pool.nr] = kmem_cache_alloc_node(s, GFP_KERNEL, 0));
	KEXPECT_EQ(t, obj_node(pool.obj[pool.nr++]), 0);
	EXPECT_STATS(t, s, &snap, { ALLOC_NODE_MISMATCH, 1 }, { ALLOC_SLOWPATH, 1 },
		     { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	KEXPECT_EQ(t, obj_node(pool.obj[pool.nr - 1]), 1);
	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 1 });
	finish(t, s);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_alloc_full_sheaf),
	KTEST_CASE(test_alloc_refill_barn_empty),
	KTEST_CASE(test_alloc_refill_failure_frees_sheaf),
	KTEST_CASE(test_alloc_full_sheaf_failure),
	KTEST_CASE(test_alloc_nowait_no_refill),
	KTEST_CASE(test_alloc_spare_swap),
	KTEST_CASE(test_alloc_spare_swap_partial),
	KTEST_CASE(test_alloc_barn_get),
	KTEST_CASE(test_alloc_refill_spare),
	KTEST_CASE(test_alloc_install_as_spare),
	KTEST_CASE(test_alloc_install_spare_empty),
	KTEST_CASE(test_alloc_install_barn_put_full),
	KTEST_CASE(test_barn_soft_limit),
	KTEST_CASE(test_alloc_trylock_fail),
	KTEST_CASE(test_alloc_node_mismatch),
	{}
};
KTEST_MAIN("slab_alloc_paths", cases)
