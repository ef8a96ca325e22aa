// SPDX-License-Identifier: GPL-2.0
/*
 * workqueue.c - workqueues, pools, workers, flush and cancel.
 *
 * A workqueue has one pool per vCPU, or a single pool when WQ_UNBOUND.  A
 * pool is a FIFO of pending items.  A worker (a fiber, sched.c) executes
 * one item and goes idle; starting an item is a step of the scheduler
 * (SIM_ACT_START_WORK), taken when:
 *   - bound pool: no worker of the pool is awake (running or preempted),
 *     i.e. the kernel's concurrency management: the next item starts only
 *     when the running one blocks; and the pool's vCPU token is free;
 *   - unbound pool (WQ_UNBOUND, or its vCPU went offline): fewer than
 *     SIM_UNBOUND_MAX_ACTIVE items of the pool in flight, and an online
 *     vCPU whose token is free; the vCPU is then chosen among those with
 *     SIM_PICK_CPU (sim_pick_unbound_cpu()).
 * An item whose previous execution still runs does not start again until
 * that one ends (the kernel's non-reentrancy), but does not hold up the
 * items behind it.
 *
 * Retiring.  A queueing retires when its execution returns or when it is
 * cancelled while pending.  flush_work() counts the queueings in flight at
 * its call (pending and/or running, so at most two) and waits until as many
 * retired.  Retirements are announced by the item's address only, because
 * a work function may free its own item: nothing here touches the item
 * after its function returned.
 *
 * work_struct fields: pending, entry, wq and cpu (the resolved vCPU) as
 * documented; nr_queued counts queueings; nr_done counts queueings that
 * started executing or were cancelled (Model: counted at the start, as the
 * end may come after the item was freed).
 */
#include <stdlib.h>

#ifdef SHEAF_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "sim_internal.h"

struct workqueue_struct *system_wq;
struct workqueue_struct *system_unbound_wq;
struct list_head sim_wqs = LIST_HEAD_INIT(sim_wqs);

static unsigned int nr_wqs;
static unsigned long nr_pending;	/* items on all pools */
static unsigned int nr_busy;		/* workers executing an item */

static struct workqueue_struct sys_wq, sys_unbound_wq;
static struct sim_pool sys_pools[VCPU_MAX], sys_unbound_pool;

static void wq_setup(struct workqueue_struct *wq, const char *name, unsigned int flags,
		     int max_active, struct sim_pool *pools)
{
	unsigned int i;

	memset(wq, 0, sizeof(*wq));
	/* what snprintf("%s") would store, without the formatting machinery:
	 * every input sets up the system workqueues again */
	if (!name)
		name = "?";
	memcpy(wq->name, name, strnlen(name, sizeof(wq->name) - 1));
	wq->flags = flags;
	wq->max_active = max_active;
	wq->id = nr_wqs++;
	lockdep_init_map_type(&wq->lockdep_map, wq->name, NULL, LD_WAIT_INV);
	wq->nr_pools = (flags & WQ_UNBOUND) ? 1 : nr_cpu_ids;
	wq->pools = pools;
	for (i = 0; i < wq->nr_pools; i++) {
		struct sim_pool *p = &pools[i];

		memset(p, 0, sizeof(*p));
		INIT_LIST_HEAD(&p->items);
		p->wq = wq;
		p->cpu = (flags & WQ_UNBOUND) ? SIM_NO_CPU : i;
		p->unbound = (flags & WQ_UNBOUND) || !cpu_online(i);
	}
	list_add_tail(&wq->node, &sim_wqs);
}

void sim_wq_reset(void)
{
	INIT_LIST_HEAD(&sim_wqs);
	nr_wqs = 0;
	nr_pending = 0;
	nr_busy = 0;
	wq_setup(&sys_wq, "events", WQ_PERCPU, 0, sys_pools);
	sys_wq.is_static = true;
	wq_setup(&sys_unbound_wq, "events_unbound", WQ_UNBOUND, 0, &sys_unbound_pool);
	sys_unbound_wq.is_static = true;
	system_wq = &sys_wq;
	system_unbound_wq = &sys_unbound_wq;
	sim_timers_reset();
}

