// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_sheaf_api.c - the prefilled-sheaf API (kmem_cache_prefill_sheaf,
 * _refill_sheaf, _alloc_from_sheaf, _return_sheaf, oversize sheaves),
 * kmem_cache_shrink() with barn_shrink(), and the caches and nodes that
 * take no sheaves: sheaf_capacity 0, a debug flag (SLAB_RED_ZONE), a
 * memoryless node where get_barn() is NULL, and a failed create.
 *
 * Same method as test_slab_alloc_paths.c: build a state, snapshot the
 * counters, one call, assert the exact movement.
 *
 * Run: ctest -R slab_sheaf_api, or slab_sheaf_api_sim [case...].
 */
#define SHEAF_WHITE_BOX 1	/* reads the model's internals on purpose */
#include "internal.h"
#include "slab_paths.h"

/* ------------------------------------------------------------------ */
/* kmem_cache_prefill_sheaf()                                           */

/* The spare is taken: as it is when full, refilled when empty. */
static void test_prefill_fast(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *sheaf;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, make_full_spare(t, s, cap));

	stat_snap(s, &snap);
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_FAST, 1 });
	KEXPECT_EQ(t, kmem_cache_sheaf_size(sheaf), cap);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	KEXPECT_EQ(t, cache_counts(t, s).prefilled, cap);

	stat_snap(s, &snap);
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
	EXPECT_STATS(t, s, &snap, { SHEAF_RETURN_FAST, 1 });
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);

	/* an empty spare: taken and refilled to capacity */
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));	/* swap: spare 0 */
	stat_snap(s, &snap);
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, 5));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_FAST, 1 }, { SHEAF_REFILL, cap },
		     { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, kmem_cache_sheaf_size(sheaf), cap);
	held[nr_held++] = sheaf;
	finish(t, s);
}

/* No spare: a full sheaf from the barn. */
static void test_prefill_barn_full(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *a, *b;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	vcpu_migrate(1);
	KASSERT(t, a = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	KASSERT(t, b = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	kmem_cache_return_sheaf(s, GFP_KERNEL, a);
	kmem_cache_return_sheaf(s, GFP_KERNEL, b);	/* to the barn */
	vcpu_migrate(0);

	stat_snap(s, &snap);
	KASSERT(t, held[nr_held++] = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_SLOW, 1 }, { BARN_GET, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, 0);
	finish(t, s);
}

/* No spare, an empty sheaf in the barn: it is taken and refilled. */
static void test_prefill_barn_empty(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	vcpu_migrate(1);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));	/* vCPU 1 parks its empty main */
	vcpu_migrate(0);

	stat_snap(s, &snap);
	KASSERT(t, held[nr_held++] = kmem_cache_prefill_sheaf(s, GFP_KERNEL, 3));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_SLOW, 1 }, { BARN_GET_FAIL, 1 },
		     { SHEAF_REFILL, cap }, { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, kmem_cache_sheaf_size(held[0]), cap);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	finish(t, s);
}

/* No spare, nothing in the barn: a new sheaf; its allocation may fail. */
static void test_prefill_alloc(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));

	stat_snap(s, &snap);
	vcpu_fail_next_blocking(1);
	KEXPECT(t, !kmem_cache_prefill_sheaf(s, GFP_KERNEL, 1));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_SLOW, 1 }, { BARN_GET_FAIL, 1 });

	stat_snap(s, &snap);
	KASSERT(t, held[nr_held++] = kmem_cache_prefill_sheaf(s, GFP_KERNEL, 1));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_SLOW, 1 }, { BARN_GET_FAIL, 1 },
		     { SHEAF_ALLOC, 1 }, { SHEAF_REFILL, cap }, { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).prefilled, cap);
	finish(t, s);
}

