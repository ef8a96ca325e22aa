// SPDX-License-Identifier: GPL-2.0
/*
 * kasan.c - the allocation and free hooks (slab_post_alloc_hook(),
 * slab_free_hook()) with a generic-KASAN-like layer under them: manual
 * AddressSanitizer poisoning where KASAN poisons, the checks KASAN makes
 * before a free (invalid-free, double-free), and the quarantine.
 *
 * Where objects are poisoned, as in the kernel:
 *  - a new slab is poisoned whole (kasan_poison_slab()); a constructor runs
 *    on an unpoisoned object that is poisoned again afterwards;
 *  - an object is unpoisoned when handed to a user (slab_post_alloc_hook())
 *    and poisoned when the user frees it, before it enters a sheaf or the
 *    quarantine;
 *  - an object of a SLAB_TYPESAFE_BY_RCU cache freed by the user stays
 *    accessible (RCU readers may still look at it) and skips the
 *    quarantine; after an RCU delay (rcu sheaf callback) it is poisoned.
 *    With SLUB_RCU_DEBUG its free is finished by an RCU callback,
 *    slab_free_after_rcu_debug(), which poisons it and may quarantine it.
 * The KASAN redzone after each object (kasan_redzone()) is never
 * unpoisoned.  Builds without ASan run the same code; only the poisoning
 * compiles to nothing.
 *
 * Model: the quarantine is one global FIFO of model_config.quarantine_objects
 * objects instead of KASAN's per-CPU batches and byte budget.  Eviction and
 * kasan_cache_shutdown() free objects to their slabs under quarantine_lock,
 * which stands for the kernel's remove_cache_srcu: a cache's objects cannot
 * be in flight between the FIFO and a slab while the cache is drained.
 */
#include "internal.h"

static DEFINE_SPINLOCK(quarantine_lock);
static void **quarantine_ring;		/* FIFO of objects, oldest at head */
static void *quarantine_small[64];	/* the ring up to the default capacity */
static unsigned int quarantine_head;
static unsigned int quarantine_count;
static unsigned int quarantine_capacity;	/* 0: the quarantine is off */

/* generic KASAN's optimal_redzone() */
unsigned int kasan_redzone(unsigned int object_size)
{
	return object_size <= 64 - 16 ? 16 :
	       object_size <= 128 - 32 ? 32 :
	       object_size <= 512 - 64 ? 64 :
	       object_size <= 4096 - 128 ? 128 :
	       object_size <= (1 << 14) - 256 ? 256 :
	       object_size <= (1 << 15) - 512 ? 512 :
	       object_size <= (1 << 16) - 1024 ? 1024 : 2048;
}

void kasan_poison_slab(struct kmem_cache *s, struct slab *slab)
{
	kasan_model_poison(slab_address(slab), PAGE_SIZE << slab->order);
}

void *setup_object(struct kmem_cache *s, void *object)
{
	if (unlikely(s->ctor)) {
		kasan_model_unpoison(object, s->object_size);
		s->ctor(object);
		kasan_model_poison(object, s->object_size);
	}
	return object;
}

void kasan_report_invalid_free(const void *ptr, const char *func)
{
	vcpu_report(VCPU_REPORT_BUG, "KASAN: invalid-free", func,
		    "%p is not an object of any slab cache", ptr);
}

/*
 * KASAN's check before a free: @x must be the start of an object of @s
 * that a user holds (an object kfree_rcu() took is the user's again for
 * the instant of its free, see model_rcu_object_leave()).  Returns true if
 * the free must not proceed; the object then stays where it is.
 */
static bool kasan_slab_pre_free(struct kmem_cache *s, void *x,
				struct slab **slabp, unsigned int *idxp)
{
	struct slab *slab = virt_to_slab(x);
	unsigned char state;
	unsigned int idx;

