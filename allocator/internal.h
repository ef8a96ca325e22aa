/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - the data model of the allocator: the structs of mm/slub.c
 * and mm/slab_common.c, their locks, and the small helpers every file of
 * allocator/ shares.  Nothing outside allocator/ includes it.
 *
 * Follows the 2026 slab tree (kernelorg-mirror/linux_kernel_git_harry_linux,
 * mm/slub.c at 0e11b80a0c12, mm/slab_common.c at 251665cee7e4): the constants
 * below have its values; docs/kernel.md lists each function's differences.
 *
 * Lock order (outermost first):
 *   0.  cpu_hotplug_lock   cpus_read_lock(); cpu_down()/cpu_up() take it for
 *                          write and run slub_cpu_dead() under it.
 *   1.  slab_mutex         protects slab_caches, the refcounts and the list
 *                          of caches the model leaked on purpose.
 *   2.  flush_lock         serialises every user of the per-CPU slub_flush
 *                          work items, so an item is never re-initialised
 *                          while queued.  flush_work() and rcu_barrier() are
 *                          called under 0-2, so no work item or RCU callback
 *                          may take any of them.
 *   3a. s->cpu_sheaves->lock  (local_trylock_t) the pcs of one CPU: main,
 *                          spare, rcu_free.  Held only for pointer swaps and
 *                          array copies; refills, flushes and allocations
 *                          happen after dropping it.
 *   3b. barn->lock         the barn's lists and counters; taken under 3a.
 *   3c. n->list_lock       the node's partial list, its counters, and
 *                          (Model) every slab's freelist and inuse; a leaf.
 *   3d. quarantine_lock    (kasan.c) the quarantine FIFO; taken with no 3a-3c
 *                          held; eviction nests 3c inside it.
 *
 * The admission gate (s->model_users, check.c) is not a lock: every
 * context that touches the objects or structures of a cache brackets that
 * work with model_cache_enter()/model_cache_exit(); the checker runs only
 * when it is alone in the gate.  It never waits on anything while inside.
 *
 * Sheaf states.  A sheaf is in exactly one state; the "union" column names
 * the member of the union in struct slab_sheaf the state uses, and
 * model_role records it so that a sheaf put in a second role is caught.
 *
 *  state        where                        union        size            who touches it
 *  main         pcs->main of CPU X           -            0..cap          X under its pcs lock,
 *  spare        pcs->spare of CPU X          -            0 or cap (*)      or slub_cpu_dead()
 *  rcu_free     pcs->rcu_free of CPU X       -            1..cap-1          after X died
 *  barn full    barn->sheaves_full           barn_list    1..cap          barn->lock holder
 *  barn empty   barn->sheaves_empty          barn_list    0               barn->lock holder
 *  rcu queued   call_rcu() .. callback       rcu_head     1..cap          the callback only
 *  rcu parked   deferred_percpu_work list    llnode       cap             the irq_work only
 *  prefilled    kmem_cache_prefill_sheaf()   capacity     0..capacity     the user
 *  detached     being refilled/flushed/freed -            any             the one context
 *  (*) races can leave a spare partially used; that is legal.
 *
 * Transitions: alloc_empty_sheaf() -> detached; refill_sheaf()/
 * sheaf_flush_unused() keep detached; barn_put_*() detached -> barn;
 * barn_get_*()/barn_replace_*() barn -> detached (and the reverse for the
 * sheaf handed in); pcs slot assignments detached <-> main/spare/rcu_free;
 * call_rcu() rcu_free -> rcu queued (next issue); a full rcu sheaf that
 * __kfree_rcu_sheaf(!allow_spin) detaches with interrupts off -> rcu parked,
 * and the irq_work's call_rcu() parked -> rcu queued; prefill returns detached
 * -> prefilled; kmem_cache_return_sheaf() prefilled -> detached or spare;
 * free_empty_sheaf() ends it.
 *
 * Where an object is (its slab's model_obj_state byte; check.c counts them):
 *  FREE        on its slab's freelist
 *  CACHED      slab-allocated, not a user's: in a sheaf, or moving between
 *  LIVE        handed to a user by slab_post_alloc_hook()
 *  QUARANTINE  freed by the user, held back by the KASAN-like quarantine
 *  RCU         taken by kfree_rcu() through a sheaf, free hooks not run yet;
 *              or (SLUB_RCU_DEBUG) a freed TYPESAFE object whose free waits
 *              for slab_free_after_rcu_debug(), counted in model_rcu_pending
 *  (a kfree_nolock() object on a deferred_percpu_work list is CACHED: its
 *  free hooks ran, its slab still counts it, model_deferred counts it)
 *              (the batched kfree_rcu path counts its objects in model_rcu_pending
 *              but leaves them LIVE)
 * Conservation, per cache:  Σ slab inuse == live + in pcs main/spare +
 *  in barn sheaves + in prefilled sheaves + quarantined + model_rcu_pending +
 *  model_deferred,
 *  where model_rcu_pending counts every object between kvfree_call_rcu() and the
 *  moment right before its free hooks run (model_rcu_enter()/_leave() move
 *  the count between live and model_rcu_pending).
 *
 * Assertion tiers: BUG_ON/WARN_ON always; SHEAF_DEBUG_LEVEL >= 1 runs the
 * cheap check at the end of every public call that is alone in its cache;
 * level 2 walks everything on model_cache_validate(s, 2).
 */
#ifndef SHEAF_ALLOCATOR_INTERNAL_H
#define SHEAF_ALLOCATOR_INTERNAL_H

#if !defined(SHEAF_ALLOCATOR_PRIVATE) && !defined(SHEAF_WHITE_BOX)
#error "internal.h is private to allocator/: the harness sees slab.h, check.h, variant.h, vmalloc.h and kernel/; a white-box test defines SHEAF_WHITE_BOX on purpose"
#endif

#include "kernel/kernel.h"
#include "slab.h"
#include "check.h"
#include "model_trace.h"

#ifndef SHEAF_DEBUG_LEVEL
#define SHEAF_DEBUG_LEVEL 1
#endif

/* ------------------------------------------------------------------ */
/* Constants (mm/slub.c at 0e11b80a0c12, unchanged since 0f35040de593) */

#define MAX_FULL_SHEAVES	10
#define MAX_EMPTY_SHEAVES	10
#define PCS_BATCH_MAX		32U	/* objects per sheaf_flush_main() batch */
#define MIN_PARTIAL		5
#define MAX_PARTIAL		10
#define MAX_OBJS_PER_PAGE	32767
#define PAGE_ALLOC_COSTLY_ORDER	3
#define MAX_PAGE_ORDER		10
#define KMALLOC_MAX_SIZE	(PAGE_SIZE << MAX_PAGE_ORDER)
#define SHRINK_PROMOTE_MAX	32
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
#define ARCH_SLAB_MINALIGN	__alignof__(unsigned long long)
#define MODEL_NAME_LEN		32
#define KMALLOC_SHIFT_LOW	3	/* kmalloc-8 */
#define KMALLOC_SHIFT_HIGH	(PAGE_SHIFT + 1)
#define KMALLOC_MAX_CACHE_SIZE	(1UL << KMALLOC_SHIFT_HIGH)	/* kmalloc-8k */
/*
 * Model: sizeof(struct slab_sheaf) as the kernel lays it out on 64-bit: a
 * 16-byte union (rcu_head, barn_list, capacity and pfmemalloc), the cache
 * pointer, size and node.  The model's struct carries more (an llist node
 * in the union, model_role), which must not change the capacities.
 */
#define MODEL_KERNEL_SHEAF_SIZE	32

/* ------------------------------------------------------------------ */
/* struct slab (slab.c)                                                 */

/* Where an object is; see the table above.  One byte per object. */
enum model_obj_state {
	MODEL_OBJ_FREE,
	MODEL_OBJ_CACHED,
	MODEL_OBJ_LIVE,
	MODEL_OBJ_QUARANTINE,
	MODEL_OBJ_RCU,
	MODEL_OBJ_MARK = 0x80,	/* check.c's "seen" bit during a level-2 walk */
};

/*
 * One slab: 2^order pages of objects.  Model: the metadata does not live in
 * struct page; one vcpu_alloc() holds the page-aligned object area followed
 * by this struct, the freelist stack and the state bytes.
 */
struct slab {
	struct kmem_cache *slab_cache;	/* owner; read by rcu_free_slab() */
	union {
		struct list_head slab_list;	/* on n->partial while SL_partial */
		struct rcu_head rcu_head;	/* free_slab() of a TYPESAFE_BY_RCU cache */
	};
	struct list_head model_list;	/* on n->model_slabs while the node counts it */
	char *addr;			/* slab_address(): the first object */
	void *model_mem;		/* what vcpu_alloc() returned */
	unsigned int order;
	unsigned int objects;		/* capacity in objects */
	unsigned int inuse;		/* objects - free; under n->list_lock */
	int node;			/* the node the slab was allocated on */
	bool partial;			/* SL_partial: on n->partial; under list_lock */
	/*
	 * Model: the freelist is a stack of object indices in the metadata
	 * (objects - inuse entries), not a pointer chain inside the free
	 * objects, so that poisoned free objects are never written.
	 */
	unsigned short *freelist;
	unsigned char *model_obj_state;	/* enum model_obj_state, relaxed atomics */
	/*
	 * Model: a SLAB_TYPESAFE_BY_RCU slab's discard_slab() takes a grace
	 * period cookie; __free_slab() checks that it completed (the memory of
	 * such a slab may be read by readers that began before the discard).
	 */
	unsigned long model_discard_gp;
	bool model_typesafe_discarded;
};

static inline void *slab_address(const struct slab *slab)
{
	return slab->addr;
}

static inline int slab_nid(const struct slab *slab)
{
	return slab->node;
}

/* The slab an address belongs to, or NULL; never reads slab memory. */
struct slab *virt_to_slab(const void *addr);

static inline unsigned int __obj_to_index(const struct kmem_cache *s,
					  const struct slab *slab, const void *obj);

/* ------------------------------------------------------------------ */
/* struct slab_sheaf (sheaf.c), struct node_barn (barn.c)               */

enum model_sheaf_role {
	MODEL_SHEAF_DETACHED,	/* in a pcs slot, or owned by one context */
	MODEL_SHEAF_IN_BARN,	/* barn_list in use */
	MODEL_SHEAF_RCU,	/* rcu_head in use (next issue) */
	MODEL_SHEAF_PREFILLED,	/* capacity/pfmemalloc in use, the user holds it */
	MODEL_SHEAF_PARKED,	/* llnode in use, on a deferred_percpu_work list */
};

struct slab_sheaf {
	union {
		struct rcu_head rcu_head;	/* while queued to call_rcu() */
		struct list_head barn_list;	/* while in a barn list */
		struct llist_node llnode;	/* while parked for the irq_work */
		struct {			/* prefilled sheaves only */
			unsigned int capacity;
			bool pfmemalloc;
		};
	};
	struct kmem_cache *cache;	/* owner; RCU callbacks need it */
	unsigned int size;		/* valid entries in objects[]; LIFO */
	int node;			/* only used for rcu_free: node at submission */
	unsigned char model_role;	/* enum model_sheaf_role */
	void *objects[];		/* s->sheaf_capacity, or more when oversize */
};

struct node_barn {
	spinlock_t lock;
	struct list_head sheaves_full;	/* sheaves with objects */
	struct list_head sheaves_empty;	/* only size == 0 sheaves */
	unsigned int nr_full;		/* == list length; WRITE_ONCE under lock */
	unsigned int nr_empty;		/* == list length; WRITE_ONCE under lock */
};

/* ------------------------------------------------------------------ */
/* struct slub_percpu_sheaves (pcs.c)                                   */

struct slub_percpu_sheaves {
	local_trylock_t lock;
	struct slab_sheaf *main;	/* never NULL when unlocked */
	struct slab_sheaf *spare;	/* empty or full, may be NULL */
	struct slab_sheaf *rcu_free;	/* for batching kfree_rcu() */
};

/* ------------------------------------------------------------------ */
/* struct kmem_cache_node (node.c)                                      */

struct kmem_cache_node {
	spinlock_t list_lock;
	unsigned long nr_partial;	/* == length of partial; WRITE_ONCE, racy peeks */
	struct list_head partial;	/* slabs with 1..objects free objects */
	unsigned long nr_slabs;		/* node_nr_slabs(); under list_lock */
	unsigned long total_objects;	/* Σ slab->objects; under list_lock */
	unsigned long model_inuse;	/* Σ slab->inuse; under list_lock */
	struct list_head model_slabs;	/* every slab counted above (full ones too) */
	int node;
};

/* What a cache keeps per node (mm/slab.h): the barn and the slab lists. */
struct kmem_cache_per_node_ptrs {
	struct node_barn *barn;		/* NULL without sheaves, or (Model) memory */
	struct kmem_cache_node *node;	/* NULL: a memoryless node */
};

/* An allocation's alloc_flags (mm/slab.h) */
#define SLAB_ALLOC_DEFAULT	0x00	/* no flags */
#define SLAB_ALLOC_TRYLOCK	0x01	/* a kmalloc_nolock() allocation */

static inline bool alloc_flags_allow_spinning(const unsigned int alloc_flags)
{
	return !(alloc_flags & SLAB_ALLOC_TRYLOCK);
}

/* ------------------------------------------------------------------ */
/* struct kmem_cache (cache.c)                                          */

struct kmem_cache_order_objects {
	unsigned int x;
};

#define OO_SHIFT	16
#define OO_MASK		((1U << OO_SHIFT) - 1)

static inline struct kmem_cache_order_objects oo_make(unsigned int order,
						      unsigned int size)
{
	struct kmem_cache_order_objects x = {
		(order << OO_SHIFT) + (unsigned int)((PAGE_SIZE << order) / size)
	};
	return x;
}

static inline unsigned int oo_order(struct kmem_cache_order_objects x)
{
	return x.x >> OO_SHIFT;
}

static inline unsigned int oo_objects(struct kmem_cache_order_objects x)
{
	return x.x & OO_MASK;
}

struct kmem_cache {
	/* every cache has them; see cache_has_sheaves() */
	struct slub_percpu_sheaves __percpu *cpu_sheaves;
	slab_flags_t flags;
	unsigned long min_partial;	/* empty slabs kept on a partial list */
	unsigned int size;		/* object + redzone, aligned */
	unsigned int object_size;	/* what the user asked for */
	unsigned int offset;		/* free pointer offset (layout only, Model) */
	unsigned int inuse;		/* object_size rounded to a word */
	unsigned int align;
	unsigned int sheaf_capacity;	/* 0: pcs->main is the bootstrap sheaf */
	struct kmem_cache_order_objects oo;	/* preferred slab order */
	struct kmem_cache_order_objects min;	/* fallback slab order */
	void (*ctor)(void *object);
	const char *name;
	int refcount;			/* under slab_mutex */
	struct list_head list;		/* on slab_caches or model_leaked_caches */
	struct kmem_cache_per_node_ptrs per_node[VCPU_MAX_NODES];
	unsigned long stat[NR_SLUB_STAT_ITEMS];	/* relaxed atomics */

	/* Model-only state. */
	unsigned int model_users;	/* admission gate, see check.c */
	unsigned int model_entries;	/* contexts admitted so far (relaxed) */
	unsigned int model_clean_at;	/* model_entries + 1 at the last clean check */
	long model_live;		/* objects handed to users */
	long model_quarantined;		/* objects in the quarantine */
	long model_prefilled;		/* objects in sheaves users hold */
	long model_rcu_pending;		/* objects inside the kfree_rcu paths or SLUB_RCU_DEBUG */
	long model_deferred;		/* kfree_nolock() objects awaiting the irq_work */
	long model_rcu_slabs;		/* TYPESAFE slabs queued to rcu_free_slab() */
	char model_name[MODEL_NAME_LEN];
};

static inline unsigned int __obj_to_index(const struct kmem_cache *s,
					  const struct slab *slab, const void *obj)
{
	return (unsigned int)(((const char *)obj - slab->addr) / s->size);
}

static inline void *model_index_to_obj(const struct kmem_cache *s,
				       const struct slab *slab, unsigned int idx)
{
	return slab->addr + (size_t)idx * s->size;
}

static inline struct kmem_cache_node *get_node(const struct kmem_cache *s, int node)
{
	if (node < 0 || (unsigned int)node >= nr_node_ids)
		return NULL;
	return s->per_node[node].node;
}

/*
 * Every cache has s->cpu_sheaves; a cache without real sheaves (a debug or
 * SLAB_NOLEAKTRACE cache, or a kmalloc cache before
 * bootstrap_kmalloc_sheaves()) has capacity 0 and every pcs->main on the
 * one static bootstrap sheaf, which is empty and full at once, so that the
 * fast paths fail into the slow paths, which test this and back off.
 */
static inline bool cache_has_sheaves(const struct kmem_cache *s)
{
	return s->sheaf_capacity;
}

static inline bool is_kmalloc_cache(const struct kmem_cache *s)
{
	return s->flags & SLAB_KMALLOC;
}

/* Model: there are only KMALLOC_NORMAL caches (no DMA, no accounting) */
static inline bool is_kmalloc_normal(const struct kmem_cache *s)
{
	return is_kmalloc_cache(s) && !(s->flags & SLAB_RECLAIM_ACCOUNT);
}

static inline struct node_barn *get_barn_node(const struct kmem_cache *s, int node)
{
	if (node < 0 || (unsigned int)node >= nr_node_ids)
		return NULL;
	return s->per_node[node].barn;
}

/*
 * The barn of the current CPU's node; NULL without sheaves.  Model: also
 * NULL on a memoryless node, which has no barn here (init_kmem_cache_nodes()).
 */
static inline struct node_barn *get_barn(const struct kmem_cache *s)
{
	return get_barn_node(s, numa_node_id());
}

#define for_each_kmem_cache_node(__s, __node, __n)			\
	for ((__node) = 0; (unsigned int)(__node) < nr_node_ids; (__node)++) \
		if (!((__n) = get_node((__s), (__node)))) {} else

static inline void stat(struct kmem_cache *s, enum stat_item si)
{
#ifndef SHEAF_NO_MODEL_COUNTERS
	__atomic_fetch_add(&s->stat[si], 1, __ATOMIC_RELAXED);
#endif
}

static inline void stat_add(struct kmem_cache *s, enum stat_item si, unsigned long v)
{
#ifndef SHEAF_NO_MODEL_COUNTERS
	__atomic_fetch_add(&s->stat[si], v, __ATOMIC_RELAXED);
#endif
}

/* Relaxed counter updates for the model_* and rcu_pending fields. */
#define model_count_add(field, v)	__atomic_fetch_add(&(field), (v), __ATOMIC_RELAXED)
#define model_count_read(field)		__atomic_load_n(&(field), __ATOMIC_RELAXED)

static inline unsigned char model_obj_state(const struct slab *slab, unsigned int idx)
{
	return __atomic_load_n(&slab->model_obj_state[idx], __ATOMIC_RELAXED);
}

static inline void model_set_obj_state(struct slab *slab, unsigned int idx,
				       unsigned char state)
{
	__atomic_store_n(&slab->model_obj_state[idx], state, __ATOMIC_RELAXED);
}

/*
 * The kernel's data_race(): a deliberately unsynchronised peek.  ThreadSanitizer
 * is told not to instrument the function that does it.
 */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
#define __model_racy	__attribute__((no_sanitize("thread")))
#endif
#endif
#ifndef __model_racy
#define __model_racy
#endif

/*
 * Manual AddressSanitizer poisoning, where KASAN poisons.  Builds without
 * ASan compile the same calls to nothing.
 */
#if defined(SHEAF_ASAN)
#include <sanitizer/asan_interface.h>
#define kasan_model_poison(addr, size)	ASAN_POISON_MEMORY_REGION((addr), (size))
#define kasan_model_unpoison(addr, size) ASAN_UNPOISON_MEMORY_REGION((addr), (size))
#else
#define kasan_model_poison(addr, size)	((void)(addr), (void)(size))
#define kasan_model_unpoison(addr, size) ((void)(addr), (void)(size))
#endif

/* ------------------------------------------------------------------ */
/* Globals                                                              */

extern struct mutex slab_mutex;
extern struct list_head slab_caches;
extern struct model_config slab_model_config;

/* Flush machinery (flush.c), shared with the kfree_rcu barrier. */
struct slub_flush_work {
	struct work_struct work;
	struct kmem_cache *s;
	bool skip;
};
extern struct workqueue_struct *flushwq;
extern struct mutex flush_lock;
DECLARE_PER_CPU(struct slub_flush_work, slub_flush);

/*
 * What kfree_nolock() and kfree_rcu_nolock() could not do in their context
 * (nolock.c): objects to free to their slabs and full rcu sheaves to hand
 * to call_rcu(), done by the irq_work on the same CPU.
 */
struct deferred_percpu_work {
	struct llist_head objects;
	struct llist_head rcu_sheaves;
	struct irq_work work;
};
DECLARE_PER_CPU(struct deferred_percpu_work, deferred_percpu_work);

/*
 * CONFIG_SLUB_RCU_DEBUG: the free of a SLAB_TYPESAFE_BY_RCU object that
 * slab_free_hook() hands to call_rcu(), for slab_free_after_rcu_debug().
 */
struct rcu_delayed_free {
	struct rcu_head head;
	void *object;
};

/* ------------------------------------------------------------------ */
/* Functions, by the file that owns them                                */

/* cache.c */
void kmem_cache_release(struct kmem_cache *s);
bool model_slab_kunit_test(void);

/* node.c */
int init_kmem_cache_nodes(struct kmem_cache *s);

static inline unsigned int fls_u(unsigned int x)
{
	return x ? 32 - (unsigned int)__builtin_clz(x) : 0;
}

static inline unsigned int get_order(unsigned long size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* kmalloc.c */
extern struct kmem_cache *kmalloc_caches[KMALLOC_SHIFT_HIGH + 1];
unsigned int model_kmalloc_index(size_t size);
struct kmem_cache *kmalloc_slab(size_t size, gfp_t flags);
const char *model_kmalloc_name(size_t size);
int create_kmalloc_caches(unsigned int model_mask);
int bootstrap_kmalloc_sheaves(void);
void model_kmalloc_exit(void);

/* cache.c, for kmalloc.c */
unsigned int calculate_sheaf_capacity(struct kmem_cache *s, struct kmem_cache_args *args);
struct kmem_cache *create_kmalloc_cache(const char *name, unsigned int size, slab_flags_t flags);
void free_kmem_cache_nodes(struct kmem_cache *s);
void add_partial(struct kmem_cache_node *n, struct slab *slab, bool tail);
void remove_partial(struct kmem_cache_node *n, struct slab *slab);
void inc_slabs_node(struct kmem_cache_node *n, struct slab *slab);
void dec_slabs_node(struct kmem_cache_node *n, struct slab *slab);
void *__slab_alloc_node(struct kmem_cache *s, gfp_t gfp, int node,
			unsigned long addr, unsigned int orig_size, unsigned int alloc_flags);
int __kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p);
int __kmem_cache_shutdown(struct kmem_cache *s);
int __kmem_cache_do_shrink(struct kmem_cache *s);
bool __kmem_cache_empty(struct kmem_cache *s);
void model_free_node_slabs(struct kmem_cache *s);

/* slab.c */
struct slab *new_slab(struct kmem_cache *s, gfp_t flags, int node);
void *slab_pop_object(struct kmem_cache *s, struct slab *slab);
void discard_slab(struct kmem_cache *s, struct slab *slab);
void __free_slab(struct kmem_cache *s, struct slab *slab);
void do_slab_free(struct kmem_cache *s, struct slab *slab, void **objects,
		  unsigned int cnt, unsigned long addr);
void model_slab_map_exit(void);
unsigned long model_nr_slabs(void);

/* object.c */
void __kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p);
void slab_free_after_rcu_debug(struct rcu_head *rcu_head);

