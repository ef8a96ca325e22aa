// SPDX-License-Identifier: GPL-2.0
/*
 * threads_wq.c - the threads backend's workqueues: an item queued on vCPU
 * X runs as X in a worker, never while a context on X has preemption
 * disabled (a local_lock() holder), but as soon as a preemptible one
 * reaches a decision point; flush_work() waits for the last queueing and
 * warns about a never-initialised item; items of one pool may wait for
 * each other; delayed work fires on tick, on its timer, or when modified;
 * cancelling removes a pending item; WQ_MEM_RECLAIM flush dependencies
 * are reported.
 */
#include "threads_util.h"

#define NR_CPUS_TEST	4

static struct workqueue_struct *wq;

static bool start(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return false;
	wq = alloc_workqueue("test_wq", WQ_PERCPU, 0);
	KEXPECT(t, wq != NULL);
	return wq != NULL;
}

static void stop(struct ktest *t)
{
	destroy_workqueue(wq);
	wq = NULL;
	env_stop(t);
}

/* ------------------------------------------------------------ placement */

struct probe_work {
	struct work_struct work;
	int ran_on;
	bool as_worker;
	int runs;
};

static void probe_fn(struct work_struct *work)
{
	struct probe_work *p = container_of(work, struct probe_work, work);

	p->ran_on = (int)smp_processor_id();
	p->as_worker = (current->flags & PF_WQ_WORKER) && current->current_work == work &&
		       current->worker_wq == wq;
	p->runs++;
}

static void test_work_runs_on_its_cpu(struct ktest *t)
{
	struct probe_work p[NR_CPUS_TEST];
	unsigned int cpu;

	if (!start(t))
		return;
	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++) {
		INIT_WORK(&p[cpu].work, probe_fn);
		p[cpu].ran_on = -1;
		p[cpu].runs = 0;
		KEXPECT(t, queue_work_on((int)cpu, wq, &p[cpu].work));
	}
	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++) {
		flush_work(&p[cpu].work);
		KEXPECT_EQ(t, p[cpu].ran_on, cpu);
		KEXPECT(t, p[cpu].as_worker);
		KEXPECT_EQ(t, p[cpu].runs, 1);
		KEXPECT(t, !work_pending(&p[cpu].work));
		KEXPECT(t, !flush_work(&p[cpu].work));	/* idle: nothing to wait for */
	}
	/* queue_work() on a per-CPU workqueue: the caller's vCPU. */
	vcpu_migrate(2);
	KEXPECT(t, queue_work(wq, &p[0].work));
	flush_work(&p[0].work);
	KEXPECT_EQ(t, p[0].ran_on, 2);
	vcpu_migrate(0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	stop(t);
}

/* ------------------------------------------ the per-CPU lock is the CPU */

static local_lock_t __percpu *pcp_lock;
static int in_cs, work_started, work_saw_in_cs, work_cpu;
static struct work_struct lock_work;

static void lock_work_fn(struct work_struct *work)
{
	raw_set(&work_started, 1);
	raw_set(&work_saw_in_cs, raw_get(&in_cs));
	raw_set(&work_cpu, (int)smp_processor_id());
	/* Takes the same copy: overlapping holders would be reported. */
	local_lock(pcp_lock);
	local_unlock(pcp_lock);
}

/*
 * Holds vCPU 1's local lock while the work queued on vCPU 1 is pending,
 * and waits for it to start; it must not (the bounded wait expires).
 */
static void lock_holder_task(void *arg)
{
	local_lock(pcp_lock);
	raw_set(&in_cs, 1);
	queue_work_on(1, wq, &lock_work);
	raw_wait_ms(&work_started, 1, 200);
	vcpu_decision_point("test");	/* preemption is off: no effect */
	raw_wait_ms(&work_started, 1, 50);
	raw_set(&in_cs, 0);
	local_unlock(pcp_lock);
	flush_work(&lock_work);
}

/* Runs @task on vCPU 1 with the lock and the item fresh; false if no env. */
static bool run_lock_case(struct ktest *t, const char *name, void (*task)(void *))
{
	unsigned int cpu;

	if (!start(t))
		return false;
	pcp_lock = alloc_percpu(local_lock_t);
	for_each_possible_cpu(cpu)
		local_lock_init(per_cpu_ptr(pcp_lock, cpu));
	INIT_WORK(&lock_work, lock_work_fn);
	raw_set(&in_cs, 0);
	raw_set(&work_started, 0);
	raw_set(&work_saw_in_cs, -1);
	raw_set(&work_cpu, -1);
	vcpu_spawn(name, 1, task, NULL);
	vcpu_run_tasks();
	flush_work(&lock_work);
	return true;
}

