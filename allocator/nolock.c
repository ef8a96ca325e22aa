// SPDX-License-Identifier: GPL-2.0
/*
 * nolock.c - kfree_nolock() and the per-CPU deferred work behind it and
 * behind kfree_rcu_nolock() (mm/slub.c).
 *
 * kfree_nolock() may run where nothing may be spun on: an NMI, a tracing
 * or BPF program, a section holding a raw spinlock.  It runs the free hooks
 * that take no lock (KASAN poisoning, no quarantine) and tries the main
 * sheaf with free_to_pcs(s, x, false).  When that fails (the pcs lock is
 * held by the context it interrupted, the main sheaf is full and no empty
 * one is at hand without spinning, the object is from another node) it does
 * not go to __slab_free(), which may need n->list_lock: defer_free() puts
 * the object on this CPU's deferred_percpu_work.objects list and queues the
 * irq_work, which frees the objects to their slabs soon after, on this CPU.
 *
 * __kfree_rcu_sheaf() with !allow_spin and interrupts off parks a full rcu
 * sheaf on the same struct's rcu_sheaves list (rcu_sheaf.c); the irq_work
 * hands it to call_rcu().
 *
 * deferred_work_barrier() waits for every CPU's irq_work.  Three places
 * need it: kmem_cache_destroy() before the shutdown counts what the slabs
 * hold (a deferred object still counts in its slab), and both kfree_rcu
 * barriers between the flush of the rcu_free sheaves and rcu_barrier() (a
 * parked rcu sheaf has had no call_rcu() yet, so rcu_barrier() alone does
 * not wait for it).
 */
#include <stdlib.h>
#include "internal.h"
#include "variant.h"

DEFINE_PER_CPU(struct deferred_percpu_work, deferred_percpu_work);

/*
 * Model: the kernel links a deferred object through its free pointer
 * (head + s->offset).  The model's free objects are poisoned and its
 * freelists live outside them, so the link is a node of the model's own.
 */
struct model_deferred_object {
	struct llist_node llnode;
	void *object;
};

/*
 * The irq_work: interrupts are off and nothing of the interrupted context
 * is held here, so the slab's list_lock may be taken.
 */
static void deferred_percpu_work_fn(struct irq_work *work)
{
	struct deferred_percpu_work *dpw;
	struct llist_head *objs, *rcu_sheaves;
	struct llist_node *llnode, *pos, *t;

	dpw = container_of(work, struct deferred_percpu_work, work);
	rcu_sheaves = &dpw->rcu_sheaves;
	objs = &dpw->objects;

	llnode = llist_del_all(objs);
	llist_for_each_safe(pos, t, llnode) {
		struct model_deferred_object *node =
			llist_entry(pos, struct model_deferred_object, llnode);
		void *x = node->object;
		struct kmem_cache *s;
		struct slab *slab;

		free(node);
		slab = virt_to_slab(x);
		s = slab->slab_cache;

		model_cache_enter(s);
		model_trace("deferred_percpu_work_fn(): an object of %s to its slab", s->name);
		model_count_add(s->model_deferred, -1L);
		do_slab_free(s, slab, &x, 1, _THIS_IP_);
		model_cache_exit(s);
	}

	llnode = llist_del_all(rcu_sheaves);
	llist_for_each_safe(pos, t, llnode) {
		struct slab_sheaf *rcu_sheaf = llist_entry(pos, struct slab_sheaf, llnode);
		struct kmem_cache *s = rcu_sheaf->cache;

		model_cache_enter(s);
		model_submit_rcu_sheaf(rcu_sheaf);
		model_cache_exit(s);
	}
}

static void defer_free(struct kmem_cache *s, void *head)
{
	struct deferred_percpu_work *dpw;
	struct model_deferred_object *node;

	node = malloc(sizeof(*node));	/* Model: bookkeeping, not kernel memory */
	BUG_ON(!node);
	node->object = head;

	preempt_disable();
	dpw = &per_cpu(deferred_percpu_work, smp_processor_id());
	model_count_add(s->model_deferred, 1L);
	model_trace("defer_free(%s): the object waits for the irq_work", s->name);
	if (llist_add(&node->llnode, &dpw->objects))
		irq_work_queue(&dpw->work);
	preempt_enable();
}

void deferred_work_barrier(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu(deferred_percpu_work, cpu).work);
}

/*
 * Can be called from any context, holding any lock.  Model: the kernel's
 * is for kmalloc_nolock() objects only (it skips debug hooks their
 * allocation skipped); the model has no such hooks and takes any object.
 */
void kfree_nolock(const void *object)
{
	struct kmem_cache *s;
	struct slab *slab;
	void *x = (void *)object;

	if (unlikely(ZERO_OR_NULL_PTR(object)))
		return;

	slab = virt_to_slab(object);
	if (unlikely(!slab)) {
		WARN_ONCE(1, "large_kmalloc is not supported by kfree_nolock()");
		return;
	}

	s = slab->slab_cache;
	model_cache_enter(s);

	/* KASAN's checks and poisoning, but not its quarantine, which locks */
	if (!model_slab_free_hook_nolock(s, x))
		goto out;

	if (likely(slab_nid(slab) == numa_mem_id()) && likely(free_to_pcs(s, x, false)))
		goto out;

	/*
	 * __slab_free() may need n->list_lock; rather than spinning for it,
	 * leave the object to the irq_work.
	 */
	defer_free(s, x);
out:
	model_cache_exit(s);
}

/* Boot state for each model instance: empty lists, an idle irq_work. */
void model_deferred_work_init(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < VCPU_MAX; cpu++) {
		struct deferred_percpu_work *dpw = &deferred_percpu_work[cpu];

		init_llist_head(&dpw->objects);
		init_llist_head(&dpw->rcu_sheaves);
		init_irq_work(&dpw->work, deferred_percpu_work_fn);
	}
}