/* sheaf.c */
struct slab_sheaf *__alloc_empty_sheaf(struct kmem_cache *s, gfp_t gfp, unsigned int capacity);
struct slab_sheaf *alloc_empty_sheaf(struct kmem_cache *s, gfp_t gfp);
void free_empty_sheaf(struct kmem_cache *s, struct slab_sheaf *sheaf);
int refill_sheaf(struct kmem_cache *s, struct slab_sheaf *sheaf, gfp_t gfp);
struct slab_sheaf *alloc_full_sheaf(struct kmem_cache *s, gfp_t gfp);
void sheaf_flush_unused(struct kmem_cache *s, struct slab_sheaf *sheaf);
void model_sheaf_role(struct slab_sheaf *sheaf, enum model_sheaf_role from,
		      enum model_sheaf_role to);

/* barn.c */
void barn_init(struct node_barn *barn);
struct slab_sheaf *barn_get_empty_sheaf(struct node_barn *barn, bool allow_spin);
void barn_put_empty_sheaf(struct node_barn *barn, struct slab_sheaf *sheaf);
void barn_put_full_sheaf(struct node_barn *barn, struct slab_sheaf *sheaf);
struct slab_sheaf *barn_get_full_or_empty_sheaf(struct node_barn *barn);
struct slab_sheaf *barn_replace_empty_sheaf(struct node_barn *barn,
					    struct slab_sheaf *empty, bool allow_spin);
