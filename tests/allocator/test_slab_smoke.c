// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_smoke.c - the slab model end to end, once per backend: a cache
 * with sheaves and one without, objects allocated and freed across vCPUs
 * and nodes, bulk and prefill APIs, shrink, validate, destroy; no report,
 * no slab error, nothing left.  Plus the three KUnit-style failures the
 * model must report (leak at destroy, double free, double destroy).
 *
 * Run: ctest -R slab_smoke, or build/.../test_slab_smoke_sim [case...].
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ktest.h"
#include "kernel/kernel.h"
#include "slab.h"
#include "check.h"

#define NR_OBJS	200

struct env_opts {
	unsigned int cpus, nodes;
	bool quarantine;
};

static int smoke_start(struct ktest *t, struct env_opts o)
{
	struct vcpu_config cfg;
	struct model_config mcfg;
	unsigned int cpu;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = o.cpus;
	cfg.nr_nodes = o.nodes;
	for (cpu = 0; cpu < o.cpus; cpu++)
		cfg.cpu_to_node[cpu] = (unsigned char)(cpu * o.nodes / o.cpus);
	if (vcpu_env_init(&cfg))
		return -1;
	model_config_default(&mcfg);
	mcfg.quarantine = o.quarantine;
	if (model_slab_init(&mcfg)) {
		vcpu_env_exit();
		return -1;
	}
	vcpu_clear_reports();
	return 0;
}

static void smoke_stop(struct ktest *t)
{
	vcpu_quiesce();
	model_slab_exit();
	vcpu_env_exit();
}

/* Fills an object so that a missing unpoison or a stale pointer shows. */
static void touch(void *p, unsigned int size, unsigned char v)
{
	memset(p, v, size);
}

static void exercise(struct ktest *t, struct kmem_cache *s, unsigned int size)
{
	void *objs[NR_OBJS], *bulk[40];
	struct model_cache_counts c;
	unsigned int i, cpu = 0;

	for (i = 0; i < NR_OBJS; i++) {
		if (i % 37 == 0)
			vcpu_migrate(cpu++ % nr_cpu_ids);
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
		KASSERT(t, objs[i]);
		touch(objs[i], size, (unsigned char)i);
		KEXPECT(t, model_virt_to_cache(objs[i]) == s);
	}
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	/* free in another order, from other vCPUs */
	for (i = 0; i < NR_OBJS; i += 2) {
		if (i % 50 == 0)
			vcpu_migrate(cpu++ % nr_cpu_ids);
		kmem_cache_free(s, objs[i]);
	}
	for (i = 1; i < NR_OBJS; i += 2) {
		if (i % 41 == 1)
			vcpu_migrate(cpu++ % nr_cpu_ids);
		kfree(objs[NR_OBJS - i]);
	}
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	/* zeroed allocation */
	objs[0] = kmem_cache_alloc(s, GFP_KERNEL | __GFP_ZERO);
	KASSERT(t, objs[0]);
	for (i = 0; i < size; i++)
		if (((unsigned char *)objs[0])[i])
			break;
	KEXPECT_EQ(t, i, size);
	kmem_cache_free(s, objs[0]);

	/* bulk */
	KEXPECT_EQ(t, kmem_cache_alloc_bulk(s, GFP_KERNEL, ARRAY_SIZE(bulk), bulk), ARRAY_SIZE(bulk));
	for (i = 0; i < ARRAY_SIZE(bulk); i++)
		touch(bulk[i], size, 0x5a);
	vcpu_migrate(cpu++ % nr_cpu_ids);
	kmem_cache_free_bulk(s, ARRAY_SIZE(bulk) / 2, bulk);
	kfree_bulk(ARRAY_SIZE(bulk) - ARRAY_SIZE(bulk) / 2, bulk + ARRAY_SIZE(bulk) / 2);

	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	KEXPECT_EQ(t, model_cache_counts(s, &c), 0);
	KEXPECT_EQ(t, c.live, 0);

	kmem_cache_shrink(s);
	KEXPECT_EQ(t, model_cache_counts(s, &c), 0);
	KEXPECT_EQ(t, c.in_pcs + c.in_barn + c.quarantined, 0);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
}

