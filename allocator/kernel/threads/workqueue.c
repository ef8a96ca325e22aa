// SPDX-License-Identifier: GPL-2.0
/*
 * workqueue.c (threads) - workqueues: creating and destroying them, queueing
 * items, and the driver's view (vcpu_run_work(), vcpu_quiesce()'s wait).
 * The data model and its lock: thr_wq.h.  Pools and workers: worker.c;
 * flushing and cancelling: flush.c; delayed work and rcu_work:
 * delayed_work.c.
 *
 * A per-CPU workqueue has a pool per vCPU, created on first use; a
 * WQ_UNBOUND one has a single unbound pool.
 */
#include <stdio.h>
#include <stdlib.h>

#include "thr_wq.h"

#define STALL_SECONDS		30	/* vcpu_quiesce(): no progress this long */

pthread_mutex_t thr_wq_mutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t thr_wq_done;		/* monotonic clock (thr_wq_wait_idle()) */
LIST_HEAD(thr_wq_list);
LIST_HEAD(thr_workers);
LIST_HEAD(thr_flushers);
unsigned long thr_inflight;

struct workqueue_struct *system_wq;
struct workqueue_struct *system_unbound_wq;

/* ------------------------------------------------------------ queueing */

/* The pool for @cpu (checked by the caller); under thr_wq_mutex. */
struct thr_pool *thr_pool_of(struct workqueue_struct *wq, int cpu)
{
	if (wq->flags & WQ_UNBOUND)
		return wq->unbound;
	if (cpu == WORK_CPU_UNBOUND)
		cpu = (int)smp_processor_id();
	if (!wq->pools[cpu])
		wq->pools[cpu] = thr_pool_create(wq, cpu);
	return wq->pools[cpu];
}

/* Puts idle @w on @pool's list.  Under thr_wq_mutex. */
void thr_queue_locked(struct thr_pool *pool, struct work_struct *w, int cpu)
{
	struct workqueue_struct *wq = pool->wq;

	w->wq = wq;
	w->cpu = cpu;
	w->nr_queued++;
	WRITE_ONCE(w->pending, PENDING_QUEUED(wq->color));
	wq->inflight[wq->color]++;
	thr_inflight++;
	list_add_tail(&w->entry, &pool->items);
	thr_pool_kick(pool);
}

static unsigned long work_class(work_func_t func)
{
	/* Model: one lockdep class per work function (the kernel: per INIT_WORK site). */
	return (unsigned long)func;
}

/* Whether @work is on some pool's list (its memory may be garbage). */
static bool on_a_pool(const struct work_struct *work)
{
	struct workqueue_struct *wq;
	struct work_struct *w;
	unsigned int cpu;

	list_for_each_entry(wq, &thr_wq_list, node) {
		for (cpu = 0; cpu <= VCPU_MAX; cpu++) {
			struct thr_pool *pool = cpu < VCPU_MAX ? wq->pools[cpu] : wq->unbound;

			if (!pool)
				continue;
			list_for_each_entry(w, &pool->items, entry)
				if (w == work)
					return true;
		}
	}
	return false;
}

void __init_work(struct work_struct *work, work_func_t func, const char *name)
{
	bool queued = false;

	/* debugobjects: re-initialising a queued item corrupts its queue. */
	if (READ_ONCE(vcpu_env_running)) {
		pthread_mutex_lock(&thr_wq_mutex);
		if (thr_inflight && on_a_pool(work)) {
			thr_drop_pending(work);
			queued = true;
		}
		pthread_mutex_unlock(&thr_wq_mutex);
	}
	if (queued)
		vcpu_report(VCPU_REPORT_WARNING, "ODEBUG: init active object type: work_struct",
			    __func__, "INIT_WORK(%s) on an item still pending on %s", name,
			    work->wq ? work->wq->name : "?");
	work->func = func;
	WRITE_ONCE(work->pending, 0);
	INIT_LIST_HEAD(&work->entry);
	work->wq = NULL;
	work->cpu = WORK_CPU_UNBOUND;
	work->nr_queued = 0;
	work->nr_done = 0;
	work->disable = 0;
	lockdep_init_map_type(&work->lockdep_map, name,
			      (const struct lock_class_key *)work_class(func), LD_WAIT_INV);
}

