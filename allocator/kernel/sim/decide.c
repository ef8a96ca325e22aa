// SPDX-License-Identifier: GPL-2.0
/*
 * decide.c - who may run: the vCPU tokens, which contexts are runnable,
 * and tasks mode's choices at sim_schedule() and at decision points.
 *
 * The token rules (vcpu.h), each checked where it could break, so that a
 * broken rule panics at once instead of surfacing later as a deadlock:
 *  (a) a context with preempt_count > 0 keeps its token across every
 *      switch: only a preemptible context gives its token up
 *      (sim_token_drop()), and a preempt-disabled one being switched out
 *      must hold it (sim_token_switch());
 *  (b) a token is taken only when it is free or already ours
 *      (sim_token_take()); an unbound work item starts only on a vCPU
 *      whose token is free (sim_pick_unbound_cpu(), sim_pool_ready());
 *  (c) a context runs only while holding its vCPU's token: it is chosen
 *      only when the token is free or its own (sim_ctx_runnable()), takes
 *      it when switched to, and the running context is checked at every
 *      decision point (sim_check_running()).
 * It follows that a spinner (a context blocked in spin_lock(), preemption
 * disabled) keeps its vCPU while it waits, so nothing else runs there, and
 * that it never shares a vCPU with the holder of the lock it waits for
 * (lock.c checks that as well).
 *
 * Tasks mode: the runnable contexts and startable jobs, in a fixed order
 * (contexts by id, pools by workqueue and vCPU, then callback vCPUs), are
 * the options of SIM_PICK_CONTEXT.  When there are none, a grace period or
 * time moves on by itself; when that cannot happen either, sim_schedule()
 * reports a deadlock.
 */
#include <limits.h>

#include "sim_internal.h"

/* ------------------------------------------------------------- tokens */

/*
 * Whether context @c (NULL: a job not started yet) may take @cpu's token.
 * The token of the current context counts as free when it is preemptible:
 * the switch to whoever takes it drops it (sim_token_switch()).
 */
bool sim_token_free(unsigned int cpu, const struct sim_ctx *c)
{
	struct sim_ctx *h = sim.token[cpu];

	return !h || h == c || (h == sim.cur && h->task.preempt_count == 0);
}

static const char *state_name(enum sim_ctx_state state)
{
	switch (state) {
	case SIM_IDLE:
		return "idle";
	case SIM_READY:
		return "ready";
	case SIM_RUNNING:
		return "running";
	case SIM_BLOCKED:
		return "blocked";
	}
	return "?";
}

/* Rule (b): @c takes its vCPU's token, which nobody else may hold. */
void sim_token_take(struct sim_ctx *c)
{
	unsigned int cpu = c->task.cpu;
	struct sim_ctx *h = sim.token[cpu];

	if (unlikely(h && h != c))
		vcpu_panic("vCPU token taken while held", __func__,
			   "%s/%d would take vCPU %u from %s/%d (%s, preempt_count %d)",
			   c->task.comm, c->task.pid, cpu, h->task.comm, h->task.pid,
			   state_name(h->state), h->task.preempt_count);
	sim.token[cpu] = c;
}

/* Rule (a): @c gives up @cpu's token if it holds it; only when preemptible. */
void sim_token_drop(struct sim_ctx *c, unsigned int cpu)
{
	if (sim.token[cpu] != c)
		return;
	if (unlikely(c->task.preempt_count > 0))
		vcpu_panic("vCPU token dropped with preemption disabled", __func__,
			   "%s/%d on vCPU %u: preempt_count %d", c->task.comm, c->task.pid,
			   cpu, c->task.preempt_count);
	sim.token[cpu] = NULL;
}

/*
 * A switch from @prev to @next: @prev drops its token when preemptible and
 * must hold it otherwise (a); @next takes its own (b).
 */
void sim_token_switch(struct sim_ctx *prev, struct sim_ctx *next)
{
	struct sim_ctx *h = sim.token[prev->task.cpu];

	if (prev->task.preempt_count == 0)
		sim_token_drop(prev, prev->task.cpu);
	else if (unlikely(h != prev))
		vcpu_panic("preempt-disabled context without its vCPU", __func__,
			   "%s/%d (%s, preempt_count %d) is switched out of vCPU %u, held by %s/%d",
			   prev->task.comm, prev->task.pid, state_name(prev->state),
			   prev->task.preempt_count, prev->task.cpu,
			   h ? h->task.comm : "nobody", h ? h->task.pid : -1);
	sim_token_take(next);
}

