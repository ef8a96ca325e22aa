// SPDX-License-Identifier: GPL-2.0
/*
 * slab.c - struct slab: getting slab memory from the system and giving it
 * back, finding the slab of an address, and returning objects to a slab's
 * freelist (the slow free path of mm/slub.c).
 *
 * Correctness argument of the registry: virt_to_slab() maps each page of a
 * live slab to its struct slab through a radix table of page numbers.  An
 * entry is published (release) after the slab is fully set up and cleared
 * in __free_slab() before the memory goes back to the system, so a lookup
 * never returns a slab whose memory is gone, and a lookup of an address the
 * model never handed out reads only the table, never the address.
 */
#include <stdlib.h>

#include "internal.h"
#include "variant.h"

/*
 * Model: the kernel finds a slab through struct page.  Here a three-level
 * table over page numbers of 47-bit addresses: 2^11 roots, 2^12 middle
 * entries, 2^12 leaves, read without locks.  Its nodes are index memory of
 * the process, not of one model run: allocated on first use with calloc()
 * (never fault-injected, so no run's decisions depend on what an earlier
 * run touched) and kept, empty, across model_slab_exit(); a static root
 * keeps them reachable.  Every entry is cleared when its slab is freed.
 */
#define MAP_LEAF_BITS	12
#define MAP_MID_BITS	12
#define MAP_TOP_BITS	11
#define MAP_PAGE_BITS	(MAP_LEAF_BITS + MAP_MID_BITS + MAP_TOP_BITS)
#define MAP_LEAF_SIZE	(1UL << MAP_LEAF_BITS)
#define MAP_MID_SIZE	(1UL << MAP_MID_BITS)

struct slab_map_leaf {
	struct slab *slab[MAP_LEAF_SIZE];
};

struct slab_map_mid {
	struct slab_map_leaf *leaf[MAP_MID_SIZE];
};

static struct slab_map_mid *slab_map[1UL << MAP_TOP_BITS];
static unsigned long model_live_slabs;	/* slabs between allocate_slab() and __free_slab() */

/* The node_stat items NR_SLAB_{RECLAIMABLE,UNRECLAIMABLE}_B, in bytes. */
static long model_slab_bytes[2];

static inline unsigned long map_top(unsigned long pfn)
{
	return pfn >> (MAP_LEAF_BITS + MAP_MID_BITS);
}

static inline unsigned long map_mid(unsigned long pfn)
{
	return (pfn >> MAP_LEAF_BITS) & (MAP_MID_SIZE - 1);
}

static inline unsigned long map_leaf(unsigned long pfn)
{
	return pfn & (MAP_LEAF_SIZE - 1);
}

struct slab *virt_to_slab(const void *addr)
{
	unsigned long pfn = (unsigned long)addr >> PAGE_SHIFT;
	struct slab_map_mid *mid;
	struct slab_map_leaf *leaf;

	if (unlikely(pfn >> MAP_PAGE_BITS))
		return NULL;
	mid = __atomic_load_n(&slab_map[map_top(pfn)], __ATOMIC_ACQUIRE);
	if (!mid)
		return NULL;
	leaf = __atomic_load_n(&mid->leaf[map_mid(pfn)], __ATOMIC_ACQUIRE);
	if (!leaf)
		return NULL;
	return __atomic_load_n(&leaf->slab[map_leaf(pfn)], __ATOMIC_ACQUIRE);
}

