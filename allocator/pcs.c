// SPDX-License-Identifier: GPL-2.0
/*
 * pcs.c - struct slub_percpu_sheaves: the per-CPU main and spare sheaves
 * that serve allocations and frees, and their exchange with the barn.
 *
 * The pcs lock is a local_trylock_t: taking it pins the context to its
 * vCPU, and the fast paths only trylock it (in the kernel they may run in
 * an interrupt that hit a holder).  Whenever a path must refill, flush or
 * allocate a sheaf it drops the lock first and retakes it afterwards,
 * possibly on another vCPU: every "check again" below exists for that.
 */
#include "internal.h"

/*
 * Shared by every cache without sheaves.  Its size 0 fails the allocation
 * fast path and equals capacity 0, which fails the free fast path; the
 * slow paths then see !cache_has_sheaves() and back off.  Nothing ever
 * writes it, and its NULL cache tells it from a real sheaf.
 */
static struct slab_sheaf bootstrap_sheaf;

bool model_is_bootstrap_sheaf(const struct slab_sheaf *sheaf)
{
	return sheaf == &bootstrap_sheaf;
}

int init_percpu_sheaves(struct kmem_cache *s)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct slub_percpu_sheaves *pcs = per_cpu_ptr(s->cpu_sheaves, cpu);

		local_trylock_init(&pcs->lock);

		/*
		 * Debug and SLAB_NOLEAKTRACE caches keep the bootstrap sheaf;
		 * a kmalloc cache has it until bootstrap_cache_sheaves().
		 */
		if (!s->sheaf_capacity)
			pcs->main = &bootstrap_sheaf;
		else
			pcs->main = alloc_empty_sheaf(s, GFP_KERNEL);

		if (!pcs->main)
			return -ENOMEM;
	}
	return 0;
}

/*
 * After __kmem_cache_shutdown() everything was flushed; a warning here
 * means something is really wrong, and then objects and sheaves are rather
 * leaked than freed.
 */
void pcs_destroy(struct kmem_cache *s)
{
	unsigned int cpu;

	/* unwinding a create that failed before or while allocating them */
	if (!s->cpu_sheaves)
		return;

	/* every pcs->main is the bootstrap sheaf: nothing to free */
	if (!cache_has_sheaves(s))
		goto free_pcs;

	for_each_possible_cpu(cpu) {
		struct slub_percpu_sheaves *pcs = per_cpu_ptr(s->cpu_sheaves, cpu);

		/* unwinding a failed create */
		if (!pcs->main)
			continue;

		WARN_ON(pcs->spare);
		WARN_ON(pcs->rcu_free);

		if (!WARN_ON(pcs->main->size)) {
			free_empty_sheaf(s, pcs->main);
			pcs->main = NULL;
		}
	}

free_pcs:
	free_percpu(s->cpu_sheaves);
	s->cpu_sheaves = NULL;
}

/*
 * Replaces the empty main sheaf with a (at least partially) full one.
 * Called with the pcs lock held; returns the pcs with the lock held
 * (possibly of another vCPU), or NULL with the lock released.  A
 * kmalloc_nolock() (SLAB_ALLOC_TRYLOCK) only trylocks the barn and never
 * allocates a sheaf.
 */
