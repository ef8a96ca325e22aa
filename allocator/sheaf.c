// SPDX-License-Identifier: GPL-2.0
/*
 * sheaf.c - struct slab_sheaf: allocating, refilling, flushing and freeing
 * sheaves, and the prefilled-sheaf API the maple tree uses
 * (kmem_cache_prefill_sheaf() and friends).
 *
 * A sheaf is system memory (the kernel kzalloc()s it), so a sheaf touched
 * after free_empty_sheaf() is an AddressSanitizer report.  Objects enter a
 * sheaf through refill_sheaf() without the post-alloc hooks and leave it
 * through __kmem_cache_free_bulk() without the free hooks: the hooks run
 * only when an object passes to or from a user.
 */
#include "internal.h"

/*
 * Model-only: records which member of the union a sheaf uses (the state
 * table in internal.h).  A sheaf found in another role than expected is
 * in two places at once, e.g. put into a barn while queued to RCU.
 */
void model_sheaf_role(struct slab_sheaf *sheaf, enum model_sheaf_role from,
		      enum model_sheaf_role to)
{
	if (unlikely(sheaf->model_role != from))
		vcpu_report(VCPU_REPORT_BUG, "sheaf in two states", __func__,
			    "sheaf %p of %s: role %u, expected %u (moving to %u)",
			    (void *)sheaf, sheaf->cache ? sheaf->cache->name : "?",
			    sheaf->model_role, from, to);
	sheaf->model_role = to;
}

/* An empty sheaf with room for @capacity objects (bootstrap_cache_sheaves() names it). */
struct slab_sheaf *__alloc_empty_sheaf(struct kmem_cache *s, gfp_t gfp, unsigned int capacity)
{
	struct slab_sheaf *sheaf;

	if (gfp & __GFP_NO_OBJ_EXT)
		return NULL;

	sheaf = vcpu_alloc(struct_size(sheaf, objects, capacity), gfp | __GFP_ZERO);
	if (unlikely(!sheaf))
		return NULL;

	sheaf->cache = s;
	stat(s, SHEAF_ALLOC);
	return sheaf;
}

struct slab_sheaf *alloc_empty_sheaf(struct kmem_cache *s, gfp_t gfp)
{
	return __alloc_empty_sheaf(s, gfp, s->sheaf_capacity);
}

void free_empty_sheaf(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	WARN_ON_ONCE(sheaf->size > 0);
	model_sheaf_role(sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_DETACHED);
	vcpu_free(sheaf);
	stat(s, SHEAF_FREE);
}

/* Fills @sheaf to capacity from slabs; -ENOMEM if that failed (unchanged). */
int refill_sheaf(struct kmem_cache *s, struct slab_sheaf *sheaf, gfp_t gfp)
{
	unsigned int to_fill = s->sheaf_capacity - sheaf->size;
	int filled;

	if (!to_fill)
		return 0;

	filled = __kmem_cache_alloc_bulk(s, gfp, to_fill, &sheaf->objects[sheaf->size]);
	sheaf->size += filled;
	stat_add(s, SHEAF_REFILL, filled);

	if ((unsigned int)filled < to_fill)
		return -ENOMEM;
	return 0;
}

struct slab_sheaf *alloc_full_sheaf(struct kmem_cache *s, gfp_t gfp)
{
	struct slab_sheaf *sheaf = alloc_empty_sheaf(s, gfp);

	if (!sheaf)
		return NULL;

	if (refill_sheaf(s, sheaf, gfp | __GFP_NOMEMALLOC)) {
		free_empty_sheaf(s, sheaf);
		return NULL;
	}
	return sheaf;
}

/*
 * Frees every object of a sheaf no pcs points to (or of a dead CPU's) to
 * its slab; no lock and no batching needed.
 */
void sheaf_flush_unused(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	if (!sheaf->size)
		return;

	stat_add(s, SHEAF_FLUSH, sheaf->size);
	__kmem_cache_free_bulk(s, sheaf->size, &sheaf->objects[0]);
	sheaf->size = 0;
}

/*
 * Model: there are no memory reserves, so a refill is never pfmemalloc and
 * the kernel's __prefill_sheaf_pfmemalloc() retry reduces to refill_sheaf().
 */
static int __prefill_sheaf_pfmemalloc(struct kmem_cache *s,
				      struct slab_sheaf *sheaf, gfp_t gfp)
{
	return refill_sheaf(s, sheaf, gfp | __GFP_NOMEMALLOC);
}

static struct slab_sheaf *__kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
						     unsigned int size)
{
	struct slub_percpu_sheaves *pcs;
	struct slab_sheaf *sheaf = NULL;
	struct node_barn *barn;

	/* a cache without sheaves has capacity 0: every request is oversize */
	if (unlikely(size > s->sheaf_capacity)) {
		sheaf = vcpu_alloc(struct_size(sheaf, objects, size), gfp | __GFP_ZERO);
		if (!sheaf)
			return NULL;

		stat(s, SHEAF_PREFILL_OVERSIZE);
		sheaf->cache = s;
		sheaf->capacity = size;

		/* oversize sheaves are always flushed and freed on return */
		if (!__kmem_cache_alloc_bulk(s, gfp, size, &sheaf->objects[0])) {
			vcpu_free(sheaf);
			return NULL;
		}
		sheaf->size = size;
		return sheaf;
	}

	local_lock(&s->cpu_sheaves->lock);
	pcs = this_cpu_ptr(s->cpu_sheaves);

	if (pcs->spare) {
		sheaf = pcs->spare;
		pcs->spare = NULL;
		stat(s, SHEAF_PREFILL_FAST);
	} else {
		barn = get_barn(s);
		stat(s, SHEAF_PREFILL_SLOW);
		if (barn)
			sheaf = barn_get_full_or_empty_sheaf(barn);
		if (sheaf && sheaf->size)
			stat(s, BARN_GET);
		else
			stat(s, BARN_GET_FAIL);
	}

	local_unlock(&s->cpu_sheaves->lock);

	if (!sheaf)
		sheaf = alloc_empty_sheaf(s, gfp);

	if (sheaf) {
		sheaf->capacity = s->sheaf_capacity;
		sheaf->pfmemalloc = false;

		if (sheaf->size < size && __prefill_sheaf_pfmemalloc(s, sheaf, gfp)) {
			sheaf_flush_unused(s, sheaf);
			free_empty_sheaf(s, sheaf);
			sheaf = NULL;
		}
	}
	return sheaf;
}

