// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_free_paths.c - every branch of the free side of the sheaves,
 * one case each: free_to_pcs() and __pcs_replace_full_main() (empty sheaf
 * from the barn, spare swap, barn exchange, -E2BIG flushing the spare,
 * -ENOMEM allocating an empty sheaf, that allocation failing and main
 * being flushed in batches), __pcs_install_empty_sheaf() after a
 * migration, trylock failures, remote-node frees, and the rule that
 * flushing a sheaf runs no free hook a second time (bulk:
 * test_slab_bulk_paths.c).
 *
 * Same method as test_slab_alloc_paths.c: build the state, snapshot the
 * counters, free one object, assert the exact movement.  The
 * migration races use the scripted decider: the empty-sheaf allocation of
 * __pcs_replace_full_main() is a non-blocking one made with the pcs lock
 * dropped, and the decider migrates the task when it is asked about it.
 *
 * Run: ctest -R slab_free_paths, or slab_free_paths_sim [case...].
 */
#define SHEAF_WHITE_BOX 1	/* reads the model's internals on purpose */
#include "internal.h"
#include "slab_paths.h"

static void hook_migrate_1(void)
{
	vcpu_migrate(1);
}

/* Objects of one slab in one flush batch each: ceil(cap / PCS_BATCH_MAX). */
static unsigned int batches(unsigned int cap)
{
	return (cap + PCS_BATCH_MAX - 1) / PCS_BATCH_MAX;
}

/* ------------------------------------------------------------------ */
/* __pcs_replace_full_main()                                            */

/* Main full, no spare: an empty sheaf from the barn becomes main. */
static void test_free_barn_empty_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, 2 * cap));
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));	/* old main to the barn */
	give(s, &extra, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);

	stat_snap(s, &snap);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { FREE_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	finish(t, s);
}

/* Main full, no spare, empty barn: a GFP_NOWAIT empty sheaf is allocated. */
static void test_free_alloc_empty_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_no_spare(t, s, cap));

	stat_snap(s, &snap);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { SHEAF_ALLOC, 1 }, { FREE_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/* Main full, spare not full: swap. */
static void test_free_spare_swap(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, 2 * cap));
	KASSERT(t, make_full_spare(t, s, cap));
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));	/* swap: main cap-1, spare 0 */
	give(s, &extra, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 0);

	stat_snap(s, &snap);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { FREE_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/* Main and spare full, an empty sheaf in the barn: barn_replace_full_sheaf(). */
static void test_free_barn_replace_full(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct model_cache_counts c;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_full_spare(t, s, cap));
	vcpu_migrate(1);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));	/* vCPU 1 parks its empty main */
	vcpu_migrate(0);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);

	stat_snap(s, &snap);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { BARN_PUT, 1 }, { FREE_PCS, 1 });
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.barn_full, 1);
	KEXPECT_EQ(t, c.barn_empty, 0);
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/*
 * Main and spare full, the barn at MAX_FULL_SHEAVES: -E2BIG; the spare is
 * flushed to its slab and becomes main.
 */
static void test_free_barn_full_flushes_spare(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_full_spare(t, s, cap));
	KASSERT(t, fill_barn_from_cpu1(t, s, cap));

	stat_snap(s, &snap);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { BARN_PUT_FAIL, 1 }, { SHEAF_FLUSH, cap },
		     { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 }, { FREE_PCS, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, MAX_FULL_SHEAVES);
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/*
 * Main and spare full, no empty sheaf in the barn: -ENOMEM; an empty sheaf
 * is allocated and the install puts the full main into the barn.
 */