static struct slub_percpu_sheaves *
__pcs_replace_empty_main(struct kmem_cache *s, struct slub_percpu_sheaves *pcs, gfp_t gfp,
			 unsigned int alloc_flags)
{
	struct slab_sheaf *empty = NULL;
	struct slab_sheaf *full;
	struct node_barn *barn;
	bool allow_spin;
	bool can_alloc;

	lockdep_assert_held(this_cpu_ptr(&s->cpu_sheaves->lock));

	/* bootstrap or debug cache: back off */
	if (unlikely(!cache_has_sheaves(s))) {
		local_unlock(&s->cpu_sheaves->lock);
		return NULL;
	}

	if (pcs->spare && pcs->spare->size > 0) {
		swap(pcs->main, pcs->spare);
		return pcs;
	}

	barn = get_barn(s);
	if (!barn) {
		local_unlock(&s->cpu_sheaves->lock);
		return NULL;
	}

	allow_spin = alloc_flags_allow_spinning(alloc_flags);

	full = barn_replace_empty_sheaf(barn, pcs->main, allow_spin);
	if (full) {
		stat(s, BARN_GET);
		pcs->main = full;
		return pcs;
	}

	stat(s, BARN_GET_FAIL);

	/* Model: the kernel's test is allow_spin; blocking is the model's (see docs/kernel.md) */
	can_alloc = allow_spin && gfpflags_allow_blocking(gfp);
	if (can_alloc) {
		if (pcs->spare) {
			empty = pcs->spare;
			pcs->spare = NULL;
		} else {
			empty = barn_get_empty_sheaf(barn, true);
		}
	}

	local_unlock(&s->cpu_sheaves->lock);

	if (!can_alloc)
		return NULL;

	if (empty) {
		if (!refill_sheaf(s, empty, gfp | __GFP_NOMEMALLOC)) {
			full = empty;
		} else {
			/* very low on memory: do not bother with the barn */
			free_empty_sheaf(s, empty);
		}
	} else {
		full = alloc_full_sheaf(s, gfp);
	}

	if (!full)
		return NULL;

	/* only blocking callers get here, so never an interrupt */
	local_lock(&s->cpu_sheaves->lock);
	pcs = this_cpu_ptr(s->cpu_sheaves);

	/*
	 * A full main or spare now means we raced or migrated: rare enough
	 * that the barn's limits are ignored to keep the recovery simple.
	 */
	if (pcs->main->size == 0) {
		barn_put_empty_sheaf(barn, pcs->main);
		pcs->main = full;
		return pcs;
	}

	if (!pcs->spare) {
		pcs->spare = full;
		return pcs;
	}

	if (pcs->spare->size == 0) {
		barn_put_empty_sheaf(barn, pcs->spare);
		pcs->spare = full;
		return pcs;
	}

	barn_put_full_sheaf(barn, full);
	stat(s, BARN_PUT);
	return pcs;
}

void *alloc_from_pcs(struct kmem_cache *s, gfp_t gfp, unsigned int alloc_flags, int node)
{
	struct slub_percpu_sheaves *pcs;
	bool node_requested;
	void *object;

	node_requested = node != NUMA_NO_NODE;

	/* sheaves are assumed to hold local objects; verified below */
	if (unlikely(node_requested && node != numa_mem_id())) {
		stat(s, ALLOC_NODE_MISMATCH);
		return NULL;
	}

	if (!local_trylock(&s->cpu_sheaves->lock))
		return NULL;

	pcs = this_cpu_ptr(s->cpu_sheaves);

	if (unlikely(pcs->main->size == 0)) {
		pcs = __pcs_replace_empty_main(s, pcs, gfp, alloc_flags);
		if (unlikely(!pcs))
			return NULL;
	}

	object = pcs->main->objects[pcs->main->size - 1];

	/* a migration, now or when it was freed, can bring remote objects */
	if (unlikely(node_requested) && slab_nid(virt_to_slab(object)) != node) {
		local_unlock(&s->cpu_sheaves->lock);
		stat(s, ALLOC_NODE_MISMATCH);
		return NULL;
	}

	pcs->main->size--;

	local_unlock(&s->cpu_sheaves->lock);

	stat(s, ALLOC_PCS);
	return object;
}

/*
 * Frees the main sheaf to slabs in batches of PCS_BATCH_MAX, each copied
 * out under the lock and freed after dropping it.  True if anything was
 * flushed.
 */
bool sheaf_flush_main(struct kmem_cache *s)
{
	struct slub_percpu_sheaves *pcs;
	unsigned int batch, remaining;
	void *objects[PCS_BATCH_MAX];
	struct slab_sheaf *sheaf;
	bool ret = false;

next_batch:
	if (!local_trylock(&s->cpu_sheaves->lock))
		return ret;

	pcs = this_cpu_ptr(s->cpu_sheaves);
	sheaf = pcs->main;

	batch = min(PCS_BATCH_MAX, sheaf->size);
	sheaf->size -= batch;
	memcpy(objects, sheaf->objects + sheaf->size, batch * sizeof(void *));
	remaining = sheaf->size;

	local_unlock(&s->cpu_sheaves->lock);

	__kmem_cache_free_bulk(s, batch, &objects[0]);
	stat_add(s, SHEAF_FLUSH, batch);
	ret = true;

	if (remaining)
		goto next_batch;
	return ret;
}

/*
 * Installs @empty as main after the lock was dropped to get it: normally
 * main becomes the spare; the other cases exist because an interrupt or a
 * migration changed the pcs meanwhile (or the barn had no empty sheaf and
 * one was allocated), and then the barn's limits are ignored.
 */
static void __pcs_install_empty_sheaf(struct kmem_cache *s,
				      struct slub_percpu_sheaves *pcs,
				      struct slab_sheaf *empty, struct node_barn *barn)
{
	lockdep_assert_held(this_cpu_ptr(&s->cpu_sheaves->lock));

	if (likely(!pcs->spare)) {
		pcs->spare = pcs->main;
		pcs->main = empty;
		return;
	}

