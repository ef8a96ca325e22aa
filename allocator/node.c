// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - struct kmem_cache_node: the per-node partial lists, allocation
 * of objects straight from slabs (caches without sheaves, refills), and
 * the node half of shutdown and shrink.
 *
 * Model: with the cpu slabs of 0f35040de593 gone (the 2026 tree), every object that does not
 * come from a sheaf is taken off a slab under n->list_lock, one at a time
 * (alloc_single_from_partial()) or in a batch for a refill.
 */
#include <stdio.h>

#include "internal.h"
#include "variant.h"

static void init_kmem_cache_node(struct kmem_cache_node *n, int node)
{
	memset(n, 0, sizeof(*n));
	spin_lock_init(&n->list_lock);
	INIT_LIST_HEAD(&n->partial);
	INIT_LIST_HEAD(&n->model_slabs);
	n->node = node;
}

/* Returns 1 on success, 0 when out of memory (the caller unwinds). */
int init_kmem_cache_nodes(struct kmem_cache *s)
{
	int node;

	for_each_node_state(node, N_MEMORY) {
		struct kmem_cache_node *n;

		n = vcpu_alloc(sizeof(*n), GFP_KERNEL);
		if (!n)
			return 0;
		init_kmem_cache_node(n, node);
		s->per_node[node].node = n;
	}

	if (!cache_has_sheaves(s))
		return 1;

	/*
	 * Model: a barn for each node with memory.  The 2026 tree gives every
	 * online node one (slab_barn_nodes), memoryless nodes too, and
	 * slub_cpu_setup() adds one when a node's first CPU comes up; here a
	 * memoryless node keeps having no barn, so that the paths that find
	 * none there take the fallbacks they take in every existing input.
	 */
	for_each_node_state(node, N_MEMORY) {
		struct node_barn *barn;

		barn = vcpu_alloc(sizeof(*barn), GFP_KERNEL);
		if (!barn)
			return 0;
		barn_init(barn);
		s->per_node[node].barn = barn;
	}
	return 1;
}

void free_kmem_cache_nodes(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	int node;

	for_each_node(node) {
		struct node_barn *barn = get_barn_node(s, node);

		if (!barn)
			continue;
		WARN_ON(barn->nr_full);
		WARN_ON(barn->nr_empty);
		vcpu_free(barn);
		s->per_node[node].barn = NULL;
	}

	for_each_kmem_cache_node(s, node, n) {
		s->per_node[node].node = NULL;
		vcpu_free(n);
	}
}

void add_partial(struct kmem_cache_node *n, struct slab *slab, bool tail)
{
	lockdep_assert_held(&n->list_lock);
	WRITE_ONCE(n->nr_partial, n->nr_partial + 1);
	if (tail)
		list_add_tail(&slab->slab_list, &n->partial);
	else
		list_add(&slab->slab_list, &n->partial);
	slab->partial = true;
}

void remove_partial(struct kmem_cache_node *n, struct slab *slab)
{
	lockdep_assert_held(&n->list_lock);
	list_del(&slab->slab_list);
	slab->partial = false;
	WRITE_ONCE(n->nr_partial, n->nr_partial - 1);
}

/* The slab joins the node's counters (node_nr_slabs(), total_objects). */
void inc_slabs_node(struct kmem_cache_node *n, struct slab *slab)
{
	lockdep_assert_held(&n->list_lock);
	WRITE_ONCE(n->nr_slabs, n->nr_slabs + 1);
	n->total_objects += slab->objects;
	list_add(&slab->model_list, &n->model_slabs);
}

void dec_slabs_node(struct kmem_cache_node *n, struct slab *slab)
{
	lockdep_assert_held(&n->list_lock);
	WRITE_ONCE(n->nr_slabs, n->nr_slabs - 1);
	n->total_objects -= slab->objects;
	list_del_init(&slab->model_list);
}

static inline unsigned long node_nr_slabs(struct kmem_cache_node *n)
{
	return READ_ONCE(n->nr_slabs);
}

/* One object off a partial slab; a slab that becomes full leaves the list. */
static void *alloc_single_from_partial(struct kmem_cache *s,
				       struct kmem_cache_node *n, struct slab *slab)
{
	void *object;

