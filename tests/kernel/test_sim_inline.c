// SPDX-License-Identifier: GPL-2.0
/*
 * test_sim_inline.c - the sim backend's scheduling: in inline mode only
 * the driver runs on its own, and when it waits the backend does the least
 * that satisfies it: the items up to the one flushed, the grace periods a
 * barrier needs, time up to a sleeper's deadline.  Waits that can never end
 * are reported as a deadlock, in either mode, and given up where the wait
 * allows it (never a hang); vcpu_quiesce() says why it cannot finish;
 * vcpu_migrate() refuses a pinned task and an offline vCPU.
 */
#include "kernel.h"
#include "sim.h"
#include "ktest.h"

static bool env_start(struct ktest *t)
{
	struct vcpu_config cfg;
	int ret;

	vcpu_config_default(&cfg);
	ret = vcpu_env_init(&cfg);
	KEXPECT_EQ(t, ret, 0);
	vcpu_set_panic_on_report(false);
	return ret == 0;
}

static void env_stop(void)
{
	vcpu_env_exit();
	vcpu_set_panic_on_report(true);
}

struct tw {
	struct work_struct work;
	int runs;
	int cpu;
};

static void tw_fn(struct work_struct *w)
{
	struct tw *x = container_of(w, struct tw, work);

	x->runs++;
	x->cpu = (int)smp_processor_id();
}

