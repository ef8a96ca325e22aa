// SPDX-License-Identifier: GPL-2.0
/*
 * test_env_workqueue.c - workqueue.h's promises, on either backend.
 *
 *  - work queued on vCPU X runs as X (smp_processor_id() == X);
 *  - flush_work() waits for the item to finish and returns true, false when
 *    there is nothing to wait for; flushing an item that was never
 *    initialised is the kernel's WARN_ON(!work->func), reported;
 *  - cancel, delayed work, rcu_work, flush_workqueue(), destroy_workqueue();
 *  - cancel_delayed_work_sync() waits for the running execution, and while
 *    it waits the item cannot be queued again (the kernel disables it), so
 *    it returns with the item neither pending nor running;
 *  - check_flush_dependency(): a WQ_MEM_RECLAIM worker flushing an item of
 *    a workqueue without it is reported; INIT_WORK() on a pending item is
 *    reported (debugobjects' "init active");
 *  - flushing under a lock the item takes is a lockdep cycle.
 */
#include "kernel.h"
#include "ktest.h"
#include "env_test.h"


struct tw {
	struct work_struct work;
	int runs;
	int cpu;
	struct completion *go;
	int finished;
};

static void tw_fn(struct work_struct *w)
{
	struct tw *x = container_of(w, struct tw, work);

	ATOMIC_SET(x->cpu, (int)smp_processor_id());
	if (x->go)
		wait_for_completion(x->go);
	ATOMIC_INC(x->runs);
	ATOMIC_SET(x->finished, 1);
}

static void tw_init(struct tw *x)
{
	memset(x, 0, sizeof(*x));
	x->cpu = -1;
	INIT_WORK(&x->work, tw_fn);
}

static void test_work_runs_on_its_vcpu(struct ktest *t)
{
	struct tw w[4];
	int cpu;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	for (cpu = 0; cpu < 4; cpu++) {
		tw_init(&w[cpu]);
		KEXPECT(t, queue_work_on(cpu, system_wq, &w[cpu].work));
	}
	for (cpu = 3; cpu >= 0; cpu--) {
#ifdef SHEAF_BACKEND_SIM
		/* Inline: nothing ran yet, so each flush has to wait. */
		KEXPECT(t, flush_work(&w[cpu].work));
#else
		flush_work(&w[cpu].work);
#endif
		KEXPECT_EQ(t, ATOMIC_GET(w[cpu].cpu), cpu);
		KEXPECT_EQ(t, ATOMIC_GET(w[cpu].runs), 1);
	}
	KEXPECT(t, !flush_work(&w[0].work));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

/*
 * flush_work() returns only after the function returned, however long it
 * takes.  The item is queued on the flusher's own vCPU, so it cannot start
 * before the flusher sleeps in flush_work(): the flush must wait.
 */
static struct completion go, flushing;
static struct tw slow;
static int flush_ret, finished_at_return;

static void flusher(void *arg)
{
	KEXPECT((struct ktest *)arg, queue_work_on(1, system_wq, &slow.work));
	complete(&flushing);
	flush_ret = flush_work(&slow.work);
	ATOMIC_SET(finished_at_return, ATOMIC_GET(slow.finished));
}

static void releaser(void *arg)
{
	wait_for_completion(&flushing);
	cond_resched();
	complete(&go);
}

static void test_flush_work_waits(struct ktest *t)
{
	if (!env_start(t, VCPU_MODE_TASKS, 0))
		return;
	init_completion(&go);
	init_completion(&flushing);
	tw_init(&slow);
	slow.go = &go;
	KEXPECT_EQ(t, vcpu_spawn("flusher", 1, flusher, t), 0);
	KEXPECT_EQ(t, vcpu_spawn("releaser", 3, releaser, NULL), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, flush_ret, 1);
	KEXPECT_EQ(t, ATOMIC_GET(finished_at_return), 1);
	KEXPECT_EQ(t, ATOMIC_GET(slow.cpu), 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_flush_uninitialised_reported(struct ktest *t)
{
	struct work_struct never;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	memset(&never, 0, sizeof(never));
	KEXPECT(t, !flush_work(&never));
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "WARNING");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "flush_work");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "func");
	env_stop();
}

/*
 * Needs the item to stay pending until cancelled: only inline mode
 * promises that (threads may run it at once).
 */