static void end_lock_case(struct ktest *t)
{
	free_percpu(pcp_lock);
	stop(t);
}

static void test_local_lock_excludes_work(struct ktest *t)
{
	if (!run_lock_case(t, "holder", lock_holder_task))
		return;
	KEXPECT_EQ(t, raw_get(&work_started), 1);
	KEXPECT_EQ(t, raw_get(&work_saw_in_cs), 0);
	KEXPECT_EQ(t, raw_get(&work_cpu), 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	end_lock_case(t);
}

/* A preemptible context lets the work in at a decision point. */
static void yielding_task(void *arg)
{
	queue_work_on(1, wq, &lock_work);
	while (!raw_get(&work_started))
		vcpu_decision_point("test");
}

static void test_decision_point_lets_work_in(struct ktest *t)
{
	if (!run_lock_case(t, "yielder", yielding_task))
		return;
	KEXPECT_EQ(t, raw_get(&work_started), 1);
	KEXPECT_EQ(t, raw_get(&work_cpu), 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	end_lock_case(t);
}

/* ------------------------------------------------------------- flushing */

/*
 * flush_work() returns only after the item's function returned:
 *  1. "flusher" on vCPU 1 queues the blocker on vCPU 1 itself, so the
 *     blocker can start only once the flusher sleeps in flush_work();
 *  2. "late" waits until the blocker runs, then flushes it while it runs;
 *  3. "opener" lets the blocker finish once it started (and after a
 *     moment, for a broken flush to return early).
 * Both flushes must see the blocker finished; the first one had to wait.
 */
static struct completion gate;
static int blocker_started, blocker_finished, flush_saw_finished, late_saw_finished, flush_ret;
static struct work_struct blocker;

static void blocker_fn(struct work_struct *work)
{
	raw_set(&blocker_started, 1);
	wait_for_completion(&gate);
	raw_set(&blocker_finished, 1);
}

static void flusher_task(void *arg)
{
	queue_work_on(1, wq, &blocker);
	flush_ret = flush_work(&blocker);
	raw_set(&flush_saw_finished, raw_get(&blocker_finished));
}

static void late_flusher_task(void *arg)
{
	raw_wait(&blocker_started, 1);
	flush_work(&blocker);
	raw_set(&late_saw_finished, raw_get(&blocker_finished));
}

static void opener_task(void *arg)
{
	raw_wait(&blocker_started, 1);
	msleep(20);
	complete(&gate);
}

static void test_flush_work_waits(struct ktest *t)
{
	struct work_struct never = { 0 };

	if (!start(t))
		return;
	init_completion(&gate);
	INIT_WORK(&blocker, blocker_fn);
	raw_set(&blocker_started, 0);
	raw_set(&blocker_finished, 0);
	raw_set(&flush_saw_finished, 0);
	raw_set(&late_saw_finished, 0);
	vcpu_spawn("flusher", 1, flusher_task, NULL);
	vcpu_spawn("late", 2, late_flusher_task, NULL);
	vcpu_spawn("opener", 3, opener_task, NULL);
	vcpu_run_tasks();
	KEXPECT_EQ(t, raw_get(&flush_saw_finished), 1);
	KEXPECT_EQ(t, raw_get(&late_saw_finished), 1);
	KEXPECT_EQ(t, flush_ret, 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	/* The kernel's WARN_ON(!work->func): a never-initialised item. */
	KEXPECT(t, !flush_work(&never));
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "flush_work");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "never initialised");
	stop(t);
}

/* Two items of one pool, the first waiting for the second. */
static struct completion first_waits;
static int pair_done;

static void first_fn(struct work_struct *work)
{
	wait_for_completion(&first_waits);
	__atomic_add_fetch(&pair_done, 1, __ATOMIC_RELAXED);
}

static void second_fn(struct work_struct *work)
{
	complete(&first_waits);
	__atomic_add_fetch(&pair_done, 1, __ATOMIC_RELAXED);
}

static void test_same_pool_items_wait_for_each_other(struct ktest *t)
{
	struct work_struct first, second;

	if (!start(t))
		return;
	init_completion(&first_waits);
	raw_set(&pair_done, 0);
	INIT_WORK(&first, first_fn);
	INIT_WORK(&second, second_fn);
	queue_work_on(3, wq, &first);
	queue_work_on(3, wq, &second);
	flush_work(&first);
	flush_work(&second);
	KEXPECT_EQ(t, raw_get(&pair_done), 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	stop(t);
}

static void test_flush_workqueue(struct ktest *t)
{
	struct probe_work p[NR_CPUS_TEST + 1];
	struct workqueue_struct *unbound;
	unsigned int i;

	if (!start(t))
		return;
	unbound = alloc_workqueue("test_unbound", WQ_UNBOUND, 0);
	for (i = 0; i <= NR_CPUS_TEST; i++) {
		INIT_WORK(&p[i].work, probe_fn);
		p[i].runs = 0;
	}
	for (i = 0; i < NR_CPUS_TEST; i++)
		queue_work_on((int)i, wq, &p[i].work);
	queue_work(unbound, &p[NR_CPUS_TEST].work);
	flush_workqueue(wq);
	flush_workqueue(unbound);
	for (i = 0; i <= NR_CPUS_TEST; i++)
		KEXPECT_EQ(t, p[i].runs, 1);
	destroy_workqueue(unbound);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	stop(t);
}

/* --------------------------------------------------------- delayed work */

static int delayed_runs;
static struct completion delayed_ran;

static void delayed_fn(struct work_struct *work)
{
	__atomic_add_fetch(&delayed_runs, 1, __ATOMIC_RELAXED);
	complete(&delayed_ran);
}

static void test_delayed_work(struct ktest *t)
{
	struct delayed_work dw;

	if (!start(t))
		return;
	raw_set(&delayed_runs, 0);
	init_completion(&delayed_ran);
	INIT_DELAYED_WORK(&dw, delayed_fn);

	/* Far in the future: only the tick fires it. */
	KEXPECT(t, queue_delayed_work_on(2, wq, &dw, 100000));
	KEXPECT(t, delayed_work_pending(&dw));
	KEXPECT(t, !queue_delayed_work_on(2, wq, &dw, 100000));
	KEXPECT(t, !flush_work(&dw.work));	/* the timer is not the queue */
	vcpu_tick(100000);
	flush_work(&dw.work);
	KEXPECT_EQ(t, raw_get(&delayed_runs), 1);

	/* mod_delayed_work(): idle, then armed and brought forward to now. */
	KEXPECT(t, !mod_delayed_work(wq, &dw, 100000));
	KEXPECT(t, mod_delayed_work(wq, &dw, 0));
	flush_delayed_work(&dw);
	KEXPECT_EQ(t, raw_get(&delayed_runs), 2);

	/* Cancelled while armed: never runs. */
	KEXPECT(t, queue_delayed_work(wq, &dw, 100000));
	KEXPECT(t, cancel_delayed_work_sync(&dw));
	KEXPECT(t, !delayed_work_pending(&dw));
	KEXPECT(t, vcpu_quiesce());
	KEXPECT_EQ(t, raw_get(&delayed_runs), 2);

	/* flush_delayed_work() of an armed item runs it now. */
	queue_delayed_work(wq, &dw, 100000);
	KEXPECT(t, flush_delayed_work(&dw));
	KEXPECT_EQ(t, raw_get(&delayed_runs), 3);

	/* The timer thread fires a short delay on its own. */
	init_completion(&delayed_ran);
	queue_delayed_work(wq, &dw, 1);
	wait_for_completion(&delayed_ran);
	KEXPECT_EQ(t, raw_get(&delayed_runs), 4);

	/* vcpu_quiesce() fires what is armed. */
	queue_delayed_work(wq, &dw, 100000);
	KEXPECT(t, vcpu_quiesce());
	KEXPECT_EQ(t, raw_get(&delayed_runs), 5);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	stop(t);
}

/* -------------------------------------------------------------- cancel */

static int cancel_done, cancelled_runs;
static struct work_struct cancelled;

static void cancelled_fn(struct work_struct *work)
{
	__atomic_add_fetch(&cancelled_runs, 1, __ATOMIC_RELAXED);
}

/* Keeps vCPU 1 busy (preemption off) so the item stays pending. */
static void pin_task(void *arg)
{
	preempt_disable();
	queue_work_on(1, wq, &cancelled);
	raw_wait(&cancel_done, 1);
	preempt_enable();
}

static void cancel_task(void *arg)
{
	raw_wait_until(work_pending(&cancelled));
	raw_set(&cancel_done, cancel_work_sync(&cancelled) ? 1 : 2);
}

static void test_cancel_pending_work(struct ktest *t)
{
	if (!start(t))
		return;
	INIT_WORK(&cancelled, cancelled_fn);
	raw_set(&cancel_done, 0);
	raw_set(&cancelled_runs, 0);
	vcpu_spawn("pin", 1, pin_task, NULL);
	vcpu_spawn("cancel", 2, cancel_task, NULL);
	vcpu_run_tasks();
	KEXPECT_EQ(t, raw_get(&cancel_done), 1);
	KEXPECT(t, vcpu_quiesce());
	KEXPECT_EQ(t, raw_get(&cancelled_runs), 0);
	KEXPECT(t, !cancel_work_sync(&cancelled));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	stop(t);
}

/* --------------------------------------------------- flush dependencies */

static struct workqueue_struct *reclaim_wq;
static struct work_struct plain_item, reclaim_item, reverse_item, reclaim_target;

static void plain_fn(struct work_struct *work)
{
}

/*
 * Queued on our own vCPU, the target cannot run before we sleep in
 * flush_work(): the flush has to wait, so the dependency is checked.
 */
static void reclaim_fn(struct work_struct *work)
{
	queue_work_on((int)smp_processor_id(), wq, &plain_item);
	flush_work(&plain_item);
}

static void reverse_fn(struct work_struct *work)
{
	queue_work_on((int)smp_processor_id(), reclaim_wq, &reclaim_target);
	flush_work(&reclaim_target);
}

static void test_check_flush_dependency(struct ktest *t)
{
	if (!start(t))
		return;
	reclaim_wq = alloc_workqueue("test_reclaim", WQ_MEM_RECLAIM | WQ_PERCPU, 0);
	INIT_WORK(&plain_item, plain_fn);
	INIT_WORK(&reclaim_item, reclaim_fn);
	INIT_WORK(&reverse_item, reverse_fn);
	INIT_WORK(&reclaim_target, plain_fn);
	queue_work_on(1, reclaim_wq, &reclaim_item);
	flush_work(&reclaim_item);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(),
			     "WQ_MEM_RECLAIM test_reclaim:reclaim_fn is flushing !WQ_MEM_RECLAIM test_wq:plain_fn");
	/* The other way round is fine. */
	vcpu_clear_reports();
	queue_work_on(2, wq, &reverse_item);
	flush_work(&reverse_item);
	destroy_workqueue(reclaim_wq);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	stop(t);
}

/* -------------------------------------------------------- lifecycle misuse */

static void test_destroy_busy_workqueue_reported(struct ktest *t)
{
	struct workqueue_struct *doomed;
	struct delayed_work dw;

	if (!start(t))
		return;
	raw_set(&delayed_runs, 0);
	init_completion(&delayed_ran);
	doomed = alloc_workqueue("doomed", WQ_PERCPU, 0);
	INIT_DELAYED_WORK(&dw, delayed_fn);
	queue_delayed_work(doomed, &dw, 100000);
	destroy_workqueue(doomed);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "delayed work still armed");
	KEXPECT(t, !delayed_work_pending(&dw));
	stop(t);
}

static void test_leaked_workqueue_reported(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	alloc_workqueue("leaked", WQ_PERCPU, 0);
	vcpu_env_exit();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "workqueue leaked");
	vcpu_set_panic_on_report(true);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_work_runs_on_its_cpu),
	KTEST_CASE(test_local_lock_excludes_work),
	KTEST_CASE(test_decision_point_lets_work_in),
	KTEST_CASE(test_flush_work_waits),
	KTEST_CASE(test_same_pool_items_wait_for_each_other),
	KTEST_CASE(test_flush_workqueue),
	KTEST_CASE(test_delayed_work),
	KTEST_CASE(test_cancel_pending_work),
	KTEST_CASE(test_check_flush_dependency),
	KTEST_CASE(test_destroy_busy_workqueue_reported),
	KTEST_CASE(test_leaked_workqueue_reported),
	{}
};
KTEST_MAIN("threads_wq", cases)