/*
 * Workqueue memory kept from one environment to the next, as sched.c keeps
 * fiber blocks: model_slab_init() allocates two workqueues per input and
 * model_slab_exit() destroys them, two of an input's fifteen system
 * allocations.  A parked block is poisoned (ASan builds), so a use of a
 * destroyed workqueue still stops the run, as a use-after-poison rather
 * than a use-after-free; the model destroys its workqueues only at exit.
 */
#define SIM_WQ_CACHE	4
static struct {
	void *mem;
	size_t size;
} wq_cache[SIM_WQ_CACHE];
static unsigned int nr_cached_wqs;

static void *wq_mem_get(size_t size)
{
	unsigned int i;
	void *mem;

	for (i = 0; i < nr_cached_wqs; i++) {
		if (wq_cache[i].size != size)
			continue;
		mem = wq_cache[i].mem;
		wq_cache[i] = wq_cache[--nr_cached_wqs];
#ifdef SHEAF_ASAN
		ASAN_UNPOISON_MEMORY_REGION(mem, size);
#endif
		return mem;
	}
	return malloc(size);
}

static void wq_mem_put(void *mem, size_t size)
{
	if (nr_cached_wqs == SIM_WQ_CACHE) {
		free(mem);
		return;
	}
#ifdef SHEAF_ASAN
	ASAN_POISON_MEMORY_REGION(mem, size);
#endif
	wq_cache[nr_cached_wqs].mem = mem;
	wq_cache[nr_cached_wqs].size = size;
	nr_cached_wqs++;
}

struct workqueue_struct *alloc_workqueue(const char *name, unsigned int flags, int max_active)
{
	unsigned int n = (flags & WQ_UNBOUND) ? 1 : nr_cpu_ids;
	struct workqueue_struct *wq;

	wq = wq_mem_get(sizeof(*wq) + n * sizeof(struct sim_pool));
	if (!wq)
		return NULL;
	wq_setup(wq, name, flags, max_active, (struct sim_pool *)(wq + 1));
	return wq;
}

/* ------------------------------------------------------ pools, workers */

static unsigned int pool_limit(const struct sim_pool *p)
{
	int m = p->wq->max_active;

	return m > 0 && m < SIM_UNBOUND_MAX_ACTIVE ? (unsigned int)m : SIM_UNBOUND_MAX_ACTIVE;
}

/* The worker executing @w, if any (compares addresses only). */
struct sim_ctx *sim_work_runner(const struct work_struct *w)
{
	struct sim_ctx *c;
	unsigned int i;

	if (!nr_busy)
		return NULL;
	sim_for_each_ctx(i, c)
		if (c->kind == SIM_CTX_WORKER && c->state != SIM_IDLE && c->work == w)
			return c;
	return NULL;
}

struct sim_pool *sim_work_pool(const struct work_struct *w)
{
	struct workqueue_struct *wq = w->wq;

	return (wq->flags & WQ_UNBOUND) ? &wq->pools[0] : &wq->pools[w->cpu];
}

struct sim_ctx *sim_pool_awake_worker(struct sim_pool *p)
{
	struct sim_ctx *c;
	unsigned int i;

	if (!p->nr_awake)
		return NULL;
	sim_for_each_ctx(i, c)
		if (c->kind == SIM_CTX_WORKER && c->work && c->pool == p &&
		    c->state != SIM_BLOCKED && c->state != SIM_IDLE)
			return c;
	return NULL;
}

/* The first pending item of @p that may start now, and its position. */
static struct work_struct *first_startable(struct sim_pool *p, unsigned int *pos)
{
	struct work_struct *w;
	unsigned int i = 0;

	list_for_each_entry(w, &p->items, entry) {
		if (!sim_work_runner(w)) {
			if (pos)
				*pos = i;
			return w;
		}
		i++;
	}
	return NULL;
}

bool sim_pool_startable(struct sim_pool *p)
{
	if (list_empty(&p->items))
		return false;
	if (p->unbound ? p->nr_busy >= pool_limit(p) : p->nr_awake > 0)
		return false;
	return first_startable(p, NULL) != NULL;
}

unsigned long sim_wq_pending(void)
{
	return nr_pending;
}

bool sim_wq_in_scope(const struct sim_pool *p, unsigned int cpu)
{
	return (p->wq->flags & WQ_UNBOUND) || p->cpu == cpu;
}