/* @cpu is WORK_CPU_UNBOUND or a checked vCPU. */
static int check_cpu(int cpu, const char *func)
{
	return cpu == WORK_CPU_UNBOUND ? cpu : (int)vcpu_check_cpu(cpu, func);
}

bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work)
{
	bool queued = false;

	cpu = check_cpu(cpu, __func__);
	if (WARN(!work->func, "%s", "queueing a work item that was never initialised"))
		return false;
	pthread_mutex_lock(&thr_wq_mutex);
	if (!work->pending && !work->disable) {
		thr_queue_locked(thr_pool_of(wq, cpu), work, cpu);
		queued = true;
	}
	pthread_mutex_unlock(&thr_wq_mutex);
	return queued;
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work_on(WORK_CPU_UNBOUND, wq, work);
}

bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}

/* ----------------------------------------------------- workqueue lifecycle */

struct workqueue_struct *alloc_workqueue(const char *name, unsigned int flags, int max_active)
{
	struct workqueue_struct *wq = calloc(1, sizeof(*wq));

	if (!wq)
		return NULL;
	snprintf(wq->name, sizeof(wq->name), "%s", name);
	wq->flags = flags;
	if (flags & WQ_UNBOUND)
		wq->unbound = thr_pool_create(wq, -1);
	pthread_mutex_lock(&thr_wq_mutex);
	list_add_tail(&wq->node, &thr_wq_list);
	pthread_mutex_unlock(&thr_wq_mutex);
	return wq;
}

static void for_each_pool(struct workqueue_struct *wq, void (*fn)(struct thr_pool *pool))
{
	unsigned int cpu;

	if (wq->unbound)
		fn(wq->unbound);
	for (cpu = 0; cpu < VCPU_MAX; cpu++)
		if (wq->pools[cpu])
			fn(wq->pools[cpu]);
}

static unsigned int dropped;	/* destroy_workqueue(): items left; under thr_wq_mutex */

static void pool_drop_items(struct thr_pool *pool)
{
	struct work_struct *w, *tmp;

	list_for_each_entry_safe(w, tmp, &pool->items, entry) {
		thr_drop_pending(w);
		dropped++;
	}
}

static void pool_stop(struct thr_pool *pool)
{
	pool->stop = true;
	pthread_cond_broadcast(&pool->cond);
}

static void pool_join(struct thr_pool *pool)
{
	struct thr_ctx *c;

	list_for_each_entry(c, &pool->workers, node)
		pthread_join(c->thread, NULL);
}

static void pool_free(struct thr_pool *pool)
{
	struct thr_ctx *c, *tmp;

	list_for_each_entry_safe(c, tmp, &pool->workers, node) {
		list_del(&c->all_node);
		free(c);
	}
	pthread_cond_destroy(&pool->cond);
	free(pool);
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	unsigned int round, items, timers, rcu;
	bool busy, released;

	might_sleep();
	/* drain_workqueue(): flush until nothing requeues itself. */
	for (round = 0; round < 16; round++) {
		flush_workqueue(wq);
		pthread_mutex_lock(&thr_wq_mutex);
		busy = wq->inflight[0] || wq->inflight[1];
		pthread_mutex_unlock(&thr_wq_mutex);
		if (!busy)
			break;
	}
	pthread_mutex_lock(&thr_wq_mutex);
	dropped = 0;
	for_each_pool(wq, pool_drop_items);
	items = dropped;
	timers = thr_timers_disarm(wq);
	rcu = wq->nr_rcu;
	for_each_pool(wq, pool_stop);
	pthread_mutex_unlock(&thr_wq_mutex);
	if (timers)
		vcpu_report(VCPU_REPORT_BUG, "destroy_workqueue: delayed work still armed",
			    __func__, "%s: %u delayed item%s would be queued on a destroyed workqueue",
			    wq->name, timers, timers == 1 ? "" : "s");
	if (items || rcu)
		vcpu_report(VCPU_REPORT_BUG, "destroy_workqueue: workqueue still busy", __func__,
			    "%s: %u items still queued after draining, %u rcu_works in their "
			    "grace period", wq->name, items, rcu);

	released = thr_sleep_begin();
	for_each_pool(wq, pool_join);
	thr_sleep_end(released);

	pthread_mutex_lock(&thr_wq_mutex);
	list_del(&wq->node);
	for_each_pool(wq, pool_free);
	pthread_mutex_unlock(&thr_wq_mutex);
	free(wq);
}

