// SPDX-License-Identifier: GPL-2.0
/*
 * caches.c - the stress program's cache slots: who may use a cache, and
 * who destroys it.
 *
 * Each slot has one word, updated with compare-and-swap only:
 *
 *	bits 63..62  state (EMPTY, CREATING, LIVE, DYING)
 *	bits 61..32  generation (one per creation)
 *	bits 31..0   references
 *
 * A LIVE cache holds one reference of its own.  A task takes one before
 * its first call on the cache and keeps it while it has objects there;
 * stress_cache_kill() turns LIVE into DYING and drops the slot's own
 * reference.  A task that sees DYING gives back everything it holds of
 * the cache (frees, kfree_rcu()s, returns sheaves) and drops its
 * reference; whichever drop reaches zero calls kmem_cache_destroy().  So
 * the destroy runs in a vCPU task (or the reclaim or checker task), beside
 * whatever the others do on other caches, with the cache's kfree_rcu()
 * objects still in flight, and never beside a call on the cache itself:
 * the kernel's rule for kmem_cache_destroy() callers.
 */
#include <stdio.h>

#include "stress.h"

enum slot_state { SLOT_EMPTY, SLOT_CREATING, SLOT_LIVE, SLOT_DYING };

#define W_STATE(w)	((unsigned int)((w) >> 62))
#define W_GEN(w)	((unsigned int)(((w) >> 32) & 0x3fffffffU))
#define W_REFS(w)	((unsigned int)((w) & 0xffffffffU))
#define W_MAKE(st, gen, refs) \
	((unsigned long)(st) << 62 | (unsigned long)((gen) & 0x3fffffffU) << 32 | (refs))

struct stress_slot {
	unsigned long word;		/* atomic, as above */
	struct stress_cache_info info;	/* written while CREATING, read under a reference */
};

static struct stress_slot slots[STRESS_MAX_CACHES];

/* Sizes a cache can have: the smallest holds a struct stress_obj. */
static const unsigned int cache_sizes[] = { 64, 96, 128, 192, 256, 512, 1024 };
static const unsigned int capacities[] = { 0, 4, 8, 16, 32 };

static unsigned long load_word(unsigned int c)
{
	return __atomic_load_n(&slots[c].word, __ATOMIC_ACQUIRE);
}

static bool cas_word(unsigned int c, unsigned long *old, unsigned long new)
{
	return __atomic_compare_exchange_n(&slots[c].word, old, new, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool stress_cache_get(unsigned int c, struct stress_cache_info *info)
{
	unsigned long w = load_word(c);

	do {
		if (W_STATE(w) != SLOT_LIVE)
			return false;
	} while (!cas_word(c, &w, w + 1));
	*info = slots[c].info;
	return true;
}

bool stress_cache_dying(unsigned int c, unsigned int gen)
{
	unsigned long w = load_word(c);

	return W_STATE(w) != SLOT_LIVE || W_GEN(w) != gen;
}

/* The last reference of a DYING cache is gone: nobody else can reach it. */
static void destroy_slot(unsigned int c)
{
	struct stress_cache_info info = slots[c].info;
	unsigned long start;

	start = stress_barrier_begin();
	kmem_cache_destroy(info.s);
	/* kmem_cache_destroy() ran kvfree_rcu_barrier_on_cache() inside. */
	stress_barrier_end(start, (int)c, info.gen, "kmem_cache_destroy");
	stress_inc(ST_DESTROYS, 1);
	__atomic_store_n(&slots[c].word, W_MAKE(SLOT_EMPTY, info.gen, 0), __ATOMIC_RELEASE);
}

void stress_cache_put(unsigned int c, unsigned int gen)
{
	unsigned long w = __atomic_sub_fetch(&slots[c].word, 1, __ATOMIC_ACQ_REL);

	BUG_ON(W_GEN(w) != (gen & 0x3fffffffU) || W_REFS(w) == 0xffffffffU);
	if (W_STATE(w) == SLOT_DYING && W_REFS(w) == 0)
		destroy_slot(c);
}

bool stress_cache_kill(unsigned int c, unsigned int gen)
{
	unsigned long w = load_word(c);

	do {
		if (W_STATE(w) != SLOT_LIVE ||
		    (gen != STRESS_ANY_GEN && W_GEN(w) != (gen & 0x3fffffffU)))
			return false;
	} while (!cas_word(c, &w, W_MAKE(SLOT_DYING, W_GEN(w), W_REFS(w) - 1)));
	if (W_REFS(w) == 1)
		destroy_slot(c);
	return true;
}

bool stress_cache_try_create(unsigned int c, struct stress_rand *r)
{
	struct kmem_cache_args args = { 0 };
	struct stress_cache_info *info = &slots[c].info;
	unsigned long w = load_word(c);
	slab_flags_t flags = 0;
	unsigned int gen;
	char name[32];

	if (W_STATE(w) != SLOT_EMPTY)
		return false;
	gen = W_GEN(w) + 1;
	if (!cas_word(c, &w, W_MAKE(SLOT_CREATING, gen, 0)))
		return false;

	info->size = cache_sizes[stress_below(r, ARRAY_SIZE(cache_sizes))];
	args.sheaf_capacity = capacities[stress_below(r, ARRAY_SIZE(capacities))];
	/* Most caches have sheaves, as every cache does in the 2026 tree. */
	if (!args.sheaf_capacity && stress_below(r, 2))
		args.sheaf_capacity = 32;
	if (!stress_below(r, 4))
		flags |= SLAB_TYPESAFE_BY_RCU;
	if (!stress_below(r, 4))
		flags |= SLAB_HWCACHE_ALIGN;
	/* exactly that capacity; 0: a cache calculate_sheaf_capacity() excludes */
	args.model_default_sheaf_capacity = args.sheaf_capacity;
	if (!args.sheaf_capacity)
		flags |= SLAB_NOLEAKTRACE;
	snprintf(name, sizeof(name), "stress%u.%u", c, gen);
	info->s = kmem_cache_create(name, info->size, &args, flags);
	if (!info->s) {
		__atomic_store_n(&slots[c].word, W_MAKE(SLOT_EMPTY, gen, 0), __ATOMIC_RELEASE);
		return false;
	}
	info->gen = gen & 0x3fffffffU;
	info->capacity = args.sheaf_capacity;
	info->typesafe = flags & SLAB_TYPESAFE_BY_RCU;
	info->sheaves = model_cache_has_sheaves(info->s);
	stress_inc(ST_CREATES, 1);
	/* The slot's own reference. */
	__atomic_store_n(&slots[c].word, W_MAKE(SLOT_LIVE, gen, 1), __ATOMIC_RELEASE);
	return true;
}

unsigned int stress_caches_in_use(void)
{
	unsigned int c, n = 0;

	for (c = 0; c < stress_opts.caches; c++) {
		unsigned int st = W_STATE(load_word(c));

		if (st == SLOT_LIVE || st == SLOT_DYING || st == SLOT_CREATING)
			n++;
	}
	return n;
}
