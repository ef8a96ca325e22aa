// SPDX-License-Identifier: GPL-2.0
/*
 * test_kmalloc.c - white-box tests of sheaves for every cache
 * (calculate_sheaf_capacity(), the bootstrap sheaf) and of the kmalloc
 * caches (allocator/kmalloc.c): their capacities against the kernel's
 * figures, kmalloc()/kfree() and kfree_rcu() of a kmalloc object through
 * the sheaves, and the barriers waiting for such objects.
 *
 * The kernel's figures assume 64-bit: sizeof(struct slab_sheaf) is 32 (a
 * 16-byte union of rcu_head, barn_list and {capacity, pfmemalloc}; cache;
 * size; node), and the kmalloc buckets are 8, 16, 32, 64, 96, 128, 192,
 * 256, 512 bytes and on by powers of two.  So a 60-object sheaf takes 512
 * bytes exactly, 12 objects 128 bytes and 4 objects 64 bytes, while 26
 * objects (240 bytes) round up to 256 bytes, room for 28.
 *
 *   test_size_roundup          kmalloc_size_roundup() by bucket
 *   test_default_capacity      the capacity of a cache per object size
 *   test_capacity_exclusions   debug and SLAB_NOLEAKTRACE caches: none,
 *                              every pcs->main on the bootstrap sheaf
 *   test_capacity_request      args->sheaf_capacity is a minimum
 *   test_kmalloc_caches        the caches named in kmalloc_sizes, their
 *                              capacities after bootstrap_kmalloc_sheaves()
 *   test_kmalloc_sheaves       kmalloc() from and kfree() to the main sheaf
 *   test_kfree_rcu_kmalloc     kfree_rcu() of a kmalloc object takes the
 *                              rcu sheaf; kvfree_rcu_barrier() waits for it
 *   test_kmalloc_nolock        from the main sheaf; with the pcs lock and
 *                              n->list_lock held, every trylock of
 *                              kmalloc-64 fails and the retry takes the
 *                              next size, kmalloc-96
 *
 * Run: ctest -R kmalloc, or kmalloc_sim [case...].
 */
#include "rcu_test.h"

#define SIZES	(model_kmalloc_size_bit(64) | model_kmalloc_size_bit(256) | \
		 model_kmalloc_size_bit(2048) | model_kmalloc_size_bit(sizeof(struct robj)))

static bool start(struct ktest *t, unsigned int kmalloc_sizes)
{
	struct rt_env e = RT_ENV_DEFAULT;

	e.quarantine = false;
	e.kmalloc_sizes = kmalloc_sizes;
	if (!rt_start(&e)) {
		KEXPECT(t, false);
		return false;
	}
	return true;
}

static void test_size_roundup(struct ktest *t)
{
	KEXPECT_EQ(t, kmalloc_size_roundup(1), 8);
	KEXPECT_EQ(t, kmalloc_size_roundup(64), 64);
	KEXPECT_EQ(t, kmalloc_size_roundup(65), 96);
	KEXPECT_EQ(t, kmalloc_size_roundup(97), 128);
	KEXPECT_EQ(t, kmalloc_size_roundup(129), 192);
	KEXPECT_EQ(t, kmalloc_size_roundup(193), 256);
	KEXPECT_EQ(t, kmalloc_size_roundup(240), 256);
	KEXPECT_EQ(t, kmalloc_size_roundup(512), 512);
	KEXPECT_EQ(t, kmalloc_size_roundup(8192), 8192);
	KEXPECT_EQ(t, kmalloc_size_roundup(8193), 16384);	/* whole pages, order 2 */
	KEXPECT_EQ(t, kmalloc_size_roundup(0), 0);
}

/* A cache with the kernel's default capacity: no args, no flags. */
static unsigned int default_capacity(struct ktest *t, unsigned int size, slab_flags_t flags)
{
	struct kmem_cache *s = kmem_cache_create("k_default", size, NULL, flags | SLAB_NO_MERGE);
	unsigned int cap;

	if (!s) {
		KEXPECT(t, s != NULL);
		return 0;
	}
	cap = s->sheaf_capacity;
	kmem_cache_destroy(s);
	return cap;
}

