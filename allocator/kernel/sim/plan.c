// SPDX-License-Identifier: GPL-2.0
/*
 * plan.c - what to do next when the driver waits (inline mode), and the
 * driver controls' own progress functions.
 *
 * Inline mode runs other contexts only for the driver's sake, and as
 * little as possible: a callback should not run before something waits
 * for it, a work item not before it is flushed or the driver asks.  So the
 * next step follows from the driver's wait:
 *
 *	lock            -> whatever its owner needs
 *	flush_work(w)   -> w's worker, or the next item of w's pool
 *	grace period    -> complete it, or what the reader blocking it needs
 *	rcu_barrier()   -> the oldest callback it waits for, or its GP
 *	msleep()        -> time moves to the deadline
 *	hotplug lock    -> the writer, or the readers it waits for
 *
 * "whatever X needs" recurses through X's own wait, so the chain "driver
 * flushes w, w's worker waits for a mutex, its owner waits for a grace
 * period" ends in one step: complete the grace period.  A chain that comes
 * back to the driver is a deadlock.  When the wait says nothing (a
 * completion), any progress will do (sim_any_progress()).
 */
#include "sim_internal.h"

static unsigned int max_depth(void)
{
	return 2 * sim.nr_ctxs + 8;
}

static bool act_run(struct sim_action *act, struct sim_ctx *c)
{
	act->kind = SIM_ACT_RUN;
	act->ctx = c;
	return true;
}

bool sim_resolve_ctx(struct sim_ctx *c, struct sim_ctx *self, unsigned int depth,
		     struct sim_action *act)
{
	if (!c || c == self || depth > max_depth())
		return false;
	switch (c->state) {
	case SIM_READY:
		break;
	case SIM_BLOCKED:
		if (!sim_wait_satisfied(c))
			return sim_resolve_wait(c, self, depth + 1, act);
		break;
	default:
		return false;
	}
	if (sim_token_free(c->task.cpu, c))
		return act_run(act, c);
	return sim_resolve_ctx(sim.token[c->task.cpu], self, depth + 1, act);
}

/*
 * A startable pool whose item cannot start for want of a vCPU: help the
 * holder of its vCPU's token, or for an unbound pool of any online vCPU's.
 */
static bool resolve_pool_token(struct sim_pool *p, struct sim_ctx *self, unsigned int depth,
			       struct sim_action *act)
{
	unsigned int cpu;

	if (!p->unbound)
		return sim_resolve_ctx(sim.token[p->cpu], self, depth + 1, act);
	for_each_online_cpu(cpu)
		if (sim_resolve_ctx(sim.token[cpu], self, depth + 1, act))
			return true;
	return false;
}

/* Progress for a pool: start its next item, or help what holds it up. */
static bool resolve_pool(struct sim_pool *p, struct sim_ctx *self, unsigned int depth,
			 struct sim_action *act)
{
	struct work_struct *head;

	if (sim_pool_startable(p)) {
		if (!sim_pool_ready(p))
			return resolve_pool_token(p, self, depth, act);
		act->kind = SIM_ACT_START_WORK;
		act->pool = p;
		return true;
	}
	if (sim_resolve_ctx(sim_pool_awake_worker(p), self, depth + 1, act))
		return true;
	/* Every pending item still runs elsewhere (non-reentrancy). */
	head = list_first_entry_or_null(&p->items, struct work_struct, entry);
	return head && sim_resolve_ctx(sim_work_runner(head), self, depth + 1, act);
}

bool sim_resolve_gp(struct sim_ctx *self, unsigned int depth, struct sim_action *act)
{
	if (sim_gp_can_advance()) {
		act->kind = SIM_ACT_GP;
		return true;
	}
	return sim_resolve_ctx(sim_gp_blocker(), self, depth + 1, act);
}

/* Any context among those matching @match whose progress can be helped. */
static bool resolve_any(bool (*match)(const struct sim_ctx *c, const void *arg), const void *arg,
			struct sim_ctx *self, unsigned int depth, struct sim_action *act)
{
	struct sim_ctx *c;
	unsigned int i;

