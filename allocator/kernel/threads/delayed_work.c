// SPDX-License-Identifier: GPL-2.0
/*
 * delayed_work.c (threads) - work queued later: delayed work (its timers
 * and the timer thread) and rcu_work (queued by an RCU callback).
 *
 * An armed delayed_work sits on @timers (under thr_wq_mutex) until jiffies
 * reach its expiry; then, as the kernel's delayed_work_timer_fn(), it is
 * queued on its workqueue.  Expiry is checked by one timer thread, which
 * sleeps until the earliest one is due on the monotonic clock, and by
 * vcpu_tick(), which moves jiffies forward and fires what that made due on
 * the spot.  The timer thread runs no model code: it only queues items.
 *
 * Model: a delayed item armed with WORK_CPU_UNBOUND on a per-CPU workqueue
 * is queued on the vCPU that armed it, where the kernel's timer would have
 * fired.
 *
 * rcu_work: queue_rcu_work() marks the item pending (PENDING_RCU) and
 * call_rcu()s its head; the callback, in the "rcu" context, queues the
 * item.  flush_rcu_work() first waits for that callback with rcu_barrier()
 * if it has not run, then flushes the item, as the kernel does.
 */
#include <time.h>

#include "thr_wq.h"

static LIST_HEAD(timers);		/* delayed_work.timer_entry; under thr_wq_mutex */
static pthread_cond_t timer_cond;	/* monotonic; the timer thread sleeps here */
static bool timer_stop;			/* under thr_wq_mutex */
static pthread_t timer_thread;

/* ------------------------------------------------------------ the timers */

static void timer_del(struct delayed_work *dw)
{
	list_del_init(&dw->timer_entry);
	WRITE_ONCE(dw->timer_pending, false);
}

/* delayed_work_timer_fn(): the delay is over, queue the item. */
static void timer_fire(struct delayed_work *dw)
{
	timer_del(dw);
	if (!dw->work.pending)
		thr_queue_locked(thr_pool_of(dw->wq, dw->cpu), &dw->work, dw->cpu);
}

static void fire_expired(void)
{
	unsigned long now = vcpu_jiffies();
	struct delayed_work *dw, *tmp;

	list_for_each_entry_safe(dw, tmp, &timers, timer_entry)
		if (time_after_eq(now, dw->expires))
			timer_fire(dw);
}

static void *timer_main(void *arg)
{
	struct delayed_work *dw;
	unsigned long earliest, ns;
	struct timespec ts;

	pthread_mutex_lock(&thr_wq_mutex);
	while (!timer_stop) {
		fire_expired();
		if (list_empty(&timers)) {
			pthread_cond_wait(&timer_cond, &thr_wq_mutex);
			continue;
		}
		earliest = list_first_entry(&timers, struct delayed_work, timer_entry)->expires;
		list_for_each_entry(dw, &timers, timer_entry)
			if (time_before(dw->expires, earliest))
				earliest = dw->expires;
		ns = thr_jiffies_to_ns(earliest);
		if (!ns)
			continue;
		ts.tv_sec = (time_t)(ns / 1000000000UL);
		ts.tv_nsec = (long)(ns % 1000000000UL);
		pthread_cond_timedwait(&timer_cond, &thr_wq_mutex, &ts);
	}
	pthread_mutex_unlock(&thr_wq_mutex);
	return NULL;
}

void thr_timers_start(void)
{
	thr_cond_init_monotonic(&timer_cond);
	timer_stop = false;
	if (pthread_create(&timer_thread, NULL, timer_main, NULL))
		vcpu_panic("pthread_create failed", __func__, "timer thread");
}

unsigned int thr_timers_disarm(struct workqueue_struct *wq)
{
	struct delayed_work *dw, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(dw, tmp, &timers, timer_entry) {
		if (wq && dw->wq != wq)
			continue;
		timer_del(dw);
		n++;
	}
	return n;
}