/* The refill of a taken spare fails: the sheaf is freed, NULL returned. */
static void test_prefill_refill_failure(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, make_full_spare(t, s, cap));
	KASSERT(t, take(t, s, &pool, cap, GFP_KERNEL));	/* main 0, spare 0 */
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 0);

	stat_snap(s, &snap);
	vcpu_fail_next_blocking(2);
	KEXPECT(t, !kmem_cache_prefill_sheaf(s, GFP_KERNEL, 1));
	vcpu_fail_next_blocking(0);
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_FAST, 1 }, { SHEAF_FREE, 1 });
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	KEXPECT_EQ(t, cache_counts(t, s).prefilled, 0);
	finish(t, s);
}

/*
 * More than sheaf_capacity: an oversize sheaf filled from slabs, never
 * entering the pcs or the barn; on return it is flushed and freed.
 */
static void test_prefill_oversize(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *sheaf;
	unsigned int cap, i;

	KASSERT(t, s = begin(t, 1, &cap, NULL));

	stat_snap(s, &snap);
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap + 5));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_OVERSIZE, 1 }, { ALLOC_SLAB, 2 });
	KEXPECT_EQ(t, kmem_cache_sheaf_size(sheaf), cap + 5);
	KEXPECT_EQ(t, cache_counts(t, s).prefilled, cap + 5);

	for (i = 0; i < 3; i++) {
		KASSERT(t, pool.obj[pool.nr] = kmem_cache_alloc_from_sheaf(s, GFP_KERNEL, sheaf));
		memset(pool.obj[pool.nr++], 0x11, OBJ_SIZE);
	}
	KEXPECT_EQ(t, cache_counts(t, s).live, 3);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	stat_snap(s, &snap);
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
	EXPECT_STATS(t, s, &snap, { SHEAF_FLUSH, cap + 2 }, { FREE_SLOWPATH, 2 },
		     { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).prefilled, 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, 0);
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* kmem_cache_refill_sheaf(), kmem_cache_alloc_from_sheaf()              */

static void test_refill_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *sheaf, *old, *none = NULL;
	unsigned int cap, i;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, 4));
	for (i = 0; i < cap - 2; i++)
		KASSERT(t, pool.obj[pool.nr++] = kmem_cache_alloc_from_sheaf(s, GFP_KERNEL, sheaf));

	/* in place, to the sheaf's capacity */
	stat_snap(s, &snap);
	KEXPECT_EQ(t, kmem_cache_refill_sheaf(s, GFP_KERNEL, &sheaf, 10), 0);
	EXPECT_STATS(t, s, &snap, { SHEAF_REFILL, cap - 2 }, { ALLOC_SLAB, 1 });
	KEXPECT_EQ(t, kmem_cache_sheaf_size(sheaf), cap);

	/* enough already: nothing happens */
	stat_snap(s, &snap);
	KEXPECT_EQ(t, kmem_cache_refill_sheaf(s, GFP_KERNEL, &sheaf, 5), 0);
	for (i = 0; i < NR_SLUB_STAT_ITEMS; i++)
		KEXPECT_EQ(t, stat_delta(s, &snap, (enum stat_item)i), 0);

	/* beyond the capacity: replaced by an oversize sheaf, the old one returned */
	old = sheaf;
	stat_snap(s, &snap);
	KEXPECT_EQ(t, kmem_cache_refill_sheaf(s, GFP_KERNEL, &sheaf, cap + 3), 0);
	KEXPECT(t, sheaf != old);
	KEXPECT_EQ(t, kmem_cache_sheaf_size(sheaf), cap + 3);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_PREFILL_OVERSIZE), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_RETURN_FAST), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), cap);

	/* an oversize sheaf refills to its own capacity */
	for (i = 0; i < 2; i++)
		KASSERT(t, pool.obj[pool.nr++] = kmem_cache_alloc_from_sheaf(s, GFP_KERNEL, sheaf));
	KEXPECT_EQ(t, kmem_cache_refill_sheaf(s, GFP_KERNEL, &sheaf, cap + 2), 0);
	KEXPECT_EQ(t, kmem_cache_sheaf_size(sheaf), cap + 3);
	KEXPECT_EQ(t, cache_counts(t, s).prefilled, cap + 3);

	KEXPECT_EQ(t, kmem_cache_refill_sheaf(s, GFP_KERNEL, NULL, 1), -EINVAL);
	KEXPECT_EQ(t, kmem_cache_refill_sheaf(s, GFP_KERNEL, &none, 1), -EINVAL);
	held[nr_held++] = sheaf;
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	finish(t, s);
}

