// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_bulk_paths.c - the bulk halves of the sheaves, one case per
 * branch: alloc_from_pcs_bulk() (main, spare, the barn's full sheaves,
 * then slabs; a failed trylock; all or nothing when the slabs fail) and
 * free_to_pcs_bulk() (into main and a barn empty sheaf; no empty sheaf;
 * a barn at its limit; a failed trylock; remote objects diverted in
 * batches of PCS_BATCH_MAX), with the regression of the lost local
 * objects below.
 *
 * Same method as test_slab_alloc_paths.c: build the state, snapshot the
 * counters, one bulk call, assert the exact movement.
 *
 * Run: ctest -R slab_bulk_paths, or slab_bulk_paths_sim [case...].
 */
#define SHEAF_WHITE_BOX 1	/* reads the model's internals on purpose */
#include "internal.h"
#include "slab_paths.h"

/* ------------------------------------------------------------------ */
/* alloc_from_pcs_bulk()                                                */

/*
 * Bulk allocation drains main, then the spare, then the barn's full
 * sheaves, and takes the rest from slabs once the barn has none: no
 * refill, no sheaf allocated.
 */
static void test_alloc_bulk_stops_at_barn(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct model_cache_counts c;
	struct slab_sheaf *sh[3];
	unsigned int cap, n, i;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, 2 * cap));
	KASSERT(t, make_full_spare(t, s, cap));
	give(s, &extra, 5);
	vcpu_migrate(1);
	for (i = 0; i < 3; i++)
		KASSERT(t, sh[i] = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	for (i = 0; i < 3; i++)
		kmem_cache_return_sheaf(s, GFP_KERNEL, sh[i]);
	vcpu_migrate(0);
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.barn_full, 2);
	KEXPECT_EQ(t, pcs_main_size(s, 0), 5);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);

	n = 5 + 3 * cap + 7;
	stat_snap(s, &snap);
	KASSERT(t, bulk_take(t, s, &pool, n));
	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 5 + 3 * cap }, { BARN_GET, 2 },
		     { BARN_GET_FAIL, 1 }, { ALLOC_SLAB, 1 });
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.barn_full, 0);
	KEXPECT_EQ(t, c.barn_empty, 2);
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 0);
	KEXPECT_EQ(t, c.live, (long)(n + 2 * cap - 5));
	for (i = 0; i < n; i++)
		memset(pool.obj[i], 0x3c, OBJ_SIZE);
	finish(t, s);
}

/* The bulk path's trylock fails: everything from slabs, main untouched. */
static void test_alloc_bulk_trylock_fail(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, 2 * cap));
	give(s, &extra, 5);

	stat_snap(s, &snap);
	script_fail_trylock(1);
	KASSERT(t, bulk_take(t, s, &pool, 3));
	EXPECT_STATS(t, s, &snap, { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 5);
	finish(t, s);
}

/*
 * All or nothing: when the slabs cannot supply the rest, the objects
 * already taken from the sheaves go back to their slabs without the free
 * hooks (they never passed the allocation hooks), and 0 is returned.
 */
static void test_alloc_bulk_failure(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct model_cache_counts c;
	void *given[5], *p[8];
	unsigned int cap, i;
	long live;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, 2 * cap));
	memcpy(given, &extra.obj[extra.nr - 5], sizeof(given));
	give(s, &extra, 5);
	live = cache_counts(t, s).live;

	stat_snap(s, &snap);
	vcpu_fail_next_blocking(2);
	KEXPECT_EQ(t, kmem_cache_alloc_bulk(s, GFP_KERNEL, ARRAY_SIZE(p), p), 0);
	vcpu_fail_next_blocking(0);
	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 5 }, { BARN_GET_FAIL, 1 },
		     { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 });
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.live, live);
	KEXPECT_EQ(t, c.in_pcs, 0);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
#if defined(SHEAF_ASAN)
	for (i = 0; i < ARRAY_SIZE(given); i++)
		KEXPECT(t, __asan_address_is_poisoned(given[i]));
#else
	(void)i;
	(void)given;
#endif
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* free_to_pcs_bulk()                                                   */

/* A bulk free fills main, then takes an empty sheaf from the barn. */
static void test_free_bulk_into_sheaves(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, cap));
	KASSERT(t, take(t, s, &pool, 3, GFP_KERNEL));	/* main cap-3, barn: 1 empty */
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap - 3);

	stat_snap(s, &snap);
	bulk_give(s, &extra, 10);
	EXPECT_STATS(t, s, &snap, { FREE_PCS, 10 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 7);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	finish(t, s);
}