static void test_flush_runs_only_what_it_needs(struct ktest *t)
{
	struct tw a, b, c;
	struct vcpu_stats st;

	if (!env_start(t))
		return;
	INIT_WORK(&a.work, tw_fn);
	INIT_WORK(&b.work, tw_fn);
	INIT_WORK(&c.work, tw_fn);
	a.runs = b.runs = c.runs = 0;
	KEXPECT(t, queue_work_on(1, system_wq, &a.work));
	KEXPECT(t, queue_work_on(1, system_wq, &b.work));
	KEXPECT(t, !queue_work_on(1, system_wq, &b.work));
	KEXPECT(t, queue_work_on(2, system_wq, &c.work));
	/* Nothing runs by itself. */
	vcpu_decision_point("test");
	KEXPECT_EQ(t, a.runs + b.runs + c.runs, 0);
	/* b is behind a in vCPU 1's pool: both run, c does not. */
	KEXPECT(t, flush_work(&b.work));
	KEXPECT_EQ(t, a.runs, 1);
	KEXPECT_EQ(t, b.runs, 1);
	KEXPECT_EQ(t, b.cpu, 1);
	KEXPECT_EQ(t, c.runs, 0);
	KEXPECT(t, !flush_work(&b.work));
	vcpu_run_work(2);
	KEXPECT_EQ(t, c.runs, 1);
	KEXPECT_EQ(t, c.cpu, 2);
	vcpu_get_stats(&st);
	KEXPECT_EQ(t, st.works_run, 3);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static int cb_runs;

static void cb_fn(struct rcu_head *h)
{
	cb_runs++;
}

static void test_rcu_least_progress(struct ktest *t)
{
	struct rcu_head h1, h2;
	struct vcpu_stats st;
	unsigned long cookie;

	if (!env_start(t))
		return;
	cb_runs = 0;
	call_rcu(&h1, cb_fn);
	KEXPECT_EQ(t, vcpu_rcu_pending_callbacks(), 1);
	cookie = get_state_synchronize_rcu();
	KEXPECT(t, !poll_state_synchronize_rcu(cookie));
	vcpu_rcu_gp();
	KEXPECT_EQ(t, cb_runs, 1);
	KEXPECT(t, poll_state_synchronize_rcu(cookie));
	vcpu_get_stats(&st);
	KEXPECT_EQ(t, st.gps_completed, 1);

	call_rcu(&h1, cb_fn);
	call_rcu(&h2, cb_fn);
	rcu_barrier();
	KEXPECT_EQ(t, cb_runs, 3);
	vcpu_get_stats(&st);
	KEXPECT_EQ(t, st.gps_completed, 2);
	synchronize_rcu();
	vcpu_get_stats(&st);
	KEXPECT_EQ(t, st.gps_completed, 3);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

struct tdw {
	struct delayed_work dw;
	int runs;
};

static void tdw_fn(struct work_struct *w)
{
	container_of(to_delayed_work(w), struct tdw, dw)->runs++;
}

static void test_time_and_timers(struct ktest *t)
{
	struct tdw x = { .runs = 0 };
	struct delayed_work *dw = &x.dw;
	unsigned long j0;

	if (!env_start(t))
		return;
	j0 = jiffies;
	INIT_DELAYED_WORK(dw, tdw_fn);
	KEXPECT(t, queue_delayed_work_on(3, system_wq, dw, 10));
	KEXPECT(t, delayed_work_pending(dw));
	vcpu_tick(9);
	KEXPECT(t, !work_pending(&dw->work));
	vcpu_tick(1);
	KEXPECT(t, work_pending(&dw->work));
	KEXPECT_EQ(t, x.runs, 0);
	vcpu_run_work(3);
	KEXPECT_EQ(t, x.runs, 1);
	msleep(100);
	KEXPECT(t, time_after_eq(jiffies, j0 + 10 + msecs_to_jiffies(100)));
	/* mod_delayed_work re-arms; cancel disarms. */
	KEXPECT(t, !mod_delayed_work(system_wq, dw, 50));
	KEXPECT(t, mod_delayed_work(system_wq, dw, 60));
	KEXPECT(t, cancel_delayed_work_sync(dw));
	KEXPECT(t, !delayed_work_pending(dw));
	/* flush_delayed_work() fires an armed timer at once. */
	KEXPECT(t, queue_delayed_work(system_wq, dw, 1000));
	KEXPECT(t, flush_delayed_work(dw));
	KEXPECT_EQ(t, x.runs, 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static DEFINE_MUTEX(dl_mutex);

static void takes_mutex(struct work_struct *w)
{
	mutex_lock(&dl_mutex);
	mutex_unlock(&dl_mutex);
}

static void test_deadlock_reported_and_given_up(struct ktest *t)
{
	struct work_struct w;

	if (!env_start(t))
		return;
	INIT_WORK(&w, takes_mutex);
	queue_work_on(0, system_wq, &w);
	mutex_lock(&dl_mutex);
	/* The worker needs the mutex the driver holds: flush cannot end. */
	flush_work(&w);
	KEXPECT(t, vcpu_nr_reports() >= 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "deadlock");
	mutex_unlock(&dl_mutex);
	vcpu_clear_reports();
	/* Now it can finish. */
	KEXPECT(t, vcpu_quiesce());
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_quiesce_inside_reader(struct ktest *t)
{
	struct rcu_head h;

	if (!env_start(t))
		return;
	cb_runs = 0;
	call_rcu(&h, cb_fn);
	rcu_read_lock();
	KEXPECT(t, !vcpu_quiesce());
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "vcpu_quiesce");
	KEXPECT_EQ(t, cb_runs, 0);
	rcu_read_unlock();
	vcpu_clear_reports();
	KEXPECT(t, vcpu_quiesce());
	KEXPECT_EQ(t, cb_runs, 1);
	env_stop();
}

static void nop(void *arg)
{
}

static void test_spawn_needs_tasks_mode(struct ktest *t)
{
	if (!env_start(t))
		return;
	KEXPECT_EQ(t, vcpu_spawn("x", 1, nop, NULL), -EINVAL);
	vcpu_run_tasks();
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_migrate(struct ktest *t)
{
	if (!env_start(t))
		return;
	vcpu_migrate(2);
	KEXPECT_EQ(t, smp_processor_id(), 2);
	preempt_disable();
	vcpu_migrate(3);
	preempt_enable();
	KEXPECT_EQ(t, smp_processor_id(), 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "migrating a pinned task");
	KEXPECT_EQ(t, cpu_down(2), 0);
	KEXPECT(t, smp_processor_id() != 2);
	vcpu_migrate(2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "offline");
	env_stop();
}

/* Tasks mode: an AB-BA between two tasks is reported twice and never hangs. */
static DEFINE_MUTEX(ma);
static DEFINE_MUTEX(mb);
static struct completion both_in;

static void ab(void *arg)
{
	mutex_lock(&ma);
	complete(&both_in);
	msleep(10);
	mutex_lock(&mb);
	mutex_unlock(&mb);
	mutex_unlock(&ma);
}

static void ba(void *arg)
{
	mutex_lock(&mb);
	complete(&both_in);
	msleep(10);
	mutex_lock(&ma);
	mutex_unlock(&ma);
	mutex_unlock(&mb);
}

static void test_tasks_deadlock_never_hangs(struct ktest *t)
{
	struct vcpu_config cfg;

	vcpu_config_default(&cfg);
	cfg.mode = VCPU_MODE_TASKS;
	KASSERT(t, vcpu_env_init(&cfg) == 0);
	vcpu_set_panic_on_report(false);
	init_completion(&both_in);
	KEXPECT_EQ(t, vcpu_spawn("ab", 1, ab, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("ba", 2, ba, NULL), 0);
	vcpu_run_tasks();
	/* The lock-order cycle first, then the deadlock; the driver gave up waiting. */
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "deadlock");
	vcpu_clear_reports();
	vcpu_env_exit();
	/* vcpu_quiesce() and the leak check name the two stuck tasks. */
	KEXPECT(t, vcpu_nr_reports() >= 2);
	vcpu_set_panic_on_report(true);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_tasks_deadlock_never_hangs),
	KTEST_CASE(test_migrate),
	KTEST_CASE(test_flush_runs_only_what_it_needs),
	KTEST_CASE(test_rcu_least_progress),
	KTEST_CASE(test_time_and_timers),
	KTEST_CASE(test_deadlock_reported_and_given_up),
	KTEST_CASE(test_quiesce_inside_reader),
	KTEST_CASE(test_spawn_needs_tasks_mode),
	{}
};

KTEST_MAIN("sim_inline", cases)
