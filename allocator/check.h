/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.h - the structure oracle of the model (allocator/check.c) and the
 * counters tests read.  Public: the harness includes it next to slab.h.
 *
 * Return protocol of model_cache_validate():
 *   0         every invariant of the requested level holds;
 *   -EUCLEAN  an invariant is broken; the first violation was printed
 *             (pr_err) and counted in model_check_failures();
 *   -EBUSY    another context is inside the cache (an operation is in
 *             progress, or suspended at a decision point), so a consistent
 *             snapshot cannot be taken now; nothing was checked.
 *
 * Levels (SHEAF_DEBUG_LEVEL picks what runs on its own, see internal.h):
 *   1  cheap: per-cache conservation of counters, barn counters against
 *      list lengths, empty-list sheaves empty, sheaf sizes within capacity,
 *      pcs->main present on every possible CPU.  O(CPUs + barn sheaves).
 *   2  full: level 1, plus a walk of every slab and every sheaf: each
 *      object's state against where it was found, freelists without
 *      duplicates, no object in two sheaves, partial list counters.
 *      O(objects).
 */
#ifndef SHEAF_CHECK_H
#define SHEAF_CHECK_H

#include "kernel/compiler.h"

struct kmem_cache;

/*
 * The model's counters: the CONFIG_SLUB_STATS items below, the batched
 * kvfree_rcu path's counters and variant()'s evaluation counts.  Each is
 * one atomic that every vCPU thread adds to, where the kernel has per-CPU
 * counters or none.  A build with SHEAF_NO_MODEL_COUNTERS defined models a
 * kernel without CONFIG_SLUB_STATS: nothing is counted and they read 0.
 * bench_destroy times that build, so that statistics cannot weigh on its
 * figures.
 *
 * The kernel's CONFIG_SLUB_STATS items, with the kernel's names (as of 0f35040de593):
 */
enum stat_item {
	ALLOC_PCS,		/* allocation from a percpu sheaf */
	ALLOC_SLOWPATH,		/* allocation from a partial or new slab */
	FREE_PCS,		/* free to a percpu sheaf */
	FREE_RCU_SHEAF,		/* free to an rcu_free sheaf */
	FREE_RCU_SHEAF_FAIL,	/* failed to free to an rcu_free sheaf */
	FREE_SLOWPATH,		/* free straight to a slab */
	FREE_ADD_PARTIAL,	/* a free moved the slab to the partial list */
	FREE_REMOVE_PARTIAL,	/* a free emptied the slab and took it off the list */
	ALLOC_SLAB,		/* new slab from the system allocator */
	ALLOC_NODE_MISMATCH,	/* a node was requested the sheaves cannot serve */
	FREE_SLAB,		/* slab given back to the system allocator */
	ORDER_FALLBACK,		/* the slab fell back to the minimum order */
	SHEAF_FLUSH,		/* objects flushed from a sheaf */
	SHEAF_REFILL,		/* objects refilled into a sheaf */
	SHEAF_ALLOC,		/* allocation of an empty sheaf */
	SHEAF_FREE,		/* freeing of an empty sheaf */
	BARN_GET,		/* got a full sheaf from the barn */
	BARN_GET_FAIL,		/* failed to get a full sheaf from the barn */
	BARN_PUT,		/* put a full sheaf into the barn */
	BARN_PUT_FAIL,		/* failed to put a full sheaf into the barn */
	SHEAF_PREFILL_FAST,	/* prefill took the spare sheaf */
	SHEAF_PREFILL_SLOW,	/* prefill found no spare sheaf */
	SHEAF_PREFILL_OVERSIZE,	/* prefill allocated an oversize sheaf */
	SHEAF_RETURN_FAST,	/* return reattached the sheaf as spare */
	SHEAF_RETURN_SLOW,	/* return could not reattach it */
	NR_SLUB_STAT_ITEMS
};

/* Validates @s, or every cache on slab_caches when @s is NULL. */
int model_cache_validate(struct kmem_cache *s, int level);

/* One counter of @s (relaxed read; exact when the cache is quiet). */
unsigned long model_cache_stat(const struct kmem_cache *s, enum stat_item item);
const char *model_stat_name(enum stat_item item);

/*
 * Where the objects of a cache are, taken as one consistent snapshot.
 * Returns 0, or -EBUSY as model_cache_validate() does.
 */
struct model_cache_counts {
	unsigned long slabs;		/* slabs the nodes count */
	unsigned long objects;		/* their capacity in objects */
	unsigned long inuse;		/* slab-allocated: not on a slab freelist */
	unsigned long partial;		/* slabs on partial lists */
	long live;			/* handed to users */
	unsigned long in_pcs;		/* in pcs main and spare sheaves */
	unsigned long in_barn;		/* in barn sheaves */
	unsigned long barn_full;	/* full sheaves in barns */
	unsigned long barn_empty;	/* empty sheaves in barns */
	long prefilled;			/* in sheaves users hold (prefill API) */
	long quarantined;		/* in the KASAN-like quarantine */
	long rcu_pending;		/* inside the kfree_rcu paths */
};
int model_cache_counts(struct kmem_cache *s, struct model_cache_counts *c);