	sim_for_each_ctx(i, c)
		if (c->state != SIM_IDLE && match(c, arg) &&
		    sim_resolve_ctx(c, self, depth + 1, act))
			return true;
	return false;
}

static bool is_hp_reader(const struct sim_ctx *c, const void *arg)
{
	return sim_hp_holds_read(c);
}

static bool is_hp_writer_waiting(const struct sim_ctx *c, const void *arg)
{
	return c->state == SIM_BLOCKED && c->wait.kind == SIM_WAIT_HP_WRITE;
}

static bool is_pinned_on(const struct sim_ctx *c, const void *arg)
{
	return c->task.cpu == *(const unsigned int *)arg && c->task.migration_disabled;
}

static bool is_old_worker_of(const struct sim_ctx *c, const void *arg)
{
	return c->kind == SIM_CTX_WORKER && c->work && c->work_old && c->pool->wq == arg;
}

static bool is_task(const struct sim_ctx *c, const void *arg)
{
	return c->kind == SIM_CTX_TASK;
}

bool sim_resolve_wait(const struct sim_ctx *c, struct sim_ctx *self, unsigned int depth,
		      struct sim_action *act)
{
	const struct sim_wait *w = &c->wait;
	struct workqueue_struct *wq;
	struct work_struct *work;
	struct sim_pool *p;
	unsigned int cpu;

	if (depth > max_depth())
		return false;
	switch (w->kind) {
	case SIM_WAIT_LOCK:
		return sim_resolve_ctx(task_ctx(((const struct vcpu_lock_impl *)w->obj)->owner),
				       self, depth, act);
	case SIM_WAIT_HP_READ:
		if (sim_hp_writer())
			return sim_resolve_ctx(sim_hp_writer(), self, depth, act);
		return resolve_any(is_hp_writer_waiting, NULL, self, depth, act);
	case SIM_WAIT_HP_WRITE:
		if (sim_hp_writer())
			return sim_resolve_ctx(sim_hp_writer(), self, depth, act);
		return resolve_any(is_hp_reader, NULL, self, depth, act);
	case SIM_WAIT_CPU_QUIET:
		cpu = (unsigned int)w->target;
		if (sim.token[cpu] && sim.token[cpu] != sim.cur)
			return sim_resolve_ctx(sim.token[cpu], self, depth, act);
		return resolve_any(is_pinned_on, &cpu, self, depth, act);
	case SIM_WAIT_TOKEN:
		return sim_resolve_ctx(sim.token[c->task.cpu], self, depth, act);
	case SIM_WAIT_WORK:
		work = (struct work_struct *)w->obj;
		if (sim_resolve_ctx(sim_work_runner(work), self, depth, act))
			return true;
		return work_pending(work) && resolve_pool(sim_work_pool(work), self, depth, act);
	case SIM_WAIT_WQ_FLUSHER:
		wq = (struct workqueue_struct *)w->obj;
		return sim_resolve_ctx(wq->flusher, self, depth, act);
	case SIM_WAIT_WQ_FLUSH:
		wq = (struct workqueue_struct *)w->obj;
		for (p = wq->pools; p < wq->pools + wq->nr_pools; p++)
			if (p->nr_old && resolve_pool(p, self, depth, act))
				return true;
		return resolve_any(is_old_worker_of, wq, self, depth, act);
	case SIM_WAIT_GP:
		return sim_resolve_gp(self, depth, act);
	case SIM_WAIT_CB_ID:
	case SIM_WAIT_CB_COOKIE:
		return sim_rcu_resolve_upto(w->kind == SIM_WAIT_CB_ID, w->target, self, depth, act);
	case SIM_WAIT_COMPLETION:
		return false;
	case SIM_WAIT_JIFFIES:
		act->kind = SIM_ACT_JIFFIES;
		act->when = w->target;
		return true;
	case SIM_WAIT_TASKS:
		return resolve_any(is_task, NULL, self, depth, act);
	case SIM_WAIT_PLAN:
		return w->plan((struct sim_ctx *)c, act, w->target);
	}
	return false;
}

