// SPDX-License-Identifier: GPL-2.0
/*
 * test_kfree_rcu_sheaf.c - every branch of kfree_rcu() through sheaves
 * (allocator/rcu_sheaf.c: kfree_rcu_sheaf(), __kfree_rcu_sheaf(),
 * rcu_free_sheaf()), one case each, on "fixed".
 *
 * Declines (the object takes the batched path instead):
 *   in kfree_rcu_sheaf(), without counting FREE_RCU_SHEAF_FAIL: a vmalloc
 *     area, a cache without sheaves, an object of another node (which is
 *     also what every kfree_rcu() from a memoryless node's vCPU is);
 *   in __kfree_rcu_sheaf(), counting FREE_RCU_SHEAF_FAIL: the pcs trylock
 *     fails (an interrupted holder: SIM_TRYLOCK_FAIL), the barn has no
 *     empty sheaf and the GFP_NOWAIT allocation fails (vcpu_fail_next()),
 *     the trylock after allocating fails (the new sheaf goes to the barn).
 * Successes (FREE_RCU_SHEAF): the empty spare becomes rcu_free, a barn
 * empty sheaf does, a newly allocated one does, the allocation migrated
 * and the new vCPU had an rcu_free meanwhile (the new sheaf goes to the
 * barn), or had none (installed there); a sheaf that fills up is detached
 * and handed to call_rcu(rcu_free_sheaf), which after the grace period puts
 * it into the barn as a full sheaf (BARN_PUT), or, over the limit, flushes
 * it (BARN_PUT_FAIL).
 *
 * The no-barn decline of __kfree_rcu_sheaf() (get_barn() == NULL) is not
 * reachable in the model: it needs a task that passed kfree_rcu_sheaf()'s
 * node check on a vCPU with memory and then runs __kfree_rcu_sheaf() on a
 * memoryless node's vCPU, i.e. a migration between the two, and the sim has
 * no decision point there.  test_decline_memoryless_node shows where such a
 * kfree_rcu() goes instead.
 *
 * Each case checks the exact stat deltas, where the object went, and that
 * the barrier then takes it back.  Objects come from the slabs with
 * GFP_NOWAIT where the barn must stay empty (a blocking allocation into an
 * empty main sheaf leaves the old main sheaf in the barn).
 *
 * Run: ctest -R kfree_rcu_sheaf, or test_kfree_rcu_sheaf_sim [case...].
 */
#include "rcu_test.h"

#define CAP	4

static struct kmem_cache *s;
static struct stat_snap snap;
static struct model_kvfree_rcu_stats ksnap;

static bool setup(struct ktest *t, struct rt_env *e)
{
	if (!rt_start(e))
		return false;
	s = rt_cache("rcu_sheaf_paths", CAP, 0);
	KEXPECT(t, s != NULL);
	return s != NULL;
}

static bool setup_default(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;

	return setup(t, &e);
}

static void snapshot(void)
{
	stat_snap(s, &snap);
	model_kvfree_rcu_get_stats(&ksnap);
}

/*
 * Exactly these deltas since snapshot(): the cache's stat counters (any
 * counter not named must not have moved: EXPECT_STATS of slab_test.h) and
 * where the batched path put objects.
 */
struct want {
	long rcu_sheaf, rcu_fail, sheaf_alloc, barn_put, barn_put_fail;
	long sheaf_flush, free_slowpath;	/* a sheaf flushed back to its slab */
	long list_objs;			/* batched path, channel 3 */
};

static void expect_deltas(struct ktest *t, int line, struct want w)
{
	const struct stat_expect exp[] = {
		{ FREE_RCU_SHEAF, w.rcu_sheaf },
		{ FREE_RCU_SHEAF_FAIL, w.rcu_fail },
		{ SHEAF_ALLOC, w.sheaf_alloc },
		{ BARN_PUT, w.barn_put },
		{ BARN_PUT_FAIL, w.barn_put_fail },
		{ SHEAF_FLUSH, w.sheaf_flush },
		{ FREE_SLOWPATH, w.free_slowpath },
		{ NR_SLUB_STAT_ITEMS, 0 }
	};
	struct model_kvfree_rcu_stats k;

	expect_stats(t, __FILE__, line, s, &snap, exp);
	model_kvfree_rcu_get_stats(&k);
	if ((long)(k.list_objs - ksnap.list_objs) != w.list_objs ||
	    k.bulk_objs[0] != ksnap.bulk_objs[0] || k.bulk_objs[1] != ksnap.bulk_objs[1]) {
		fprintf(stderr, "    %s:%d: batched path took %lu list + %lu bulk, expected %ld list\n",
			__FILE__, line, k.list_objs - ksnap.list_objs,
			k.bulk_objs[0] + k.bulk_objs[1] - ksnap.bulk_objs[0] - ksnap.bulk_objs[1],
			w.list_objs);
		t->failures++;
	}
}