/* Installs *slot from a fresh zeroed node unless another context won. */
static void *slab_map_node(void **slot, size_t size)
{
	void *node = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	void *expected = NULL;

	if (node)
		return node;
	node = calloc(1, size);
	if (!node)
		vcpu_panic("model", __func__, "out of memory for the slab registry");
	if (!__atomic_compare_exchange_n(slot, &expected, node, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(node);
		node = expected;
	}
	return node;
}

/* Publishes the pages of @slab in the registry. */
static void slab_map_insert(struct slab *slab)
{
	unsigned long pfn = (unsigned long)slab->addr >> PAGE_SHIFT;
	unsigned long i, nr = 1UL << slab->order;

	for (i = 0; i < nr; i++, pfn++) {
		struct slab_map_mid *mid;
		struct slab_map_leaf *leaf;

		if (pfn >> MAP_PAGE_BITS)
			vcpu_panic("model", __func__,
				   "slab memory at %p is beyond the 47-bit registry",
				   (void *)slab->addr);
		mid = slab_map_node((void **)&slab_map[map_top(pfn)], sizeof(*mid));
		leaf = slab_map_node((void **)&mid->leaf[map_mid(pfn)], sizeof(*leaf));
		__atomic_store_n(&leaf->slab[map_leaf(pfn)], slab, __ATOMIC_RELEASE);
	}
}

/* Clears whatever slab_map_insert() published for @slab; allocates nothing. */
static void slab_map_remove(struct slab *slab)
{
	unsigned long pfn = (unsigned long)slab->addr >> PAGE_SHIFT;
	unsigned long i, nr = 1UL << slab->order;

	for (i = 0; i < nr; i++, pfn++) {
		struct slab_map_mid *mid;
		struct slab_map_leaf *leaf;

		if (pfn >> MAP_PAGE_BITS)
			return;
		mid = __atomic_load_n(&slab_map[map_top(pfn)], __ATOMIC_ACQUIRE);
		if (!mid)
			continue;
		leaf = __atomic_load_n(&mid->leaf[map_mid(pfn)], __ATOMIC_ACQUIRE);
		if (!leaf)
			continue;
		if (__atomic_load_n(&leaf->slab[map_leaf(pfn)], __ATOMIC_RELAXED) == slab)
			__atomic_store_n(&leaf->slab[map_leaf(pfn)], NULL, __ATOMIC_RELEASE);
	}
}

/* At model_slab_exit(): every slab must be gone, so the registry is empty. */
void model_slab_map_exit(void)
{
	WARN(model_live_slabs, "%lu slabs still allocated at model_slab_exit()",
	     model_live_slabs);
	WARN(model_slab_bytes[0] || model_slab_bytes[1],
	     "slab accounting off by %ld/%ld bytes at model_slab_exit()",
	     model_slab_bytes[0], model_slab_bytes[1]);
}

/*
 * account_slab()/unaccount_slab(): the vmstat bookkeeping.  Like the
 * kernel's cache_vmstat_idx(), unaccounting reads the cache, so a slab freed
 * by rcu_free_slab() after its cache was released is a use-after-free.
 */
static void account_slab(struct slab *slab, struct kmem_cache *s)
{
	int idx = !!(s->flags & SLAB_RECLAIM_ACCOUNT);

	__atomic_fetch_add(&model_slab_bytes[idx], (long)(PAGE_SIZE << slab->order),
			   __ATOMIC_RELAXED);
	__atomic_fetch_add(&model_live_slabs, 1, __ATOMIC_RELAXED);
}

static void unaccount_slab(struct slab *slab, struct kmem_cache *s)
{
	int idx = !!(s->flags & SLAB_RECLAIM_ACCOUNT);

	__atomic_fetch_sub(&model_slab_bytes[idx], (long)(PAGE_SIZE << slab->order),
			   __ATOMIC_RELAXED);
	__atomic_fetch_sub(&model_live_slabs, 1, __ATOMIC_RELAXED);
}

unsigned long model_nr_slabs(void)
{
	return __atomic_load_n(&model_live_slabs, __ATOMIC_RELAXED);
}

/*
 * The memory of one slab.  Model: the system allocator gives no page
 * alignment, so the allocation is one page larger than needed and the
 * object area starts at the first page boundary inside it; the metadata
 * follows the object area.  The slack in front is poisoned.
 */
static struct slab *alloc_slab_page(struct kmem_cache *s, gfp_t flags, int node,
				    struct kmem_cache_order_objects oo)
{
	unsigned int order = oo_order(oo), objects = oo_objects(oo);
	size_t area = PAGE_SIZE << order;
	size_t meta = sizeof(struct slab) + objects * sizeof(unsigned short) + objects;
	struct slab *slab;
	char *mem, *addr;

	mem = vcpu_alloc(area + PAGE_SIZE - 1 + meta, flags);
	if (!mem)
		return NULL;
	addr = (char *)ALIGN((unsigned long)mem, PAGE_SIZE);
	slab = (struct slab *)(addr + area);
	memset(slab, 0, sizeof(*slab));
	slab->model_mem = mem;
	slab->addr = addr;
	slab->order = order;
	slab->objects = objects;
	slab->node = node;
	slab->freelist = (unsigned short *)(slab + 1);
	slab->model_obj_state = (unsigned char *)(slab->freelist + objects);
	memset(slab->model_obj_state, MODEL_OBJ_FREE, objects);
	INIT_LIST_HEAD(&slab->slab_list);
	INIT_LIST_HEAD(&slab->model_list);
	if (addr != mem)
		kasan_model_poison(mem, (size_t)(addr - mem));
	return slab;
}

/* Model: memory has no node; a slab takes the node it was allocated for. */
static int slab_alloc_nid(struct kmem_cache *s, int node)
{
	int nid;

	if (node == NUMA_NO_NODE)
		node = numa_mem_id();
	if (get_node(s, node))
		return node;
	/* a memoryless node: the page allocator falls back to one with memory */
	for (nid = 0; (unsigned int)nid < nr_node_ids; nid++)
		if (get_node(s, nid))
			return nid;
	BUG();
}

static struct slab *allocate_slab(struct kmem_cache *s, gfp_t flags, int node)
{
	struct kmem_cache_order_objects oo = s->oo;
	struct slab *slab;
	gfp_t alloc_gfp = flags | __GFP_NOWARN | __GFP_NORETRY;
	unsigned int i;

	node = slab_alloc_nid(s, node);
	/* the higher order is only tried without reclaim, as the kernel does */
	if ((alloc_gfp & __GFP_DIRECT_RECLAIM) && oo_order(oo) > oo_order(s->min))
		alloc_gfp = (alloc_gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
	slab = alloc_slab_page(s, alloc_gfp, node, oo);
	if (unlikely(!slab)) {
		oo = s->min;
		slab = alloc_slab_page(s, flags, node, oo);
		if (unlikely(!slab))
			return NULL;
		stat(s, ORDER_FALLBACK);
	}

	slab->slab_cache = s;
	slab->inuse = 0;
	kasan_poison_slab(s, slab);
	/* the stack pops index 0 first, as the kernel's freelist does */
	for (i = 0; i < slab->objects; i++) {
		slab->freelist[i] = (unsigned short)(slab->objects - 1 - i);
		setup_object(s, model_index_to_obj(s, slab, i));
	}

	slab_map_insert(slab);
	account_slab(slab, s);
	return slab;
}

struct slab *new_slab(struct kmem_cache *s, gfp_t flags, int node)
{
	WARN_ON_ONCE(s->ctor && (flags & __GFP_ZERO));

	return allocate_slab(s, flags, node);
}

/* Takes one object off the slab's freelist; the caller holds list_lock. */
void *slab_pop_object(struct kmem_cache *s, struct slab *slab)
{
	unsigned int idx;

	lockdep_assert_held(&get_node(s, slab_nid(slab))->list_lock);
	BUG_ON(slab->inuse >= slab->objects);
	idx = slab->freelist[slab->objects - slab->inuse - 1];
	slab->inuse++;
	if (unlikely(model_obj_state(slab, idx) != MODEL_OBJ_FREE))
		vcpu_panic("model", __func__, "%s: object %u of slab %p on the freelist in state %u",
			   s->name, idx, (void *)slab->addr, model_obj_state(slab, idx));
	model_set_obj_state(slab, idx, MODEL_OBJ_CACHED);
	return model_index_to_obj(s, slab, idx);
}

void __free_slab(struct kmem_cache *s, struct slab *slab)
{
	if (slab->model_typesafe_discarded &&
	    !poll_state_synchronize_rcu(slab->model_discard_gp))
		vcpu_report(VCPU_REPORT_BUG,
			    "SLAB_TYPESAFE_BY_RCU contract: slab freed before a grace period",
			    __func__, "cache %s, slab %p: its pages go back before a grace period "
			    "that began at its discard_slab() completed; a reader that found one "
			    "of its objects may still read them", s->name, (void *)slab->addr);
	slab_map_remove(slab);
	unaccount_slab(slab, s);
	vcpu_free(slab->model_mem);
}

/* The objects may still be read under RCU until a grace period has passed. */
static void rcu_free_slab(struct rcu_head *h)
{
	struct slab *slab = container_of(h, struct slab, rcu_head);
	struct kmem_cache *s = slab->slab_cache;

	__free_slab(s, slab);
	model_count_add(s->model_rcu_slabs, -1L);
}

static void free_slab(struct kmem_cache *s, struct slab *slab)
{
	/* typesafe-slab-now (a mutant): the pages go back with no grace period */
	if (unlikely(s->flags & SLAB_TYPESAFE_BY_RCU) && !variant(VS_TYPESAFE_SLAB_NOW)) {
		model_count_add(s->model_rcu_slabs, 1L);
		call_rcu(&slab->rcu_head, rcu_free_slab);
	} else
		__free_slab(s, slab);
}

/*
 * Model: the kernel's discard_slab() also does dec_slabs_node(); here the
 * callers do that under n->list_lock when the slab leaves the node, so the
 * node counters and n->model_slabs always agree for the checker.
 */
void discard_slab(struct kmem_cache *s, struct slab *slab)
{
	stat(s, FREE_SLAB);
	if (s->flags & SLAB_TYPESAFE_BY_RCU) {
		slab->model_discard_gp = get_state_synchronize_rcu();
		slab->model_typesafe_discarded = true;
	}
	free_slab(s, slab);
}

/*
 * __slab_free(): gives @cnt objects of one slab back to its freelist.
 * Model: under n->list_lock instead of a cmpxchg of freelist and counters;
 * full slabs are on no list, as in the kernel without debugging.
 */
static void __slab_free(struct kmem_cache *s, struct slab *slab, void **objects,
			unsigned int cnt, unsigned long addr)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	bool was_full, discard = false;
	unsigned long flags;
	unsigned int i;

	stat(s, FREE_SLOWPATH);
	spin_lock_irqsave(&n->list_lock, flags);

	was_full = slab->inuse == slab->objects;
	for (i = 0; i < cnt; i++) {
		unsigned int idx = __obj_to_index(s, slab, objects[i]);
		unsigned char state = model_obj_state(slab, idx);

		if (unlikely(state != MODEL_OBJ_CACHED && state != MODEL_OBJ_QUARANTINE))
			vcpu_panic("model", __func__,
				   "%s: object %p returns to its slab in state %u",
				   s->name, objects[i], state);
		BUG_ON(!slab->inuse);
		model_set_obj_state(slab, idx, MODEL_OBJ_FREE);
		slab->freelist[slab->objects - slab->inuse] = (unsigned short)idx;
		slab->inuse--;
		n->model_inuse--;
	}

	if (!slab->inuse && n->nr_partial >= s->min_partial) {
		/* empty, and the node keeps enough empty slabs already */
		if (slab->partial) {
			remove_partial(n, slab);
			stat(s, FREE_REMOVE_PARTIAL);
		}
		dec_slabs_node(n, slab);
		discard = true;
	} else if (was_full) {
		add_partial(n, slab, true);
		stat(s, FREE_ADD_PARTIAL);
	}

	spin_unlock_irqrestore(&n->list_lock, flags);
	if (discard)
		discard_slab(s, slab);
}

/*
 * do_slab_free(): the kernel's fast path frees to the cpu slab; with no
 * cpu slabs left (the 2026 tree) every free that reaches here is the slow one.
 * Model: @objects is an array of objects of @slab instead of a detached
 * head/tail freelist.
 */
void do_slab_free(struct kmem_cache *s, struct slab *slab, void **objects,
		  unsigned int cnt, unsigned long addr)
{
	if (cnt)
		__slab_free(s, slab, objects, cnt, addr);
}