static void test_default_capacity(struct ktest *t)
{
	if (!start(t, 0))
		return;
	/* s->size decides, and it includes the model's redzone (kasan.c) */
	KEXPECT_EQ(t, default_capacity(t, 48, 0), 60);
	KEXPECT_EQ(t, default_capacity(t, 256, 0), 28);
	KEXPECT_EQ(t, default_capacity(t, 1024, 0), 12);
	KEXPECT_EQ(t, default_capacity(t, 4096, 0), 4);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_capacity_exclusions(struct ktest *t)
{
	static const slab_flags_t excluded[] = { SLAB_RED_ZONE, SLAB_NOLEAKTRACE };
	unsigned int i, cpu;

	if (!start(t, 0))
		return;
	for (i = 0; i < ARRAY_SIZE(excluded); i++) {
		struct kmem_cache *s = rt_cache("k_excluded", 8, excluded[i]);
		struct robj *o;

		KASSERT(t, s);
		KEXPECT_EQ(t, s->sheaf_capacity, 0);
		KEXPECT(t, s->cpu_sheaves != NULL);
		for_each_possible_cpu(cpu)
			KEXPECT(t, model_is_bootstrap_sheaf(pcs_of(s, cpu)->main));
		/* both fast paths fail into the slow paths, which back off */
		o = kmem_cache_alloc(s, GFP_KERNEL);
		KASSERT(t, o);
		KEXPECT_EQ(t, model_cache_stat(s, ALLOC_PCS), 0);
		kmem_cache_free(s, o);
		KEXPECT_EQ(t, pcs_of(s, 0)->main->size, 0);
		kmem_cache_destroy(s);
	}
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_capacity_request(struct ktest *t)
{
	struct kmem_cache_args small = { .sheaf_capacity = 8 }, big = { .sheaf_capacity = 100 };
	struct kmem_cache *s;

	if (!start(t, 0))
		return;
	s = kmem_cache_create("k_small", 48, &small, 0);
	KASSERT(t, s);
	KEXPECT_EQ(t, s->sheaf_capacity, 60);		/* the default is larger */
	kmem_cache_destroy(s);
	s = kmem_cache_create("k_big", 48, &big, 0);
	KASSERT(t, s);
	KEXPECT_EQ(t, s->sheaf_capacity, 100);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_kmalloc_caches(struct ktest *t)
{
	struct kmem_cache *k64, *k256, *k2k;

	if (!start(t, SIZES))
		return;
	k64 = model_kmalloc_cache(48);
	k256 = model_kmalloc_cache(200);
	k2k = model_kmalloc_cache(2048);
	KASSERT(t, k64 && k256 && k2k);
	KEXPECT(t, k64 == model_kmalloc_cache(64));
	KEXPECT(t, !model_kmalloc_cache(128));		/* not asked for */
	KEXPECT(t, !model_kmalloc_cache(1024));
	KEXPECT(t, !strcmp(model_cache_name(k64), "kmalloc-64"));
	KEXPECT(t, is_kmalloc_normal(k64));
	KEXPECT_EQ(t, k64->object_size, 64);
	KEXPECT_EQ(t, k64->sheaf_capacity, 60);
	KEXPECT_EQ(t, k256->sheaf_capacity, 28);
	/* 2048 + the redzone, aligned to 2048: 4096 bytes, so 4 (with KASAN, as a kernel would) */
	KEXPECT_EQ(t, k2k->size, 4096);
	KEXPECT_EQ(t, k2k->sheaf_capacity, 4);
	KEXPECT(t, !model_is_bootstrap_sheaf(pcs_of(k64, 0)->main));
	KEXPECT(t, get_barn_node(k64, 0) != NULL);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_kmalloc_sheaves(struct ktest *t)
{
	struct kmem_cache *k;
	void *p, *q;

	if (!start(t, SIZES))
		return;
	k = model_kmalloc_cache(100 + 100);
	KASSERT(t, k);
	p = kmalloc(200, GFP_KERNEL);
	KASSERT(t, p);
	KEXPECT(t, model_virt_to_cache(p) == k);
	KEXPECT_EQ(t, model_cache_stat(k, ALLOC_PCS), 1);	/* refilled main, then taken */
	kfree(p);
	KEXPECT_EQ(t, model_cache_stat(k, FREE_PCS), 1);
	q = kmalloc(256, GFP_KERNEL);
	KEXPECT(t, q == p);					/* LIFO through main */
	kfree(q);
	KEXPECT(t, kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	KEXPECT(t, kmalloc(KMALLOC_MAX_CACHE_SIZE + 1, GFP_KERNEL) == NULL);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_kfree_rcu_kmalloc(struct ktest *t)
{
	struct kmem_cache *k;
	struct robj *o;

	if (!start(t, SIZES))
		return;
	k = model_kmalloc_cache(sizeof(*o));
	KASSERT(t, k);
	o = kmalloc(sizeof(*o), GFP_KERNEL);
	KASSERT(t, o);
	kfree_rcu(o, rcu);
	KEXPECT_EQ(t, model_cache_stat(k, FREE_RCU_SHEAF), 1);
	KEXPECT_EQ(t, rt_rcu_free_size(k, 0), 1);
	KEXPECT_EQ(t, rt_pending(t, k), 1);
	kvfree_rcu_barrier();
	KEXPECT_EQ(t, rt_pending(t, k), 0);
	KEXPECT_EQ(t, rt_rcu_free_size(k, 0), 0);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static void test_kmalloc_nolock(struct ktest *t)
{
	struct kmem_cache *k, *next;
	unsigned long flags;
	void *p, *q;

	if (!start(t, SIZES | model_kmalloc_size_bit(96)))
		return;
	k = model_kmalloc_cache(64);
	next = model_kmalloc_cache(96);
	KASSERT(t, k && next);
	p = kmalloc(64, GFP_KERNEL);
	KASSERT(t, p);
	kfree(p);
	q = kmalloc_nolock(64, 0, NUMA_NO_NODE);
	KEXPECT(t, q == p);				/* the main sheaf's top */
	kfree(q);

	local_lock(&k->cpu_sheaves->lock);
	spin_lock_irqsave(&get_node(k, 0)->list_lock, flags);
	q = kmalloc_nolock(64, 0, NUMA_NO_NODE);
	spin_unlock_irqrestore(&get_node(k, 0)->list_lock, flags);
	local_unlock(&k->cpu_sheaves->lock);
	KASSERT(t, q);
	KEXPECT(t, model_virt_to_cache(q) == next);	/* the retry one size up */
	kfree(q);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_size_roundup),
	KTEST_CASE(test_default_capacity),
	KTEST_CASE(test_capacity_exclusions),
	KTEST_CASE(test_capacity_request),
	KTEST_CASE(test_kmalloc_caches),
	KTEST_CASE(test_kmalloc_sheaves),
	KTEST_CASE(test_kfree_rcu_kmalloc),
	KTEST_CASE(test_kmalloc_nolock),
	{}
};

KTEST_MAIN("kmalloc", cases)