#define EXPECT_DELTAS(t, ...)	expect_deltas((t), __LINE__, (struct want){ __VA_ARGS__ })

/* The barrier takes everything back; destroy; nothing reported. */
static void finish(struct ktest *t)
{
	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	s = NULL;
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	KEXPECT_EQ(t, model_check_failures(), 0);
	rt_stop();
}

static struct robj *alloc_nowait(struct ktest *t)
{
	struct robj *o = kmem_cache_alloc(s, GFP_NOWAIT);

	KEXPECT(t, o != NULL);
	return o;
}

/* ------------------------------------------------------------------ */
/* Declines                                                             */

static void test_decline_trylock(struct ktest *t)
{
	struct robj *o;

	if (!setup_default(t))
		return;
	o = alloc_nowait(t);
	snapshot();
	script_fail_trylock(1);
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_fail = 1, .list_objs = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	KEXPECT(t, !rt_obj_in_rcu(s, o));	/* the batched path leaves it LIVE */
	KEXPECT_EQ(t, rt_pending(t, s), 1);
	finish(t);
}

static void test_decline_nowait_alloc_fails(struct ktest *t)
{
	struct robj *o;

	if (!setup_default(t))
		return;
	o = alloc_nowait(t);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	snapshot();
	vcpu_fail_next(1);
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_fail = 1, .list_objs = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	KEXPECT_EQ(t, rt_pending(t, s), 1);
	finish(t);
}

/* Allocated, then the second trylock fails: the sheaf goes to the barn. */
static void test_decline_relock_fails(struct ktest *t)
{
	struct robj *o;

	if (!setup_default(t))
		return;
	o = alloc_nowait(t);
	snapshot();
	script_fail_trylock(2);
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_fail = 1, .sheaf_alloc = 1, .list_objs = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	KEXPECT_EQ(t, rt_pending(t, s), 1);
	finish(t);
}

/* Objects of another node bypass the sheaves; no FREE_RCU_SHEAF_FAIL. */
static void test_decline_remote_node(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct robj *o;

	e.nodes = 2;		/* vCPUs 0-1 on node 0, 2-3 on node 1 */
	if (!setup(t, &e))
		return;
	o = kmem_cache_alloc_node(s, GFP_KERNEL, 1);
	KASSERT(t, o);
	KEXPECT_EQ(t, slab_nid(virt_to_slab(o)), 1);
	snapshot();
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .list_objs = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	KEXPECT_EQ(t, rt_pending(t, s), 1);

	/* the same object kind from its own node's vCPU takes the sheaf */
	vcpu_migrate(2);
	o = kmem_cache_alloc_node(s, GFP_KERNEL, 1);
	KASSERT(t, o);
	snapshot();
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_sheaf = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 2), 1);
	vcpu_migrate(0);
	finish(t);
}

/*
 * A vCPU of a memoryless node: its objects come from another node, so
 * kfree_rcu_sheaf() declines at the node check, before the barn is looked
 * at (see the head comment for the unreachable no-barn branch).
 */
static void test_decline_memoryless_node(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct robj *o;

	e.nodes = 2;
	e.memoryless = 1UL << 1;
	if (!setup(t, &e))
		return;
	vcpu_migrate(3);
	KEXPECT_EQ(t, numa_mem_id(), 1);
	o = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, o);
	KEXPECT_EQ(t, slab_nid(virt_to_slab(o)), 0);
	snapshot();
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .list_objs = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 3), 0);
	KEXPECT_EQ(t, rt_pending(t, s), 1);
	vcpu_migrate(0);
	finish(t);
}