/* Rule (c) for the running context (decision points check it). */
void sim_check_running(const struct sim_ctx *c)
{
	struct sim_ctx *h = sim.token[c->task.cpu];

	if (unlikely(c != sim.cur || c->state != SIM_RUNNING || h != c))
		vcpu_panic("context runs without its vCPU", __func__,
			   "%s/%d (%s) on vCPU %u; the token is held by %s/%d", c->task.comm,
			   c->task.pid, state_name(c->state), c->task.cpu,
			   h ? h->task.comm : "nobody", h ? h->task.pid : -1);
}

/* The online vCPUs an unbound item could start on now (rule (b)). */
static unsigned int unbound_cpus(void)
{
	unsigned int n = 0, cpu;

	for_each_online_cpu(cpu)
		if (sim_token_free(cpu, NULL))
			n++;
	return n;
}

/* Whether @p's next item can start now: a startable item and a free token. */
bool sim_pool_ready(struct sim_pool *p)
{
	if (!sim_pool_startable(p))
		return false;
	return p->unbound ? unbound_cpus() > 0 : sim_token_free(p->cpu, NULL);
}

/* SIM_PICK_CPU among the online vCPUs whose token is free. */
unsigned int sim_pick_unbound_cpu(void)
{
	unsigned int n = unbound_cpus(), k, cpu;

	if (unlikely(!n))
		vcpu_panic("vCPU token taken while held", __func__,
			   "an unbound work item would start while every online vCPU's token is held");
	k = vcpu_backend_choose(SIM_PICK_CPU, n);
	for_each_online_cpu(cpu)
		if (sim_token_free(cpu, NULL) && !k--)
			return cpu;
	BUG();
}

/* ----------------------------------------------------------- runnable */

bool sim_wait_satisfied(const struct sim_ctx *c)
{
	const struct sim_wait *w = &c->wait;
	struct sim_action act;

	switch (w->kind) {
	case SIM_WAIT_LOCK:
		return !((const struct vcpu_lock_impl *)w->obj)->owner;
	case SIM_WAIT_HP_READ:
		return sim_hp_can_read();
	case SIM_WAIT_HP_WRITE:
		return sim_hp_can_write();
	case SIM_WAIT_CPU_QUIET:
		return sim_cpu_quiet((unsigned int)w->target);
	case SIM_WAIT_TOKEN:
		return true;
	case SIM_WAIT_WORK:
		return w->left == 0;
	case SIM_WAIT_WQ_FLUSHER:
		return !((const struct workqueue_struct *)w->obj)->flusher;
	case SIM_WAIT_WQ_FLUSH:
		return ((const struct workqueue_struct *)w->obj)->nr_old == 0;
	case SIM_WAIT_GP:
		return SIM_SEQ_GE(sim_gp_completed(), w->target);
	case SIM_WAIT_CB_ID:
		return sim_rcu_done_upto(true, w->target);
	case SIM_WAIT_CB_COOKIE:
		return sim_rcu_done_upto(false, w->target);
	case SIM_WAIT_COMPLETION:
		return ((const struct completion *)w->obj)->done > 0;
	case SIM_WAIT_JIFFIES:
		return SIM_SEQ_GE(sim.now, w->target);
	case SIM_WAIT_TASKS:
		return sim.nr_live_tasks == 0;
	case SIM_WAIT_PLAN:
		return !w->plan((struct sim_ctx *)c, &act, w->target);
	}
	return false;
}

bool sim_ctx_runnable(const struct sim_ctx *c)
{
	if (c->state == SIM_BLOCKED) {
		if (!sim_wait_satisfied(c))
			return false;
	} else if (c->state != SIM_READY) {
		return false;
	}
	return sim_token_free(c->task.cpu, c);
}

/* The earliest time something waits for: an armed timer or a sleeper. */
bool sim_next_deadline(unsigned long *when)
{
	bool found = sim_timers_earliest(when);
	struct sim_ctx *c;
	unsigned int i;

	sim_for_each_ctx(i, c) {
		if (c->state != SIM_BLOCKED || c->wait.kind != SIM_WAIT_JIFFIES)
			continue;
		if (!found || time_before(c->wait.target, *when))
			*when = c->wait.target;
		found = true;
	}
	return found;
}

