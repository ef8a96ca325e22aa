// SPDX-License-Identifier: GPL-2.0
/*
 * preempt.c - preemption and migration control, might_sleep(), and the
 * per-CPU lock (local_lock_t), which is preempt_disable() plus a lockdep
 * map and an owner.
 *
 * These run on every allocator fast path: no allocation, no global lock.
 * The state is the current task's (preempt_count, migration_disabled);
 * what preemption means for the vCPU token is the backend's business, at
 * the decision point preempt_enable() reaches when the count drops to 0.
 */
#include "env_internal.h"

/* The current task; every caller here needs one. */
static inline struct task_struct *this_task(const char *func)
{
	struct task_struct *t = READ_ONCE(vcpu_env_running) ? current : NULL;

	if (unlikely(!t))
		vcpu_panic("no task context", func,
			   "called outside a vCPU context (before vcpu_env_init()?)");
	return t;
}

static inline void __preempt_disable(struct task_struct *t)
{
	t->preempt_count++;
}

static inline void __preempt_enable(struct task_struct *t)
{
	if (unlikely(t->preempt_count <= 0)) {
		vcpu_report(VCPU_REPORT_BUG, "preempt count underflow", "preempt_enable",
			    "%s/%d on vCPU %u: preempt_enable() without preempt_disable()",
			    t->comm, t->pid, t->cpu);
		t->preempt_count = 0;
		return;
	}
	if (--t->preempt_count == 0)
		vcpu_decision_point("preempt_enable");
}

void preempt_disable(void)
{
	__preempt_disable(this_task(__func__));
}

void preempt_enable(void)
{
	__preempt_enable(this_task(__func__));
}

void migrate_disable(void)
{
	this_task(__func__)->migration_disabled++;
}

void migrate_enable(void)
{
	struct task_struct *t = this_task(__func__);

	if (unlikely(t->migration_disabled <= 0)) {
		vcpu_report(VCPU_REPORT_BUG, "migrate_disable count underflow", __func__,
			    "%s/%d on vCPU %u: migrate_enable() without migrate_disable()",
			    t->comm, t->pid, t->cpu);
		t->migration_disabled = 0;
		return;
	}
	t->migration_disabled--;
}

void vcpu_local_irq_disable(void)
{
	struct task_struct *t = this_task(__func__);

	__preempt_disable(t);
	t->model_irqs_off++;
}

void vcpu_local_irq_enable(void)
{
	struct task_struct *t = this_task(__func__);

	if (unlikely(t->model_irqs_off <= 0)) {
		vcpu_report(VCPU_REPORT_BUG, "local_irq_restore() without local_irq_save()",
			    __func__, "%s/%d on vCPU %u: interrupts were not disabled",
			    t->comm, t->pid, t->cpu);
		return;
	}
	t->model_irqs_off--;
	__preempt_enable(t);
}

void __might_sleep(const char *func)
{
	struct task_struct *t = READ_ONCE(vcpu_env_running) ? current : NULL;

	if (!t || (t->preempt_count == 0 && t->rcu_read_lock_nesting == 0))
		return;
	vcpu_report(VCPU_REPORT_BUG, "sleeping function called from invalid context", func,
		    "%s/%d on vCPU %u: preempt_count: %d, RCU nesting: %d, expected: 0, 0",
		    t->comm, t->pid, t->cpu, t->preempt_count, t->rcu_read_lock_nesting);
}

void cond_resched(void)
{
	__might_sleep(__func__);
	vcpu_decision_point("cond_resched");
}

void __local_lock_init(local_lock_t *l, const char *name, const struct lock_class_key *key)
{
	lockdep_init_map_type(&l->dep_map, name, key, LD_WAIT_CONFIG);
	l->owner = NULL;
}

/*
 * The copy is chosen after preemption is off: from then on nothing else
 * runs on this vCPU, so the owner field needs no atomics.
 */
void vcpu_local_lock(local_lock_t __percpu *pcp)
{
	struct task_struct *t = this_task(__func__);
	local_lock_t *l;

	__preempt_disable(t);
	l = this_cpu_ptr(pcp);
	lock_acquire(&l->dep_map, 0, 0, _RET_IP_);
	/*
	 * Held by this task: lockdep just reported the recursion.  Held by
	 * another: something ran on this vCPU while its holder had preemption
	 * disabled, which the run token forbids.
	 */
	if (unlikely(l->owner && l->owner != t))
		vcpu_report(VCPU_REPORT_BUG, "local_lock held by another context", __func__,
			    "%s on vCPU %u is held by %s/%d", l->dep_map.name,
			    smp_processor_id(), l->owner->comm, l->owner->pid);
	l->owner = t;
}

bool vcpu_local_trylock(local_lock_t __percpu *pcp)
{
	struct task_struct *t = this_task(__func__);
	local_lock_t *l;

	__preempt_disable(t);
	l = this_cpu_ptr(pcp);
	/*
	 * Held: we interrupted its holder on this CPU.  Else the decider may
	 * say so, pretending this call comes from an interrupt that arrived
	 * inside a holder; a workqueue worker runs in process context and
	 * interrupts nobody, so its trylock fails only on a real holder.
	 */
	if (l->owner || (!(t->flags & PF_WQ_WORKER) &&
			 vcpu_backend_choose(SIM_TRYLOCK_FAIL, 2) == 1)) {
		__preempt_enable(t);
		return false;
	}
	lock_acquire(&l->dep_map, 1, 0, _RET_IP_);
	l->owner = t;
	return true;
}

void vcpu_local_unlock(local_lock_t __percpu *pcp)
{
	struct task_struct *t = this_task(__func__);
	local_lock_t *l = this_cpu_ptr(pcp);

	if (unlikely(l->owner != t)) {
		/* Not ours: leave the lock, the lockdep state and preemption alone. */
		vcpu_report(VCPU_REPORT_BUG, "local_unlock of a lock not held", __func__,
			    "%s/%d releases %s on vCPU %u, %s", t->comm, t->pid,
			    l->dep_map.name, smp_processor_id(),
			    l->owner ? "held by another context" : "which is not held");
		return;
	}
	lock_release(&l->dep_map, _RET_IP_);
	l->owner = NULL;
	__preempt_enable(t);
}