/* ------------------------------------------------------------ driver side */

/* Whether a pool of @cpu still has runnable items.  Under thr_wq_mutex. */
static bool cpu_has_work(unsigned int cpu)
{
	struct workqueue_struct *wq;
	struct thr_pool *pool;

	list_for_each_entry(wq, &thr_wq_list, node) {
		pool = wq->pools[cpu];
		if (pool && (!list_empty(&pool->items) || pool->nr_running))
			return true;
	}
	return false;
}

void vcpu_run_work(int cpu)
{
	bool released;

	cpu = (int)vcpu_check_cpu(cpu, __func__);
	might_sleep();
	released = thr_sleep_begin();
	pthread_mutex_lock(&thr_wq_mutex);
	while (cpu_has_work((unsigned int)cpu))
		pthread_cond_wait(&thr_wq_done, &thr_wq_mutex);
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_sleep_end(released);
}

bool thr_wq_busy(void)
{
	bool busy;

	pthread_mutex_lock(&thr_wq_mutex);
	busy = thr_inflight || thr_timers_armed();
	pthread_mutex_unlock(&thr_wq_mutex);
	return busy;
}

bool thr_wq_wait_idle(void)
{
	unsigned long last = ~0UL, now, progress;
	unsigned int idle_seconds = 0;
	struct timespec ts;
	bool released, ok = true;

	released = thr_sleep_begin();
	pthread_mutex_lock(&thr_wq_mutex);
	while (thr_inflight) {
		progress = thr_inflight + __atomic_load_n(&thr_stats.works_run, __ATOMIC_RELAXED);
		idle_seconds = progress == last ? idle_seconds + 1 : 0;
		last = progress;
		if (idle_seconds > STALL_SECONDS) {
			ok = false;
			break;
		}
		now = thr_now_ns() + 1000000000UL;
		ts.tv_sec = (time_t)(now / 1000000000UL);
		ts.tv_nsec = (long)(now % 1000000000UL);
		pthread_cond_timedwait(&thr_wq_done, &thr_wq_mutex, &ts);
	}
	now = thr_inflight;
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_sleep_end(released);
	if (!ok)
		vcpu_report(VCPU_REPORT_BUG, "work never finishes", "vcpu_quiesce",
			    "%lu work items queued or running made no progress for %d s",
			    now, STALL_SECONDS);
	return ok;
}

void thr_wq_init(void)
{
	thr_cond_init_monotonic(&thr_wq_done);
	pthread_mutex_lock(&thr_wq_mutex);
	BUG_ON(!list_empty(&thr_wq_list) || thr_inflight);
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_timers_start();
	system_wq = alloc_workqueue("events", WQ_PERCPU, 0);
	system_unbound_wq = alloc_workqueue("events_unbound", WQ_UNBOUND, 0);
	if (!system_wq || !system_unbound_wq)
		vcpu_panic("out of memory", __func__, "system workqueues");
}

void thr_wq_exit(void)
{
	struct workqueue_struct *wq;

	destroy_workqueue(system_wq);
	destroy_workqueue(system_unbound_wq);
	system_wq = system_unbound_wq = NULL;
	for (;;) {
		pthread_mutex_lock(&thr_wq_mutex);
		wq = list_first_entry_or_null(&thr_wq_list, struct workqueue_struct, node);
		pthread_mutex_unlock(&thr_wq_mutex);
		if (!wq)
			break;
		vcpu_report(VCPU_REPORT_WARNING, "workqueue leaked", "vcpu_env_exit",
			    "%s was not destroyed with destroy_workqueue()", wq->name);
		destroy_workqueue(wq);
	}
	thr_timers_stop();
}