static void test_decline_no_sheaves(struct ktest *t)
{
	struct kmem_cache *plain;
	struct robj *o;

	if (!setup_default(t))
		return;
	plain = rt_cache("rcu_sheaf_paths_plain", 0, 0);
	KASSERT(t, plain && !model_cache_has_sheaves(plain));
	o = kmem_cache_alloc(plain, GFP_KERNEL);
	KASSERT(t, o);
	snapshot();
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .list_objs = 1);
	/* __kfree_rcu_sheaf() ran, found the bootstrap sheaf and declined */
	KEXPECT_EQ(t, model_cache_stat(plain, FREE_RCU_SHEAF_FAIL), 1);
	KEXPECT_EQ(t, rt_pending(t, plain), 1);
	kvfree_rcu_barrier_on_cache(plain);
	KEXPECT_EQ(t, rt_pending(t, plain), 0);
	kmem_cache_destroy(plain);
	finish(t);
}

static void test_decline_vmalloc(struct ktest *t)
{
	struct robj *v;

	if (!setup_default(t))
		return;
	v = vmalloc(sizeof(*v));
	KASSERT(t, v);
	snapshot();
	kfree_rcu(v, rcu);
	EXPECT_DELTAS(t, .list_objs = 1);
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 1);
	kvfree_rcu_barrier_on_cache(s);		/* the batched half is global */
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 0);
	KEXPECT_EQ(t, model_vmalloc_nr_areas(), 0);
	finish(t);
}

/* ------------------------------------------------------------------ */
/* Successes                                                            */

/*
 * Main full and spare full, then allocations empty main: the alloc path
 * swaps the full spare in, and the old main is the empty spare.
 */
static void test_success_spare_empty(struct ktest *t)
{
	struct robj *objs[2 * CAP + 1], *o;
	unsigned int i;

	if (!setup_default(t))
		return;
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		KASSERT(t, objs[i] = kmem_cache_alloc(s, GFP_NOWAIT));
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(s, objs[i]);
	/* main 1, spare full; drain main, then one more swaps the spare in */
	KEXPECT_EQ(t, pcs_main_size(s, 0), 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), CAP);
	for (i = 0; i < 2; i++)
		KASSERT(t, objs[i] = kmem_cache_alloc(s, GFP_NOWAIT));
	KEXPECT_EQ(t, pcs_spare_size(s, 0), 0);

	o = objs[1];
	snapshot();
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_sheaf = 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 1);
	KEXPECT(t, rt_obj_in_rcu(s, o));
	kmem_cache_free(s, objs[0]);
	finish(t);
}

/* A blocking allocation into the empty main leaves the old main in the barn. */
static void test_success_barn_empty(struct ktest *t)
{
	struct robj *o;

	if (!setup_default(t))
		return;
	o = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, o);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	KEXPECT_EQ(t, pcs_spare_size(s, 0), -1);
	snapshot();
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_sheaf = 1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 1);
	finish(t);
}

/* No spare, no barn sheaf: a new empty sheaf (GFP_NOWAIT) becomes rcu_free. */
static void test_success_new_sheaf(struct ktest *t)
{
	struct robj *o;

	if (!setup_default(t))
		return;
	o = alloc_nowait(t);
	snapshot();
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_sheaf = 1, .sheaf_alloc = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	finish(t);
}

static void migrate_to_1(void)
{
	vcpu_migrate(1);
}

/*
 * The task moves to vCPU 1 while allocating (the pcs lock is dropped
 * there), and vCPU 1 has an rcu_free sheaf already: the new sheaf goes to
 * the barn, the object into vCPU 1's sheaf.
 */
static void test_success_installed_meanwhile(struct ktest *t)
{
	struct robj *o;

	if (!setup_default(t))
		return;
	vcpu_migrate(1);
	rt_kfree_rcu_new(t, s, GFP_NOWAIT);
	vcpu_migrate(0);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 1), 1);
	o = alloc_nowait(t);

	snapshot();
	script_on_nowait(migrate_to_1);
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_sheaf = 1, .sheaf_alloc = 1);
	KEXPECT_EQ(t, smp_processor_id(), 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 1), 2);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	vcpu_migrate(0);
	finish(t);
}

