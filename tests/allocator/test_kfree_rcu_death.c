// SPDX-License-Identifier: GPL-2.0
/*
 * test_kfree_rcu_death.c - the accesses KASAN forbids around kfree_rcu()
 * and cache destruction, and the mutants whose symptom is such an access.
 * Each case must end the process with AddressSanitizer's report (or a
 * SEGV); ctest runs one case per test through tests/expect_death.sh, and
 * only in ASan builds, since without ASan the model's poisoning compiles
 * to nothing and a use-after-free goes unseen.
 *
 *   case                          expected report
 *   death_rcu_uaf                 use-after-poison: read after kfree_rcu()
 *                                 and kvfree_rcu_barrier() (KASAN rcu_uaf),
 *                                 sheaf path
 *   death_rcu_uaf_batched         the same on the batched path
 *   death_kmem_cache_rcu_uaf      heap-use-after-free: a TYPESAFE_BY_RCU
 *                                 object read after its slab was shrunk
 *                                 away and rcu_barrier() (KASAN
 *                                 kmem_cache_rcu_uaf; the read inside the
 *                                 reader before is fine)
 *   death_m8_destroy              heap-use-after-free: flush works queued by
 *                                 the destroy's barrier run after the cache
 *                                 was released (the plain create/destroy of
 *                                 a sheaf cache is enough)
 *   death_m12_typesafe_destroy    the cache is released while its slab
 *                                 waits for rcu_free_slab(), which would
 *                                 read it (reported at the release)
 *   death_m14_reader              use-after-poison: a reader's object was
 *                                 freed without a grace period
 *   death_m15_dangling_rcu_free   heap-use-after-free: the rcu_free sheaf
 *                                 the flush submitted but left installed is
 *                                 touched after its callback freed it (by
 *                                 the structure check, else by kfree_rcu())
 *   death_m16_memoryless          SEGV: rcu_free_sheaf() on a memoryless
 *                                 node's vCPU takes that node's (absent) barn
 *
 * Run: ctest -R kfree_rcu_death, or test_kfree_rcu_death_sim <case>.
 */
#include "rcu_test.h"

#define CAP	4

static struct kmem_cache *start_with_cache(struct ktest *t, const char *variant,
					   unsigned int cap, slab_flags_t flags)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct kmem_cache *s;

	e.variant = variant;
	e.quarantine = true;
	if (!rt_start(&e))
		return NULL;
	s = rt_cache("death", cap, flags);
	KEXPECT(t, s != NULL);
	return s;
}

static unsigned long read_word(const struct robj *o)
{
	return READ_ONCE(o->payload[0]);
}

static void run_rcu_uaf(struct ktest *t, unsigned int cap)
{
	struct kmem_cache *s = start_with_cache(t, "fixed", cap, 0);
	struct robj *o;

	KASSERT(t, s);
	o = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, o);
	kfree_rcu(o, rcu);
	kvfree_rcu_barrier();
	printf("reading the object after the barrier: %lu\n", read_word(o));
}

static void death_rcu_uaf(struct ktest *t)
{
	run_rcu_uaf(t, 32);
}

static void death_rcu_uaf_batched(struct ktest *t)
{
	run_rcu_uaf(t, 0);
}

static void death_kmem_cache_rcu_uaf(struct ktest *t)
{
	struct kmem_cache *s = start_with_cache(t, "fixed", 0, SLAB_TYPESAFE_BY_RCU);
	struct robj *p;

	KASSERT(t, s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, p);
	p->payload[0] = 1;
	rcu_read_lock();
	kmem_cache_free(s, p);
	KEXPECT_EQ(t, read_word(p), 1);		/* allowed */
	rcu_read_unlock();
	kmem_cache_shrink(s);
	rcu_barrier();
	printf("reading the object after its slab went: %lu\n", read_word(p));
}

/*
 * Nothing pending even: the barrier queues flush_rcu_sheaf() on every
 * vCPU and does not wait; shutdown has nothing to flush, the cache is
 * released, then the works run.
 */
static void death_m8_destroy(struct ktest *t)
{
	struct kmem_cache *s = start_with_cache(t, "m8", CAP, 0);

	KASSERT(t, s);
	kmem_cache_free(s, kmem_cache_alloc(s, GFP_KERNEL));
	kmem_cache_destroy(s);
	vcpu_quiesce();
}

static void death_m12_typesafe_destroy(struct ktest *t)
{
	struct kmem_cache *s = start_with_cache(t, "m12", CAP, SLAB_TYPESAFE_BY_RCU);

	KASSERT(t, s);
	kmem_cache_free(s, kmem_cache_alloc(s, GFP_KERNEL));
	kmem_cache_destroy(s);
	vcpu_quiesce();
}

static void death_m14_reader(struct ktest *t)
{
	struct kmem_cache *s = start_with_cache(t, "m14", CAP, 0);
	struct robj *objs[CAP];
	unsigned int i;

	KASSERT(t, s);
	for (i = 0; i < CAP; i++)
		KASSERT(t, objs[i] = kmem_cache_alloc(s, GFP_NOWAIT));
	rcu_read_lock();
	for (i = 0; i < CAP; i++)
		kfree_rcu(objs[i], rcu);
	printf("reading inside the reader: %lu\n", read_word(objs[0]));
	rcu_read_unlock();
}

static void death_m15_dangling_rcu_free(struct ktest *t)
{
	struct kmem_cache *s = start_with_cache(t, "m15", CAP, 0);

	KASSERT(t, s);
	rt_kfree_rcu_new(t, s, GFP_KERNEL);
	kvfree_rcu_barrier_on_cache(s);		/* submitted, freed, still installed */
	rt_kfree_rcu_new(t, s, GFP_KERNEL);
}

static void death_m16_memoryless(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct kmem_cache *s;
	unsigned int i;

	/* vCPU 0 on the memoryless node 1, the others on node 0 */
	e.nodes = 2;
	e.memoryless = 1UL << 1;
	e.cpu_node_set = true;
	e.cpu_node[0] = 1;
	e.variant = "m16";
	KASSERT(t, rt_start(&e));
	s = rt_cache("death", CAP, 0);
	KASSERT(t, s);
	vcpu_migrate(1);
	for (i = 0; i < CAP; i++)		/* a full sheaf, queued on vCPU 1 */
		rt_kfree_rcu_new(t, s, GFP_KERNEL);
	vcpu_migrate(0);
	/* vCPU 1's callbacks move to vCPU 0, the lowest online one */
	KEXPECT_EQ(t, cpu_down(1), 0);
	vcpu_rcu_gp();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(death_rcu_uaf),
	KTEST_CASE(death_rcu_uaf_batched),
	KTEST_CASE(death_kmem_cache_rcu_uaf),
	KTEST_CASE(death_m8_destroy),
	KTEST_CASE(death_m12_typesafe_destroy),
	KTEST_CASE(death_m14_reader),
	KTEST_CASE(death_m15_dangling_rcu_free),
	KTEST_CASE(death_m16_memoryless),
	{}
};

KTEST_MAIN("kfree_rcu_death", cases)
