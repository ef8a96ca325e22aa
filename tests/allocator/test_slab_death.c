// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_death.c - what AddressSanitizer must catch in a user of the
 * model, and what it must not.  Each case is run alone (`prog CASE`):
 *
 *   test_use_after_free        a read after kmem_cache_free(): the object
 *                              was poisoned by the free hook, so ASan
 *                              aborts with "use-after-poison";
 *   test_use_after_destroy     a read of an object after its cache was
 *                              destroyed: the slab went back to the system
 *                              allocator, "heap-use-after-free";
 *   test_typesafe_read_after_free
 *                              SLAB_TYPESAFE_BY_RCU: a reader inside
 *                              rcu_read_lock() may still read an object
 *                              that was freed; no report, exit 0.
 *
 * The first two are death tests (ctest label death, ASan builds only);
 * without ASan they would return and fail.
 *
 * Run: ctest -L death, or slab_death_..._sim CASE.
 */
#include "slab_test.h"

#define OBJ_SIZE	48

static volatile unsigned char sink;

static struct kmem_cache *start(struct ktest *t, slab_flags_t flags)
{
	struct kmem_cache_args args = { .sheaf_capacity = 8, .model_default_sheaf_capacity = 8 };
	struct slab_env e = SLAB_ENV_DEFAULT;

	e.quarantine = true;	/* the ASan default; poisoning does not depend on it */
	if (slab_env_start(&e)) {
		t->failures++;
		return NULL;
	}
	return kmem_cache_create("death", OBJ_SIZE, &args, flags);
}

static void test_use_after_free(struct ktest *t)
{
	struct kmem_cache *s;
	unsigned char *p;

	KASSERT(t, s = start(t, 0));
	KASSERT(t, p = kmem_cache_alloc(s, GFP_KERNEL));
	memset(p, 0x42, OBJ_SIZE);
	kmem_cache_free(s, p);
	sink = p[OBJ_SIZE / 2];		/* ASan: use-after-poison */
	fprintf(stderr, "read %#x after free without a report\n", sink);
	kmem_cache_destroy(s);
	slab_env_stop();
	t->failures++;
}

static void test_use_after_destroy(struct ktest *t)
{
	struct kmem_cache *s;
	unsigned char *p;

	KASSERT(t, s = start(t, 0));
	KASSERT(t, p = kmem_cache_alloc(s, GFP_KERNEL));
	memset(p, 0x42, OBJ_SIZE);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
	sink = p[0];			/* ASan: heap-use-after-free */
	fprintf(stderr, "read %#x after destroy without a report\n", sink);
	slab_env_stop();
	t->failures++;
}

/*
 * The free hook leaves a SLAB_TYPESAFE_BY_RCU object accessible; a reader
 * that found it before the free may keep reading it until it leaves its
 * read-side section (and must then recheck what it found).
 */
static void test_typesafe_read_after_free(struct ktest *t)
{
	struct kmem_cache *s;
	unsigned char *p, *q;
	void *bulk[1];
	unsigned int i;

	KASSERT(t, s = start(t, SLAB_TYPESAFE_BY_RCU));
	KASSERT(t, p = kmem_cache_alloc(s, GFP_KERNEL));
	KASSERT(t, q = kmem_cache_alloc(s, GFP_KERNEL));
	memset(p, 0x42, OBJ_SIZE);

	rcu_read_lock();
	kmem_cache_free(s, p);
	for (i = 0; i < OBJ_SIZE; i++)
		KEXPECT_EQ(t, p[i], 0x42);
	rcu_read_unlock();

	/* the same holds for an object that goes straight to its slab */
	memset(q, 0x24, OBJ_SIZE);
	bulk[0] = q;
	rcu_read_lock();
	kfree_bulk(1, bulk);
	KEXPECT_EQ(t, q[OBJ_SIZE - 1], 0x24);
	rcu_read_unlock();

	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	kmem_cache_destroy(s);
	slab_env_finish(t);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_use_after_free),
	KTEST_CASE(test_use_after_destroy),
	KTEST_CASE(test_typesafe_read_after_free),
	{}
};
KTEST_MAIN("slab_death", cases)