/* Objects come off the top; an empty sheaf gives NULL; __GFP_ZERO zeroes. */
static void test_alloc_from_sheaf(struct ktest *t)
{
	struct kmem_cache *s;
	struct slab_sheaf *sheaf;
	unsigned int cap, i, n;
	unsigned char *p;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	n = kmem_cache_sheaf_size(sheaf);
	for (i = 0; i < n; i++) {
		void *top = sheaf->objects[sheaf->size - 1];

		KASSERT(t, p = kmem_cache_alloc_from_sheaf(s, GFP_KERNEL | __GFP_ZERO, sheaf));
		KEXPECT(t, (void *)p == top);
		KEXPECT_EQ(t, p[0] | p[OBJ_SIZE - 1], 0);
		pool.obj[pool.nr++] = p;
	}
	KEXPECT(t, !kmem_cache_alloc_from_sheaf(s, GFP_KERNEL, sheaf));
	KEXPECT_EQ(t, kmem_cache_sheaf_size(sheaf), 0);
	KEXPECT_EQ(t, cache_counts(t, s).live, n);
	held[nr_held++] = sheaf;
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* kmem_cache_return_sheaf()                                            */

/*
 * With a spare already there, a returned sheaf is refilled to capacity and
 * put into the barn; if the refill fails it is flushed and freed.
 */
static void return_slow(struct ktest *t, bool refill_fails)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *sheaf;
	unsigned int cap, i;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	KASSERT(t, make_full_spare(t, s, cap));
	for (i = 0; i < 3; i++)
		KASSERT(t, pool.obj[pool.nr++] = kmem_cache_alloc_from_sheaf(s, GFP_KERNEL, sheaf));

	stat_snap(s, &snap);
	if (refill_fails)
		vcpu_fail_next_blocking(2);
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
	vcpu_fail_next_blocking(0);
	if (refill_fails) {
		EXPECT_STATS(t, s, &snap, { SHEAF_RETURN_SLOW, 1 }, { SHEAF_FLUSH, cap - 3 },
			     { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 }, { SHEAF_FREE, 1 });
		KEXPECT_EQ(t, cache_counts(t, s).barn_full, 0);
	} else {
		EXPECT_STATS(t, s, &snap, { SHEAF_RETURN_SLOW, 1 }, { SHEAF_REFILL, 3 },
			     { ALLOC_SLAB, 1 }, { BARN_PUT, 1 });
		KEXPECT_EQ(t, cache_counts(t, s).barn_full, 1);
		KEXPECT_EQ(t, cache_counts(t, s).in_barn, cap);
	}
	KEXPECT_EQ(t, cache_counts(t, s).prefilled, 0);
	finish(t, s);
}

static void test_return_to_barn(struct ktest *t)
{
	return_slow(t, false);
}

static void test_return_refill_failure(struct ktest *t)
{
	return_slow(t, true);
}

