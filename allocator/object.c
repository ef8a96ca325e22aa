// SPDX-License-Identifier: GPL-2.0
/*
 * object.c - what a kernel user calls to get and give back objects:
 * kmem_cache_alloc*(), kmem_cache_free(), kfree(), the bulk variants, and
 * the internal bulk free that the sheaves flush through.
 *
 * Each public call enters the cache's admission gate (check.c) for the
 * time it touches the cache, so that the cheap structure check can run at
 * its end when no other context is inside the cache.
 */
#include "internal.h"
#include "vmalloc.h"
#include "variant.h"

static inline bool slab_want_init_on_alloc(gfp_t flags, struct kmem_cache *s)
{
	return flags & __GFP_ZERO;
}

/*
 * Model: init_on_free is off.  With it on, the kernel still leaves alone
 * the objects whose contents must survive a free: a constructor's state,
 * a SLAB_TYPESAFE_BY_RCU object that readers may still look at (SLAB_POISON
 * is not modelled).
 */
static inline bool slab_want_init_on_free(struct kmem_cache *s)
{
	/* ctor-init-on-free: init_on_free on, the constructor exclusion forgotten */
	if (variant(VS_CTOR_INIT_ON_FREE))
		return !(s->flags & SLAB_TYPESAFE_BY_RCU);
	return false;
}

static void *slab_alloc_node(struct kmem_cache *s, gfp_t gfpflags, int node,
			     unsigned long addr, size_t orig_size)
{
	void *object;

	object = alloc_from_pcs(s, gfpflags, SLAB_ALLOC_DEFAULT, node);

	if (!object)
		object = __slab_alloc_node(s, gfpflags, node, addr, (unsigned int)orig_size,
					   SLAB_ALLOC_DEFAULT);

	slab_post_alloc_hook(s, gfpflags, 1, &object, slab_want_init_on_alloc(gfpflags, s));
	return object;
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfpflags)
{
	void *ret;

	model_cache_enter(s);
	ret = slab_alloc_node(s, gfpflags, NUMA_NO_NODE, _RET_IP_, s->object_size);
	model_cache_exit(s);
	return ret;
}

void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfpflags, int node)
{
	void *ret;

	model_cache_enter(s);
	ret = slab_alloc_node(s, gfpflags, node, _RET_IP_, s->object_size);
	model_cache_exit(s);
	return ret;
}

/* kmalloc(): a kmalloc cache by size (kmalloc.c), then as kmem_cache_alloc() */
static void *__do_kmalloc_node(size_t size, gfp_t flags, int node, unsigned long caller)
{
	struct kmem_cache *s;
	void *ret;

	/* Model: no large kmalloc (pages straight from the page allocator) */
	if (unlikely(size > KMALLOC_MAX_CACHE_SIZE))
		return NULL;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;

	s = kmalloc_slab(size, flags);
	if (WARN_ONCE(!s, "kmalloc(%zu): %s was not in model_config.kmalloc_sizes", size,
		      model_kmalloc_name(size)))
		return NULL;

	model_cache_enter(s);
	ret = slab_alloc_node(s, flags, node, caller, size);
	model_cache_exit(s);
	/* Model: kasan_kmalloc()'s poisoning of the tail past @size is not modelled */
	return ret;
}

void *kmalloc(size_t size, gfp_t flags)
{
	return __do_kmalloc_node(size, flags, NUMA_NO_NODE, _RET_IP_);
}

void *kmalloc_node(size_t size, gfp_t flags, int node)
{
	return __do_kmalloc_node(size, flags, node, _RET_IP_);
}

/*
 * kmalloc_nolock(): a kmalloc() for a context that must not spin (NMI,
 * tracing, BPF).  Only trylocks: the pcs lock, the barn, n->list_lock; a
 * failed one fails the allocation, after one more try in the next larger
 * kmalloc cache, whose locks are unlikely to be held too.  No
 * slab_pre_alloc_hook() and no KFENCE, as in the kernel.
 */
