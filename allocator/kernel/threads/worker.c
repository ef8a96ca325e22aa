// SPDX-License-Identifier: GPL-2.0
/*
 * worker.c (threads) - a workqueue's pools and their worker threads.
 *
 * A pool is a FIFO of pending items and a set of workers.  A worker takes
 * the token of the pool's vCPU (any free online token for the unbound
 * pool), then claims the next item, runs it and gives the token back.  So
 * an item queued on X runs as X, never while anything on X has preemption
 * disabled; and if X is offline, the token taken is another vCPU's: X's
 * pools are unbound.  Until a worker holding the token claims it, an item
 * is pending: cancel_work_sync() can still take it off the list.
 *
 * Concurrency management, as in the kernel: a per-CPU pool starts its next
 * item only when none of its items is runnable (nr_running == 0; an item
 * sleeping in a mutex, a flush or a grace period does not count), and it
 * gets a new worker when its running item goes to sleep with items
 * pending.  Items therefore start in queueing order, and an item that
 * waits for a later item of its own pool does not deadlock.  An unbound
 * pool runs up to UNBOUND_MAX_ACTIVE items at once.  Non-reentrancy: an
 * item still running (from an earlier queueing, in any pool) is skipped
 * until that execution ends.
 *
 * A worker never touches an item after its function returned (the
 * function may free it): what flush.c needs is kept in the worker (the
 * execution's sequence number, its flush color, a copy of the item's
 * lockdep map).  Hence work_struct.nr_done counts executions begun.
 */
#include <stdio.h>
#include <stdlib.h>

#include "thr_wq.h"

static unsigned long exec_seq_next;	/* claims so far; under thr_wq_mutex */

/* ---------------------------------------------------------- executions */

/* The worker running @w, if any.  Under thr_wq_mutex. */
struct thr_ctx *thr_running_ctx(const struct work_struct *w)
{
	struct thr_ctx *c;

	list_for_each_entry(c, &thr_workers, all_node)
		if (c->exec_seq && c->task.current_work == w)
			return c;
	return NULL;
}

/* Whether execution @seq is still going on.  Under thr_wq_mutex. */
bool thr_seq_running(unsigned long seq)
{
	struct thr_ctx *c;

	list_for_each_entry(c, &thr_workers, all_node)
		if (c->exec_seq == seq)
			return true;
	return false;
}

/* ------------------------------------------------------- pools, workers */

static void *worker_main(void *arg);

struct thr_pool *thr_pool_create(struct workqueue_struct *wq, int cpu)
{
	struct thr_pool *pool = calloc(1, sizeof(*pool));

	if (!pool)
		vcpu_panic("out of memory", __func__, "pool of %s", wq->name);
	pool->wq = wq;
	pool->cpu = cpu;
	INIT_LIST_HEAD(&pool->items);
	INIT_LIST_HEAD(&pool->workers);
	pthread_cond_init(&pool->cond, NULL);
	pool->max_running = cpu < 0 ? UNBOUND_MAX_ACTIVE : 1;
	return pool;
}

static void worker_create(struct thr_pool *pool)
{
	struct thr_ctx *c = malloc(sizeof(*c));
	char comm[sizeof(c->task.comm)];
	int len;

	if (!c)
		vcpu_panic("out of memory", __func__, "worker of %s", pool->wq->name);
	if (pool->cpu >= 0)
		len = snprintf(comm, sizeof(comm), "kworker/%d:%.16s", pool->cpu, pool->wq->name);
	else
		len = snprintf(comm, sizeof(comm), "kworker/u:%.16s", pool->wq->name);
	/* a name longer than comm is cut short, as the kernel cuts task names */
	if (len < 0)
		comm[0] = '\0';
	thr_ctx_init(c, comm, PF_WQ_WORKER, pool->cpu >= 0 ? pool->cpu : 0);
	c->pool = pool;
	list_add_tail(&c->node, &pool->workers);
	list_add_tail(&c->all_node, &thr_workers);
	if (pthread_create(&c->thread, NULL, worker_main, c))
		vcpu_panic("pthread_create failed", __func__, "%s", comm);
}

/* Gets a worker going if @pool has items and room to run one. */
void thr_pool_kick(struct thr_pool *pool)
{
	if (list_empty(&pool->items) || pool->nr_running >= pool->max_running || pool->stop)
		return;
	if (pool->nr_idle)
		pthread_cond_signal(&pool->cond);
	else
		worker_create(pool);
}

void thr_kick_all_pools(void)
{
	struct workqueue_struct *wq;
	unsigned int cpu;

	list_for_each_entry(wq, &thr_wq_list, node) {
		if (wq->unbound)
			thr_pool_kick(wq->unbound);
		for (cpu = 0; cpu < VCPU_MAX; cpu++)
			if (wq->pools[cpu])
				thr_pool_kick(wq->pools[cpu]);
	}
}

/*
 * The first item of @pool not running elsewhere (non-reentrancy: a worker
 * running it learns to kick the pools when it is done).
 */