/*
 * Objects of @s inside the kfree_rcu paths (rcu_free sheaves, rcu sheaves
 * in flight, kvfree_rcu batches).  One counter, readable at any time: the
 * barrier oracles ask it right after a barrier returns, when no other
 * context of the program can be adding to it.
 */
long model_cache_rcu_pending(const struct kmem_cache *s);
/*
 * The same count, read only while no context is inside @s (the gate of
 * model_cache_counts(), without its walk): 0, or -EBUSY when a context
 * is inside and the count may be in motion.
 */
int model_cache_rcu_pending_quiet(struct kmem_cache *s, long *pending);

/*
 * The batched kvfree_rcu() path's counters (kvfree_rcu.c), over all vCPUs
 * and caches, reset by model_slab_init(); relaxed reads.  Objects that took
 * the sheaf path are counted per cache (FREE_RCU_SHEAF) instead.
 */
struct model_kvfree_rcu_stats {
	unsigned long bulk_objs[2];	/* pointers put in blocks: channel 0 slab, 1 vmalloc */
	unsigned long list_objs;	/* fallbacks to channel 3 (krcp->head) */
	unsigned long inline_objs;	/* headless fallbacks: synchronize_rcu() + kvfree() */
	unsigned long double_frees;	/* "Double-freed call": leaked */
	unsigned long blocks_cached;	/* blocks taken from the page cache */
	unsigned long blocks_allocated;	/* blocks from __get_free_page() in kvfree_call_rcu() */
	unsigned long block_alloc_failed;
	unsigned long pages_filled;	/* pages fill_page_cache_func() cached */
	unsigned long pages_freed;	/* pages given back with free_page() */
	unsigned long monitor_runs;
	unsigned long ready_objs;	/* freed by kvfree_rcu_drain_ready() */
	unsigned long batches_queued;	/* queue_rcu_work() of a krwp */
	unsigned long work_runs;	/* kfree_rcu_work() executions */
	unsigned long freed_objs;	/* objects kfree'd or vfree'd, all paths */
	unsigned long barriers;		/* __kvfree_rcu_barrier() calls */
	unsigned long barrier_offloads;	/* (barrier, vCPU) pairs that had to offload */
	unsigned long barrier_retries;	/* both batches busy: flush_rcu_work() and retry */
};
void model_kvfree_rcu_get_stats(struct model_kvfree_rcu_stats *st);

/*
 * The moment the kfree_rcu machinery gives an object back to have its free
 * hooks run: __rcu_free_sheaf_prepare() for the sheaf path, right before
 * the kfree()/vfree() for the others.  An observer (the harness's contract
 * oracle) checks there that the grace period the object waited for is over.
 * With SLUB_RCU_DEBUG the same moment comes for a plain free of a
 * SLAB_TYPESAFE_BY_RCU object, in slab_free_after_rcu_debug(); the hook is
 * also told, with MODEL_RCU_DEBUG_DEFER, when slab_free_hook() defers such a
 * free (it does not when its rcu_delayed_free cannot be allocated).
 * The hook runs in whatever context frees (an RCU callback, a workqueue
 * worker, the caller of kvfree_call_rcu()); it must not call the model.
 */
enum model_rcu_path {
	MODEL_RCU_SHEAF,	/* an rcu sheaf's callback */
	MODEL_RCU_BULK,		/* a kvfree_rcu_bulk_data block */
	MODEL_RCU_LIST,		/* channel 3: the rcu_head list */
	MODEL_RCU_INLINE,	/* headless, no block: synchronize_rcu() then kvfree() */
	MODEL_RCU_DEBUG,	/* not kfree_rcu(): slab_free_after_rcu_debug() (SLUB_RCU_DEBUG) */
	MODEL_RCU_DEBUG_DEFER,	/* not a give-back: slab_free_hook() has just deferred the free */
	NR_MODEL_RCU_PATHS
};
typedef void (*model_rcu_free_hook_t)(const void *obj, enum model_rcu_path path);
/* Installs @hook (NULL: none); model_slab_init() keeps it. */
void model_set_rcu_free_hook(model_rcu_free_hook_t hook);
const char *model_rcu_path_name(enum model_rcu_path path);

/*
 * The model's trace: one line of text for each event a reader of a failing
 * op wants to see (a flush work running, an rcu sheaf handed to call_rcu(),
 * its callback, an rcu_barrier() and what it waits for, a batch queued or
 * freed, the quarantine taking or evicting an object).  Off by default; a
 * line is built only while a hook is installed.  The hook runs in the
 * context of the event and must not call the model; model_slab_init()
 * keeps it.
 */
typedef void (*model_trace_hook_t)(const char *text);
void model_set_trace_hook(model_trace_hook_t hook);

/*
 * Slab errors in the kernel's KUnit sense: list_slab_objects() counts one
 * for the "Objects remaining" header of each slab and one per leaked
 * object (test_leak_destroy expects 2 for one object).
 */
unsigned long model_slab_errors(void);
/* Failed checks since model_slab_init(). */
unsigned long model_check_failures(void);
/*
 * slab_in_kunit_test(): while set, a failed destroy counts slab errors
 * instead of reporting them, and kmem_cache_destroy() does not WARN, as in
 * a kernel running slub_kunit.  Returns the previous setting.
 */
bool model_set_slab_kunit_test(bool on);

#endif /* SHEAF_CHECK_H */
