// SPDX-License-Identifier: GPL-2.0
/*
 * env.c - the sim environment's lifecycle and the driver's controls.
 *
 * vcpu_env_init() costs no system allocation: the state is static, the
 * system workqueues live in static storage, fibers are made on first
 * need.  vcpu_env_exit() quiesces, reports what the model left behind and
 * frees every fiber and workqueue, so the next vcpu_env_init() starts from
 * nothing.
 */
#include "sim_internal.h"

/* vcpu_quiesce() gives up after this much work or virtual time. */
#define QUIESCE_MAX_STEPS	(1ul << 22)
#define QUIESCE_MAX_JIFFIES	(3600ul * HZ)

struct quiesce_budget {
	unsigned long steps;
	unsigned long jiffies0;
	bool exhausted;
};

int vcpu_env_init(const struct vcpu_config *cfg)
{
	struct vcpu_config def;
	int ret = vcpu_common_init(cfg);

	if (ret)
		return ret;
	if (!cfg) {
		vcpu_config_default(&def);
		cfg = &def;
	}
	sim_cfg = *cfg;
	sim_sched_reset();
	sim_trace_reset(cfg->decider);
	sim_rcu_reset();
	sim_hotplug_reset();
	sim_wq_reset();
	return 0;
}

void vcpu_env_exit(void)
{
	struct task_struct *t;

	if (!vcpu_env_running)
		return;
	if (sim.cur != &sim_driver)
		vcpu_panic("vcpu_env_exit() outside the driver", __func__,
			   "called by %s/%d; only the task that called vcpu_env_init() may",
			   sim.cur->task.comm, sim.cur->task.pid);
	vcpu_quiesce();
	t = &sim_driver.task;
	if (t->lockdep_depth || t->preempt_count || t->rcu_read_lock_nesting)
		vcpu_report(VCPU_REPORT_BUG, "lock held when leaving the environment", __func__,
			    "the driver holds %d lock%s, preempt_count %d, RCU nesting %d",
			    t->lockdep_depth, t->lockdep_depth == 1 ? "" : "s", t->preempt_count,
			    t->rcu_read_lock_nesting);
	if (sim.nr_live_tasks)
		vcpu_report(VCPU_REPORT_BUG, "task still alive", __func__,
			    "%u spawned task(s) never returned", sim.nr_live_tasks);
	sim_wq_exit();
	sim_rcu_exit();
	sim_sched_exit();
	vcpu_common_exit();
	sim_sched_leave_thread();
}

void vcpu_run_tasks(void)
{
	struct sim_wait w = { .kind = SIM_WAIT_TASKS, .func = __func__ };

	if (sim.nr_live_tasks)
		sim_wait(&w);
}

void vcpu_migrate(int cpu)
{
	struct task_struct *t = current;

	if (cpu < 0 || !cpu_online((unsigned int)cpu)) {
		vcpu_report(VCPU_REPORT_BUG, "migration to an offline vCPU", __func__,
			    "%s/%d: vCPU %d is not online", t->comm, t->pid, cpu);
		return;
	}
	if (t->preempt_count || t->migration_disabled) {
		vcpu_report(VCPU_REPORT_BUG, "migrating a pinned task", __func__,
			    "%s/%d on vCPU %u: preempt_count %d, migrate_disable %d",
			    t->comm, t->pid, t->cpu, t->preempt_count, t->migration_disabled);
		return;
	}
	sim_move_current((unsigned int)cpu);
}

void vcpu_run_work(int cpu)
{
	struct sim_wait w = { .kind = SIM_WAIT_PLAN, .func = __func__,
			      .plan = sim_plan_run_work };

	w.target = vcpu_check_cpu(cpu, __func__);
	sim_wait(&w);
}

bool sim_plan_quiesce(struct sim_ctx *self, struct sim_action *act, unsigned long arg)
{
	struct quiesce_budget *b = (struct quiesce_budget *)arg;

	if (b->exhausted || !sim_any_progress(self, act))
		return false;
	if (++b->steps > QUIESCE_MAX_STEPS ||
	    (act->kind == SIM_ACT_JIFFIES && act->when - b->jiffies0 > QUIESCE_MAX_JIFFIES)) {
		b->exhausted = true;
		return false;
	}
	return true;
}

bool vcpu_quiesce(void)
{
	struct quiesce_budget b = { .jiffies0 = sim.now };
	struct sim_wait w = { .kind = SIM_WAIT_PLAN, .func = __func__,
			      .plan = sim_plan_quiesce, .target = (unsigned long)&b };
	char left[1024];

	sim_wait(&w);
	if (!b.exhausted && sim_nothing_left(left, sizeof(left)))
		return true;
	vcpu_report(VCPU_REPORT_BUG, "vcpu_quiesce: the model cannot settle", __func__,
		    "%s:%s", b.exhausted ? "still busy after the step or time budget" :
					  "nothing can make progress, yet", left);
	return false;
}
