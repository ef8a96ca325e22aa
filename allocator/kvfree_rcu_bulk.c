// SPDX-License-Identifier: GPL-2.0
/*
 * kvfree_rcu_bulk.c - the blocks of the batched kvfree_rcu() path
 * (struct kvfree_rcu_bulk_data), the per-CPU cache of free blocks, and the
 * functions that finally free queued objects: kvfree_rcu_bulk() for a block
 * of channel 0 or 1, kvfree_rcu_list() for channel 3.  The queueing side
 * and the batches are in kvfree_rcu.c; the lock rules in kvfree_rcu.h.
 *
 * Also here: the model of CONFIG_DEBUG_OBJECTS_RCU_HEAD that catches a
 * double kvfree_rcu() of one pointer, and the rcu-pending accounting.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "kvfree_rcu.h"
#include "vmalloc.h"

/* Pages each vCPU keeps for new blocks (a module parameter in the kernel). */
int rcu_min_cached_objs = 5;
/* How long a refill waits after the shrinker asked for memory back. */
static int rcu_delay_page_cache_fill_msec = 5000;

unsigned long model_vmalloc_rcu_pending;

/* ---- debug objects: is this pointer already queued? ---- */

/*
 * Model: debug_rcu_head_queue()/debug_rcu_head_unqueue() of
 * CONFIG_DEBUG_OBJECTS_RCU_HEAD, keyed by the object pointer as
 * kvfree_call_rcu() uses them, reduced to a hash set of queued pointers.
 * The entries live outside the objects, so headless objects are covered
 * and no object byte is written.  Objects on the sheaf path never enter.
 */
#define DEBUG_RCU_HASH_BITS	10

struct debug_rcu_obj {
	struct debug_rcu_obj *next;
	const void *ptr;
};

static DEFINE_RAW_SPINLOCK(debug_rcu_lock);
static struct debug_rcu_obj *debug_rcu_hash[1u << DEBUG_RCU_HASH_BITS];
static unsigned long debug_rcu_nr;	/* entries in the set; under debug_rcu_lock */

static struct debug_rcu_obj **debug_rcu_bucket(const void *ptr)
{
	uint64_t h = (uint64_t)(uintptr_t)ptr * 0x9E3779B97F4A7C15ull;

	return &debug_rcu_hash[h >> (64 - DEBUG_RCU_HASH_BITS)];
}

/* Marks @ptr queued; true if it already was (a double kvfree_rcu()). */
bool debug_rcu_head_queue(void *ptr)
{
	struct debug_rcu_obj **bucket = debug_rcu_bucket(ptr), *obj, *new;

	new = malloc(sizeof(*new));	/* Model: bookkeeping, not kernel memory */
	if (!new)
		return false;
	new->ptr = ptr;

	raw_spin_lock(&debug_rcu_lock);
	for (obj = *bucket; obj; obj = obj->next)
		if (obj->ptr == ptr)
			break;
	if (!obj) {
		new->next = *bucket;
		*bucket = new;
		debug_rcu_nr++;
	}
	raw_spin_unlock(&debug_rcu_lock);

	if (obj)
		free(new);
	return obj != NULL;
}

void debug_rcu_head_unqueue(void *ptr)
{
	struct debug_rcu_obj **pos, *obj = NULL;

	raw_spin_lock(&debug_rcu_lock);
	for (pos = debug_rcu_bucket(ptr); *pos; pos = &(*pos)->next) {
		if ((*pos)->ptr == ptr) {
			obj = *pos;
			*pos = obj->next;
			debug_rcu_nr--;
			break;
		}
	}
	raw_spin_unlock(&debug_rcu_lock);

	WARN(!obj, "debug_rcu_head_unqueue(%p): pointer was not queued", ptr);
	free(obj);
}

static void debug_rcu_bhead_unqueue(struct kvfree_rcu_bulk_data *bhead)
{
	unsigned long i;

	for (i = 0; i < bhead->nr_records; i++)
		debug_rcu_head_unqueue(bhead->records[i]);
}