static void test_sheaf_and_plain_caches(struct ktest *t)
{
	struct kmem_cache_args sargs = { .sheaf_capacity = 8, .model_default_sheaf_capacity = 8 };
	struct kmem_cache *sc, *pc;
	struct slab_sheaf *sheaf;
	void *p;

	KASSERT(t, !smoke_start(t, (struct env_opts){ .cpus = 4, .nodes = 1 }));

	sc = kmem_cache_create("smoke_sheaf", 64, &sargs, 0);
	pc = kmem_cache_create("smoke_plain", 100, NULL, SLAB_HWCACHE_ALIGN | SLAB_NOLEAKTRACE);
	KASSERT(t, sc && pc);
	KEXPECT(t, model_cache_has_sheaves(sc));
	KEXPECT(t, !model_cache_has_sheaves(pc));
	KEXPECT_EQ(t, kmem_cache_size(sc), 64);
	KEXPECT(t, !strcmp(model_cache_name(pc), "smoke_plain"));

	exercise(t, sc, 64);
	exercise(t, pc, 100);

	KEXPECT(t, model_cache_stat(sc, ALLOC_PCS) > 0);
	KEXPECT(t, model_cache_stat(sc, FREE_PCS) > 0);
	KEXPECT(t, model_cache_stat(sc, BARN_PUT) > 0);
	KEXPECT(t, model_cache_stat(sc, BARN_GET) > 0);
	KEXPECT_EQ(t, model_cache_stat(pc, ALLOC_PCS), 0);
	KEXPECT(t, model_cache_stat(pc, FREE_SLOWPATH) > 0);

	/* prefill: a regular and an oversize sheaf */
	sheaf = kmem_cache_prefill_sheaf(sc, GFP_KERNEL, 6);
	KASSERT(t, sheaf);
	KEXPECT(t, kmem_cache_sheaf_size(sheaf) >= 6);
	p = kmem_cache_alloc_from_sheaf(sc, GFP_KERNEL, sheaf);
	KASSERT(t, p);
	touch(p, 64, 1);
	KEXPECT_EQ(t, kmem_cache_refill_sheaf(sc, GFP_KERNEL, &sheaf, 20), 0);
	KEXPECT(t, kmem_cache_sheaf_size(sheaf) >= 20);
	KEXPECT_EQ(t, model_cache_validate(sc, 2), 0);
	kmem_cache_return_sheaf(sc, GFP_KERNEL, sheaf);
	kmem_cache_free(sc, p);
	KEXPECT_EQ(t, model_cache_validate(sc, 2), 0);

	kmem_cache_destroy(sc);
	kmem_cache_destroy(pc);

	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	KEXPECT_EQ(t, model_check_failures(), 0);
	smoke_stop(t);
}

/* Objects of node 0 freed on a node-1 vCPU go to their slab, not a sheaf. */
static void test_remote_free_bypasses_sheaves(struct ktest *t)
{
	struct kmem_cache_args sargs = { .sheaf_capacity = 4, .model_default_sheaf_capacity = 4 };
	struct kmem_cache *s;
	void *objs[16];
	unsigned int i;
	unsigned long slow;

	KASSERT(t, !smoke_start(t, (struct env_opts){ .cpus = 4, .nodes = 2 }));
	s = kmem_cache_create("smoke_numa", 48, &sargs, 0);
	KASSERT(t, s);

	vcpu_migrate(0);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		KASSERT(t, objs[i] = kmem_cache_alloc(s, GFP_KERNEL));
	vcpu_migrate(3);
	slow = model_cache_stat(s, FREE_SLOWPATH);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		kmem_cache_free(s, objs[i]);
	KEXPECT_EQ(t, model_cache_stat(s, FREE_PCS), 0);
	KEXPECT(t, model_cache_stat(s, FREE_SLOWPATH) > slow);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);

	/* a node-1 allocation does not come from node-0 sheaves */
	vcpu_migrate(0);
	KASSERT(t, objs[0] = kmem_cache_alloc_node(s, GFP_KERNEL, 1));
	kfree(objs[0]);

	kmem_cache_destroy(s);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	smoke_stop(t);
}