void sim_wq_unbind_cpu(unsigned int cpu, bool unbind)
{
	struct workqueue_struct *wq;

	list_for_each_entry(wq, &sim_wqs, node)
		if (!(wq->flags & WQ_UNBOUND) && cpu < wq->nr_pools)
			wq->pools[cpu].unbound = unbind;
}

/* Flushers waiting for @w count one more queueing retired. */
static void work_retired(const struct work_struct *w)
{
	struct sim_ctx *c;
	unsigned int i;

	if (!sim.nr_work_waiters)
		return;
	sim_for_each_ctx(i, c)
		if (c->state == SIM_BLOCKED && c->wait.kind == SIM_WAIT_WORK &&
		    c->wait.obj == w && c->wait.left)
			c->wait.left--;
}

/* The scheduler starts @p's next item in @worker (not yet running). */
struct work_struct *sim_pool_take(struct sim_pool *p, struct sim_ctx *worker)
{
	unsigned int pos = 0;
	struct work_struct *w = first_startable(p, &pos);

	list_del_init(&w->entry);
	WRITE_ONCE(w->pending, 0);
	w->nr_done++;
	nr_pending--;
	worker->work_old = pos < p->nr_old;
	if (worker->work_old)
		p->nr_old--;
	worker->work = w;
	p->nr_busy++;
	p->nr_awake++;
	nr_busy++;
	return w;
}

/* A worker's job: one item, then retire it. */
void sim_work_run(struct sim_ctx *c)
{
	struct sim_pool *p = c->pool;
	struct workqueue_struct *wq = p->wq;
	struct work_struct *w = c->work;
	struct lockdep_map map = w->lockdep_map;	/* the item may free itself */
	work_func_t func = w->func;
	struct task_struct *t = &c->task;

	t->worker_wq = wq;
	t->current_work = w;
	sim.stats.works_run++;
	sim_trace(SIM_EV_WORK_START, wq->id, t->cpu, c->id, map.name ? map.name : "?");
	lock_acquire(&wq->lockdep_map, 0, 0, _THIS_IP_);
	lock_acquire(&map, 0, 0, _THIS_IP_);
	vcpu_decision_point("work_start");
	func(w);
	lock_release(&map, _THIS_IP_);
	lock_release(&wq->lockdep_map, _THIS_IP_);
	if (unlikely(t->preempt_count || t->lockdep_depth || t->rcu_read_lock_nesting)) {
		vcpu_report(VCPU_REPORT_BUG, "workqueue leaked lock or atomic", "process_one_work",
			    "%s/%d on vCPU %u: %s: preempt_count %d, %d lock%s held, RCU nesting %d",
			    t->comm, t->pid, t->cpu, map.name ? map.name : "?", t->preempt_count,
			    t->lockdep_depth, t->lockdep_depth == 1 ? "" : "s",
			    t->rcu_read_lock_nesting);
		t->preempt_count = 0;
		t->lockdep_depth = 0;
		t->rcu_read_lock_nesting = 0;
	}
	sim_trace(SIM_EV_WORK_END, wq->id, t->cpu, c->id, NULL);
	t->worker_wq = NULL;
	t->current_work = NULL;
	c->work = NULL;
	p->nr_busy--;
	p->nr_awake--;
	nr_busy--;
	if (c->work_old) {
		c->work_old = false;
		wq->nr_old--;
	}
	work_retired(w);
}

/* ----------------------------------------------------------- queueing */

/* The kernel's __queue_work(): the caller knows @work is not pending. */
bool __sim_queue_work(int cpu, struct workqueue_struct *wq, struct work_struct *work)
{
	struct sim_pool *p;

	if (READ_ONCE(work->pending) || work->disable)
		return false;
	if (cpu == WORK_CPU_UNBOUND)
		cpu = (int)smp_processor_id();
	cpu = (int)vcpu_check_cpu(cpu, "queue_work_on");
	work->wq = wq;
	work->cpu = cpu;
	p = sim_work_pool(work);
	WRITE_ONCE(work->pending, 1);
	work->nr_queued++;
	list_add_tail(&work->entry, &p->items);
	nr_pending++;
	return true;
}

bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work)
{
	if (WARN(!work->func, "%s", "queueing a work item that was never initialised"))
		return false;
	return __sim_queue_work(cpu, wq, work);
}

bool queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work_on(WORK_CPU_UNBOUND, wq, work);
}

bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}