struct slab_sheaf *barn_replace_full_sheaf(struct node_barn *barn,
					   struct slab_sheaf *full, bool allow_spin);
void barn_shrink(struct kmem_cache *s, struct node_barn *barn);

/* pcs.c */
int init_percpu_sheaves(struct kmem_cache *s);
bool model_is_bootstrap_sheaf(const struct slab_sheaf *sheaf);
void pcs_destroy(struct kmem_cache *s);
void *alloc_from_pcs(struct kmem_cache *s, gfp_t gfp, unsigned int alloc_flags, int node);
bool free_to_pcs(struct kmem_cache *s, void *object, bool allow_spin);
bool sheaf_flush_main(struct kmem_cache *s);

/* pcs_bulk.c */
unsigned int alloc_from_pcs_bulk(struct kmem_cache *s, size_t size, void **p);
void free_to_pcs_bulk(struct kmem_cache *s, size_t size, void **p);

/* flush.c */
void pcs_flush_all(struct kmem_cache *s);
void __pcs_flush_all_cpu(struct kmem_cache *s, unsigned int cpu);
void flush_all_cpus_locked(struct kmem_cache *s);
void flush_all(struct kmem_cache *s);
int slub_cpu_dead(unsigned int cpu);

/* rcu_sheaf.c */
bool __kfree_rcu_sheaf(struct kmem_cache *s, void *obj, bool allow_spin);
void model_submit_rcu_sheaf(struct slab_sheaf *sheaf);
void model_submit_rcu_sheaf_nobarn(struct slab_sheaf *sheaf);
void flush_rcu_sheaves_on_cache(struct kmem_cache *s);
void flush_all_rcu_sheaves(void);