void model_debug_rcu_head_exit(void)
{
	struct debug_rcu_obj *obj, *next;
	unsigned long i, left = 0;

	raw_spin_lock(&debug_rcu_lock);
	/* the common case, every entry already gone: no walk over the buckets */
	for (i = 0; debug_rcu_nr && i < ARRAY_SIZE(debug_rcu_hash); i++) {
		for (obj = debug_rcu_hash[i]; obj; obj = next) {
			next = obj->next;
			free(obj);
			left++;
		}
		debug_rcu_hash[i] = NULL;
	}
	debug_rcu_nr = 0;
	raw_spin_unlock(&debug_rcu_lock);
	WARN(left, "%lu kvfree_rcu() pointer(s) still queued at model exit", left);
}

/* ---- rcu-pending accounting ---- */

/*
 * Moves @ptr between "live" and "rcu-pending": vmalloc areas in
 * model_vmalloc_rcu_pending, slab objects in their cache's counters,
 * inside the cache's admission gate (check.c) so that the structure
 * checker never sees an object counted in neither or both.
 */
static void model_kvfree_rcu_account(void *ptr, bool enter)
{
	struct kmem_cache *s;

	if (is_vmalloc_addr(ptr)) {
		__atomic_fetch_add(&model_vmalloc_rcu_pending, enter ? 1 : -1UL,
				   __ATOMIC_RELAXED);
		return;
	}
	s = model_virt_to_cache(ptr);
	if (!s)
		return;
	model_cache_enter(s);
	if (enter)
		model_rcu_enter(s, 1);
	else
		model_rcu_leave(s, 1);
	model_cache_exit(s);
}

/* From kvfree_call_rcu(): the object is no longer its user's. */
void model_kvfree_rcu_enter(void *ptr)
{
	model_kvfree_rcu_account(ptr, true);
}

/* Right before the object's kfree()/vfree(), which @path does. */
void model_kvfree_rcu_leave(void *ptr, enum model_rcu_path path)
{
	model_kvfree_rcu_account(ptr, false);
	model_rcu_free_observe(ptr, path);
}

/* ---- the page cache ---- */

struct kvfree_rcu_bulk_data *get_cached_bnode(struct kfree_rcu_cpu *krcp)
{
	struct llist_node *node;

	lockdep_assert_held(&krcp->lock);
	if (!krcp->nr_bkv_objs)
		return NULL;

	WRITE_ONCE(krcp->nr_bkv_objs, krcp->nr_bkv_objs - 1);
	node = krcp->bkvcache.first;
	krcp->bkvcache.first = node->next;
	return (struct kvfree_rcu_bulk_data *)node;
}

/* False when the cache is full: the caller frees the page. */
bool put_cached_bnode(struct kfree_rcu_cpu *krcp, struct kvfree_rcu_bulk_data *bnode)
{
	struct llist_node *node = (struct llist_node *)bnode;

	lockdep_assert_held(&krcp->lock);
	if (krcp->nr_bkv_objs >= rcu_min_cached_objs)
		return false;

	node->next = krcp->bkvcache.first;
	krcp->bkvcache.first = node;
	WRITE_ONCE(krcp->nr_bkv_objs, krcp->nr_bkv_objs + 1);
	return true;
}

/* Gives every cached page back; returns how many. */
int drain_page_cache(struct kfree_rcu_cpu *krcp)
{
	struct llist_node *page_list, *pos, *n;
	unsigned long flags;
	int freed = 0;

	if (!rcu_min_cached_objs)
		return 0;

	raw_spin_lock_irqsave(&krcp->lock, flags);
	page_list = krcp->bkvcache.first;
	krcp->bkvcache.first = NULL;
	WRITE_ONCE(krcp->nr_bkv_objs, 0);
	raw_spin_unlock_irqrestore(&krcp->lock, flags);

	for (pos = page_list; pos; pos = n) {
		n = pos->next;
		free_page((unsigned long)pos);
		freed++;
	}
	kvfree_stat_add(pages_freed, freed);
	return freed;
}