/* Whether @w is on @p's list (by address; @w may be uninitialised memory). */
bool sim_work_queued_on(const struct work_struct *w, struct sim_pool *p)
{
	const struct list_head *pos;

	list_for_each(pos, &p->items)
		if (pos == &w->entry)
			return true;
	return false;
}

/* Takes @work off its pool if pending; the queueing retires.  Returns whether it was. */
bool sim_grab_pending(struct work_struct *work)
{
	struct sim_pool *p;
	struct work_struct *pos;
	unsigned int i = 0;

	if (!READ_ONCE(work->pending))
		return false;
	p = sim_work_pool(work);
	list_for_each_entry(pos, &p->items, entry) {
		if (pos == work)
			break;
		i++;
	}
	if (i < p->nr_old) {
		p->nr_old--;
		p->wq->nr_old--;
	}
	list_del_init(&work->entry);
	WRITE_ONCE(work->pending, 0);
	work->nr_done++;
	nr_pending--;
	work_retired(work);
	return true;
}

void __init_work(struct work_struct *work, work_func_t func, const char *name)
{
	struct workqueue_struct *wq;
	struct sim_pool *p;
	bool running = false;

	if (vcpu_env_running) {
		if (nr_pending) {
			sim_for_each_pool(wq, p) {
				if (!sim_work_queued_on(work, p))
					continue;
				vcpu_report(VCPU_REPORT_WARNING,
					    "ODEBUG: init active object type: work_struct", "__init_work",
					    "INIT_WORK(%s) on an item still pending on %s", name, wq->name);
				sim_grab_pending(work);
				goto init;
			}
		}
init:
		running = sim_work_runner(work) != NULL;
	}
	work->func = func;
	INIT_LIST_HEAD(&work->entry);
	work->pending = 0;
	work->disable = 0;
	work->wq = NULL;
	work->cpu = WORK_CPU_UNBOUND;
	if (!running) {
		work->nr_queued = 0;
		work->nr_done = 0;
	}
	/* One class per work function, as one per INIT_WORK() site in the kernel. */
	lockdep_init_map_type(&work->lockdep_map, name,
			      (const struct lock_class_key *)(uintptr_t)func, LD_WAIT_INV);
}

/* ------------------------------------------------------------ flushing */

/* The kernel's check_flush_dependency(). */
void sim_check_flush_dependency(struct workqueue_struct *target, struct work_struct *work)
{
	struct task_struct *t = current;

	if (!target || (target->flags & WQ_MEM_RECLAIM) || !(t->flags & PF_WQ_WORKER) ||
	    !t->worker_wq || !(t->worker_wq->flags & WQ_MEM_RECLAIM))
		return;
	vcpu_report(VCPU_REPORT_WARNING, "workqueue: WQ_MEM_RECLAIM flushing !WQ_MEM_RECLAIM",
		    "check_flush_dependency", "WQ_MEM_RECLAIM %s:%s is flushing !WQ_MEM_RECLAIM %s:%s",
		    t->worker_wq->name,
		    t->current_work && t->current_work->lockdep_map.name ?
			    t->current_work->lockdep_map.name : "?",
		    target->name, work && work->lockdep_map.name ? work->lockdep_map.name : "");
}

/*
 * Waits for the queueings of @work in flight now.  Returns false when
 * there were none.  @func names the caller in reports.
 */
bool sim_wait_work(struct work_struct *work, bool pending, const char *func)
{
	struct sim_wait w = { .kind = SIM_WAIT_WORK, .func = func, .obj = work };
	struct sim_ctx *runner = sim_work_runner(work);

	if (unlikely(runner && runner == sim.cur)) {
		vcpu_report(VCPU_REPORT_BUG, "possible recursive locking detected", func,
			    "%s/%d on vCPU %u waits for the work item it is running (%s)",
			    runner->task.comm, runner->task.pid, runner->task.cpu,
			    work->lockdep_map.name ? work->lockdep_map.name : "?");
		return false;
	}
	w.left = (pending ? 1 : 0) + (runner ? 1 : 0);
	if (!w.left)
		return false;
	if (work->wq)
		sim_check_flush_dependency(work->wq, work);
	sim_wait(&w);
	return true;
}