	if (unlikely(!slab)) {
		kasan_report_invalid_free(x, __func__);
		return true;
	}
	if (unlikely(slab->slab_cache != s)) {
		vcpu_report(VCPU_REPORT_BUG, "KASAN: invalid-free", __func__,
			    "%p belongs to cache %s, freed to cache %s",
			    x, slab->slab_cache->name, s->name);
		return true;
	}
	idx = __obj_to_index(s, slab, x);
	if (unlikely(idx >= slab->objects || model_index_to_obj(s, slab, idx) != x)) {
		vcpu_report(VCPU_REPORT_BUG, "KASAN: invalid-free", __func__,
			    "%p is not the start of an object of %s (object %p)",
			    x, s->name, idx < slab->objects ?
			    model_index_to_obj(s, slab, idx) : NULL);
		return true;
	}

	state = MODEL_OBJ_LIVE;
	if (unlikely(!__atomic_compare_exchange_n(&slab->model_obj_state[idx], &state,
						  MODEL_OBJ_CACHED, false,
						  __ATOMIC_RELAXED, __ATOMIC_RELAXED))) {
		vcpu_report(VCPU_REPORT_BUG, "KASAN: double-free", __func__,
			    "object %p of %s freed in state %u (%s)", x, s->name, state,
			    state == MODEL_OBJ_RCU ? "already passed to kfree_rcu()" :
			    "not allocated");
		return true;
	}
	*slabp = slab;
	*idxp = idx;
	return false;
}

/*
 * kfree_rcu() through a sheaf takes @obj from its user without running a
 * free hook: LIVE -> RCU.  Nothing is reported here even if @obj was not
 * live; as in the kernel, a double kfree_rcu() shows up when the free
 * hooks run after the grace period.
 */