void thr_timers_stop(void)
{
	unsigned int left;

	pthread_mutex_lock(&thr_wq_mutex);
	timer_stop = true;
	pthread_cond_signal(&timer_cond);
	left = thr_timers_disarm(NULL);
	pthread_mutex_unlock(&thr_wq_mutex);
	pthread_join(timer_thread, NULL);
	pthread_cond_destroy(&timer_cond);
	WARN(left, "%u delayed items still armed at exit", left);
}

bool thr_timers_armed(void)
{
	return !list_empty(&timers);
}

unsigned int thr_timers_fire_all(void)
{
	struct delayed_work *dw;
	unsigned long latest = 0;
	unsigned int n = 0;

	pthread_mutex_lock(&thr_wq_mutex);
	list_for_each_entry(dw, &timers, timer_entry) {
		if (!n++ || time_after(dw->expires, latest))
			latest = dw->expires;
	}
	if (n) {
		thr_jiffies_advance_to(latest);
		fire_expired();
	}
	pthread_mutex_unlock(&thr_wq_mutex);
	return n;
}

void thr_timers_tick(void)
{
	pthread_mutex_lock(&thr_wq_mutex);
	fire_expired();
	pthread_cond_signal(&timer_cond);
	pthread_mutex_unlock(&thr_wq_mutex);
}

/* -------------------------------------------------------- delayed work */

/* Whether @dw is on the timer list (its memory may be garbage). */
static bool timer_armed(const struct delayed_work *dw)
{
	const struct delayed_work *x;

	list_for_each_entry(x, &timers, timer_entry)
		if (x == dw)
			return true;
	return false;
}

void __init_delayed_work(struct delayed_work *dw, work_func_t func, const char *name)
{
	bool armed = false;

	/* debugobjects: re-initialising an armed timer corrupts the timer list. */
	if (READ_ONCE(vcpu_env_running)) {
		pthread_mutex_lock(&thr_wq_mutex);
		if (!list_empty(&timers) && timer_armed(dw)) {
			timer_del(dw);
			armed = true;
		}
		pthread_mutex_unlock(&thr_wq_mutex);
	}
	if (armed)
		vcpu_report(VCPU_REPORT_WARNING, "ODEBUG: init active object type: timer_list",
			    __func__, "INIT_DELAYED_WORK(%s) on an armed delayed work", name);
	__init_work(&dw->work, func, name);
	INIT_LIST_HEAD(&dw->timer_entry);
	dw->expires = 0;
	WRITE_ONCE(dw->timer_pending, false);
	dw->wq = NULL;
	dw->cpu = WORK_CPU_UNBOUND;
}

/* Queues idle @dw now, or arms its timer.  Under thr_wq_mutex. */
static void arm(int cpu, struct workqueue_struct *wq, struct delayed_work *dw,
		unsigned long delay)
{
	dw->wq = wq;
	if (!delay) {
		dw->cpu = cpu;
		thr_queue_locked(thr_pool_of(wq, cpu), &dw->work, cpu);
		return;
	}
	if (cpu == WORK_CPU_UNBOUND && !(wq->flags & WQ_UNBOUND))
		cpu = (int)smp_processor_id();
	dw->cpu = cpu;
	dw->expires = vcpu_jiffies() + delay;
	WRITE_ONCE(dw->timer_pending, true);
	list_add_tail(&dw->timer_entry, &timers);
	pthread_cond_signal(&timer_cond);
}

/* Takes @dw off its timer or its queue; whether it was pending. */
static bool grab_pending(struct delayed_work *dw)
{
	if (dw->timer_pending) {
		timer_del(dw);
		return true;
	}
	if (thr_work_queued(&dw->work)) {
		thr_drop_pending(&dw->work);
		return true;
	}
	return false;
}

bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq,
			   struct delayed_work *dw, unsigned long delay)
{
	bool queued = false;

	if (cpu != WORK_CPU_UNBOUND)
		cpu = (int)vcpu_check_cpu(cpu, __func__);
	pthread_mutex_lock(&thr_wq_mutex);
	if (!dw->timer_pending && !dw->work.pending && !dw->work.disable) {
		arm(cpu, wq, dw, delay);
		queued = true;
	}
	pthread_mutex_unlock(&thr_wq_mutex);
	return queued;
}

bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay)
{
	return queue_delayed_work_on(WORK_CPU_UNBOUND, wq, dw, delay);
}

bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay)
{
	bool was_pending;

	pthread_mutex_lock(&thr_wq_mutex);
	was_pending = grab_pending(dw);
	/* a cancel_delayed_work_sync() under way: cancelled, not queued again */
	if (!dw->work.disable)
		arm(WORK_CPU_UNBOUND, wq, dw, delay);
	pthread_mutex_unlock(&thr_wq_mutex);
	return was_pending;
}

bool cancel_delayed_work(struct delayed_work *dw)
{
	bool was_pending;

	pthread_mutex_lock(&thr_wq_mutex);
	was_pending = grab_pending(dw);
	pthread_mutex_unlock(&thr_wq_mutex);
	return was_pending;
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	bool was_pending;

	pthread_mutex_lock(&thr_wq_mutex);
	/* queueing fails until it returns; atomic for readers outside the mutex */
	__atomic_add_fetch(&dw->work.disable, 1, __ATOMIC_RELAXED);
	was_pending = grab_pending(dw);
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_wait_running(&dw->work, __func__);
	pthread_mutex_lock(&thr_wq_mutex);
	__atomic_sub_fetch(&dw->work.disable, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&thr_wq_mutex);
	return was_pending;
}

bool flush_delayed_work(struct delayed_work *dw)
{
	pthread_mutex_lock(&thr_wq_mutex);
	if (dw->timer_pending)
		timer_fire(dw);
	pthread_mutex_unlock(&thr_wq_mutex);
	return flush_work(&dw->work);
}

/* ------------------------------------------------------------ rcu_work */

void __init_rcu_work(struct rcu_work *rw, work_func_t func, const char *name)
{
	if (READ_ONCE(vcpu_env_running) && vcpu_rcu_pending_callbacks() &&
	    thr_rcu_head_queued(&rw->rcu))
		vcpu_report(VCPU_REPORT_WARNING, "ODEBUG: init active object type: rcu_work",
			    __func__, "INIT_RCU_WORK(%s) while its grace period is pending", name);
	__init_work(&rw->work, func, name);
	rw->wq = NULL;
	WRITE_ONCE(rw->rcu_pending, false);
	__atomic_store_n(&rw->rcu.state, 0, __ATOMIC_RELAXED);
}

/* The grace period is over: the item goes on its queue (rcu context). */
static void rcu_work_rcufn(struct rcu_head *head)
{
	struct rcu_work *rw = container_of(head, struct rcu_work, rcu);

	pthread_mutex_lock(&thr_wq_mutex);
	rw->wq->nr_rcu--;
	WRITE_ONCE(rw->rcu_pending, false);
	WRITE_ONCE(rw->work.pending, 0);
	thr_queue_locked(thr_pool_of(rw->wq, WORK_CPU_UNBOUND), &rw->work, WORK_CPU_UNBOUND);
	pthread_mutex_unlock(&thr_wq_mutex);
}

bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rw)
{
	pthread_mutex_lock(&thr_wq_mutex);
	if (rw->work.pending) {
		pthread_mutex_unlock(&thr_wq_mutex);
		return false;
	}
	WRITE_ONCE(rw->work.pending, PENDING_RCU);
	rw->wq = wq;
	wq->nr_rcu++;
	WRITE_ONCE(rw->rcu_pending, true);
	pthread_mutex_unlock(&thr_wq_mutex);
	call_rcu(&rw->rcu, rcu_work_rcufn);
	return true;
}

bool flush_rcu_work(struct rcu_work *rw)
{
	if (READ_ONCE(rw->rcu_pending)) {
		rcu_barrier();
		flush_work(&rw->work);
		return true;
	}
	return flush_work(&rw->work);
}
