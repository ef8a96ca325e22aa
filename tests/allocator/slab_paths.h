/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slab_paths.h - the setup the branch tests (test_slab_*_paths.c,
 * test_slab_sheaf_api.c) share; include "internal.h" first.
 *
 * Objects live on a stack (struct pool): take() and bulk_take() allocate
 * onto it, give() frees from its top, so a case controls exactly which
 * objects, and so which slab, it hands back.  The cache of a case has a
 * sheaf capacity equal to its objects per slab: a refill from an empty
 * partial list takes exactly one new slab, and objects taken with one
 * kmem_cache_alloc_bulk() from empty sheaves come in runs of `cap` per
 * slab, in slab order.
 */
#ifndef SHEAF_TESTS_SLAB_PATHS_H
#define SHEAF_TESTS_SLAB_PATHS_H

#include "slab_test.h"

#define OBJ_SIZE	64
#define POOL_MAX	2048

struct pool {
	void *obj[POOL_MAX];
	unsigned int nr;
};

/* Live objects of the case (pool), the ones it frees to set a state up (extra). */
static struct pool pool, extra;
/* Prefilled sheaves the case holds. */
static struct slab_sheaf *held[16];
static unsigned int nr_held;
/* The cache of the case, for hooks. */
static struct kmem_cache *case_cache;

/* @n allocations with @gfp; false (and a test failure) if one fails. */
static inline bool take(struct ktest *t, struct kmem_cache *s, struct pool *p,
			unsigned int n, gfp_t gfp)
{
	while (n--) {
		void *obj = p->nr < POOL_MAX ? kmem_cache_alloc(s, gfp) : NULL;

		if (!obj) {
			fprintf(stderr, "    take: %s: allocation failed\n", model_cache_name(s));
			t->failures++;
			return false;
		}
		memset(obj, 0xa5, kmem_cache_size(s));
		p->obj[p->nr++] = obj;
	}
	return true;
}

/* One kmem_cache_alloc_bulk() of @n objects. */
static inline bool bulk_take(struct ktest *t, struct kmem_cache *s, struct pool *p,
			     unsigned int n)
{
	if (p->nr + n > POOL_MAX ||
	    kmem_cache_alloc_bulk(s, GFP_KERNEL, n, &p->obj[p->nr]) != (int)n) {
		fprintf(stderr, "    bulk_take: %s: %u objects not allocated\n",
			model_cache_name(s), n);
		t->failures++;
		return false;
	}
	p->nr += n;
	return true;
}

/* The object on top, taken off the stack (the caller frees it). */
static inline void *pool_pop(struct pool *p)
{
	return p->nr ? p->obj[--p->nr] : NULL;
}

/* Frees the @n objects on top, the topmost first. */
static inline void give(struct kmem_cache *s, struct pool *p, unsigned int n)
{
	while (n-- && p->nr)
		kmem_cache_free(s, p->obj[--p->nr]);
}

/* The @n objects on top in one kmem_cache_free_bulk(). */
static inline void bulk_give(struct kmem_cache *s, struct pool *p, unsigned int n)
{
	p->nr -= n;
	kmem_cache_free_bulk(s, n, &p->obj[p->nr]);
}

static inline void give_all(struct kmem_cache *s, struct pool *p)
{
	give(s, p, p->nr);
}

/* The sim environment with @cpus vCPUs over @nodes nodes, scripted decider. */
static inline bool start_nodes(struct ktest *t, unsigned int cpus, unsigned int nodes,
			       unsigned long memoryless)
{
	struct slab_env e = SLAB_ENV_DEFAULT;

	e.cpus = cpus;
	e.nodes = nodes;
	e.memoryless = memoryless;
	memset(&pool, 0, sizeof(pool));
	memset(&extra, 0, sizeof(extra));
	nr_held = 0;
	case_cache = NULL;
	if (slab_env_start(&e)) {
		t->failures++;
		return false;
	}
	return true;
}

static inline bool start(struct ktest *t, unsigned int nodes)
{
	return start_nodes(t, 2, nodes, 0);
}

/*
 * A cache of OBJ_SIZE objects whose sheaf capacity is its objects per
 * slab; @cap gets that number.
 */
static inline struct kmem_cache *new_cache_flags(struct ktest *t, unsigned int *cap,
						 void (*ctor)(void *), slab_flags_t flags)
{
	struct kmem_cache_args args = { .ctor = ctor };
	struct kmem_cache *s;

	*cap = slab_objects_for(OBJ_SIZE, flags, ctor);
	args.sheaf_capacity = *cap;
	args.model_default_sheaf_capacity = *cap;
	s = kmem_cache_create("paths", OBJ_SIZE, &args, flags);
	if (s && *cap > POOL_MAX / 16) {
		fprintf(stderr, "    %u objects per slab: too many for these tests\n", *cap);
		t->failures++;
		kmem_cache_destroy(s);
		return NULL;
	}
	case_cache = s;
	return s;
}

