/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slab.h - the public API of the model: what <linux/slab.h> offers a
 * kernel user, with the kernel's signatures.  The harness includes this,
 * check.h and variant.h, nothing else of allocator/.
 *
 * The model must be started with model_slab_init() after vcpu_env_init()
 * and stopped with model_slab_exit() before vcpu_env_exit().
 */
#ifndef SHEAF_SLAB_H
#define SHEAF_SLAB_H

#include "kernel/compiler.h"
#include "kernel/gfp.h"

struct kmem_cache;
struct slab_sheaf;

typedef unsigned int slab_flags_t;

/* Flags, with the kernel's meaning. */
#define SLAB_HWCACHE_ALIGN	0x00002000u	/* align objects on cache lines */
#define SLAB_RECLAIM_ACCOUNT	0x00020000u	/* accounted as reclaimable */
#define SLAB_TYPESAFE_BY_RCU	0x00080000u	/* slab pages freed after a grace period */
#define SLAB_NO_MERGE		0x01000000u	/* never merge with another cache */
#define SLAB_RED_ZONE		0x00000400u	/* a debug flag: disables sheaves */
#define SLAB_KMALLOC		0x00001000u	/* a kmalloc-<size> cache */
#define SLAB_NOLEAKTRACE	0x00800000u	/* kmemleak skips it: no sheaves, never merged */
#define SLAB_DEBUG_FLAGS	(SLAB_RED_ZONE)

struct kmem_cache_args {
	unsigned int align;
	/*
	 * At least this many objects per sheaf (0: the default); a cache that
	 * asks is never merged.  Every cache has sheaves, with the capacity
	 * calculate_sheaf_capacity() computes from the object size, except the
	 * ones it excludes: SLAB_DEBUG_FLAGS and SLAB_NOLEAKTRACE caches.
	 */
	unsigned int sheaf_capacity;
	void (*ctor)(void *object);
	/*
	 * Model: replaces the default capacity that calculate_sheaf_capacity()
	 * computes from the object size (4 to 60 objects), so that a test can
	 * fill a sheaf with a few objects; 0 keeps the kernel's figure.  Unlike
	 * sheaf_capacity it leaves the cache mergeable.
	 */
	unsigned int model_default_sheaf_capacity;
};

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     struct kmem_cache_args *args, slab_flags_t flags);
void kmem_cache_destroy(struct kmem_cache *s);
int kmem_cache_shrink(struct kmem_cache *s);
/*
 * A memory block going offline: what memory hotplug does to the slab
 * caches (mem_hotplug_begin()'s cpus_read_lock(), then
 * slab_mem_going_offline_callback(): every cache flushed and shrunk under
 * slab_mutex).  model_: the kernel reaches it only through memory hotplug.
 */
void model_memory_going_offline(void);

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int node);
void kmem_cache_free(struct kmem_cache *s, void *object);
/* Finds the cache from the object, as virt_to_slab() does; kfree(NULL) is a no-op. */
void kfree(const void *object);
/* From the kmalloc-<size> cache serving @size (model_config.kmalloc_sizes); NULL above 8 KiB. */
void *kmalloc(size_t size, gfp_t flags);
void *kmalloc_node(size_t size, gfp_t flags, int node);
/*
 * From a context that must not spin: only trylocks, so it may fail (NULL)
 * where kmalloc() would wait.  @gfp_flags: 0 or __GFP_ZERO.  It may retry in
 * the next kmalloc size, which must be in model_config.kmalloc_sizes too.
 */
void *kmalloc_nolock(size_t size, gfp_t gfp_flags, int node);
/* The model_config.kmalloc_sizes bit of the cache serving @size (1..8192), or 0 above. */
unsigned int model_kmalloc_size_bit(size_t size);
/* The kmalloc cache serving @size, NULL if the model did not create it. */
struct kmem_cache *model_kmalloc_cache(size_t size);
/* The object size of the kmalloc cache serving @size. */
size_t kmalloc_size_roundup(size_t size);
void kvfree(const void *object);
int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t size, void **p);
/* s may be NULL: each object's cache is looked up (kfree_bulk). */
void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p);
static inline void kfree_bulk(size_t size, void **p)
{
	kmem_cache_free_bulk(NULL, size, p);
}

struct slab_sheaf *kmem_cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
					    unsigned int size);
int kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
			    struct slab_sheaf **sheafp, unsigned int size);
void *kmem_cache_alloc_from_sheaf(struct kmem_cache *s, gfp_t gfp,
				  struct slab_sheaf *sheaf);
void kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp,
			     struct slab_sheaf *sheaf);
unsigned int kmem_cache_sheaf_size(struct slab_sheaf *sheaf);

/* kfree_rcu: the object embeds a struct rcu_head (see kernel/rcupdate.h). */
struct rcu_head;
void kvfree_call_rcu(struct rcu_head *head, void *ptr);
#define kfree_rcu(ptr, rhf)	kvfree_call_rcu(&((ptr)->rhf), (void *)(ptr))
#define kvfree_rcu(ptr, rhf)	kfree_rcu(ptr, rhf)
#define kfree_rcu_mightsleep(ptr)	kvfree_call_rcu(NULL, (void *)(ptr))

