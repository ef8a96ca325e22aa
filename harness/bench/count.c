// SPDX-License-Identifier: GPL-2.0
/*
 * count.c - what a kmem_cache_destroy() asked of the environment, counted
 * where the model calls into it: the flush work items it queued and the
 * rcu_barrier() calls it made.  These are the figures that do not depend
 * on the machine: what ec66e0d59952 made every destroy do and
 * 0f35040de593 took away.
 *
 * The counting sits between the model and the environment, not in either:
 * bench_destroy is linked with --wrap for queue_work_on, rcu_barrier and
 * flush_rcu_work, so every call the model's objects make to them lands
 * here first and is passed on unchanged.  A work item is recognised by the
 * name INIT_WORK() gave it (its lockdep map's name, the work function's).
 * Each flush item counted here was flushed before its barrier or shutdown
 * returned, so the number queued is the number executed.
 *
 * An rcu_barrier() made inside flush_rcu_work() belongs to the batched
 * kvfree_rcu path (__kvfree_rcu_barrier() waiting for a batch's grace
 * period); the others are the sheaf barriers' and shutdown's.
 */
#include <stdbool.h>
#include <string.h>

#include "kernel/kernel.h"
#include "bench_destroy.h"

bool __real_queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work);
bool __wrap_queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work);
void __real_rcu_barrier(void);
void __wrap_rcu_barrier(void);
bool __real_flush_rcu_work(struct rcu_work *rw);
bool __wrap_flush_rcu_work(struct rcu_work *rw);

static struct bench_counts counts;	/* relaxed atomics */
static _Thread_local unsigned int in_flush_rcu_work;

static void count_add(unsigned long *ctr)
{
	__atomic_fetch_add(ctr, 1, __ATOMIC_RELAXED);
}

bool __wrap_queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work)
{
	/* read before queueing: once queued the item belongs to its worker */
	const char *name = work->lockdep_map.name;
	bool queued = __real_queue_work_on(cpu, wq, work);

	if (queued && name) {
		if (!strcmp(name, "flush_rcu_sheaf"))
			count_add(&counts.flush_rcu_sheaf);
		else if (!strcmp(name, "flush_cpu_slab"))
			count_add(&counts.flush_cpu_slab);
	}
	return queued;
}

void __wrap_rcu_barrier(void)
{
	count_add(&counts.rcu_barrier);
	if (in_flush_rcu_work)
		count_add(&counts.rcu_barrier_batched);
	__real_rcu_barrier();
}

bool __wrap_flush_rcu_work(struct rcu_work *rw)
{
	bool ret;

	in_flush_rcu_work++;
	ret = __real_flush_rcu_work(rw);
	in_flush_rcu_work--;
	return ret;
}

void bench_counts_read(struct bench_counts *c)
{
	c->flush_rcu_sheaf = __atomic_load_n(&counts.flush_rcu_sheaf, __ATOMIC_RELAXED);
	c->flush_cpu_slab = __atomic_load_n(&counts.flush_cpu_slab, __ATOMIC_RELAXED);
	c->rcu_barrier = __atomic_load_n(&counts.rcu_barrier, __ATOMIC_RELAXED);
	c->rcu_barrier_batched = __atomic_load_n(&counts.rcu_barrier_batched, __ATOMIC_RELAXED);
}

/* @d = @after - @before */
void bench_counts_sub(struct bench_counts *d, const struct bench_counts *after,
		      const struct bench_counts *before)
{
	d->flush_rcu_sheaf = after->flush_rcu_sheaf - before->flush_rcu_sheaf;
	d->flush_cpu_slab = after->flush_cpu_slab - before->flush_cpu_slab;
	d->rcu_barrier = after->rcu_barrier - before->rcu_barrier;
	d->rcu_barrier_batched = after->rcu_barrier_batched - before->rcu_barrier_batched;
}

void bench_counts_add(struct bench_counts *sum, const struct bench_counts *c)
{
	sum->flush_rcu_sheaf += c->flush_rcu_sheaf;
	sum->flush_cpu_slab += c->flush_cpu_slab;
	sum->rcu_barrier += c->rcu_barrier;
	sum->rcu_barrier_batched += c->rcu_barrier_batched;
}