static void test_free_enomem_alloc_empty(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_full_spare(t, s, cap));

	stat_snap(s, &snap);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { SHEAF_ALLOC, 1 }, { BARN_PUT, 1 }, { FREE_PCS, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/*
 * As above, but the GFP_NOWAIT allocation fails: BARN_PUT_FAIL, and main
 * is flushed to its slab by sheaf_flush_main() in batches of PCS_BATCH_MAX
 * (one do_slab_free() per batch, all objects of one slab).
 */
static void test_free_flush_main_in_batches(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KEXPECT(t, cap > PCS_BATCH_MAX);	/* else one batch shows nothing */
	KASSERT(t, full_main_full_spare(t, s, cap));

	stat_snap(s, &snap);
	vcpu_fail_next(1);
	give(s, &extra, 1);
	vcpu_fail_next(0);
	EXPECT_STATS(t, s, &snap, { BARN_PUT_FAIL, 1 }, { SHEAF_FLUSH, cap },
		     { FREE_SLOWPATH, batches(cap) }, { FREE_ADD_PARTIAL, 1 }, { FREE_PCS, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, 0);
	finish(t, s);
}

/*
 * The empty-sheaf allocation fails and sheaf_flush_main() cannot take the
 * lock: nothing was flushed, the object goes to its slab.
 */
static void test_free_flush_main_trylock_fail(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_full_spare(t, s, cap));

	stat_snap(s, &snap);
	vcpu_fail_next(1);
	script_fail_trylock(2);		/* the first trylock of sheaf_flush_main() */
	give(s, &extra, 1);
	vcpu_fail_next(0);
	EXPECT_STATS(t, s, &snap, { BARN_PUT_FAIL, 1 }, { FREE_SLOWPATH, 1 },
		     { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/*
 * Main was flushed, but the trylock after the flush fails: the object
 * goes to its slab, main stays empty.
 */
static void test_free_relock_after_flush_fails(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_full_spare(t, s, cap));

	stat_snap(s, &snap);
	vcpu_fail_next(1);
	script_fail_trylock(2 + batches(cap));	/* free_to_pcs, each batch, then this */
	give(s, &extra, 1);
	vcpu_fail_next(0);
	EXPECT_STATS(t, s, &snap, { BARN_PUT_FAIL, 1 }, { SHEAF_FLUSH, cap },
		     { FREE_SLOWPATH, batches(cap) + 1 }, { FREE_ADD_PARTIAL, 2 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/* The empty sheaf was allocated but the relock fails: it goes to the barn. */
static void test_free_got_empty_trylock_fail(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_no_spare(t, s, cap));

	stat_snap(s, &snap);
	script_fail_trylock(2);		/* free_to_pcs() succeeds, got_empty fails */
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { SHEAF_ALLOC, 1 }, { FREE_SLOWPATH, 1 },
		     { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	finish(t, s);
}

/* The fast path's trylock fails: straight to the slab. */
static void test_free_trylock_fail(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, cap));
	stat_snap(s, &snap);
	script_fail_trylock(1);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* __pcs_install_empty_sheaf() after a migration                        */

/*
 * The task left for vCPU 1 while allocating the empty sheaf; there main
 * has room and a spare exists: the new empty sheaf goes to the barn and
 * the object into vCPU 1's main.
 */
static void test_install_empty_main_has_room(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_no_spare(t, s, cap));
	vcpu_migrate(1);
	KASSERT(t, make_full_spare(t, s, cap));
	vcpu_migrate(0);

	stat_snap(s, &snap);
	script_on_nowait(hook_migrate_1);
	give(s, &extra, 1);
	KEXPECT_EQ(t, smp_processor_id(), 1);
	EXPECT_STATS(t, s, &snap, { SHEAF_ALLOC, 1 }, { FREE_PCS, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 1), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 1), cap);
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	finish(t, s);
}

/*
 * As above, but vCPU 1's main is full and its spare empty: they swap and
 * the new empty sheaf goes to the barn.
 */
static void test_install_empty_spare_has_room(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_no_spare(t, s, cap));
	vcpu_migrate(1);
	KASSERT(t, make_full_spare(t, s, cap));
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));	/* swap: main cap-1, spare 0 */
	give(s, &pool, 1);				/* main cap */
	KEXPECT_EQ(t, pcs_main_size(s, 1), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 1), 0);
	vcpu_migrate(0);

	stat_snap(s, &snap);
	script_on_nowait(hook_migrate_1);
	give(s, &extra, 1);
	EXPECT_STATS(t, s, &snap, { SHEAF_ALLOC, 1 }, { FREE_PCS, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	KEXPECT_EQ(t, pcs_main_size(s, 1), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 1), cap);
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */

/* An object of node 0 freed on a node-1 vCPU goes to its slab, not a sheaf. */
static void test_free_remote_node_bypasses_sheaves(struct ktest *t)
{
	struct model_cache_counts before;
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 2, &cap, NULL));
	KASSERT(t, take(t, s, &pool, 3, GFP_KERNEL));
	KEXPECT_EQ(t, obj_node(pool.obj[0]), 0);
	before = cache_counts(t, s);

	vcpu_migrate(1);
	stat_snap(s, &snap);
	give(s, &pool, 2);
	kfree(pool_pop(&pool));
	EXPECT_STATS(t, s, &snap, { FREE_SLOWPATH, 3 }, { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).in_pcs, before.in_pcs);
	KEXPECT_EQ(t, pcs_main_size(s, 1), 0);

	/* a node-1 object freed on node 1 does use the sheaves */
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	KEXPECT_EQ(t, obj_node(pool.obj[0]), 1);
	stat_snap(s, &snap);
	give(s, &pool, 1);
	EXPECT_STATS(t, s, &snap, { FREE_PCS, 1 });
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* Flushing runs no free hook again                                     */

