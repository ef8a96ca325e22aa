// SPDX-License-Identifier: GPL-2.0
/*
 * test_env_rcu.c - the RCU guarantees of rcupdate.h, on either backend.
 *
 *  1. rcu_barrier() returns after every callback queued before it (from
 *     several tasks on several vCPUs) was invoked, and does not wait for
 *     callbacks queued after it: a callback that re-queues itself forever
 *     would keep a barrier that waited for later callbacks from returning.
 *  2. A callback never runs while a reader that was inside rcu_read_lock()
 *     at its call_rcu() is still inside.  The sim runs it under many
 *     deciders that push grace periods and callbacks as early as they can.
 *  Also: synchronize_rcu() and the polled cookies, and call_rcu() on a
 *  queued head is reported.
 *
 * Orderings between tasks come from completions, so on the threads
 * backend every check is forced by synchronisation, never by timing.
 */
#include <stdlib.h>

#include "kernel.h"
#include "ktest.h"
#ifdef SHEAF_BACKEND_SIM
#include "sim.h"
#endif

#define ATOMIC_INC(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define ATOMIC_GET(x)	__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define ATOMIC_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

static unsigned int seed_state;

#ifdef SHEAF_BACKEND_SIM
/* A small LCG: every choice random, but a pure function of the seed. */
static unsigned int random_choice(void *data, enum sim_choice what, unsigned int nr)
{
	unsigned int *s = data;

	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) % nr;
}
#endif

static bool env_start(struct ktest *t, unsigned int seed)
{
	struct vcpu_config cfg;
	int ret;
#ifdef SHEAF_BACKEND_SIM
	static struct sim_decider d = { .choose = random_choice, .data = &seed_state };
#endif

	vcpu_config_default(&cfg);
	cfg.mode = VCPU_MODE_TASKS;
	seed_state = seed;
#ifdef SHEAF_BACKEND_SIM
	if (seed)
		cfg.decider = &d;
#endif
	ret = vcpu_env_init(&cfg);
	KEXPECT_EQ(t, ret, 0);
	return ret == 0;
}

/* ---------------------------------------------------------- barrier */

#define PER_TASK	8

static struct rcu_head before[3][PER_TASK];
static unsigned int before_done;
static struct completion queued[3];

static void before_cb(struct rcu_head *h)
{
	ATOMIC_INC(before_done);
}

static struct rcu_head chain_head;
static int chain_stop, chain_stopped;
static unsigned int chain_runs;

/* Re-queues itself until told to stop: there is always a newer callback. */
static void chain_cb(struct rcu_head *h)
{
	ATOMIC_INC(chain_runs);
	if (ATOMIC_GET(chain_stop))
		ATOMIC_SET(chain_stopped, 1);
	else
		call_rcu(h, chain_cb);
}

static void queue_before(void *arg)
{
	long n = (long)arg;
	int i;

	if (n == 0)
		call_rcu(&chain_head, chain_cb);
	for (i = 0; i < PER_TASK; i++) {
		call_rcu(&before[n][i], before_cb);
		cond_resched();
	}
	complete(&queued[n]);
}

static unsigned int barrier_saw_done, barrier_saw_chain;

static void barrier_task(void *arg)
{
	int i;

	for (i = 0; i < 3; i++)
		wait_for_completion(&queued[i]);
	rcu_barrier();
	ATOMIC_SET(barrier_saw_done, ATOMIC_GET(before_done));
	ATOMIC_SET(barrier_saw_chain, ATOMIC_GET(chain_runs));
	/* Stop the chain; each barrier waits for the link pending at its call. */
	ATOMIC_SET(chain_stop, 1);
	while (!ATOMIC_GET(chain_stopped))
		rcu_barrier();
}