/* With the barn at MAX_FULL_SHEAVES a returned sheaf is flushed and freed. */
static void test_return_barn_at_limit(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *sheaf;
	unsigned int cap;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	KASSERT(t, make_full_spare(t, s, cap));
	KASSERT(t, fill_barn_from_cpu1(t, s, cap));

	stat_snap(s, &snap);
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
	EXPECT_STATS(t, s, &snap, { SHEAF_RETURN_SLOW, 1 }, { SHEAF_FLUSH, cap },
		     { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 }, { SHEAF_FREE, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, MAX_FULL_SHEAVES);
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* kmem_cache_shrink(), barn_shrink()                                   */

/*
 * Objects in mains and spares of two vCPUs and in full and empty barn
 * sheaves: shrink flushes and frees all of it (mains stay, empty), gives
 * the empty slabs back, and returns 0 when no slab is left, 1 otherwise.
 */
static void test_shrink(struct ktest *t)
{
	struct model_cache_counts c;
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *a, *b;
	unsigned int cap, spares;

	KASSERT(t, s = begin(t, 1, &cap, NULL));
	vcpu_migrate(1);
	KASSERT(t, a = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	KASSERT(t, b = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	kmem_cache_return_sheaf(s, GFP_KERNEL, a);	/* vCPU 1 spare */
	kmem_cache_return_sheaf(s, GFP_KERNEL, b);	/* barn: 1 full */
	KASSERT(t, take(t, s, &pool, 3, GFP_KERNEL));	/* vCPU 1 main from its spare */
	vcpu_migrate(0);
	KASSERT(t, take(t, s, &pool, 2 * cap + 3, GFP_KERNEL));
	give(s, &pool, 2 * cap + 2);			/* vCPU 0: main and spare */
	vcpu_migrate(1);
	give(s, &pool, 1);
	vcpu_migrate(0);
	c = cache_counts(t, s);
	KEXPECT(t, c.barn_full + c.barn_empty > 0);
	KEXPECT(t, c.in_pcs > 0);
	KEXPECT_EQ(t, c.live, 3);
	spares = (pcs_spare_size(s, 0) >= 0) + (pcs_spare_size(s, 1) >= 0);

	stat_snap(s, &snap);
	KEXPECT_EQ(t, kmem_cache_shrink(s), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_FLUSH), (long)(c.in_pcs + c.in_barn));
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_FREE),
		   (long)(spares + c.barn_full + c.barn_empty));
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_ALLOC), 0);
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.in_pcs + c.in_barn + c.barn_full + c.barn_empty, 0);
	KEXPECT_EQ(t, c.live, 3);
	KEXPECT_EQ(t, c.slabs, c.partial);
	KEXPECT_EQ(t, pcs_spare_size(s, 0) + pcs_spare_size(s, 1), -2);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	give_all(s, &pool);
	KEXPECT_EQ(t, kmem_cache_shrink(s), 0);
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.slabs, 0);
	KEXPECT_EQ(t, c.in_pcs, 0);
	finish(t, s);
}

/* ------------------------------------------------------------------ */
/* Caches without sheaves                                               */

/* sheaf_capacity 0: objects come from partial slabs, frees go to slabs. */
static void test_no_sheaf_cache(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	unsigned int per_slab;

	KASSERT(t, start(t, 1));
	per_slab = slab_objects_for(OBJ_SIZE, 0, NULL);
	KASSERT(t, s = kmem_cache_create("no_sheaves", OBJ_SIZE, NULL, SLAB_NOLEAKTRACE));
	KEXPECT(t, !model_cache_has_sheaves(s));
	KEXPECT_EQ(t, model_cache_stat(s, SHEAF_ALLOC), 0);

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 3, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { ALLOC_SLOWPATH, 3 }, { ALLOC_SLAB, 1 });
	stat_snap(s, &snap);
	give(s, &pool, 3);
	EXPECT_STATS(t, s, &snap, { FREE_SLOWPATH, 3 });
	KEXPECT_EQ(t, cache_counts(t, s).slabs, 1);
	KEXPECT_EQ(t, cache_counts(t, s).partial, 1);

	/* fill the slab: it leaves the partial list, and a free brings it back */
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, per_slab, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { ALLOC_SLOWPATH, per_slab });
	KEXPECT_EQ(t, cache_counts(t, s).partial, 0);
	stat_snap(s, &snap);
	give(s, &pool, 1);
	EXPECT_STATS(t, s, &snap, { FREE_SLOWPATH, 1 }, { FREE_ADD_PARTIAL, 1 });

	/* bulk: the last free object of the slab, then a new slab */
	stat_snap(s, &snap);
	KASSERT(t, bulk_take(t, s, &pool, 5));
	EXPECT_STATS(t, s, &snap, { ALLOC_SLAB, 1 });
	stat_snap(s, &snap);
	bulk_give(s, &pool, 5);
	EXPECT_STATS(t, s, &snap, { FREE_SLOWPATH, 2 }, { FREE_ADD_PARTIAL, 1 });
	KEXPECT_EQ(t, cache_counts(t, s).barn_full + cache_counts(t, s).barn_empty, 0);
	finish(t, s);
}