static struct work_struct *first_startable(struct thr_pool *pool)
{
	struct work_struct *w;
	struct thr_ctx *r;

	list_for_each_entry(w, &pool->items, entry) {
		r = thr_running_ctx(w);
		if (!r)
			return w;
		r->kick_pools = true;
	}
	return NULL;
}

/*
 * The worker holds a copy of the item's lockdep map, since the item may be
 * freed while it runs.  lockdep updates a map's class cache atomically.
 */
static void copy_map(struct lockdep_map *to, const struct lockdep_map *from)
{
	to->name = from->name;
	to->key = from->key;
	to->wait_type = from->wait_type;
	to->class_gen = __atomic_load_n(&from->class_gen, __ATOMIC_ACQUIRE);
	to->class_idx = __atomic_load_n(&from->class_idx, __ATOMIC_RELAXED);
}

/*
 * Claims the next item for @c, which holds the pool's vCPU token: only now
 * does the item stop being pending (until then it can still be cancelled,
 * as in the kernel, where a work item is pending until its worker runs).
 */
static struct work_struct *claim(struct thr_pool *pool, struct thr_ctx *c)
{
	struct work_struct *w = first_startable(pool);

	if (!w)
		return NULL;
	list_del_init(&w->entry);
	c->exec_color = (unsigned int)(w->pending - PENDING_QUEUED(0));
	WRITE_ONCE(w->pending, 0);
	w->nr_done++;
	c->exec_seq = ++exec_seq_next;
	c->exec_func = w->func;
	copy_map(&c->exec_map, &w->lockdep_map);
	c->task.current_work = w;
	c->task.worker_wq = pool->wq;
	thr_resolve_flushers(w, c->exec_seq);
	return w;
}

/* Runs claimed @w; @c holds the token, no backend lock. */
static void execute(struct thr_ctx *c, struct work_struct *w)
{
	lock_acquire(&c->exec_map, 0, 0, _THIS_IP_);
	c->exec_func(w);
	lock_release(&c->exec_map, _THIS_IP_);
	thr_check_clean(&c->task, "workqueue leaked lock or atomic", "process_one_work", 0);
}

/* The execution of @c ended.  Under thr_wq_mutex. */
static void finish(struct thr_ctx *c)
{
	struct thr_pool *pool = c->pool;

	pool->wq->inflight[c->exec_color]--;
	thr_inflight--;
	c->exec_seq = 0;
	c->task.current_work = NULL;
	c->task.worker_wq = NULL;
	pool->nr_running--;
	if (c->kick_pools) {
		c->kick_pools = false;
		thr_kick_all_pools();
	}
	__atomic_add_fetch(&thr_stats.works_run, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&thr_wq_done);
}

/*
 * A worker reserves a running slot of its pool (nr_running) when there is
 * an item to start, takes the vCPU token, then claims the item; without
 * one (it was cancelled meanwhile) it gives slot and token back.
 */
static void *worker_main(void *arg)
{
	struct thr_ctx *c = arg;
	struct thr_pool *pool = c->pool;
	struct work_struct *w;

	thr_self = c;
	thr_urcu_register();
	pthread_mutex_lock(&thr_wq_mutex);
	for (;;) {
		if (pool->nr_running >= pool->max_running || !first_startable(pool)) {
			if (pool->stop)
				break;
			pool->nr_idle++;
			pthread_cond_wait(&pool->cond, &thr_wq_mutex);
			pool->nr_idle--;
			continue;
		}
		pool->nr_running++;
		if (pool->cpu < 0)
			c->task.cpu = pool->next_cpu++ % nr_cpu_ids;
		else
			c->task.cpu = (unsigned int)pool->cpu;
		pthread_mutex_unlock(&thr_wq_mutex);
		if (pool->cpu < 0)
			thr_token_get_any(c);
		else
			thr_token_get(c);
		pthread_mutex_lock(&thr_wq_mutex);
		w = claim(pool, c);
		pthread_mutex_unlock(&thr_wq_mutex);
		if (w)
			execute(c, w);
		thr_token_put(c);
		pthread_mutex_lock(&thr_wq_mutex);
		if (w)
			finish(c);
		else
			pool->nr_running--;
	}
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_urcu_unregister();
	thr_self = NULL;
	return NULL;
}

/* thr_sleep_begin/end of a worker inside an item. */
void thr_wq_worker_sleeping(struct thr_ctx *c)
{
	pthread_mutex_lock(&thr_wq_mutex);
	c->pool->nr_running--;
	thr_pool_kick(c->pool);
	pthread_cond_broadcast(&thr_wq_done);
	pthread_mutex_unlock(&thr_wq_mutex);
}

void thr_wq_worker_waking(struct thr_ctx *c)
{
	pthread_mutex_lock(&thr_wq_mutex);
	c->pool->nr_running++;
	pthread_mutex_unlock(&thr_wq_mutex);
}