static void test_cancel_and_init_active(struct ktest *t)
{
	struct tw a;

#ifndef SHEAF_BACKEND_SIM
	return;
#endif
	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	tw_init(&a);
	KEXPECT(t, queue_work_on(1, system_wq, &a.work));
	KEXPECT(t, cancel_work_sync(&a.work));
	KEXPECT(t, !work_pending(&a.work));
	KEXPECT(t, !cancel_work_sync(&a.work));
	KEXPECT(t, !flush_work(&a.work));
	KEXPECT_EQ(t, a.runs, 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	KEXPECT(t, queue_work_on(1, system_wq, &a.work));
	INIT_WORK(&a.work, tw_fn);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "init active");
	KEXPECT(t, !work_pending(&a.work));
	KEXPECT(t, vcpu_quiesce());
	KEXPECT_EQ(t, a.runs, 0);
	env_stop();
}

struct tdw {
	struct delayed_work dw;
	int runs;
};

static void tdw_fn(struct work_struct *w)
{
	ATOMIC_INC(container_of(to_delayed_work(w), struct tdw, dw)->runs);
}

struct trw {
	struct rcu_work rw;
	int runs;
};

static void trw_fn(struct work_struct *w)
{
	ATOMIC_INC(container_of(to_rcu_work(w), struct trw, rw)->runs);
}