/* Main full, no spare, nothing in the barn: a bulk free allocates no sheaf. */
static void test_free_bulk_no_empty_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_no_spare(t, s, cap));

	stat_snap(s, &snap);
	bulk_give(s, &extra, 5);
	EXPECT_STATS(t, s, &snap, { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	finish(t, s);
}

/* Main and spare full, barn at its limit: -E2BIG, to the slabs. */
static void test_free_bulk_barn_full(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, full_main_full_spare(t, s, cap));
	KASSERT(t, fill_barn_from_cpu1(t, s, cap));

	stat_snap(s, &snap);
	bulk_give(s, &extra, 5);
	EXPECT_STATS(t, s, &snap, { BARN_PUT_FAIL, 1 }, { FREE_SLOWPATH, 1 },
		     { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, MAX_FULL_SHEAVES);
	KEXPECT_EQ(t, pcs_main_size(s, 0), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);
	finish(t, s);
}

/* The bulk path's trylock fails: everything to the slabs. */
static void test_free_bulk_trylock_fail(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, bulk_take(t, s, &extra, cap));
	stat_snap(s, &snap);
	script_fail_trylock(1);
	bulk_give(s, &extra, 5);
	EXPECT_STATS(t, s, &snap, { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 0);
	finish(t, s);
}

/*
 * Remote objects in a bulk free go to their slabs in batches of
 * PCS_BATCH_MAX; local ones to the sheaves.  40 remote objects between
 * local ones: one full remote batch, the scan goes on, a partial one at
 * the end.
 */
static void test_free_bulk_diverts_remote(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	void *mix[50];
	unsigned int cap, i;

	KASSERT(t, s = begin(t, 2, &cap, NULL));
	KASSERT(t, cap >= 40);
	vcpu_migrate(1);
	KASSERT(t, bulk_take(t, s, &pool, 40));		/* node 1 */
	vcpu_migrate(0);
	KASSERT(t, bulk_take(t, s, &extra, 10));	/* node 0 */
	for (i = 0; i < 5; i++)
		mix[i] = extra.obj[i];
	for (i = 0; i < 40; i++)
		mix[5 + i] = pool.obj[i];
	for (i = 0; i < 5; i++)
		mix[45 + i] = extra.obj[5 + i];
	pool.nr = extra.nr = 0;

	stat_snap(s, &snap);
	kmem_cache_free_bulk(s, ARRAY_SIZE(mix), mix);
	EXPECT_STATS(t, s, &snap, { FREE_PCS, 10 }, { FREE_SLOWPATH, 2 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 10);
	KEXPECT_EQ(t, cache_counts(t, s).live, 0);
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* Regression: the lost local objects                                   */

/*
 * free_to_pcs_bulk() must not lose the local objects of a bulk free when
 * the remote batch fills up on the last object it scans.  Steps (the bulk
 * free runs on a node-0 vCPU):
 *   1. p[0] is a node-0 object, p[1..32] are PCS_BATCH_MAX node-1 objects;
 *   2. the scan keeps p[0] (i = 1) and moves the remote ones to the on-stack
 *      batch, each time pulling the last entry into its slot (size drops);
 *   3. the 32nd remote object fills the batch when size == i == 1;
 *   4. 0f35040de593 and the 2026 tree jumped to flush_remote there, freed the 32 remote objects
 *      and went on scanning only if i < size, which is false: p[0] had
 *      passed slab_free_hook() but reached neither a sheaf nor its slab.
 * Oracle: the level-1 check at the end of the call (conservation: one
 * object in use by its slab that nobody holds), and the leak at destroy.
 * Fixed in stable by "mm/slub: fix lost local objects when bulk remote free
 * batch fills" (0b7f04a0abb4); the model (allocator/pcs_bulk.c) now frees
 * a full batch where it fills and goes on scanning.  31 remote objects (the
 * batch never fills) is the control case.
 */
static void bulk_free_local_then_remote(struct ktest *t, unsigned int nr_remote)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	void *mix[PCS_BATCH_MAX + 1];
	unsigned int cap, i;
	bool old;

	KASSERT(t, nr_remote <= PCS_BATCH_MAX);
	KASSERT(t, s = begin(t, 2, &cap, NULL));
	vcpu_migrate(1);
	KASSERT(t, bulk_take(t, s, &pool, nr_remote));
	vcpu_migrate(0);
	KASSERT(t, bulk_take(t, s, &extra, 1));
	mix[0] = extra.obj[0];
	for (i = 0; i < nr_remote; i++)
		mix[1 + i] = pool.obj[i];
	pool.nr = extra.nr = 0;

	old = vcpu_set_panic_on_report(false);
	stat_snap(s, &snap);
	kmem_cache_free_bulk(s, nr_remote + 1, mix);
	EXPECT_STATS(t, s, &snap, { FREE_PCS, 1 }, { FREE_SLOWPATH, 1 });
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, cache_counts(t, s).live, 0);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	finish(t, s);
	vcpu_set_panic_on_report(old);
}

/* 31 remote objects: the batch never fills, the local object is freed. */
static void test_bulk_free_remote_batch_not_full(struct ktest *t)
{
	bulk_free_local_then_remote(t, PCS_BATCH_MAX - 1);
}

/* 32 remote objects, the last one filling the batch: the local one must not be lost. */
static void test_bulk_free_remote_batch_full_last(struct ktest *t)
{
	bulk_free_local_then_remote(t, PCS_BATCH_MAX);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_alloc_bulk_stops_at_barn),
	KTEST_CASE(test_alloc_bulk_trylock_fail),
	KTEST_CASE(test_alloc_bulk_failure),
	KTEST_CASE(test_free_bulk_into_sheaves),
	KTEST_CASE(test_free_bulk_no_empty_sheaf),
	KTEST_CASE(test_free_bulk_barn_full),
	KTEST_CASE(test_free_bulk_trylock_fail),
	KTEST_CASE(test_free_bulk_diverts_remote),
	KTEST_CASE(test_bulk_free_remote_batch_not_full),
	KTEST_CASE(test_bulk_free_remote_batch_full_last),
	{}
};
KTEST_MAIN("slab_bulk_paths", cases)