	/* main has room after all: give the empty sheaf away */
	if (pcs->main->size < s->sheaf_capacity) {
		barn_put_empty_sheaf(barn, empty);
		return;
	}

	if (pcs->spare->size < s->sheaf_capacity) {
		swap(pcs->main, pcs->spare);
		barn_put_empty_sheaf(barn, empty);
		return;
	}

	/* the barn had no empty sheaf for the full main: finish that exchange */
	barn_put_full_sheaf(barn, pcs->main);
	stat(s, BARN_PUT);
	pcs->main = empty;
}

/*
 * Replaces the full main sheaf with a (at least partially) empty one.
 * Same lock protocol as __pcs_replace_empty_main().  !@allow_spin
 * (kfree_nolock()) gives up where a sheaf would have to be flushed or
 * allocated, or where barn->lock is taken (the barn's trylock forms).
 */
static struct slub_percpu_sheaves *
__pcs_replace_full_main(struct kmem_cache *s, struct slub_percpu_sheaves *pcs,
			bool allow_spin)
{
	struct slab_sheaf *empty;
	struct node_barn *barn;
	bool put_fail;

restart:
	lockdep_assert_held(this_cpu_ptr(&s->cpu_sheaves->lock));

	/* bootstrap or debug cache: back off */
	if (unlikely(!cache_has_sheaves(s))) {
		local_unlock(&s->cpu_sheaves->lock);
		return NULL;
	}

	barn = get_barn(s);
	if (!barn) {
		local_unlock(&s->cpu_sheaves->lock);
		return NULL;
	}

	put_fail = false;

	if (!pcs->spare) {
		empty = barn_get_empty_sheaf(barn, allow_spin);
		if (empty) {
			pcs->spare = pcs->main;
			pcs->main = empty;
			return pcs;
		}
		goto alloc_empty;
	}

	if (pcs->spare->size < s->sheaf_capacity) {
		swap(pcs->main, pcs->spare);
		return pcs;
	}

	empty = barn_replace_full_sheaf(barn, pcs->main, allow_spin);
	if (!IS_ERR(empty)) {
		stat(s, BARN_PUT);
		pcs->main = empty;
		return pcs;
	}

	/* sheaf_flush_unused() takes the node's list_lock: not without spinning */
	if (PTR_ERR(empty) == -E2BIG && allow_spin) {
		/* the spare exists and is full: flush it and use it */
		struct slab_sheaf *to_flush = pcs->spare;

		stat(s, BARN_PUT_FAIL);
		pcs->spare = NULL;
		local_unlock(&s->cpu_sheaves->lock);

		sheaf_flush_unused(s, to_flush);
		empty = to_flush;
		goto got_empty;
	}

	/*
	 * -ENOMEM: the barn has no empty sheaf.  One may still be allocated
	 * and the full main put into the barn on install; count the failure
	 * only if that allocation fails too.
	 */
	put_fail = true;

alloc_empty:
	local_unlock(&s->cpu_sheaves->lock);

	/* nor can alloc_empty_sheaf(): the caller falls back to the slab */
	if (!allow_spin)
		return NULL;

	empty = alloc_empty_sheaf(s, GFP_NOWAIT);
	if (empty)
		goto got_empty;

	if (put_fail)
		stat(s, BARN_PUT_FAIL);

	if (!sheaf_flush_main(s))
		return NULL;

	if (!local_trylock(&s->cpu_sheaves->lock))
		return NULL;

	pcs = this_cpu_ptr(s->cpu_sheaves);

	/* flushed, but a preemption or migration may have filled it again */
	if (pcs->main->size == s->sheaf_capacity)
		goto restart;

	return pcs;

got_empty:
	if (!local_trylock(&s->cpu_sheaves->lock)) {
		barn_put_empty_sheaf(barn, empty);
		return NULL;
	}

	pcs = this_cpu_ptr(s->cpu_sheaves);
	__pcs_install_empty_sheaf(s, pcs, empty, barn);
	return pcs;
}

/* Frees an object that passed slab_free_hook() into the main sheaf. */
bool free_to_pcs(struct kmem_cache *s, void *object, bool allow_spin)
{
	struct slub_percpu_sheaves *pcs;

	if (!local_trylock(&s->cpu_sheaves->lock))
		return false;

	pcs = this_cpu_ptr(s->cpu_sheaves);

	if (unlikely(pcs->main->size == s->sheaf_capacity)) {
		pcs = __pcs_replace_full_main(s, pcs, allow_spin);
		if (unlikely(!pcs))
			return false;
	}

	pcs->main->objects[pcs->main->size++] = object;

	local_unlock(&s->cpu_sheaves->lock);

	stat(s, FREE_PCS);
	return true;
}