/* page_cache_work: tops the cache up (one page only while backing off). */
void fill_page_cache_func(struct work_struct *work)
{
	struct kfree_rcu_cpu *krcp =
		container_of(to_delayed_work(work), struct kfree_rcu_cpu, page_cache_work);
	struct kvfree_rcu_bulk_data *bnode;
	unsigned long flags;
	int nr_pages, i;
	bool pushed;

	nr_pages = __atomic_load_n(&krcp->backoff_page_cache_fill, __ATOMIC_RELAXED) ?
		1 : rcu_min_cached_objs;

	for (i = READ_ONCE(krcp->nr_bkv_objs); i < nr_pages; i++) {
		bnode = (struct kvfree_rcu_bulk_data *)
			__get_free_page(GFP_KERNEL | __GFP_NORETRY | __GFP_NOMEMALLOC | __GFP_NOWARN);
		if (!bnode)
			break;

		raw_spin_lock_irqsave(&krcp->lock, flags);
		pushed = put_cached_bnode(krcp, bnode);
		raw_spin_unlock_irqrestore(&krcp->lock, flags);

		if (!pushed) {
			free_page((unsigned long)bnode);
			break;
		}
		kvfree_stat_add(pages_filled, 1);
	}

	__atomic_store_n(&krcp->work_in_progress, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&krcp->backoff_page_cache_fill, 0, __ATOMIC_RELAXED);
}

/*
 * Called under krcp->lock when no block was at hand: refill the cache soon,
 * or after rcu_delay_page_cache_fill_msec while the shrinker backs us off.
 * Model: the kernel starts a 0-delay hrtimer whose handler queues
 * page_cache_work on system_highpri_wq; the model queues it on system_wq
 * at once (no hrtimer, no priorities).
 */
void run_page_cache_worker(struct kfree_rcu_cpu *krcp)
{
	if (!rcu_min_cached_objs)
		return;

	if (!__atomic_exchange_n(&krcp->work_in_progress, 1, __ATOMIC_RELAXED)) {
		if (__atomic_load_n(&krcp->backoff_page_cache_fill, __ATOMIC_RELAXED))
			queue_delayed_work(rcu_reclaim_wq, &krcp->page_cache_work,
					   msecs_to_jiffies(rcu_delay_page_cache_fill_msec));
		else
			queue_delayed_work(system_wq, &krcp->page_cache_work, 0);
	}
}

/* ---- freeing ---- */

/*
 * Frees the objects of one block whose grace period has passed (channel 0
 * with kfree_bulk(), channel 1 with vfree()), then keeps the page for the
 * next block or frees it.  A block whose snapshot is not complete is a
 * premature free: WARN and leak its objects.
 * Model: WARN_ON where the kernel has WARN_ON_ONCE, here and below: one
 * process runs many inputs, and each must be able to report.
 */
void kvfree_rcu_bulk(struct kfree_rcu_cpu *krcp, struct kvfree_rcu_bulk_data *bnode, int idx)
{
	unsigned long flags, i;

	if (!WARN_ON(!poll_state_synchronize_rcu_full(&bnode->gp_snap))) {
		debug_rcu_bhead_unqueue(bnode);
		model_trace("kvfree_rcu_bulk(): a channel %d block, %lu object(s) to %s", idx,
			    bnode->nr_records, idx == 0 ? "kfree_bulk()" : "vfree()");
		for (i = 0; i < bnode->nr_records; i++)
			model_kvfree_rcu_leave(bnode->records[i], MODEL_RCU_BULK);
		if (idx == 0) {
			kfree_bulk(bnode->nr_records, bnode->records);
		} else {
			for (i = 0; i < bnode->nr_records; i++)
				vfree(bnode->records[i]);
		}
		kvfree_stat_add(freed_objs, bnode->nr_records);
	}

	raw_spin_lock_irqsave(&krcp->lock, flags);
	if (put_cached_bnode(krcp, bnode))
		bnode = NULL;
	raw_spin_unlock_irqrestore(&krcp->lock, flags);

	if (bnode) {
		free_page((unsigned long)bnode);
		kvfree_stat_add(pages_freed, 1);
	}

	cond_resched();
}

/* Channel 3: each rcu_head's func holds the start of its object. */
void kvfree_rcu_list(struct rcu_head *head)
{
	struct rcu_head *next;

	if (model_tracing()) {
		unsigned int n = 0;

		for (next = head; next; next = next->next)
			n++;
		__model_trace("kvfree_rcu_list(): channel 3, %u object(s) to kvfree()", n);
	}

	for (; head; head = next) {
		void *ptr = (void *)(uintptr_t)head->func;

		next = head->next;
		debug_rcu_head_unqueue(ptr);
		model_kvfree_rcu_leave(ptr, MODEL_RCU_LIST);
		kvfree(ptr);
		kvfree_stat_add(freed_objs, 1);
		cond_resched();
	}
}