	lockdep_assert_held(&n->list_lock);
	object = slab_pop_object(s, slab);
	n->model_inuse++;
	if (slab->inuse == slab->objects)
		remove_partial(n, slab);
	return object;
}

static void *get_partial_node(struct kmem_cache *s, struct kmem_cache_node *n,
			      unsigned int alloc_flags)
{
	unsigned long flags;
	struct slab *slab;
	void *object = NULL;

	/* racy peek: a wrong answer costs a new slab or a useless lock round */
	if (!n || !READ_ONCE(n->nr_partial))
		return NULL;

	if (alloc_flags_allow_spinning(alloc_flags))
		spin_lock_irqsave(&n->list_lock, flags);
	else if (!spin_trylock_irqsave(&n->list_lock, flags))
		return NULL;
	slab = list_first_entry_or_null(&n->partial, struct slab, slab_list);
	if (slab)
		object = alloc_single_from_partial(s, n, slab);
	spin_unlock_irqrestore(&n->list_lock, flags);
	return object;
}

/*
 * Partial slabs of other nodes.  Model: the kernel's remote_node_defrag_ratio
 * coin (get_cycles() % 1024) is dropped; a node is tried whenever it has
 * more partial slabs than min_partial.
 */
static void *get_any_partial(struct kmem_cache *s, unsigned int alloc_flags)
{
	struct kmem_cache_node *n;
	void *object;
	int node;

	for_each_kmem_cache_node(s, node, n) {
		if (READ_ONCE(n->nr_partial) <= s->min_partial)
			continue;
		object = get_partial_node(s, n, alloc_flags);
		if (object)
			return object;
	}
	return NULL;
}

/*
 * Model: a requested node is honoured for partial slabs and the new slab
 * (the kernel's try_thisnode round); without one, the local node first.
 */
static void *get_partial(struct kmem_cache *s, int node, unsigned int alloc_flags)
{
	int searchnode = node == NUMA_NO_NODE ? numa_mem_id() : node;
	void *object;

	object = get_partial_node(s, get_node(s, searchnode), alloc_flags);
	if (object || node != NUMA_NO_NODE)
		return object;
	return get_any_partial(s, alloc_flags);
}

static void *alloc_single_from_new_slab(struct kmem_cache *s, struct slab *slab,
					unsigned int alloc_flags)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	unsigned long flags;
	void *object;

	if (alloc_flags_allow_spinning(alloc_flags)) {
		spin_lock_irqsave(&n->list_lock, flags);
	} else if (!spin_trylock_irqsave(&n->list_lock, flags)) {
		/* unlucky: the new slab goes back, no object of it was handed out */
		__free_slab(s, slab);
		return NULL;
	}
	object = slab_pop_object(s, slab);
	n->model_inuse++;
	inc_slabs_node(n, slab);
	if (slab->inuse < slab->objects)
		add_partial(n, slab, false);
	spin_unlock_irqrestore(&n->list_lock, flags);
	return object;
}

/* ___slab_alloc() of the 2026 tree: a partial slab, else a new one. */
void *__slab_alloc_node(struct kmem_cache *s, gfp_t gfp, int node,
			unsigned long addr, unsigned int orig_size, unsigned int alloc_flags)
{
	struct slab *slab;
	void *object;

	stat(s, ALLOC_SLOWPATH);

	/* a node without memory, or no node at all: no constraint */
	if (node != NUMA_NO_NODE && !get_node(s, node))
		node = NUMA_NO_NODE;

	object = get_partial(s, node, alloc_flags);
	if (object)
		return object;

	/* Model: a kmalloc_nolock() slab comes from vcpu_alloc() as any other, with its gfp */
	slab = new_slab(s, gfp, node);
	if (unlikely(!slab))
		return NULL;
	stat(s, ALLOC_SLAB);
	/* a trylock that failed here is not retried: that could loop forever */
	return alloc_single_from_new_slab(s, slab, alloc_flags);
}