/*
 * Any step at all, in a fixed order: a context that can run, a work item
 * that can start, a callback that can be invoked, a grace period someone
 * needs, the next timer or sleeper.
 */
bool sim_any_progress(struct sim_ctx *self, struct sim_action *act)
{
	struct workqueue_struct *wq;
	struct sim_pool *p;
	struct sim_ctx *c;
	unsigned long when;
	unsigned int i, cpu;

	sim_for_each_ctx(i, c)
		if (c != self && sim_ctx_runnable(c))
			return act_run(act, c);
	if (sim_wq_pending()) {
		sim_for_each_pool(wq, p) {
			if (sim_pool_ready(p)) {
				act->kind = SIM_ACT_START_WORK;
				act->pool = p;
				return true;
			}
		}
	}
	for_each_online_cpu(cpu) {
		if (sim_rcu_invokable(cpu) && sim_token_free(cpu, NULL)) {
			act->kind = SIM_ACT_INVOKE_CB;
			act->cpu = cpu;
			return true;
		}
	}
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

bool sim_plan_inline(struct sim_action *act)
{
	struct sim_ctx *root = &sim_driver;
	unsigned int cpu = root->task.cpu;

	if (root->state == SIM_BLOCKED && root->wait.kind == SIM_WAIT_PLAN) {
		if (root->wait.plan(root, act, root->wait.target))
			return true;
	} else if (root->state == SIM_BLOCKED && !sim_wait_satisfied(root)) {
		if (sim_resolve_wait(root, root, 0, act))
			return true;
		return sim_any_progress(root, act);
	}
	if (sim_token_free(cpu, root))
		return act_run(act, root);
	if (sim_resolve_ctx(sim.token[cpu], root, 0, act))
		return true;
	return sim_any_progress(root, act);
}

/* vcpu_run_work(cpu): the pools bound to @cpu, and every unbound pool. */
bool sim_plan_run_work(struct sim_ctx *self, struct sim_action *act, unsigned long cpu)
{
	struct workqueue_struct *wq;
	struct sim_pool *p;

	sim_for_each_pool(wq, p) {
		if (!sim_wq_in_scope(p, (unsigned int)cpu) || !sim_pool_startable(p))
			continue;
		if (!sim_pool_ready(p)) {
			if (resolve_pool_token(p, self, 0, act))
				return true;
			continue;
		}
		act->kind = SIM_ACT_START_WORK;
		act->pool = p;
		return true;
	}
	sim_for_each_pool(wq, p) {
		struct sim_ctx *c;
		unsigned int i;

		if (!p->nr_busy || !sim_wq_in_scope(p, (unsigned int)cpu))
			continue;
		sim_for_each_ctx(i, c)
			if (c->kind == SIM_CTX_WORKER && c->work && c->pool == p &&
			    sim_resolve_ctx(c, self, 0, act))
				return true;
	}
	return false;
}

/* ------------------------------------------------------------ reports */

static const char *ctx_name(const struct sim_ctx *c, char *buf, size_t size)
{
	if (!c)
		return "nobody";
	snprintf(buf, size, "%s/%d", c->task.comm, c->task.pid);
	return buf;
}

void sim_describe_wait(const struct sim_ctx *c, char *buf, size_t size)
{
	const struct sim_wait *w = &c->wait;
	const struct work_struct *work;
	char who[48];

	if (c->state == SIM_READY) {
		snprintf(buf, size, "ready, vCPU %u is held by %s", c->task.cpu,
			 ctx_name(sim.token[c->task.cpu], who, sizeof(who)));
		return;
	}
	switch (w->kind) {
	case SIM_WAIT_LOCK:
		snprintf(buf, size, "%s: lock %s held by %s", w->func,
			 sim_lock_name(w->obj),
			 ctx_name(task_ctx(((const struct vcpu_lock_impl *)w->obj)->owner),
				  who, sizeof(who)));
		break;
	case SIM_WAIT_HP_READ:
	case SIM_WAIT_HP_WRITE:
		snprintf(buf, size, "%s: cpu_hotplug_lock (%s), writer %s", w->func,
			 w->kind == SIM_WAIT_HP_READ ? "read" : "write",
			 ctx_name(sim_hp_writer(), who, sizeof(who)));
		break;
	case SIM_WAIT_CPU_QUIET:
		snprintf(buf, size, "%s: vCPU %lu to stop, held by %s", w->func, w->target,
			 ctx_name(sim.token[w->target], who, sizeof(who)));
		break;
	case SIM_WAIT_TOKEN:
		snprintf(buf, size, "%s: vCPU %u, held by %s", w->func, c->task.cpu,
			 ctx_name(sim.token[c->task.cpu], who, sizeof(who)));
		break;
	case SIM_WAIT_WORK:
		work = w->obj;
		snprintf(buf, size, "%s: work %s (%s, running in %s)", w->func,
			 work->lockdep_map.name ? work->lockdep_map.name : "?",
			 work_pending(work) ? "pending" : "not pending",
			 ctx_name(sim_work_runner(work), who, sizeof(who)));
		break;
	case SIM_WAIT_WQ_FLUSHER:
	case SIM_WAIT_WQ_FLUSH:
		snprintf(buf, size, "%s: workqueue %s (%lu items to go)", w->func,
			 ((const struct workqueue_struct *)w->obj)->name,
			 ((const struct workqueue_struct *)w->obj)->nr_old);
		break;
	case SIM_WAIT_GP:
		snprintf(buf, size, "%s: grace period %lu (completed %lu, reader %s)", w->func,
			 w->target, sim_gp_completed(), ctx_name(sim_gp_blocker(), who, sizeof(who)));
		break;
	case SIM_WAIT_CB_ID:
	case SIM_WAIT_CB_COOKIE:
		snprintf(buf, size, "%s: RCU callbacks up to %s %lu (%lu pending)", w->func,
			 w->kind == SIM_WAIT_CB_ID ? "#" : "grace period", w->target,
			 vcpu_rcu_pending_callbacks());
		break;
	case SIM_WAIT_COMPLETION:
		snprintf(buf, size, "%s: a completion", w->func);
		break;
	case SIM_WAIT_JIFFIES:
		snprintf(buf, size, "%s: jiffies %lu", w->func, w->target);
		break;
	case SIM_WAIT_TASKS:
		snprintf(buf, size, "%s: %u spawned task(s)", w->func, sim.nr_live_tasks);
		break;
	case SIM_WAIT_PLAN:
		snprintf(buf, size, "%s", w->func);
		break;
	}
}

/* For vcpu_quiesce(): true when nothing is left, else says what is. */
bool sim_nothing_left(char *buf, size_t size)
{
	struct sim_ctx *c;
	unsigned long n;
	size_t len = 0;
	unsigned int i;
	char what[192];

	buf[0] = '\0';
#define SAY(...)							\
	do {								\
		if (len < size)						\
			len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__); \
	} while (0)
	if ((n = sim_wq_pending()))
		SAY("\n  %lu work item(s) pending", n);
	if ((n = vcpu_rcu_pending_callbacks()))
		SAY("\n  %lu RCU callback(s) pending, grace period %lu of %lu completed",
		    n, sim_gp_completed(), sim_gp_started());
	if ((n = sim_timers_armed()))
		SAY("\n  %lu timer(s) armed", n);
	sim_for_each_ctx(i, c) {
		if (c == sim.cur || (c->state != SIM_BLOCKED && c->state != SIM_READY))
			continue;
		sim_describe_wait(c, what, sizeof(what));
		SAY("\n  %s/%d on vCPU %u: %s", c->task.comm, c->task.pid, c->task.cpu, what);
	}
	c = sim.cur;
	if (len && c->task.rcu_read_lock_nesting)
		SAY("\n  the caller %s/%d is inside an RCU read-side section", c->task.comm,
		    c->task.pid);
	if (len && c->task.preempt_count)
		SAY("\n  the caller %s/%d has preemption disabled on vCPU %u", c->task.comm,
		    c->task.pid, c->task.cpu);
#undef SAY
	return len == 0;
}