/* A sheaf with at least @size objects, or NULL. */
struct slab_sheaf *kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
					    unsigned int size)
{
	struct slab_sheaf *sheaf;

	model_cache_enter(s);
	sheaf = __kmem_cache_prefill_sheaf(s, gfp, size);
	if (sheaf) {
		model_sheaf_role(sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_PREFILLED);
		model_count_add(s->model_prefilled, (long)sheaf->size);
	}
	model_cache_exit(s);
	return sheaf;
}

/*
 * Gives a prefilled sheaf back: it becomes the spare if there is none;
 * otherwise it is refilled into the barn if the barn has room, else
 * flushed and freed.
 */
void kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp, struct slab_sheaf *sheaf)
{
	struct slub_percpu_sheaves *pcs;
	struct node_barn *barn;

	model_cache_enter(s);
	model_count_add(s->model_prefilled, -(long)sheaf->size);
	model_sheaf_role(sheaf, MODEL_SHEAF_PREFILLED, MODEL_SHEAF_DETACHED);

	if (unlikely(sheaf->capacity != s->sheaf_capacity || sheaf->pfmemalloc)) {
		sheaf_flush_unused(s, sheaf);
		vcpu_free(sheaf);
		goto out;
	}

	local_lock(&s->cpu_sheaves->lock);
	pcs = this_cpu_ptr(s->cpu_sheaves);
	barn = get_barn(s);

	if (!pcs->spare) {
		pcs->spare = sheaf;
		sheaf = NULL;
		stat(s, SHEAF_RETURN_FAST);
	}

	local_unlock(&s->cpu_sheaves->lock);

	if (!sheaf)
		goto out;

	stat(s, SHEAF_RETURN_SLOW);

	/* a barn with enough full sheaves, or a failed refill: flush and free */
	if (!barn || READ_ONCE(barn->nr_full) >= MAX_FULL_SHEAVES ||
	    refill_sheaf(s, sheaf, gfp)) {
		sheaf_flush_unused(s, sheaf);
		free_empty_sheaf(s, sheaf);
		goto out;
	}

	barn_put_full_sheaf(barn, sheaf);
	stat(s, BARN_PUT);
out:
	model_cache_exit(s);
}

/*
 * Refills a prefilled sheaf to at least @size objects; a larger sheaf
 * replaces it when @size exceeds its capacity.  On -ENOMEM the sheaf the
 * caller holds is left intact.
 */
int kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
			    struct slab_sheaf **sheafp, unsigned int size)
{
	struct slab_sheaf *sheaf;
	unsigned int before;
	int ret = 0;

	if (!sheafp || !(*sheafp))
		return -EINVAL;

	sheaf = *sheafp;
	if (sheaf->size >= size)
		return 0;

	model_cache_enter(s);
	if (likely(sheaf->capacity >= size)) {
		before = sheaf->size;
		if (likely(sheaf->capacity == s->sheaf_capacity)) {
			ret = __prefill_sheaf_pfmemalloc(s, sheaf, gfp);
		} else if (!__kmem_cache_alloc_bulk(s, gfp, sheaf->capacity - sheaf->size,
						    &sheaf->objects[sheaf->size])) {
			ret = -ENOMEM;
		} else {
			sheaf->size = sheaf->capacity;
		}
		model_count_add(s->model_prefilled, (long)(sheaf->size - before));
		goto out;
	}

	/* a regular sheaf needing to become oversize, or a larger oversize */
	sheaf = kmem_cache_prefill_sheaf(s, gfp, size);
	if (!sheaf) {
		ret = -ENOMEM;
		goto out;
	}
	kmem_cache_return_sheaf(s, gfp, *sheafp);
	*sheafp = sheaf;
out:
	model_cache_exit(s);
	return ret;
}

/*
 * One object of a prefilled sheaf; fails only once the sheaf is empty (no
 * fallback to the cache).
 */
void *kmem_cache_alloc_from_sheaf(struct kmem_cache *s, gfp_t gfp,
				  struct slab_sheaf *sheaf)
{
	void *ret;

	if (sheaf->size == 0)
		return NULL;

	model_cache_enter(s);
	ret = sheaf->objects[--sheaf->size];
	model_count_add(s->model_prefilled, -1L);
	slab_post_alloc_hook(s, gfp, 1, &ret, gfp & __GFP_ZERO);
	model_cache_exit(s);
	return ret;
}

unsigned int kmem_cache_sheaf_size(struct slab_sheaf *sheaf)
{
	return sheaf->size;
}