/* Up to @max objects from the partial slabs of @n, under one lock hold. */
static unsigned int get_partial_node_bulk(struct kmem_cache *s,
					  struct kmem_cache_node *n,
					  unsigned int max, void **p)
{
	unsigned int got = 0;
	unsigned long flags;

	if (!n || !READ_ONCE(n->nr_partial))
		return 0;

	spin_lock_irqsave(&n->list_lock, flags);
	while (got < max && !list_empty(&n->partial)) {
		struct slab *slab = list_first_entry(&n->partial, struct slab, slab_list);

		while (got < max && slab->inuse < slab->objects)
			p[got++] = alloc_single_from_partial(s, n, slab);
	}
	spin_unlock_irqrestore(&n->list_lock, flags);
	return got;
}

/* Up to @count objects of a slab nobody else knows yet; it joins its node. */
static unsigned int alloc_from_new_slab(struct kmem_cache *s, struct slab *slab,
					void **p, unsigned int count)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	unsigned int got = 0;
	unsigned long flags;

	spin_lock_irqsave(&n->list_lock, flags);
	while (got < count && slab->inuse < slab->objects) {
		p[got++] = slab_pop_object(s, slab);
		n->model_inuse++;
	}
	inc_slabs_node(n, slab);
	if (slab->inuse < slab->objects)
		add_partial(n, slab, false);
	spin_unlock_irqrestore(&n->list_lock, flags);
	return got;
}

/*
 * Objects for a refill or a bulk allocation, without the post-alloc hooks.
 * All or nothing: on failure what was taken goes back and 0 is returned.
 */
int __kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p)
{
	unsigned int i = 0, want = (unsigned int)size;
	struct kmem_cache_node *n;
	int node;

	i = get_partial_node_bulk(s, get_node(s, numa_mem_id()), want, p);
	for_each_kmem_cache_node(s, node, n) {
		if (i == want)
			break;
		if (node == numa_mem_id() || READ_ONCE(n->nr_partial) <= s->min_partial)
			continue;
		i += get_partial_node_bulk(s, n, want - i, p + i);
	}

	while (i < want) {
		struct slab *slab = new_slab(s, flags, NUMA_NO_NODE);

		if (unlikely(!slab))
			goto error;
		stat(s, ALLOC_SLAB);
		i += alloc_from_new_slab(s, slab, p + i, want - i);
	}
	return (int)i;

error:
	__kmem_cache_free_bulk(s, i, p);
	return 0;
}

/*
 * The "Objects remaining" report of one slab: one slab error for the
 * header and one per object still allocated (KUnit test_leak_destroy).
 */
static void list_slab_objects(struct kmem_cache *s, struct slab *slab)
{
	char buf[1024];
	unsigned int idx, listed = 0, nr = 0;
	int len;

	len = snprintf(buf, sizeof(buf), "cache %s, slab %p: %u of %u objects in use",
		       s->name, slab_address(slab), slab->inuse, slab->objects);
	for (idx = 0; idx < slab->objects; idx++) {
		char *p = model_index_to_obj(s, slab, idx);

		if (model_obj_state(slab, idx) == MODEL_OBJ_FREE)
			continue;
		nr++;
		if (listed < 8 && len < (int)sizeof(buf) - 64) {
			len += snprintf(buf + len, sizeof(buf) - len,
					"\nObject %p @offset=%tu", (void *)p,
					p - (char *)slab_address(slab));
			listed++;
		}
	}
	if (nr > listed && len < (int)sizeof(buf) - 32)
		snprintf(buf + len, sizeof(buf) - len, "\n... and %u more", nr - listed);

	model_count_slab_errors(1 + nr);
	if (!model_slab_kunit_test())
		vcpu_report(VCPU_REPORT_BUG, "Objects remaining on __kmem_cache_shutdown()",
			    __func__, "%s", buf);
}

/* Discards the empty partial slabs; reports the others. */
static void free_partial(struct kmem_cache *s, struct kmem_cache_node *n)
{
	LIST_HEAD(discard);
	struct slab *slab, *h;

	spin_lock_irq(&n->list_lock);
	list_for_each_entry_safe(slab, h, &n->partial, slab_list) {
		if (!slab->inuse) {
			remove_partial(n, slab);
			dec_slabs_node(n, slab);
			list_add(&slab->slab_list, &discard);
		} else {
			list_slab_objects(s, slab);
		}
	}
	spin_unlock_irq(&n->list_lock);

	list_for_each_entry_safe(slab, h, &discard, slab_list)
		discard_slab(s, slab);
}

