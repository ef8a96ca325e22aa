// SPDX-License-Identifier: GPL-2.0
/*
 * threads_rcu.c - the threads backend keeps rcupdate.h's promises: a
 * callback runs on the vCPU that queued it, after every reader that was
 * inside when it was queued; rcu_barrier() waits for the callbacks queued
 * before it and not for those queued after; synchronize_rcu() and polled
 * cookies wait for a full grace period; a double call_rcu() is reported.
 */
#include "threads_util.h"

#define NR_CPUS_TEST	4

/* ------------------------------------------------ callbacks and barriers */

#define CBS_PER_CPU	50

struct counted_cb {
	struct rcu_head head;
	unsigned int queued_on;
	int ran_on;		/* -1 until run */
	bool in_rcu_context;
};

static struct counted_cb cbs[NR_CPUS_TEST][CBS_PER_CPU];
static int cbs_run;

static void counted_cb_fn(struct rcu_head *head)
{
	struct counted_cb *cb = container_of(head, struct counted_cb, head);

	cb->ran_on = (int)smp_processor_id();
	cb->in_rcu_context = (current->flags & PF_RCU_CB) && current->preempt_count > 0;
	__atomic_add_fetch(&cbs_run, 1, __ATOMIC_RELAXED);
}

static void queue_cbs_task(void *arg)
{
	unsigned int cpu = smp_processor_id(), i;

	for (i = 0; i < CBS_PER_CPU; i++) {
		cbs[cpu][i].queued_on = cpu;
		cbs[cpu][i].ran_on = -1;
		call_rcu(&cbs[cpu][i].head, counted_cb_fn);
	}
}

static void test_rcu_barrier_waits_for_earlier_callbacks(struct ktest *t)
{
	struct vcpu_stats st;
	unsigned int cpu, i;
	bool same_cpu = true, context = true;

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	memset(cbs, 0, sizeof(cbs));
	raw_set(&cbs_run, 0);
	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++)
		KEXPECT_EQ(t, vcpu_spawn("queuer", (int)cpu, queue_cbs_task, NULL), 0);
	vcpu_run_tasks();
	/* Queued from every vCPU before the barrier: all of them have run. */
	rcu_barrier();
	KEXPECT_EQ(t, raw_get(&cbs_run), NR_CPUS_TEST * CBS_PER_CPU);
	KEXPECT_EQ(t, vcpu_rcu_pending_callbacks(), 0);
	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++) {
		for (i = 0; i < CBS_PER_CPU; i++) {
			same_cpu &= cbs[cpu][i].ran_on == (int)cbs[cpu][i].queued_on;
			context &= cbs[cpu][i].in_rcu_context;
		}
	}
	KEXPECT(t, same_cpu);
	KEXPECT(t, context);
	vcpu_get_stats(&st);
	KEXPECT(t, st.callbacks_run >= NR_CPUS_TEST * CBS_PER_CPU);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

/*
 * rcu_barrier() does not wait for a callback queued after it started:
 *  1. the driver queues D, which holds the callback thread until step 4;
 *  2. task B calls rcu_barrier(): its marker is queued behind D and the
 *     hook says so;
 *  3. task H, seeing that, queues C, which blocks until the gate opens;
 *  4. D returns; the marker runs; B's barrier returns while C is blocked
 *     (if the barrier waited for C, C would time out: later_timed_out);
 *  5. the driver opens the gate and a second barrier lets C finish.
 */
static int marker_queued, later_queued, later_done, later_timed_out, gate;
static int barrier_saw_later_done = -1;
static struct rcu_head early_head, later_head;

static void barrier_hook(void)
{
	raw_set(&marker_queued, 1);
}

static void early_cb(struct rcu_head *head)
{
	raw_wait(&later_queued, 1);
}

static void later_cb(struct rcu_head *head)
{
	if (!raw_wait(&gate, 1))
		raw_set(&later_timed_out, 1);
	raw_set(&later_done, 1);
}

static void barrier_task(void *arg)
{
	rcu_barrier();
	barrier_saw_later_done = raw_get(&later_done);
}