/* The quarantine holds freed objects back and gives them up at destroy. */
static void test_quarantine(struct ktest *t)
{
	struct kmem_cache_args sargs = { .sheaf_capacity = 8, .model_default_sheaf_capacity = 8 };
	struct model_cache_counts c;
	struct kmem_cache *s;
	void *objs[32];
	unsigned int i;

	KASSERT(t, !smoke_start(t, (struct env_opts){ .cpus = 2, .nodes = 1,
						     .quarantine = true }));
	s = kmem_cache_create("smoke_quarantine", 32, &sargs, 0);
	KASSERT(t, s);
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		KASSERT(t, objs[i] = kmem_cache_alloc(s, GFP_KERNEL));
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		kfree(objs[i]);
	KEXPECT_EQ(t, model_cache_counts(s, &c), 0);
	KEXPECT_EQ(t, c.quarantined, ARRAY_SIZE(objs));
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	smoke_stop(t);
}

/* KUnit test_leak_destroy: one leaked object is two slab errors. */
static void test_leak_destroy(struct ktest *t)
{
	struct kmem_cache *s;
	bool old;

	KASSERT(t, !smoke_start(t, (struct env_opts){ .cpus = 2, .nodes = 1 }));
	s = kmem_cache_create("smoke_leak", 64, NULL, SLAB_NO_MERGE | SLAB_NOLEAKTRACE);
	KASSERT(t, s);
	KASSERT(t, kmem_cache_alloc(s, GFP_KERNEL));
	old = model_set_slab_kunit_test(true);
	kmem_cache_destroy(s);
	model_set_slab_kunit_test(old);
	KEXPECT_EQ(t, model_slab_errors(), 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	smoke_stop(t);	/* releases the leaked cache */
}

/* KASAN's double-free, invalid-free and the double destroy, as reports. */
static void test_bad_frees_are_reported(struct ktest *t)
{
	struct kmem_cache_args sargs = { .sheaf_capacity = 4, .model_default_sheaf_capacity = 4 };
	struct kmem_cache *s;
	char *p, stack_obj[8];
	bool old;

	KASSERT(t, !smoke_start(t, (struct env_opts){ .cpus = 2, .nodes = 1 }));
	old = vcpu_set_panic_on_report(false);
	s = kmem_cache_create("smoke_bad", 64, &sargs, 0);
	KASSERT(t, s);

	p = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, p);
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "double-free");

	p = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, p);
	kmem_cache_free(s, p + 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "invalid-free");
	kfree(stack_obj);
	KEXPECT_EQ(t, vcpu_nr_reports(), 3);
	kmem_cache_free(s, p);

	kmem_cache_destroy(s);
	KEXPECT_EQ(t, vcpu_nr_reports(), 3);
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, vcpu_nr_reports(), 4);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "use-after-free");

	vcpu_set_panic_on_report(old);
	vcpu_clear_reports();
	smoke_stop(t);
}

/* Not a check: how fast one fuzz-sized round trip is (printed). */
static void test_round_trip_rate(struct ktest *t)
{
	struct kmem_cache_args sargs = { .sheaf_capacity = 16, .model_default_sheaf_capacity = 16 };
	struct timespec a, b;
#if defined(SHEAF_BACKEND_THREADS)
	unsigned int round, i, rounds = 100;	/* each round starts threads */
#else
	unsigned int round, i, rounds = 2000;
#endif
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (round = 0; round < rounds; round++) {
		struct kmem_cache *s1, *s2;
		void *objs[24];

		KASSERT(t, !smoke_start(t, (struct env_opts){ .cpus = 4, .nodes = 1 }));
		s1 = kmem_cache_create("rate_sheaf", 64, &sargs, 0);
		s2 = kmem_cache_create("rate_plain", 128, NULL, SLAB_NOLEAKTRACE);
		KASSERT(t, s1 && s2);
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			objs[i] = kmem_cache_alloc(i & 1 ? s1 : s2, GFP_KERNEL);
		vcpu_migrate(1);
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			kfree(objs[i]);
		kmem_cache_destroy(s1);
		kmem_cache_destroy(s2);
		smoke_stop(t);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("# %u env+model round trips (2 caches, 24 objects) in %.3f s: %.0f/s\n",
	       rounds, secs, rounds / secs);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_sheaf_and_plain_caches),
	KTEST_CASE(test_remote_free_bypasses_sheaves),
	KTEST_CASE(test_quarantine),
	KTEST_CASE(test_leak_destroy),
	KTEST_CASE(test_bad_frees_are_reported),
	KTEST_CASE(test_round_trip_rate),
	{}
};
KTEST_MAIN("slab_smoke", cases)