/*
 * The _nolock forms, for a context that may not spin on a lock: an NMI, a
 * tracing or BPF program, a section holding a raw spinlock or with
 * interrupts off.  kfree_nolock() frees to the sheaves when it can and
 * defers to a per-CPU irq_work otherwise; kfree_rcu_nolock() is
 * kfree_rcu() with allow_spin = false.  Model: kfree_nolock() takes any
 * slab object (the kernel's is only for kmalloc_nolock() objects, whose
 * allocation skipped the debug hooks its free skips).
 */
void kfree_nolock(const void *object);
void model_kvfree_call_rcu_nolock(struct rcu_head *head, void *ptr);
#define kfree_rcu_nolock(ptr, rhf) \
	model_kvfree_call_rcu_nolock(&((ptr)->rhf), (void *)(ptr))
void kvfree_rcu_barrier(void);
void kvfree_rcu_barrier_on_cache(struct kmem_cache *s);

/*
 * Memory pressure: the "slab-kvfree-rcu" shrinker's two callbacks
 * (mm/slab_common.c), with <linux/shrinker.h>'s names.  Model: there is no
 * shrinker registry, so a caller runs them as do_shrink_slab() would.
 * count: pointers waiting plus cached pages over all vCPUs (SHRINK_EMPTY
 * if none), and sets every vCPU's page cache backoff.  scan: per vCPU,
 * drain its page cache and run kfree_rcu_monitor() once, until nr_to_scan
 * is used up; returns what it counted, or SHRINK_STOP.  May sleep.
 */
struct shrink_control {
	long nr_to_scan;
};
#define SHRINK_STOP	(~0UL)
#define SHRINK_EMPTY	(~0UL - 1)
unsigned long kfree_rcu_shrink_count(struct shrink_control *sc);
unsigned long kfree_rcu_shrink_scan(struct shrink_control *sc);
/*
 * What kvfree_call_rcu() does on @cpu when it finds no block at hand,
 * run_page_cache_worker(): the page cache refill work is queued (model_:
 * the kernel has no entry point of that name; a caller uses it to run the
 * refill beside other work, as a real kernel may).
 */
void model_kvfree_rcu_refill_page_cache(unsigned int cpu);

/* Model lifecycle (model_ prefix: exists only in the model). */
struct model_config {
	bool quarantine;		/* the KASAN-like quarantine (default: on under ASan) */
	unsigned int quarantine_objects;/* its capacity in objects */
	/*
	 * Check a cache's structure whenever the last context leaves it (at
	 * SHEAF_DEBUG_LEVEL >= 1; default on).  A caller that validates every
	 * cache at its own points (the harness: after each op) turns it off.
	 */
	bool exit_checks;
	/*
	 * Merge compatible caches (CONFIG_SLAB_MERGE_DEFAULT); off by default,
	 * as if booted with slab_nomerge, so that a cache created without
	 * SLAB_NO_MERGE stays its own unless the caller asks for merging.
	 */
	bool slab_merge;
	/*
	 * Model: the kmalloc caches to create, a bit per kmalloc index
	 * (model_kmalloc_size_bit()); a kernel has them all, the model only
	 * those a caller will kmalloc() from.  Default: none.
	 */
	unsigned int kmalloc_sizes;
	/*
	 * CONFIG_SLUB_RCU_DEBUG: a free of a SLAB_TYPESAFE_BY_RCU object is
	 * finished by an RCU callback, so that it is poisoned only after a
	 * grace period; off by default.
	 */
	bool slub_rcu_debug;
};
void model_config_default(struct model_config *cfg);
/*
 * Resizes the KASAN-like quarantine of a running model, 0 (off) to 64
 * objects; what it holds goes back to its slabs first.  -EINVAL for a size
 * above 64, or when model_slab_init() made a larger one.
 */
int model_set_quarantine(unsigned int objects);
/*
 * Turns CONFIG_SLUB_RCU_DEBUG on or off in a running model; -EBUSY while a
 * SLAB_TYPESAFE_BY_RCU cache exists (a leaked one too), whose deferred frees
 * and destroy must see one setting.  Other caches are not affected by it.
 */
int model_set_slub_rcu_debug(bool on);
/* Whether CONFIG_SLUB_RCU_DEBUG is on now. */
bool model_slub_rcu_debug(void);
/* Registers the hotplug callbacks and creates the workqueues; 0 or -errno. */
int model_slab_init(const struct model_config *cfg);
/*
 * Releases every cache the model leaked on purpose (a failed destroy
 * leaves the cache allocated, as the kernel does) and everything the model
 * owns, so that LeakSanitizer speaks only of real leaks.  Call after all
 * caches were destroyed and vcpu_quiesce().
 */
void model_slab_exit(void);

/* Cache introspection for tests and the harness. */
const char *model_cache_name(const struct kmem_cache *s);
unsigned int kmem_cache_size(const struct kmem_cache *s);
bool model_cache_has_sheaves(const struct kmem_cache *s);
unsigned int model_cache_sheaf_capacity(const struct kmem_cache *s);
struct kmem_cache *model_virt_to_cache(const void *object);

#endif /* SHEAF_SLAB_H */