void *kmalloc_nolock(size_t size, gfp_t gfp_flags, int node)
{
	unsigned int alloc_flags = SLAB_ALLOC_TRYLOCK;
	struct kmem_cache *s;
	bool can_retry = true;
	void *ret;

	WARN_ON_ONCE(gfp_flags & ~(__GFP_ZERO | __GFP_NOWARN | __GFP_NOMEMALLOC));

	gfp_flags |= __GFP_NOWARN | __GFP_NOMEMALLOC;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;

	/* Model: no PREEMPT_RT, and no NMI on a uniprocessor: nothing refused here */
retry:
	if (unlikely(size > KMALLOC_MAX_CACHE_SIZE))
		return NULL;
	s = kmalloc_slab(size, gfp_flags);
	/* Model: the next bucket must be in model_config.kmalloc_sizes too */
	if (WARN_ONCE(!s, "kmalloc_nolock(%zu): %s was not in model_config.kmalloc_sizes",
		      size, model_kmalloc_name(size)))
		return NULL;

	/*
	 * Model: the kernel refuses a cache without __CMPXCHG_DOUBLE (a
	 * slab_lock() an NMI could interrupt); the model's slabs change only
	 * under n->list_lock, which it trylocks, so it stands for the
	 * cmpxchg16b case and never refuses.
	 */

	model_cache_enter(s);
	ret = alloc_from_pcs(s, gfp_flags, alloc_flags, node);
	if (!ret)
		ret = __slab_alloc_node(s, gfp_flags, node, _RET_IP_, (unsigned int)size,
					alloc_flags);
	if (ret)
		slab_post_alloc_hook(s, gfp_flags, 1, &ret,
				     slab_want_init_on_alloc(gfp_flags, s));
	model_cache_exit(s);

	/* a trylock failed: the sheaves and the list of another bucket may be free */
	if (!ret && can_retry) {
		size = s->object_size + 1;
		can_retry = false;
		goto retry;
	}

	/* Model: kasan_kmalloc()'s poisoning of the tail past @size is not modelled */
	return ret;
}

/*
 * The single-object free: hooks, then the local node's sheaves, else the
 * slab.  Objects of a remote node bypass the sheaves.
 */
static void slab_free(struct kmem_cache *s, struct slab *slab, void *object,
		      unsigned long addr)
{
	if (unlikely(!slab_free_hook(s, object, slab_want_init_on_free(s), false)))
		return;

	if (likely(slab_nid(slab) == numa_mem_id()) && likely(free_to_pcs(s, object, true)))
		return;

	do_slab_free(s, slab, &object, 1, addr);
}

/*
 * CONFIG_SLUB_RCU_DEBUG: a grace period has passed since slab_free_hook()
 * deferred the free of a SLAB_TYPESAFE_BY_RCU object; the hooks run again,
 * now poisoning it, and the object goes to its slab.
 */
void slab_free_after_rcu_debug(struct rcu_head *rcu_head)
{
	struct rcu_delayed_free *delayed_free =
			container_of(rcu_head, struct rcu_delayed_free, head);
	void *object = delayed_free->object;
	struct slab *slab = virt_to_slab(object);
	struct kmem_cache *s;

	vcpu_free(delayed_free);

	/* Model: no KFENCE, so no is_kfence_address() check */
	if (WARN_ON(!slab))
		return;
	s = slab->slab_cache;
	if (WARN_ON(!(s->flags & SLAB_TYPESAFE_BY_RCU)))
		return;

	model_cache_enter(s);
	model_trace("slab_free_after_rcu_debug(%s): grace period over, the free resumes",
		    s->name);
	model_rcu_debug_object_leave(s, object);
	/* Model: __slab_free() counts FREE_SLOWPATH itself */
	if (slab_free_hook(s, object, slab_want_init_on_free(s), true))
		do_slab_free(s, slab, &object, 1, _THIS_IP_);
	model_cache_exit(s);
}

/*
 * CONFIG_SLAB_FREELIST_HARDENED's check, always on in the model: the
 * object's own cache wins over the one the caller named.
 */
static struct kmem_cache *cache_from_obj(struct kmem_cache *s, const void *x)
{
	struct slab *slab = virt_to_slab(x);

	if (!slab)
		return s;
	if (WARN(slab->slab_cache != s, "%s: Wrong slab cache. %s but object is from %s",
		 __func__, s->name, slab->slab_cache->name))
		return slab->slab_cache;
	return s;
}

void kmem_cache_free(struct kmem_cache *s, void *x)
{
	struct slab *slab;

	s = cache_from_obj(s, x);
	slab = virt_to_slab(x);
	if (unlikely(!slab)) {
		kasan_report_invalid_free(x, __func__);
		return;
	}
	model_cache_enter(s);
	slab_free(s, slab, x, _RET_IP_);
	model_cache_exit(s);
}