static void later_task(void *arg)
{
	raw_wait(&marker_queued, 1);
	call_rcu(&later_head, later_cb);
	raw_set(&later_queued, 1);
}

static void test_rcu_barrier_ignores_later_callbacks(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	raw_set(&marker_queued, 0);
	raw_set(&later_queued, 0);
	raw_set(&later_done, 0);
	raw_set(&later_timed_out, 0);
	raw_set(&gate, 0);
	barrier_saw_later_done = -1;
	call_rcu(&early_head, early_cb);
	thr_rcu_barrier_queued_hook = barrier_hook;
	vcpu_spawn("barrier", 1, barrier_task, NULL);
	vcpu_spawn("later", 2, later_task, NULL);
	vcpu_run_tasks();
	thr_rcu_barrier_queued_hook = NULL;
	KEXPECT_EQ(t, barrier_saw_later_done, 0);
	raw_set(&gate, 1);
	rcu_barrier();
	KEXPECT_EQ(t, raw_get(&later_done), 1);
	KEXPECT_EQ(t, raw_get(&later_timed_out), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

/* ------------------------------------------------------ readers block */

static int reader_inside, writer_done_queueing, reader_left, cb_saw_inside;
static struct rcu_head reader_head;

static void reader_cb(struct rcu_head *head)
{
	raw_set(&cb_saw_inside, raw_get(&reader_inside));
}

/* Stays in its read-side section until the writer acted, then a bit longer. */
static void reader_task(void *arg)
{
	rcu_read_lock();
	raw_set(&reader_inside, 1);
	raw_wait(&writer_done_queueing, 1);
	raw_wait_ms(&reader_left, 1, 30);	/* a chance for a broken GP to end */
	raw_set(&reader_inside, 0);
	raw_set(&reader_left, 1);
	rcu_read_unlock();
}

static void call_rcu_writer_task(void *arg)
{
	raw_wait(&reader_inside, 1);
	call_rcu(&reader_head, reader_cb);
	raw_set(&writer_done_queueing, 1);
	rcu_barrier();
}

static void sync_writer_task(void *arg)
{
	raw_wait(&reader_inside, 1);
	raw_set(&writer_done_queueing, 1);
	synchronize_rcu();
	raw_set(&cb_saw_inside, !raw_get(&reader_left));
}

static void reader_case(struct ktest *t, void (*writer)(void *))
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	raw_set(&reader_inside, 0);
	raw_set(&writer_done_queueing, 0);
	raw_set(&reader_left, 0);
	raw_set(&cb_saw_inside, -1);
	vcpu_spawn("reader", 1, reader_task, NULL);
	vcpu_spawn("writer", 2, writer, NULL);
	vcpu_run_tasks();
	KEXPECT_EQ(t, raw_get(&cb_saw_inside), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

static void test_callback_waits_for_earlier_reader(struct ktest *t)
{
	reader_case(t, call_rcu_writer_task);
}

static void test_synchronize_rcu_waits_for_reader(struct ktest *t)
{
	reader_case(t, sync_writer_task);
}

/* A cookie taken while a reader is inside cannot complete before it left. */
static int poll_true_inside, poll_done;

static void poll_reader_task(void *arg)
{
	rcu_read_lock();
	raw_set(&reader_inside, 1);
	raw_wait(&writer_done_queueing, 1);
	raw_set(&reader_inside, 0);
	rcu_read_unlock();
}

static void poll_task(void *arg)
{
	struct rcu_gp_oldstate full;
	unsigned long cookie;

	raw_wait(&reader_inside, 1);
	cookie = get_state_synchronize_rcu();
	get_state_synchronize_rcu_full(&full);
	if (poll_state_synchronize_rcu(cookie) || poll_state_synchronize_rcu_full(&full))
		raw_set(&poll_true_inside, 1);
	msleep(30);	/* a chance for a broken chain to run ahead */
	if (poll_state_synchronize_rcu(cookie) || poll_state_synchronize_rcu_full(&full))
		raw_set(&poll_true_inside, 1);
	raw_set(&writer_done_queueing, 1);
	while (!poll_state_synchronize_rcu(cookie) || !poll_state_synchronize_rcu_full(&full))
		msleep(1);
	raw_set(&poll_done, 1);
}

static void test_poll_state_waits_for_reader(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	raw_set(&reader_inside, 0);
	raw_set(&writer_done_queueing, 0);
	raw_set(&poll_true_inside, 0);
	raw_set(&poll_done, 0);
	vcpu_spawn("reader", 1, poll_reader_task, NULL);
	vcpu_spawn("poller", 2, poll_task, NULL);
	vcpu_run_tasks();
	KEXPECT_EQ(t, raw_get(&poll_true_inside), 0);
	KEXPECT_EQ(t, raw_get(&poll_done), 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

/* ---------------------------------------------------- misuse is reported */

static int double_runs;

static void double_cb(struct rcu_head *head)
{
	__atomic_add_fetch(&double_runs, 1, __ATOMIC_RELAXED);
}

static void test_double_call_rcu_reported(struct ktest *t)
{
	struct rcu_head head = { 0 };

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	raw_set(&double_runs, 0);
	call_rcu(&head, double_cb);
	call_rcu(&head, double_cb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "already queued");
	rcu_barrier();
	KEXPECT_EQ(t, raw_get(&double_runs), 1);
	/* Invoked, it may be queued again. */
	call_rcu(&head, double_cb);
	rcu_barrier();
	KEXPECT_EQ(t, raw_get(&double_runs), 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	env_stop(t);
}

static void test_reader_nesting(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	KEXPECT(t, !rcu_read_lock_held());
	rcu_read_lock();
	rcu_read_lock();
	KEXPECT(t, rcu_read_lock_held());
	KEXPECT_EQ(t, current->rcu_read_lock_nesting, 2);
	rcu_read_unlock();
	KEXPECT(t, rcu_read_lock_held());
	rcu_read_unlock();
	KEXPECT(t, !rcu_read_lock_held());
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	rcu_read_unlock();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	/* Waiting for a grace period inside a reader: reported, not hung. */
	rcu_read_lock();
	synchronize_rcu();
	rcu_barrier();
	rcu_read_unlock();
	KEXPECT_EQ(t, vcpu_nr_reports(), 3);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "sleeping function called from invalid context");
	env_stop(t);
}

/* ------------------------------------------------------------- rcu_work */

static int rcu_work_ran;

static void rcu_work_fn(struct work_struct *work)
{
	__atomic_add_fetch(&rcu_work_ran, 1, __ATOMIC_RELAXED);
}

static void test_rcu_work(struct ktest *t)
{
	struct rcu_work rw;

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	raw_set(&rcu_work_ran, 0);
	INIT_RCU_WORK(&rw, rcu_work_fn);
	KEXPECT(t, queue_rcu_work(system_wq, &rw));
	KEXPECT(t, !queue_rcu_work(system_wq, &rw));
	KEXPECT(t, flush_rcu_work(&rw));
	KEXPECT_EQ(t, raw_get(&rcu_work_ran), 1);
	KEXPECT(t, !flush_rcu_work(&rw));
	KEXPECT(t, queue_rcu_work(system_unbound_wq, &rw));
	KEXPECT(t, vcpu_quiesce());
	KEXPECT_EQ(t, raw_get(&rcu_work_ran), 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

static void test_rcu_gp_and_stats(struct ktest *t)
{
	struct vcpu_stats before, after;

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	vcpu_get_stats(&before);
	vcpu_rcu_gp();
	vcpu_get_stats(&after);
	KEXPECT(t, after.gps_completed > before.gps_completed);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_rcu_barrier_waits_for_earlier_callbacks),
	KTEST_CASE(test_rcu_barrier_ignores_later_callbacks),
	KTEST_CASE(test_callback_waits_for_earlier_reader),
	KTEST_CASE(test_synchronize_rcu_waits_for_reader),
	KTEST_CASE(test_poll_state_waits_for_reader),
	KTEST_CASE(test_double_call_rcu_reported),
	KTEST_CASE(test_reader_nesting),
	KTEST_CASE(test_rcu_work),
	KTEST_CASE(test_rcu_gp_and_stats),
	{}
};
KTEST_MAIN("threads_rcu", cases)