void model_rcu_object_enter(struct kmem_cache *s, void *obj)
{
	struct slab *slab = virt_to_slab(obj);
	unsigned char state = MODEL_OBJ_LIVE;

	if (slab && slab->slab_cache == s)
		__atomic_compare_exchange_n(&slab->model_obj_state[__obj_to_index(s, slab, obj)],
					    &state, MODEL_OBJ_RCU, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	model_rcu_enter(s, 1);
}

static void model_rcu_leave_path(struct kmem_cache *s, void *obj, enum model_rcu_path path)
{
	struct slab *slab = virt_to_slab(obj);
	unsigned char state = MODEL_OBJ_RCU;

	if (slab && slab->slab_cache == s)
		__atomic_compare_exchange_n(&slab->model_obj_state[__obj_to_index(s, slab, obj)],
					    &state, MODEL_OBJ_LIVE, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	model_rcu_leave(s, 1);
	model_rcu_free_observe(obj, path);
}

/* Right before the free hooks run on an object kfree_rcu() took: RCU -> LIVE. */
void model_rcu_object_leave(struct kmem_cache *s, void *obj)
{
	model_rcu_leave_path(s, obj, MODEL_RCU_SHEAF);
}

/*
 * The same for an object slab_free_hook() deferred under SLUB_RCU_DEBUG,
 * right before slab_free_after_rcu_debug() runs the hooks again.
 */
void model_rcu_debug_object_leave(struct kmem_cache *s, void *obj)
{
	model_rcu_leave_path(s, obj, MODEL_RCU_DEBUG);
}

/* Frees one quarantined object to its slab; quarantine_lock is held. */
static void qlink_free(void *object)
{
	struct slab *slab = virt_to_slab(object);
	struct kmem_cache *s;

	lockdep_assert_held(&quarantine_lock);
	BUG_ON(!slab);
	s = slab->slab_cache;
	model_cache_enter(s);
	model_count_add(s->model_quarantined, -1L);
	do_slab_free(s, slab, &object, 1, _THIS_IP_);
	model_cache_exit(s);
}

/* True if @x went into the quarantine instead of its way back. */
static bool kasan_quarantine_put(struct kmem_cache *s, struct slab *slab,
				 unsigned int idx, void *x)
{
	unsigned long flags;

	if (!READ_ONCE(quarantine_capacity))
		return false;

	spin_lock_irqsave(&quarantine_lock, flags);
	/* model_set_quarantine() may have turned it off since */
	if (!quarantine_capacity) {
		spin_unlock_irqrestore(&quarantine_lock, flags);
		return false;
	}
	model_set_obj_state(slab, idx, MODEL_OBJ_QUARANTINE);
	model_count_add(s->model_quarantined, 1L);
	if (quarantine_count == quarantine_capacity) {
		void *oldest = quarantine_ring[quarantine_head];

		model_trace("quarantine: takes an object of %s, evicts one of %s to its slab",
			    s->name, virt_to_slab(oldest)->slab_cache->name);

		quarantine_head = (quarantine_head + 1) % quarantine_capacity;
		quarantine_count--;
		qlink_free(oldest);
	}
	else
		model_trace("quarantine: takes an object of %s (%u of %u)", s->name,
			    quarantine_count + 1, quarantine_capacity);
	quarantine_ring[(quarantine_head + quarantine_count) % quarantine_capacity] = x;
	quarantine_count++;
	spin_unlock_irqrestore(&quarantine_lock, flags);
	return true;
}

/* Frees every quarantined object of @s (all of them if @s is NULL). */
static void kasan_quarantine_remove_cache(struct kmem_cache *s)
{
	unsigned int i, kept = 0, n;
	unsigned long flags;

	spin_lock_irqsave(&quarantine_lock, flags);
	n = quarantine_count;
	for (i = 0; i < n; i++) {
		unsigned int at = (quarantine_head + i) % quarantine_capacity;
		void *object = quarantine_ring[at];

		if (!s || virt_to_slab(object)->slab_cache == s)
			qlink_free(object);
		else
			quarantine_ring[(quarantine_head + kept++) % quarantine_capacity] = object;
	}
	if (n != kept)
		model_trace("quarantine: %u object(s)%s%s back to their slabs, %u kept", n - kept,
			    s ? " of " : "", s ? s->name : "", kept);
	quarantine_count = kept;
	spin_unlock_irqrestore(&quarantine_lock, flags);
}

static bool kasan_slab_free(struct kmem_cache *s, struct slab *slab, unsigned int idx,
			    void *x, bool init, bool still_accessible)
{
	/* poisoning would break RCU readers; the quarantine would hide reuse bugs */
	if (still_accessible)
		return false;

	kasan_model_poison(x, s->object_size);
	return kasan_quarantine_put(s, slab, idx, x);
}

/*
 * Returns true if the free can go on, false if it was consumed: a bad free
 * that was reported, an object SLUB_RCU_DEBUG hands to call_rcu(), or an
 * object the quarantine keeps for now.
 */
bool slab_free_hook(struct kmem_cache *s, void *x, bool init, bool after_rcu_delay)
{
	/* are the object contents still accessible? */
	bool still_accessible = (s->flags & SLAB_TYPESAFE_BY_RCU) && !after_rcu_delay;
	struct slab *slab;
	unsigned int idx;

	if (kasan_slab_pre_free(s, x, &slab, &idx))
		return false;
	model_count_add(s->model_live, -1L);

	/*
	 * Model: CONFIG_SLUB_RCU_DEBUG is model_config.slub_rcu_debug, a
	 * switch of the running model (model_set_slub_rcu_debug()); the
	 * rcu_delayed_free is system memory (vcpu_alloc() for kmalloc_obj()),
	 * and kasan_record_aux_stack() has no stack depot to record into.
	 */
	if (still_accessible && model_slub_rcu_debug()) {
		struct rcu_delayed_free *delayed_free;

		delayed_free = vcpu_alloc(sizeof(*delayed_free), GFP_NOWAIT);
		if (delayed_free) {
			/* pre_free counted it out of live: it waits as RCU, pending */
			model_set_obj_state(slab, idx, MODEL_OBJ_RCU);
			model_count_add(s->model_rcu_pending, 1L);
			model_rcu_free_observe(x, MODEL_RCU_DEBUG_DEFER);
			model_trace("slab_free_hook(%s): SLUB_RCU_DEBUG, call_rcu(slab_free_after_rcu_debug)",
				    s->name);

			delayed_free->object = x;
			call_rcu(&delayed_free->head, slab_free_after_rcu_debug);
			return false;
		}
	}

	if (unlikely(init))
		memset(x, 0, s->object_size);

	return !kasan_slab_free(s, slab, idx, x, init, still_accessible);
}

/*
 * kfree_nolock()'s hooks: kasan_slab_pre_free(), then the poisoning of
 * kasan_slab_free() without the quarantine, whose lock an NMI may not take.
 * False if the free was consumed (a bad free, reported).
 */
bool model_slab_free_hook_nolock(struct kmem_cache *s, void *x)
{
	struct slab *slab;
	unsigned int idx;

	if (kasan_slab_pre_free(s, x, &slab, &idx))
		return false;
	model_count_add(s->model_live, -1L);
	if (!(s->flags & SLAB_TYPESAFE_BY_RCU))
		kasan_model_poison(x, s->object_size);
	return true;
}

/* Unpoisons and hands out objects that come from sheaves or slabs. */
bool slab_post_alloc_hook(struct kmem_cache *s, gfp_t flags, size_t size,
			  void **p, bool init)
{
	size_t i;

	for (i = 0; i < size; i++) {
		struct slab *slab;
		unsigned int idx;

		if (!p[i])
			continue;
		slab = virt_to_slab(p[i]);
		idx = __obj_to_index(s, slab, p[i]);
		if (unlikely(model_obj_state(slab, idx) != MODEL_OBJ_CACHED))
			vcpu_report(VCPU_REPORT_BUG, "object handed out twice", __func__,
				    "object %p of %s allocated in state %u",
				    p[i], s->name, model_obj_state(slab, idx));
		model_set_obj_state(slab, idx, MODEL_OBJ_LIVE);
		model_count_add(s->model_live, 1L);
		kasan_model_unpoison(p[i], s->object_size);
		if (init)
			memset(p[i], 0, s->object_size);
	}
	return true;
}

void kasan_cache_shrink(struct kmem_cache *s)
{
	if (quarantine_capacity)
		kasan_quarantine_remove_cache(s);
}

/* Before __kmem_cache_shutdown(): quarantined objects go back to slabs. */
void kasan_cache_shutdown(struct kmem_cache *s)
{
	model_trace("kasan_cache_shutdown(%s)", s->name);
	if (quarantine_capacity && !__kmem_cache_empty(s))
		kasan_quarantine_remove_cache(s);
}

int model_quarantine_init(const struct model_config *cfg)
{
	quarantine_head = 0;
	quarantine_count = 0;
	quarantine_capacity = 0;
	if (!cfg->quarantine || !cfg->quarantine_objects)
		return 0;
	/* the default size and below: a static ring, no allocation per model run */
	if (cfg->quarantine_objects <= ARRAY_SIZE(quarantine_small))
		quarantine_ring = quarantine_small;
	else
		quarantine_ring = vcpu_alloc(cfg->quarantine_objects * sizeof(void *), GFP_KERNEL);
	if (!quarantine_ring)
		return -ENOMEM;
	quarantine_capacity = cfg->quarantine_objects;
	return 0;
}

int model_set_quarantine(unsigned int objects)
{
	unsigned long flags;

	if (objects > ARRAY_SIZE(quarantine_small) ||
	    (quarantine_capacity && quarantine_ring != quarantine_small))
		return -EINVAL;
	spin_lock_irqsave(&quarantine_lock, flags);
	/* what the quarantine holds goes back to its slabs, as a reduce would */
	while (quarantine_count) {
		void *oldest = quarantine_ring[quarantine_head];

		quarantine_head = (quarantine_head + 1) % quarantine_capacity;
		quarantine_count--;
		qlink_free(oldest);
	}
	quarantine_ring = quarantine_small;
	quarantine_head = 0;
	WRITE_ONCE(quarantine_capacity, objects);
	spin_unlock_irqrestore(&quarantine_lock, flags);
	return 0;
}

/* Every quarantined object back to its slab, then the FIFO itself. */
void model_quarantine_exit(void)
{
	if (!quarantine_capacity)
		return;
	kasan_quarantine_remove_cache(NULL);
	if (quarantine_ring != quarantine_small)
		vcpu_free(quarantine_ring);
	quarantine_ring = NULL;
	quarantine_capacity = 0;
}