/* The same move to a vCPU without rcu_free: the new sheaf is installed there. */
static void test_success_relock_elsewhere(struct ktest *t)
{
	struct robj *o;

	if (!setup_default(t))
		return;
	o = alloc_nowait(t);
	snapshot();
	script_on_nowait(migrate_to_1);
	kfree_rcu(o, rcu);
	EXPECT_DELTAS(t, .rcu_sheaf = 1, .sheaf_alloc = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 1), 1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 0);
	vcpu_migrate(0);
	finish(t);
}

/*
 * The CAP-th object fills the sheaf: detached and handed to call_rcu()
 * under the pcs lock.  Until a grace period the objects stay pending and
 * untouched; then rcu_free_sheaf() runs their free hooks and the sheaf is
 * a full barn sheaf.
 */
static void test_success_full_sheaf_to_barn(struct ktest *t)
{
	struct robj *objs[CAP];
	struct model_cache_counts c;
	unsigned int i;

	if (!setup_default(t))
		return;
	for (i = 0; i < CAP; i++)
		objs[i] = alloc_nowait(t);
	snapshot();
	for (i = 0; i < CAP; i++)
		kfree_rcu(objs[i], rcu);
	EXPECT_DELTAS(t, .rcu_sheaf = CAP, .sheaf_alloc = 1);
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 0);
	KEXPECT_EQ(t, rt_pending(t, s), CAP);
	KEXPECT_EQ(t, vcpu_rcu_pending_callbacks(), 1);

	vcpu_rcu_gp();
	EXPECT_DELTAS(t, .rcu_sheaf = CAP, .sheaf_alloc = 1, .barn_put = 1);
	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.rcu_pending, 0);
	KEXPECT_EQ(t, c.barn_full, 1);
	KEXPECT_EQ(t, c.in_barn, CAP);
	for (i = 0; i < CAP; i++)
		KEXPECT(t, !rt_obj_in_rcu(s, objs[i]));

	/* and the barn serves them again: an empty main takes the full sheaf */
	KEXPECT(t, kmem_cache_alloc(s, GFP_NOWAIT) == objs[CAP - 1]);
	kmem_cache_free(s, objs[CAP - 1]);
	finish(t);
}

/*
 * A barn at MAX_FULL_SHEAVES: the callback flushes the sheaf to the slabs
 * and keeps it as an empty barn sheaf.  The objects are taken beforehand,
 * so that no allocation takes a full sheaf back out of the barn.
 */
static void test_success_full_sheaf_barn_over_limit(struct ktest *t)
{
	struct robj *objs[(MAX_FULL_SHEAVES + 1) * CAP];
	unsigned int round, i;

	if (!setup_default(t))
		return;
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = alloc_nowait(t);
	for (round = 0; round <= MAX_FULL_SHEAVES; round++) {
		snapshot();
		for (i = 0; i < CAP; i++)
			kfree_rcu(objs[round * CAP + i], rcu);
		vcpu_rcu_gp();
		if (round < MAX_FULL_SHEAVES)
			EXPECT_DELTAS(t, .rcu_sheaf = CAP, .sheaf_alloc = 1, .barn_put = 1);
	}
	/* one slab takes the CAP objects back in one go */
	EXPECT_DELTAS(t, .rcu_sheaf = CAP, .sheaf_alloc = 1, .barn_put_fail = 1,
		      .sheaf_flush = CAP, .free_slowpath = 1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, MAX_FULL_SHEAVES);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	finish(t);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_decline_trylock),
	KTEST_CASE(test_decline_nowait_alloc_fails),
	KTEST_CASE(test_decline_relock_fails),
	KTEST_CASE(test_decline_remote_node),
	KTEST_CASE(test_decline_memoryless_node),
	KTEST_CASE(test_decline_no_sheaves),
	KTEST_CASE(test_decline_vmalloc),
	KTEST_CASE(test_success_spare_empty),
	KTEST_CASE(test_success_barn_empty),
	KTEST_CASE(test_success_new_sheaf),
	KTEST_CASE(test_success_installed_meanwhile),
	KTEST_CASE(test_success_relock_elsewhere),
	KTEST_CASE(test_success_full_sheaf_to_barn),
	KTEST_CASE(test_success_full_sheaf_barn_over_limit),
	{}
};

KTEST_MAIN("kfree_rcu_sheaf", cases)