static void test_delayed_and_rcu_work(struct ktest *t)
{
	struct tdw d = { .runs = 0 };
	struct trw r = { .runs = 0 };

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	INIT_DELAYED_WORK(&d.dw, tdw_fn);
	KEXPECT(t, queue_delayed_work(system_wq, &d.dw, 5 * HZ));
	KEXPECT(t, !queue_delayed_work(system_wq, &d.dw, 1));
	KEXPECT(t, flush_delayed_work(&d.dw));
	KEXPECT_EQ(t, ATOMIC_GET(d.runs), 1);
	/* per-CPU, on the driver's vCPU: it cannot run before the flush sleeps */
	KEXPECT(t, mod_delayed_work(system_wq, &d.dw, 0) == false);
	KEXPECT(t, flush_delayed_work(&d.dw));
	KEXPECT_EQ(t, ATOMIC_GET(d.runs), 2);
	KEXPECT(t, queue_delayed_work(system_wq, &d.dw, 100 * HZ));
	KEXPECT(t, cancel_delayed_work_sync(&d.dw));
	KEXPECT(t, !cancel_delayed_work(&d.dw));

	INIT_RCU_WORK(&r.rw, trw_fn);
	KEXPECT(t, queue_rcu_work(system_unbound_wq, &r.rw));
#ifdef SHEAF_BACKEND_SIM
	/* Inline: the grace period cannot have passed yet. */
	KEXPECT(t, !queue_rcu_work(system_unbound_wq, &r.rw));
#endif
	KEXPECT(t, flush_rcu_work(&r.rw));
	KEXPECT_EQ(t, ATOMIC_GET(r.runs), 1);
	KEXPECT(t, !flush_rcu_work(&r.rw));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

/*
 * A delayed work runs and blocks; one task cancels it with
 * cancel_delayed_work_sync(), another calls mod_delayed_work() while the
 * cancel waits.  As in the kernel (__cancel_work_sync() disables the item
 * for the duration), the queueing fails: the cancel returns after the
 * execution it found, with nothing pending, and the function ran once.
 * Before, the model queued the item again, and the sim backend let the
 * cancel of that new queueing end the wait for the running one.
 */
static struct completion cw_started, cw_go;
static struct delayed_work cw_dw;
static int cw_runs, cw_finished, cw_mod_ret = -1, cw_pending_after_mod = -1;
static int cw_finished_at_cancel = -1, cw_pending_after_cancel = -1, cw_saw_cancel;

static void cw_fn(struct work_struct *w)
{
	ATOMIC_INC(cw_runs);
	complete_all(&cw_started);	/* both tasks wait for it */
	wait_for_completion(&cw_go);
	ATOMIC_SET(cw_finished, 1);
}

static void cw_canceler(void *arg)
{
	KEXPECT((struct ktest *)arg, queue_delayed_work(system_wq, &cw_dw, 0));
	wait_for_completion(&cw_started);
	cancel_delayed_work_sync(&cw_dw);
	ATOMIC_SET(cw_finished_at_cancel, ATOMIC_GET(cw_finished));
	ATOMIC_SET(cw_pending_after_cancel, delayed_work_pending(&cw_dw) ? 1 : 0);
}

static void cw_requeuer(void *arg)
{
	int i;

	wait_for_completion(&cw_started);
	/*
	 * Until the cancel is under way: up to 10 s of 1 ms sleeps (virtual
	 * time on sim), so a broken cancel fails the test instead of hanging it.
	 */
	for (i = 0; i < 10000 && !__atomic_load_n(&cw_dw.work.disable, __ATOMIC_RELAXED); i++)
		msleep(1);
	ATOMIC_SET(cw_saw_cancel, i < 10000);
	ATOMIC_SET(cw_mod_ret, mod_delayed_work(system_wq, &cw_dw, 0) ? 1 : 0);
	ATOMIC_SET(cw_pending_after_mod, delayed_work_pending(&cw_dw) ? 1 : 0);
	complete(&cw_go);
}

static void test_cancel_sync_refuses_requeue(struct ktest *t)
{
	if (!env_start(t, VCPU_MODE_TASKS, 0))
		return;
	init_completion(&cw_started);
	init_completion(&cw_go);
	cw_runs = cw_finished = cw_saw_cancel = 0;
	INIT_DELAYED_WORK(&cw_dw, cw_fn);
	KEXPECT_EQ(t, vcpu_spawn("canceler", 1, cw_canceler, t), 0);
	KEXPECT_EQ(t, vcpu_spawn("requeuer", 2, cw_requeuer, NULL), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, ATOMIC_GET(cw_saw_cancel), 1);
	KEXPECT_EQ(t, ATOMIC_GET(cw_mod_ret), 0);
	KEXPECT_EQ(t, ATOMIC_GET(cw_pending_after_mod), 0);
	KEXPECT_EQ(t, ATOMIC_GET(cw_finished_at_cancel), 1);
	KEXPECT_EQ(t, ATOMIC_GET(cw_pending_after_cancel), 0);
	KEXPECT(t, !flush_delayed_work(&cw_dw));
	KEXPECT_EQ(t, ATOMIC_GET(cw_runs), 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_flush_and_destroy_workqueue(struct ktest *t)
{
	struct workqueue_struct *wq;
	struct tw w[6];
	int i;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	wq = alloc_workqueue("test_wq", WQ_PERCPU, 0);
	KASSERT(t, wq);
	for (i = 0; i < 6; i++) {
		tw_init(&w[i]);
		KEXPECT(t, queue_work_on(i % 4, wq, &w[i].work));
	}
	flush_workqueue(wq);
	for (i = 0; i < 6; i++)
		KEXPECT_EQ(t, ATOMIC_GET(w[i].runs), 1);
	for (i = 0; i < 6; i++)
		KEXPECT(t, queue_work_on(i % 4, wq, &w[i].work));
	destroy_workqueue(wq);
	for (i = 0; i < 6; i++)
		KEXPECT_EQ(t, ATOMIC_GET(w[i].runs), 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

/* A WQ_MEM_RECLAIM worker flushing a !WQ_MEM_RECLAIM item. */
static struct tw plain;

static void reclaim_fn(struct work_struct *w)
{
	queue_work_on(1, system_wq, &plain.work);
	flush_work(&plain.work);
}

static void test_mem_reclaim_flush_dependency(struct ktest *t)
{
	struct workqueue_struct *wq;
	struct work_struct r;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	wq = alloc_workqueue("reclaim_wq", WQ_MEM_RECLAIM | WQ_PERCPU, 0);
	KASSERT(t, wq);
	tw_init(&plain);
	INIT_WORK(&r, reclaim_fn);
	queue_work_on(0, wq, &r);
	flush_work(&r);
#ifdef SHEAF_BACKEND_SIM
	/*
	 * As in the kernel, the check runs only when the flush has to wait;
	 * inline mode guarantees that the plain item is still pending.
	 */
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "WQ_MEM_RECLAIM");
#endif
	KEXPECT_EQ(t, ATOMIC_GET(plain.runs), 1);
	destroy_workqueue(wq);
	env_stop();
}

static DEFINE_MUTEX(item_lock);

static void locking_fn(struct work_struct *w)
{
	mutex_lock(&item_lock);
	mutex_unlock(&item_lock);
}

static void test_flush_under_item_lock_is_a_cycle(struct ktest *t)
{
	struct work_struct w;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	INIT_WORK(&w, locking_fn);
	/* The item runs once: its lock order item -> item_lock is recorded. */
	queue_work_on(1, system_wq, &w);
	flush_work(&w);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	/* Now flushing under item_lock closes the cycle, without blocking. */
	mutex_lock(&item_lock);
	flush_work(&w);
	mutex_unlock(&item_lock);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "circular locking");
	env_stop();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_work_runs_on_its_vcpu),
	KTEST_CASE(test_flush_work_waits),
	KTEST_CASE(test_flush_uninitialised_reported),
	KTEST_CASE(test_cancel_and_init_active),
	KTEST_CASE(test_delayed_and_rcu_work),
	KTEST_CASE(test_cancel_sync_refuses_requeue),
	KTEST_CASE(test_flush_and_destroy_workqueue),
	KTEST_CASE(test_mem_reclaim_flush_dependency),
	KTEST_CASE(test_flush_under_item_lock_is_a_cycle),
	{}
};

KTEST_MAIN("env_workqueue", cases)
