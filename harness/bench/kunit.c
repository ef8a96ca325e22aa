// SPDX-License-Identifier: GPL-2.0
/*
 * kunit.c - the slub_kunit scenario: the 19 kmem_cache_destroy() calls a
 * non-KASAN kernel makes when lib/tests/slub_kunit.c is loaded as a
 * module, the load 0f35040de593 timed ("Total calls: 19").
 *
 * Every test creates its own cache, uses it and destroys it.  What matters
 * to a destroy:
 *  - whether the cache has sheaves.  In v6.18, where the seed patch was
 *    measured, none of them had (no test asks for sheaf_capacity); with
 *    "sheaves for all" the three SLAB_NO_MERGE-only tests' caches (12
 *    destroys) get them, the debug caches never.  --kunit-sheaves C gives
 *    those three capacity C.
 *  - objects still in flight from kfree_rcu(): test_kfree_rcu and the ten
 *    rounds of test_kfree_rcu_wq_destroy free one object each with
 *    kfree_rcu() right before the destroy, so the barrier has something
 *    to wait for (a batch on the kfree_rcu_cpu without sheaves).
 *  - the calling context: test_kfree_rcu_wq_destroy destroys from a work
 *    item of a WQ_HIGHPRI | WQ_UNBOUND | WQ_MEM_RECLAIM workqueue.
 *  - test_leak_destroy keeps one object: the destroy fails, counts two
 *    slab errors (the kernel test expects exactly that) and leaks the cache.
 *
 * Model: the debug tests' corruptions and checks are left out (the model
 * has no red zones); their caches are created as debug caches, so without
 * sheaves, and see one allocation and one free.  The msleep() of up to
 * 255 ms before each wq_destroy round is left out too: it is outside the
 * timed call, and shorter than the 5 s after which the batch would have
 * been drained anyway.
 */
#include <stdio.h>

#include "kernel/kernel.h"
#include "slab.h"
#include "check.h"
#include "bench_destroy.h"

enum kunit_kind {
	KU_PLAIN,		/* alloc, free, destroy */
	KU_KFREE_RCU,		/* alloc, kfree_rcu(), destroy */
	KU_WQ_DESTROY,		/* alloc, kfree_rcu(), destroy from a worker */
	KU_LEAK,		/* alloc, destroy with the object still allocated */
};

static const struct kunit_case {
	const char *test;
	unsigned int size;
	bool debug;		/* a SLAB_RED_ZONE / SLAB_POISON cache */
	enum kunit_kind kind;
	unsigned int calls;
} kunit_cases[] = {
	{ "test_clobber_zone", 64, true, KU_PLAIN, 1 },
	{ "test_next_pointer", 64, true, KU_PLAIN, 1 },
	{ "test_first_word", 64, true, KU_PLAIN, 1 },
	{ "test_clobber_50th_byte", 64, true, KU_PLAIN, 1 },
	{ "test_clobber_redzone_free", 64, true, KU_PLAIN, 1 },
	{ "test_kmalloc_redzone_access", 32, true, KU_PLAIN, 1 },
	{ "test_kfree_rcu", sizeof(struct bench_obj), false, KU_KFREE_RCU, 1 },
	{ "test_kfree_rcu_wq_destroy", sizeof(struct bench_obj), false, KU_WQ_DESTROY, 10 },
	{ "test_leak_destroy", 64, false, KU_LEAK, 1 },
	{ "test_krealloc_redzone_zeroing", 64, true, KU_PLAIN, 1 },
};

unsigned int bench_kunit_calls(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(kunit_cases); i++)
		n += kunit_cases[i].calls;
	return n;
}

static void kunit_case_run(const struct kunit_case *kc, unsigned int capacity,
			   struct workqueue_struct *wq, struct bench_call *c)
{
	/* here test_foo's cache is called "TestSlub_foo" */
	const char *name = kc->test + 5;
	char cname[48];
	struct kmem_cache *s;
	unsigned long errors;

	snprintf(cname, sizeof(cname), "TestSlub_%s", name);
	s = bench_cache_create(cname, kc->size, kc->debug ? 0 : capacity, kc->debug);
	c->test = kc->test;
	c->sheaves = model_cache_has_sheaves(s);

	switch (kc->kind) {
	case KU_PLAIN:
		bench_cache_use(s, 1, 0);
		bench_refill_background();
		bench_timed_destroy(s, c);
		break;
	case KU_KFREE_RCU:
	case KU_WQ_DESTROY:
		bench_cache_use(s, 1, 1);
		c->rcu_objects = 1;
		bench_refill_background();
		if (kc->kind == KU_WQ_DESTROY)
			bench_timed_destroy_from_worker(wq, s, c);
		else
			bench_timed_destroy(s, c);
		break;
	case KU_LEAK:
		if (!kmem_cache_alloc(s, GFP_KERNEL)) {
			bench_fail("%s: kmem_cache_alloc failed", kc->test);
			return;
		}
		c->leak = true;
		errors = model_slab_errors();
		bench_refill_background();
		bench_timed_destroy(s, c);
		errors = model_slab_errors() - errors;
		if (errors != 2)
			bench_fail("%s: %lu slab errors, slub_kunit expects 2", kc->test, errors);
		break;
	}
}

void bench_kunit_run(const struct bench_config *cfg, struct bench_call *calls)
{
	struct workqueue_struct *wq;
	unsigned int i, j, k = 0;
	bool was;

	/* the whole module runs as KUnit tests: a failed destroy only counts */
	was = model_set_slab_kunit_test(true);
	wq = alloc_workqueue("test_kfree_rcu_destroy_wq",
			     WQ_HIGHPRI | WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!wq) {
		bench_fail("alloc_workqueue failed");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(kunit_cases); i++)
		for (j = 0; j < kunit_cases[i].calls; j++)
			kunit_case_run(&kunit_cases[i], cfg->kunit_sheaves, wq, &calls[k++]);
	destroy_workqueue(wq);
	model_set_slab_kunit_test(was);
}