bool __kmem_cache_empty(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	int node;

	for_each_kmem_cache_node(s, node, n)
		if (READ_ONCE(n->nr_partial) || node_nr_slabs(n))
			return false;
	return true;
}

/* Under cpus_read_lock() and slab_mutex; 0 when nothing is left. */
int __kmem_cache_shutdown(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	int node;

	flush_all_cpus_locked(s);

	/* we might have rcu sheaves in flight; M13 does not wait for them */
	if (cache_has_sheaves(s) && !variant(VS_M13_NO_SHUTDOWN_BARRIER))
		rcu_barrier();

	/*
	 * Every barn first, as the 2026 tree does: a node's barn may hold objects of
	 * another node's slabs (refills take remote partial slabs, frees race
	 * with migration), and 0f35040de593's per-node interleaving could check a node
	 * before a later barn gave its objects back.
	 */
	for_each_node(node) {
		struct node_barn *barn = get_barn_node(s, node);

		if (barn)
			barn_shrink(s, barn);
	}

	for_each_kmem_cache_node(s, node, n) {
		free_partial(s, n);
		if (READ_ONCE(n->nr_partial) || node_nr_slabs(n))
			return 1;
	}
	return 0;
}

/*
 * Empty slabs go back to the system; the fullest partial slabs move to the
 * head of the list so that allocations fill them first.
 */
int __kmem_cache_do_shrink(struct kmem_cache *s)
{
	struct list_head promote[SHRINK_PROMOTE_MAX];
	struct kmem_cache_node *n;
	struct slab *slab, *t;
	unsigned long flags;
	int node, i, ret = 0;

	/* every barn first, for the same reason as in __kmem_cache_shutdown() */
	for_each_node(node) {
		struct node_barn *barn = get_barn_node(s, node);

		if (barn)
			barn_shrink(s, barn);
	}

	for_each_kmem_cache_node(s, node, n) {
		LIST_HEAD(discard);

		for (i = 0; i < SHRINK_PROMOTE_MAX; i++)
			INIT_LIST_HEAD(promote + i);

		spin_lock_irqsave(&n->list_lock, flags);
		list_for_each_entry_safe(slab, t, &n->partial, slab_list) {
			int free = (int)(slab->objects - slab->inuse);

			/* full slabs are never on the list */
			BUG_ON(free <= 0);
			if (free == (int)slab->objects) {
				remove_partial(n, slab);
				dec_slabs_node(n, slab);
				list_add(&slab->slab_list, &discard);
			} else if (free <= SHRINK_PROMOTE_MAX) {
				list_move(&slab->slab_list, promote + free - 1);
			}
		}
		for (i = SHRINK_PROMOTE_MAX - 1; i >= 0; i--)
			list_splice_init(promote + i, &n->partial);
		spin_unlock_irqrestore(&n->list_lock, flags);

		list_for_each_entry_safe(slab, t, &discard, slab_list)
			discard_slab(s, slab);

		if (node_nr_slabs(n))
			ret = 1;
	}
	return ret;
}

/*
 * Model-only: gives back every slab of a cache the model leaked on purpose
 * (model_slab_exit()); the objects in them are the user's leak.
 */
void model_free_node_slabs(struct kmem_cache *s)
{
	struct kmem_cache_node *n;
	struct slab *slab, *t;
	unsigned long flags;
	int node;

	for_each_kmem_cache_node(s, node, n) {
		LIST_HEAD(gone);

		spin_lock_irqsave(&n->list_lock, flags);
		list_for_each_entry_safe(slab, t, &n->model_slabs, model_list) {
			if (slab->partial)
				remove_partial(n, slab);
			n->model_inuse -= slab->inuse;
			dec_slabs_node(n, slab);
			list_add(&slab->model_list, &gone);
		}
		spin_unlock_irqrestore(&n->list_lock, flags);

		list_for_each_entry_safe(slab, t, &gone, model_list)
			__free_slab(s, slab);
	}
}