/* ------------------------------------------------------------ choices */

/*
 * Tasks mode's options, in their fixed order.  Returns how many there are
 * (k == UINT_MAX) or fills *act with option @k.  @exclude: the context that
 * is deciding whether to stay.
 */
static unsigned int candidates(unsigned int k, const struct sim_ctx *exclude,
			       struct sim_action *act)
{
	struct workqueue_struct *wq;
	struct sim_pool *p;
	struct sim_ctx *c;
	unsigned int n = 0, i, cpu;

	sim_for_each_ctx(i, c) {
		if (c == exclude || !sim_ctx_runnable(c))
			continue;
		if (n++ == k) {
			act->kind = SIM_ACT_RUN;
			act->ctx = c;
			return n;
		}
	}
	if (sim_wq_pending()) {
		sim_for_each_pool(wq, p) {
			if (!sim_pool_ready(p))
				continue;
			if (n++ == k) {
				act->kind = SIM_ACT_START_WORK;
				act->pool = p;
				return n;
			}
		}
	}
	if (vcpu_rcu_pending_callbacks()) {
		for_each_online_cpu(cpu) {
			if (!sim_rcu_invokable(cpu) || !sim_token_free(cpu, NULL))
				continue;
			if (n++ == k) {
				act->kind = SIM_ACT_INVOKE_CB;
				act->cpu = cpu;
				return n;
			}
		}
	}
	return n;
}

/* What happens by itself when nothing can run: a grace period, then time. */
static bool auto_progress(struct sim_action *act)
{
	unsigned long when;

	if (sim_gp_wanted() && sim_gp_can_advance()) {
		act->kind = SIM_ACT_GP;
		return true;
	}
	if (sim_next_deadline(&when)) {
		act->kind = SIM_ACT_JIFFIES;
		act->when = time_after(when, sim.now) ? when : sim.now + 1;
		return true;
	}
	return false;
}

/* sim_schedule()'s next step in tasks mode; false: nothing at all can move. */
bool sim_tasks_plan(struct sim_action *act)
{
	unsigned int n = candidates(UINT_MAX, NULL, NULL), k;

	if (!n)
		return auto_progress(act);
	k = n > 1 ? vcpu_backend_choose(SIM_PICK_CONTEXT, n) : 0;
	candidates(k, NULL, act);
	return true;
}

void vcpu_decision_point(const char *what)
{
	struct sim_ctx *c;
	struct sim_action act;
	unsigned long when;
	unsigned int n, k;

	if (!sim.tasks_mode || !current)
		return;
	c = sim.cur;
	if (c->state != SIM_RUNNING)
		return;
	sim_check_running(c);
	sim_trace_set_site(what);
	if (sim_gp_wanted() && sim_gp_can_advance() &&
	    vcpu_backend_choose(SIM_GP_ADVANCE, 2) == 1)
		sim_gp_advance();
	if (sim_next_deadline(&when) && vcpu_backend_choose(SIM_TICK, 2) == 1)
		sim_jiffies_advance(sim.now + 1);
	n = candidates(UINT_MAX, c, NULL);
	k = n ? vcpu_backend_choose(SIM_PICK_CONTEXT, n + 1) : 0;
	sim_trace_set_site(NULL);
	if (!k)
		return;
	candidates(k - 1, c, &act);
	c->state = SIM_READY;
	c->preempted_at = what;
	sim_run_action(&act);
	c->preempted_at = NULL;
}

const char *vcpu_where(const struct task_struct *t, char *buf, size_t size)
{
	const struct sim_ctx *c = task_ctx(t);

	if (!c)
		return "?";
	if (c->state == SIM_BLOCKED)
		snprintf(buf, size, "blocked in %s", c->wait.func ? c->wait.func : "?");
	else if (c->state == SIM_READY && c->preempted_at)
		snprintf(buf, size, "preempted at %s", c->preempted_at);
	else if (c->state == SIM_RUNNING)
		snprintf(buf, size, "running");
	else
		snprintf(buf, size, "not started");
	return buf;
}