/* nolock.c */
void deferred_work_barrier(void);
void model_deferred_work_init(void);

/* kasan.c */
void kasan_report_invalid_free(const void *ptr, const char *func);
void model_rcu_object_enter(struct kmem_cache *s, void *obj);
void model_rcu_object_leave(struct kmem_cache *s, void *obj);
void model_rcu_debug_object_leave(struct kmem_cache *s, void *obj);
/* check.c: tells the observer of model_set_rcu_free_hook(). */
void model_rcu_free_observe(const void *obj, enum model_rcu_path path);
void kasan_poison_slab(struct kmem_cache *s, struct slab *slab);
void *setup_object(struct kmem_cache *s, void *object);
bool slab_free_hook(struct kmem_cache *s, void *x, bool init, bool after_rcu_delay);
bool model_slab_free_hook_nolock(struct kmem_cache *s, void *x);
bool slab_post_alloc_hook(struct kmem_cache *s, gfp_t flags, size_t size,
			  void **p, bool init);
void kasan_cache_shrink(struct kmem_cache *s);
void kasan_cache_shutdown(struct kmem_cache *s);
unsigned int kasan_redzone(unsigned int object_size);
int model_quarantine_init(const struct model_config *cfg);
void model_quarantine_exit(void);

/* check.c */
void model_cache_enter(struct kmem_cache *s);
void model_cache_exit(struct kmem_cache *s);
void model_rcu_enter(struct kmem_cache *s, unsigned int nr);
void model_rcu_leave(struct kmem_cache *s, unsigned int nr);
void model_check_reset(void);
void model_count_slab_errors(unsigned long nr);

#endif /* SHEAF_ALLOCATOR_INTERNAL_H */