/* A debug flag disables sheaves; prefill still works, oversize, silently. */
static void test_red_zone_disables_sheaves(struct ktest *t)
{
	struct kmem_cache_args args = { .sheaf_capacity = 8, .model_default_sheaf_capacity = 8 };
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *sheaf;

	KASSERT(t, start(t, 1));
	KASSERT(t, s = kmem_cache_create("red_zone", OBJ_SIZE, &args, SLAB_RED_ZONE));
	KEXPECT(t, !model_cache_has_sheaves(s));
	KEXPECT_EQ(t, model_cache_stat(s, SHEAF_ALLOC), 0);

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 2, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { ALLOC_SLOWPATH, 2 }, { ALLOC_SLAB, 1 });

	stat_snap(s, &snap);
	KASSERT(t, sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, 4));
	EXPECT_STATS(t, s, &snap, { SHEAF_PREFILL_OVERSIZE, 1 });
	KASSERT(t, pool.obj[pool.nr++] = kmem_cache_alloc_from_sheaf(s, GFP_KERNEL, sheaf));
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, model_cache_stat(s, ALLOC_PCS) + model_cache_stat(s, FREE_PCS), 0);
	give_all(s, &pool);
	KEXPECT_EQ(t, model_cache_stat(s, FREE_PCS), 0);
	finish(t, s);
}

/*
 * Node 1 has no memory: it has no kmem_cache_node, so get_barn() is NULL
 * for its vCPU.  Allocations there bypass the sheaves and come from node 0
 * (as do new slabs); frees of node-0 objects there are remote; a returned
 * prefilled sheaf can still become the spare, a second one is flushed.
 */