static inline struct kmem_cache *new_cache(struct ktest *t, unsigned int *cap,
					   void (*ctor)(void *))
{
	return new_cache_flags(t, cap, ctor, 0);
}

/* The usual start of a case: 2 vCPUs over @nodes nodes, one new cache. */
static inline struct kmem_cache *begin(struct ktest *t, unsigned int nodes,
				       unsigned int *cap, void (*ctor)(void *))
{
	return start(t, nodes) ? new_cache(t, cap, ctor) : NULL;
}

/* Frees everything the case holds, destroys the cache, checks the run. */
static inline void finish(struct ktest *t, struct kmem_cache *s)
{
	vcpu_migrate(0);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	while (nr_held)
		kmem_cache_return_sheaf(s, GFP_KERNEL, held[--nr_held]);
	give_all(s, &pool);
	give_all(s, &extra);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	KEXPECT_EQ(t, cache_counts(t, s).live, 0);
	kmem_cache_destroy(s);
	slab_env_finish(t);
}

/* Makes the current vCPU's spare a full sheaf (prefill, then return). */
static inline bool make_full_spare(struct ktest *t, struct kmem_cache *s, unsigned int cap)
{
	struct slab_sheaf *sheaf = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap);

	if (!sheaf) {
		t->failures++;
		return false;
	}
	kmem_cache_return_sheaf(s, GFP_KERNEL, sheaf);
	return true;
}

/*
 * Main empty, no spare, one empty sheaf in the barn: the first allocation
 * installs a full sheaf and parks the old main in the barn, the others
 * empty the new main.
 */
static inline bool empty_main_barn_empty(struct ktest *t, struct kmem_cache *s,
					 unsigned int cap)
{
	if (!take(t, s, &pool, cap, GFP_KERNEL))
		return false;
	KEXPECT_EQ(t, pcs_main_size(s, smp_processor_id()), 0);
	KEXPECT_EQ(t, pcs_spare_size(s, smp_processor_id()), -1);
	KEXPECT_EQ(t, cache_counts(t, s).barn_empty, 1);
	return true;
}

/*
 * Fills the current vCPU's main from the extra objects, which must have
 * been bulk-taken (two whole slabs: 2 * cap) while the sheaves were empty:
 * main then holds the second slab's objects.
 */
static inline void fill_main(struct ktest *t, struct kmem_cache *s, unsigned int cap)
{
	give(s, &extra, cap);
	KEXPECT_EQ(t, pcs_main_size(s, smp_processor_id()), cap);
}

/* Main full, no spare, nothing in the barn. */
static inline bool full_main_no_spare(struct ktest *t, struct kmem_cache *s, unsigned int cap)
{
	if (!bulk_take(t, s, &extra, 2 * cap))
		return false;
	fill_main(t, s, cap);
	KEXPECT_EQ(t, pcs_spare_size(s, smp_processor_id()), -1);
	return true;
}

/* Main and spare full (the spare from its own slab), nothing in the barn. */
static inline bool full_main_full_spare(struct ktest *t, struct kmem_cache *s,
					unsigned int cap)
{
	if (!bulk_take(t, s, &extra, 2 * cap) || !make_full_spare(t, s, cap))
		return false;
	fill_main(t, s, cap);
	KEXPECT_EQ(t, pcs_spare_size(s, smp_processor_id()), cap);
	return true;
}

/*
 * MAX_FULL_SHEAVES full sheaves in the barn, put there by returns on
 * vCPU 1 (whose spare takes one more); the task comes back to vCPU 0.
 */
static inline bool fill_barn_from_cpu1(struct ktest *t, struct kmem_cache *s,
				       unsigned int cap)
{
	struct slab_sheaf *sh[MAX_FULL_SHEAVES + 1];
	unsigned int i;

	vcpu_migrate(1);
	for (i = 0; i < ARRAY_SIZE(sh); i++) {
		sh[i] = kmem_cache_prefill_sheaf(s, GFP_KERNEL, cap);
		if (!sh[i]) {
			t->failures++;
			return false;
		}
	}
	for (i = 0; i < ARRAY_SIZE(sh); i++)
		kmem_cache_return_sheaf(s, GFP_KERNEL, sh[i]);
	vcpu_migrate(0);
	KEXPECT_EQ(t, cache_counts(t, s).barn_full, MAX_FULL_SHEAVES);
	return true;
}

#endif /* SHEAF_TESTS_SLAB_PATHS_H */