bool flush_work(struct work_struct *work)
{
	if (WARN(!work->func, "%s", "flushing a work item that was never initialised (work->func == NULL)"))
		return false;
	might_sleep();
	lock_acquire(&work->lockdep_map, 0, 0, _RET_IP_);
	lock_release(&work->lockdep_map, _RET_IP_);
	return sim_wait_work(work, READ_ONCE(work->pending), __func__);
}

bool cancel_work_sync(struct work_struct *work)
{
	bool was_pending;

	might_sleep();
	work->disable++;
	was_pending = sim_grab_pending(work);
	if (work->func) {
		lock_acquire(&work->lockdep_map, 0, 0, _RET_IP_);
		lock_release(&work->lockdep_map, _RET_IP_);
		/* nothing can queue it now: the only retirement left is the running one */
		sim_wait_work(work, false, __func__);
	}
	work->disable--;
	return was_pending;
}

static bool is_busy_in(const struct sim_ctx *c, const struct workqueue_struct *wq)
{
	return c->kind == SIM_CTX_WORKER && c->state != SIM_IDLE && c->work && c->pool->wq == wq;
}

/* Every item queued on @wq before the call has retired when this returns. */
void flush_workqueue(struct workqueue_struct *wq)
{
	struct sim_wait w = { .kind = SIM_WAIT_WQ_FLUSHER, .func = __func__, .obj = wq };
	struct sim_pool *p;
	struct sim_ctx *c;
	unsigned long old = 0;
	unsigned int i;

	might_sleep();
	lock_acquire(&wq->lockdep_map, 0, 0, _RET_IP_);
	lock_release(&wq->lockdep_map, _RET_IP_);
	sim_check_flush_dependency(wq, NULL);
	while (wq->flusher)
		if (!sim_wait(&w))
			return;
	for (p = wq->pools; p < wq->pools + wq->nr_pools; p++) {
		p->nr_old = (unsigned int)list_count_nodes(&p->items);
		old += p->nr_old;
	}
	sim_for_each_ctx(i, c) {
		if (c == sim.cur || !is_busy_in(c, wq))
			continue;
		c->work_old = true;
		old++;
	}
	if (!old)
		return;
	wq->flusher = sim.cur;
	wq->nr_old = old;
	w.kind = SIM_WAIT_WQ_FLUSH;
	sim_wait(&w);
	/* Normally all zero by now; not after a deadlock report. */
	for (p = wq->pools; p < wq->pools + wq->nr_pools; p++)
		p->nr_old = 0;
	sim_for_each_ctx(i, c)
		if (c->kind == SIM_CTX_WORKER && c->pool && c->pool->wq == wq)
			c->work_old = false;
	wq->nr_old = 0;
	wq->flusher = NULL;
}

static bool wq_busy(const struct workqueue_struct *wq)
{
	const struct sim_pool *p;
	struct sim_ctx *c;
	unsigned int i;

	for (p = wq->pools; p < wq->pools + wq->nr_pools; p++)
		if (!list_empty(&p->items) || p->nr_busy)
			return true;
	sim_for_each_ctx(i, c)
		if (is_busy_in(c, wq))
			return true;
	return false;
}

static void wq_free(struct workqueue_struct *wq)
{
	list_del(&wq->node);
	if (!wq->is_static)
		wq_mem_put(wq, sizeof(*wq) + wq->nr_pools * sizeof(struct sim_pool));
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	unsigned int round;

	if (!wq)
		return;
	/* drain_workqueue(): items may queue more items; flush until empty. */
	for (round = 0; round < 1000 && wq_busy(wq); round++)
		flush_workqueue(wq);
	if (wq_busy(wq)) {
		vcpu_report(VCPU_REPORT_BUG, "destroy_workqueue: workqueue still busy", __func__,
			    "%s still has work after draining; leaking it", wq->name);
		return;
	}
	sim_timers_forget_wq(wq);
	wq_free(wq);
}

/* vcpu_env_exit(): every workqueue the model did not destroy is a leak. */
void sim_wq_exit(void)
{
	struct workqueue_struct *wq, *tmp;

	list_for_each_entry_safe(wq, tmp, &sim_wqs, node) {
		if (!wq->is_static)
			vcpu_report(VCPU_REPORT_WARNING, "workqueue leaked", "vcpu_env_exit",
				    "%s was not destroyed with destroy_workqueue()", wq->name);
		wq_free(wq);
	}
	system_wq = NULL;
	system_unbound_wq = NULL;
}