/*
 * Objects freed into sheaves already passed slab_free_hook(); flushing
 * them (kmem_cache_shrink() -> pcs_flush_all() -> sheaf_flush_main() ->
 * __kmem_cache_free_bulk()) must not run it again: no double-free report,
 * the live count untouched, and (ASan) a poisoned object stays poisoned
 * while a SLAB_TYPESAFE_BY_RCU object stays readable with its contents.
 * One object stays allocated so that the slab is not discarded.
 */
static void flush_no_hooks(struct ktest *t, slab_flags_t flags)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	void *freed[8];
	unsigned int cap, i;

	KASSERT(t, start(t, 1));
	KASSERT(t, s = new_cache_flags(t, &cap, NULL, flags));
	KASSERT(t, take(t, s, &pool, ARRAY_SIZE(freed) + 1, GFP_KERNEL));
	for (i = 0; i < ARRAY_SIZE(freed); i++) {
		freed[i] = pool_pop(&pool);
		memset(freed[i], 0x60 + i, OBJ_SIZE);
		kmem_cache_free(s, freed[i]);
	}
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 1);

	stat_snap(s, &snap);
	KEXPECT_EQ(t, kmem_cache_shrink(s), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_FLUSH), cap - 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, FREE_PCS), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, cache_counts(t, s).live, 1);
	KEXPECT_EQ(t, cache_counts(t, s).in_pcs, 0);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	for (i = 0; i < ARRAY_SIZE(freed); i++) {
		KEXPECT(t, virt_to_slab(freed[i]) != NULL);
#if defined(SHEAF_ASAN)
		KEXPECT(t, !!__asan_address_is_poisoned(freed[i]) ==
			   !(flags & SLAB_TYPESAFE_BY_RCU));
#endif
		if (flags & SLAB_TYPESAFE_BY_RCU) {
			rcu_read_lock();
			KEXPECT_EQ(t, ((unsigned char *)freed[i])[OBJ_SIZE - 1], 0x60 + i);
			rcu_read_unlock();
		}
	}
	finish(t, s);
}

static void test_flush_runs_no_free_hooks(struct ktest *t)
{
	flush_no_hooks(t, 0);
}

static void test_flush_runs_no_free_hooks_typesafe(struct ktest *t)
{
	flush_no_hooks(t, SLAB_TYPESAFE_BY_RCU);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_free_barn_empty_sheaf),
	KTEST_CASE(test_free_alloc_empty_sheaf),
	KTEST_CASE(test_free_spare_swap),
	KTEST_CASE(test_free_barn_replace_full),
	KTEST_CASE(test_free_barn_full_flushes_spare),
	KTEST_CASE(test_free_enomem_alloc_empty),
	KTEST_CASE(test_free_flush_main_in_batches),
	KTEST_CASE(test_free_flush_main_trylock_fail),
	KTEST_CASE(test_free_relock_after_flush_fails),
	KTEST_CASE(test_free_got_empty_trylock_fail),
	KTEST_CASE(test_free_trylock_fail),
	KTEST_CASE(test_install_empty_main_has_room),
	KTEST_CASE(test_install_empty_spare_has_room),
	KTEST_CASE(test_free_remote_node_bypasses_sheaves),
	KTEST_CASE(test_flush_runs_no_free_hooks),
	KTEST_CASE(test_flush_runs_no_free_hooks_typesafe),
	{}
};
KTEST_MAIN("slab_free_paths", cases)