static void test_memoryless_node(struct ktest *t)
{
	struct kmem_cache *s;
	struct stat_snap snap;
	struct slab_sheaf *a, *b;
	unsigned int cap, i;

	KASSERT(t, start_nodes(t, 2, 2, 1UL << 1));
	KASSERT(t, s = new_cache(t, &cap, NULL));
	KEXPECT(t, get_node(s, 1) == NULL);
	vcpu_migrate(1);
	KEXPECT(t, get_barn(s) == NULL);

	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 4, GFP_KERNEL));
	for (i = 0; i < 4; i++)
		KEXPECT_EQ(t, obj_node(pool.obj[i]), 0);
	KEXPECT_EQ(t, stat_delta(s, &snap, ALLOC_SLOWPATH), 4);
	KEXPECT_EQ(t, stat_delta(s, &snap, ALLOC_PCS), 0);
	KEXPECT_EQ(t, stat_delta(s, &snap, BARN_GET_FAIL), 0);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_ALLOC), 0);

	stat_snap(s, &snap);
	give(s, &pool, 4);
	KEXPECT_EQ(t, stat_delta(s, &snap, FREE_SLOWPATH), 4);
	KEXPECT_EQ(t, stat_delta(s, &snap, FREE_PCS), 0);

	stat_snap(s, &snap);
	KASSERT(t, bulk_take(t, s, &pool, 5));
	bulk_give(s, &pool, 5);
	KEXPECT_EQ(t, stat_delta(s, &snap, ALLOC_PCS) + stat_delta(s, &snap, FREE_PCS), 0);
	KEXPECT_EQ(t, stat_delta(s, &snap, BARN_GET_FAIL), 0);
	KEXPECT(t, stat_delta(s, &snap, FREE_SLOWPATH) >= 1);

	/* prefilled sheaves: no barn to take from or give to */
	stat_snap(s, &snap);
	KASSERT(t, a = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	KASSERT(t, b = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap));
	kmem_cache_return_sheaf(s, GFP_KERNEL, a);
	kmem_cache_return_sheaf(s, GFP_KERNEL, b);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_PREFILL_SLOW), 2);
	KEXPECT_EQ(t, stat_delta(s, &snap, BARN_GET_FAIL), 2);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_RETURN_FAST), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_RETURN_SLOW), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, SHEAF_FREE), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, BARN_PUT), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 1), cap);

	/* the spare serves; a node-1 request cannot use its node-0 objects */
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 1 });
	stat_snap(s, &snap);
	KASSERT(t, pool.obj[pool.nr] = kmem_cache_alloc_node(s, GFP_KERNEL, 1));
	KEXPECT_EQ(t, obj_node(pool.obj[pool.nr++]), 0);
	KEXPECT_EQ(t, stat_delta(s, &snap, ALLOC_NODE_MISMATCH), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, ALLOC_SLOWPATH), 1);
	KEXPECT_EQ(t, stat_delta(s, &snap, ALLOC_PCS), 0);

	/* node 0 is normal */
	vcpu_migrate(0);
	stat_snap(s, &snap);
	KASSERT(t, take(t, s, &pool, 1, GFP_KERNEL));
	KEXPECT_EQ(t, stat_delta(s, &snap, ALLOC_PCS), 1);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	finish(t, s);
}

/* A create that fails or is refused returns NULL and leaves nothing behind. */
static void test_create_failure(struct ktest *t)
{
	struct kmem_cache_args bad_align = { .align = 24 };
	struct kmem_cache_args big_cap = { .sheaf_capacity = 100000 };
	struct kmem_cache_args args = { .sheaf_capacity = 8, .model_default_sheaf_capacity = 8 };

	KASSERT(t, start(t, 1));
	KEXPECT(t, !kmem_cache_create("zero", 0, NULL, 0));
	KEXPECT(t, !kmem_cache_create(NULL, 8, NULL, 0));
	KEXPECT(t, !kmem_cache_create("align", 64, &bad_align, 0));
	KEXPECT(t, !kmem_cache_create("cap", 64, &big_cap, 0));
	vcpu_fail_next_blocking(1);
	KEXPECT(t, !kmem_cache_create("nomem", 64, &args, 0));
	vcpu_fail_next_blocking(0);
	KEXPECT_EQ(t, model_cache_validate(NULL, 2), 0);
	slab_env_finish(t);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_prefill_fast),
	KTEST_CASE(test_prefill_barn_full),
	KTEST_CASE(test_prefill_barn_empty),
	KTEST_CASE(test_prefill_alloc),
	KTEST_CASE(test_prefill_refill_failure),
	KTEST_CASE(test_prefill_oversize),
	KTEST_CASE(test_refill_sheaf),
	KTEST_CASE(test_alloc_from_sheaf),
	KTEST_CASE(test_return_to_barn),
	KTEST_CASE(test_return_refill_failure),
	KTEST_CASE(test_return_barn_at_limit),
	KTEST_CASE(test_shrink),
	KTEST_CASE(test_no_sheaf_cache),
	KTEST_CASE(test_red_zone_disables_sheaves),
	KTEST_CASE(test_memoryless_node),
	KTEST_CASE(test_create_failure),
	{}
};
KTEST_MAIN("slab_sheaf_api", cases)