static void run_barrier_case(struct ktest *t, unsigned int seed)
{
	long i;

	if (!env_start(t, seed))
		return;
	ATOMIC_SET(before_done, 0);
	ATOMIC_SET(chain_runs, 0);
	ATOMIC_SET(chain_stop, 0);
	ATOMIC_SET(chain_stopped, 0);
	for (i = 0; i < 3; i++)
		init_completion(&queued[i]);
	for (i = 0; i < 3; i++)
		KEXPECT_EQ(t, vcpu_spawn("queuer", (int)i + 1, queue_before, (void *)i), 0);
	KEXPECT_EQ(t, vcpu_spawn("barrier", 0, barrier_task, NULL), 0);
	vcpu_run_tasks();
	/* Everything queued before the barrier had run when it returned ... */
	KEXPECT_EQ(t, ATOMIC_GET(barrier_saw_done), 3 * PER_TASK);
	/* ... including the chain link pending then, but not the chain's future. */
	KEXPECT(t, ATOMIC_GET(barrier_saw_chain) >= 1);
	KEXPECT_EQ(t, ATOMIC_GET(chain_stopped), 1);
	KEXPECT_EQ(t, vcpu_rcu_pending_callbacks(), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	vcpu_env_exit();
}

static void test_rcu_barrier_before_not_after(struct ktest *t)
{
	run_barrier_case(t, 0);
#ifdef SHEAF_BACKEND_SIM
	{
		unsigned int seed;

		for (seed = 1; seed <= 100 && !t->failures; seed++)
			run_barrier_case(t, seed);
	}
#endif
}

/* ---------------------------------------------------------- readers */

static struct completion reader_in, cb_queued;
static int reader_inside;
static int cb_ran, cb_saw_reader;
static struct rcu_head reader_head;

static void check_cb(struct rcu_head *h)
{
	if (ATOMIC_GET(reader_inside))
		ATOMIC_SET(cb_saw_reader, 1);
	ATOMIC_SET(cb_ran, 1);
}

static void reader_task(void *arg)
{
	int i;

	rcu_read_lock();
	ATOMIC_SET(reader_inside, 1);
	complete(&reader_in);
	/* Stay inside across many preemption points (sim) or some time (threads). */
	for (i = 0; i < 50; i++)
		vcpu_decision_point("reader");
#ifndef SHEAF_BACKEND_SIM
	{
		volatile unsigned long spin;

		for (spin = 0; spin < 2000000; spin++)
			;
	}
#endif
	ATOMIC_SET(reader_inside, 0);
	rcu_read_unlock();
}

static void updater_task(void *arg)
{
	wait_for_completion(&reader_in);
	call_rcu(&reader_head, check_cb);
	complete(&cb_queued);
	rcu_barrier();
	KEXPECT(((struct ktest *)arg), ATOMIC_GET(cb_ran));
}

static void run_reader_case(struct ktest *t, unsigned int seed)
{
	if (!env_start(t, seed))
		return;
	init_completion(&reader_in);
	init_completion(&cb_queued);
	ATOMIC_SET(reader_inside, 0);
	ATOMIC_SET(cb_ran, 0);
	ATOMIC_SET(cb_saw_reader, 0);
	KEXPECT_EQ(t, vcpu_spawn("reader", 1, reader_task, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("updater", 2, updater_task, t), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, ATOMIC_GET(cb_ran), 1);
	KEXPECT_EQ(t, ATOMIC_GET(cb_saw_reader), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	vcpu_env_exit();
}

static void test_callback_waits_for_old_readers(struct ktest *t)
{
	run_reader_case(t, 0);
#ifdef SHEAF_BACKEND_SIM
	{
		unsigned int seed;

		for (seed = 1; seed <= 200 && !t->failures; seed++)
			run_reader_case(t, seed);
	}
#endif
}

/* ------------------------------------------------ sync, polling, misuse */

static void poll_task(void *arg)
{
	struct ktest *t = arg;
	unsigned long cookie = get_state_synchronize_rcu();

	synchronize_rcu();
	KEXPECT(t, poll_state_synchronize_rcu(cookie));
}

static void test_synchronize_and_poll(struct ktest *t)
{
	if (!env_start(t, 0))
		return;
	KEXPECT_EQ(t, vcpu_spawn("poll", 1, poll_task, t), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	vcpu_env_exit();
}

static void test_double_call_rcu_reported(struct ktest *t)
{
	struct vcpu_config cfg;
	struct rcu_head h;

	vcpu_config_default(&cfg);
	KASSERT(t, vcpu_env_init(&cfg) == 0);
	vcpu_set_panic_on_report(false);
	cb_ran = 0;
	call_rcu(&h, check_cb);
	call_rcu(&h, check_cb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "call_rcu");
	KEXPECT_EQ(t, vcpu_rcu_pending_callbacks(), 1);
	rcu_barrier();
	KEXPECT_EQ(t, ATOMIC_GET(cb_ran), 1);
	/* Once invoked, the head may be queued again. */
	call_rcu(&h, check_cb);
	rcu_barrier();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	vcpu_env_exit();
	vcpu_set_panic_on_report(true);
}

#define MANY_HEADS	300

static unsigned int many_ran;

static void many_cb(struct rcu_head *h)
{
	ATOMIC_INC(many_ran);
}

/*
 * Many heads at once, in a fresh allocation nobody initialised: only heads
 * really queued are reported, and after their callbacks ran every one of
 * them may be queued again, in any order.  sim never reads a head before
 * it is queued (an MSan build checks that); threads reads its state word,
 * so there the bytes are set to something that is not its marker.
 */
static void test_double_call_rcu_many_heads(struct ktest *t)
{
	struct vcpu_config cfg;
	struct rcu_head *h;
	unsigned int i, dup = 0;

	h = malloc(MANY_HEADS * sizeof(*h));
	KASSERT(t, h != NULL);
#ifndef SHEAF_BACKEND_SIM
	memset(h, 0xa5, MANY_HEADS * sizeof(*h));
#endif
	vcpu_config_default(&cfg);
	KASSERT(t, vcpu_env_init(&cfg) == 0);
	vcpu_set_panic_on_report(false);
	many_ran = 0;
	for (i = 0; i < MANY_HEADS; i++)
		call_rcu(&h[i], many_cb);
	for (i = 0; i < MANY_HEADS; i += 7, dup++)
		call_rcu(&h[i], many_cb);
	KEXPECT_EQ(t, vcpu_nr_reports(), dup);
	KEXPECT_EQ(t, vcpu_rcu_pending_callbacks(), MANY_HEADS);
	rcu_barrier();
	KEXPECT_EQ(t, ATOMIC_GET(many_ran), MANY_HEADS);
	for (i = MANY_HEADS; i-- > 0;)
		call_rcu(&h[i], many_cb);
	KEXPECT_EQ(t, vcpu_nr_reports(), dup);
	rcu_barrier();
	KEXPECT_EQ(t, ATOMIC_GET(many_ran), 2 * MANY_HEADS);
	vcpu_env_exit();
	vcpu_set_panic_on_report(true);
	free(h);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_rcu_barrier_before_not_after),
	KTEST_CASE(test_callback_waits_for_old_readers),
	KTEST_CASE(test_synchronize_and_poll),
	KTEST_CASE(test_double_call_rcu_reported),
	KTEST_CASE(test_double_call_rcu_many_heads),
	{}
};

KTEST_MAIN("env_rcu", cases)