void kfree(const void *object)
{
	struct kmem_cache *s;
	struct slab *slab;
	void *x = (void *)object;

	if (unlikely(ZERO_OR_NULL_PTR(object)))
		return;

	/* Model: no large kmalloc, so a non-slab pointer is an invalid free */
	slab = virt_to_slab(object);
	if (unlikely(!slab)) {
		kasan_report_invalid_free(x, __func__);
		return;
	}

	s = slab->slab_cache;
	model_cache_enter(s);
	slab_free(s, slab, x, _RET_IP_);
	model_cache_exit(s);
}

/* vmalloc areas (vmalloc.c) go to vfree(), everything else to kfree(). */
void kvfree(const void *object)
{
	if (is_vmalloc_addr(object))
		vfree(object);
	else
		kfree(object);
}

struct detached_freelist {
	struct slab *slab;
	struct kmem_cache *s;
	unsigned int cnt;
};

/*
 * Groups objects of one slab at the end of p[0..size), looking at most a
 * few entries past a mismatch, and returns where the group starts; the
 * group is p[ret .. ret + df->cnt).  Model: an array group instead of a
 * freelist threaded through the objects.
 */
static size_t build_detached_freelist(struct kmem_cache *s, size_t size, void **p,
				      struct detached_freelist *df)
{
	int lookahead = 3;
	void *object;
	size_t same;

	object = p[--size];
	df->slab = virt_to_slab(object);
	if (!df->slab) {
		kasan_report_invalid_free(object, __func__);
		return size;
	}
	df->s = s ? cache_from_obj(s, object) : df->slab->slab_cache;
	df->cnt = 1;

	same = size;
	while (size) {
		object = p[--size];
		if (df->slab == virt_to_slab(object)) {
			same--;
			if (size != same)
				swap(p[size], p[same]);
			df->cnt++;
			continue;
		}
		if (!--lookahead)
			break;
	}
	return same;
}

/*
 * Internal bulk free of objects that never passed the post-alloc hooks (or
 * whose free hooks already ran): straight to their slabs, no hooks.
 */
void __kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	while (size) {
		struct detached_freelist df;

		size = build_detached_freelist(s, size, p, &df);
		if (!df.slab)
			continue;
		do_slab_free(df.s, df.slab, &p[size], df.cnt, _RET_IP_);
	}
}

/* The free hooks of a group of one slab, then the slab free. */
static void slab_free_bulk(struct kmem_cache *s, struct slab *slab, void **p,
			   unsigned int cnt, unsigned long addr)
{
	unsigned int i = 0;

	while (i < cnt) {
		if (unlikely(!slab_free_hook(s, p[i], slab_want_init_on_free(s), false)))
			p[i] = p[--cnt];
		else
			i++;
	}
	do_slab_free(s, slab, p, cnt, addr);
}

void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	if (!size)
		return;

	/* the sheaves cannot use detached freelists: another path entirely */
	if (s && cache_has_sheaves(s)) {
		model_cache_enter(s);
		free_to_pcs_bulk(s, size, p);
		model_cache_exit(s);
		return;
	}

	while (size) {
		struct detached_freelist df;

		size = build_detached_freelist(s, size, p, &df);
		if (!df.slab)
			continue;
		model_cache_enter(df.s);
		slab_free_bulk(df.s, df.slab, &p[size], df.cnt, _RET_IP_);
		model_cache_exit(df.s);
	}
}

/* All @size objects or none (returns 0). */
int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p)
{
	unsigned int i = 0;

	if (!size)
		return 0;

	model_cache_enter(s);
	i = alloc_from_pcs_bulk(s, size, p);

	if (i < size) {
		/* out of memory: no point giving the rest back to the sheaves */
		if (unlikely(__kmem_cache_alloc_bulk(s, flags, size - i, p + i) == 0)) {
			if (i > 0)
				__kmem_cache_free_bulk(s, i, p);
			model_cache_exit(s);
			return 0;
		}
	}

	slab_post_alloc_hook(s, flags, size, p, slab_want_init_on_alloc(flags, s));
	model_cache_exit(s);
	return (int)size;
}

struct kmem_cache *model_virt_to_cache(const void *object)
{
	struct slab *slab = virt_to_slab(object);

	return slab ? slab->slab_cache : NULL;
}
