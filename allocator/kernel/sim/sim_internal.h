/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim_internal.h - the data model of the deterministic backend.
 *
 * Contexts.  Everything that executes model code is a struct sim_ctx: the
 * driver (task 0, the thread that called vcpu_env_init(), on its own
 * stack), tasks from vcpu_spawn(), workqueue workers and RCU callback
 * invokers.  Every context but the driver is a fiber with a stack of its
 * own (fiber.c).  A fiber runs one job at a time (a task function, one work
 * item, one RCU callback) and then goes idle; idle fibers are reused for the
 * next job of any kind, so a run of the model allocates few of them.
 *
 * Exactly one context runs at any time: sim.cur.  Control passes only in
 * sim_schedule(), which the context giving up the CPU runs on its own
 * stack; there is no scheduler fiber.
 *
 * vCPU tokens.  sim.token[X] is the context that owns vCPU X.  The running
 * context always owns its vCPU's token; a context switched out keeps it
 * while its preempt_count is above zero and drops it otherwise.  A context
 * may run only when the token of its vCPU is free or its own, so nothing
 * runs on X while a context on X has preemption disabled (local_lock,
 * spin_lock, an RCU callback), blocked or preempted or not; a work item or
 * callback starts only where the token is free.  decide.c owns the tokens
 * and panics at the first step that would break these rules.
 *
 * Waiting.  A blocked context has a struct sim_wait: a predicate over the
 * model's state (a lock is free, a work item retired, a grace period
 * completed...).  It becomes runnable when the predicate holds and its
 * token is available.  Nothing is woken explicitly.
 *
 * Choosing.  VCPU_MODE_TASKS: the decider picks among runnable contexts
 * and startable jobs at every decision point (sched.c).  VCPU_MODE_INLINE:
 * only the driver runs on its own; when it blocks, plan.c works out the
 * least progress that brings its predicate closer and does only that.
 */
#ifndef SHEAF_SIM_INTERNAL_H
#define SHEAF_SIM_INTERNAL_H

#include <limits.h>

#include "kernel.h"
#include "env_internal.h"

#define SIM_MAX_CTX		256	/* contexts alive at once, driver included */
#define SIM_UNBOUND_MAX_ACTIVE	4	/* Model: items in flight per unbound pool */
#define SIM_NO_CPU		VCPU_MAX

/* Unsigned sequence comparison, safe across wrap. */
#define SIM_SEQ_GE(a, b)	((long)((a) - (b)) >= 0)

enum sim_ctx_kind {
	SIM_CTX_DRIVER,
	SIM_CTX_TASK,
	SIM_CTX_WORKER,
	SIM_CTX_RCU,
};

enum sim_ctx_state {
	SIM_IDLE,	/* a fiber without a job, on sim.idle */
	SIM_READY,	/* can run as soon as its token is available */
	SIM_RUNNING,	/* sim.cur */
	SIM_BLOCKED,	/* waits for ctx->wait */
};

enum sim_wait_kind {
	SIM_WAIT_LOCK,		/* obj: struct vcpu_lock_impl, owner == NULL */
	SIM_WAIT_HP_READ,	/* the hotplug lock can be taken shared */
	SIM_WAIT_HP_WRITE,	/* the hotplug lock can be taken exclusive */
	SIM_WAIT_CPU_QUIET,	/* target: vCPU with no token holder, nobody pinned */
	SIM_WAIT_TOKEN,		/* only the token of our vCPU */
	SIM_WAIT_WORK,		/* obj: work_struct; left: queueings to retire */
	SIM_WAIT_WQ_FLUSHER,	/* obj: wq; no other flush_workqueue() in progress */
	SIM_WAIT_WQ_FLUSH,	/* obj: wq; every item queued before the flush retired */
	SIM_WAIT_GP,		/* grace period number target completed */
	SIM_WAIT_CB_ID,		/* every callback with id <= target invoked */
	SIM_WAIT_CB_COOKIE,	/* every callback needing GP <= target invoked */
	SIM_WAIT_COMPLETION,	/* obj: struct completion, done > 0 */
	SIM_WAIT_JIFFIES,	/* jiffies >= target */
	SIM_WAIT_TASKS,		/* every spawned task returned */
	SIM_WAIT_PLAN,		/* plan() finds nothing more to do */
};

struct sim_ctx;
struct sim_pool;

/* One step of progress the scheduler can take. */
struct sim_action {
	enum {
		SIM_ACT_NONE,
		SIM_ACT_RUN,		/* switch to ctx */
		SIM_ACT_START_WORK,	/* a worker starts the next item of pool */
		SIM_ACT_INVOKE_CB,	/* invoke the next ready callback of cpu */
		SIM_ACT_GP,		/* start or complete a grace period */
		SIM_ACT_JIFFIES,	/* advance time to @when */
	} kind;
	struct sim_ctx *ctx;
	struct sim_pool *pool;
	unsigned int cpu;
	unsigned long when;
};

/*
 * A driver control's progress function (plan.c): fills *act with the next
 * step and returns true, or returns false when the control is done.
 */
typedef bool (*sim_plan_fn)(struct sim_ctx *self, struct sim_action *act, unsigned long arg);

struct sim_wait {
	enum sim_wait_kind kind;
	bool failed;		/* given up after a deadlock report */
	const char *func;	/* the kernel function that blocks, for reports */
	const void *obj;
	unsigned long target;
	unsigned long left;
	sim_plan_fn plan;
};

struct sim_fiber {
	void *sp;		/* saved stack pointer (x86-64 switch) */
	void *uc;		/* ucontext_t * (portable switch) */
	void *stack;		/* lowest address; NULL for the driver */
	size_t stack_size;
	void *fake_stack;	/* ASan's fake stack while switched out */
	void *tsan_fiber;
};

struct sim_ctx {
	struct task_struct task;	/* task.backend == this */
	struct sim_fiber fiber;
	enum sim_ctx_kind kind;
	enum sim_ctx_state state;
	unsigned int id;		/* index in sim.ctxs, the trace's name */
	struct list_head idle_node;	/* on sim.idle while SIM_IDLE */
	struct sim_wait wait;		/* valid while SIM_BLOCKED */
	/* the job */
	void (*fn)(void *arg);		/* task */
	void *arg;
	struct sim_pool *pool;		/* worker: its pool ... */
	struct work_struct *work;	/* ... and the item it runs (never dereferenced after func) */
	bool work_old;			/* the item predates a flush_workqueue() in progress */
	struct rcu_head *cb;		/* rcu: the callback it invokes */
	const char *preempted_at;	/* the decision point it was switched out at */
};

/* One worklist: per (workqueue, vCPU), or the single one of an unbound wq. */
struct sim_pool {
	struct list_head items;		/* pending work_structs, in queueing order */
	struct workqueue_struct *wq;
	unsigned int cpu;		/* bound vCPU, SIM_NO_CPU for an unbound wq */
	bool unbound;			/* unbound wq, or its vCPU went offline */
	unsigned int nr_busy;		/* workers executing an item of this pool */
	unsigned int nr_awake;		/* of those, the ones not blocked */
	unsigned int nr_old;		/* flush_workqueue(): first nr_old items predate it */
};

struct workqueue_struct {
	char name[32];
	unsigned int flags;
	int max_active;
	unsigned int id;		/* creation order, for the trace */
	struct lockdep_map lockdep_map;
	struct list_head node;		/* on sim_wqs */
	struct sim_ctx *flusher;	/* the flush_workqueue() in progress */
	unsigned long nr_old;		/* items it still waits for */
	bool is_static;			/* system_wq, system_unbound_wq */
	unsigned int nr_pools;
	struct sim_pool *pools;		/* [cpu], or [0] when WQ_UNBOUND */
};

struct sim_state {
	bool tasks_mode;
	unsigned int nr_ctxs;
	struct sim_ctx *cur;			/* the running context */
	struct sim_ctx *ctxs[SIM_MAX_CTX];	/* [0] is the driver */
	struct sim_ctx *token[VCPU_MAX];	/* vCPU owners */
	struct list_head idle;			/* idle fibers, most recent first */
	unsigned int nr_live_tasks;		/* spawned and not returned */
	unsigned int nr_work_waiters;		/* contexts in SIM_WAIT_WORK */
	unsigned long now;			/* jiffies */
	struct vcpu_stats stats;
};

extern struct sim_state sim;
extern struct sim_ctx sim_driver;
extern struct vcpu_config sim_cfg;
extern struct list_head sim_wqs;

static inline struct sim_ctx *task_ctx(const struct task_struct *t)
{
	return t ? (struct sim_ctx *)t->backend : NULL;
}

#define sim_for_each_ctx(i, c) \
	for ((i) = 0; (i) < sim.nr_ctxs; (i)++) if (!((c) = sim.ctxs[i])) {} else

/* fiber.c */
void sim_fiber_init_driver(struct sim_ctx *c);
int sim_fiber_create(struct sim_ctx *c, size_t size);
void sim_fiber_switch(struct sim_ctx *prev, struct sim_ctx *next);
void sim_fiber_destroy(struct sim_ctx *c);
void sim_fiber_main(void);		/* sched.c: what every fiber runs */
void sim_fiber_arrived_first(struct sim_ctx *self);
size_t sim_fiber_block_size(void);

/* sched.c */
bool sim_wait(struct sim_wait *w);
void sim_schedule(void);
void sim_run_action(const struct sim_action *act);
struct sim_ctx *sim_ctx_alloc(void);
void sim_sched_reset(void);
void sim_sched_exit(void);
void sim_describe_wait(const struct sim_ctx *c, char *buf, size_t size);
void sim_move_current(unsigned int to);
void sim_sched_leave_thread(void);

/* decide.c: tokens (sim.token[] changes only there once set up), runnable, choices */
bool sim_token_free(unsigned int cpu, const struct sim_ctx *c);
void sim_token_take(struct sim_ctx *c);
void sim_token_drop(struct sim_ctx *c, unsigned int cpu);
void sim_token_switch(struct sim_ctx *prev, struct sim_ctx *next);
void sim_check_running(const struct sim_ctx *c);
bool sim_pool_ready(struct sim_pool *p);
unsigned int sim_pick_unbound_cpu(void);
bool sim_wait_satisfied(const struct sim_ctx *c);
bool sim_ctx_runnable(const struct sim_ctx *c);
bool sim_next_deadline(unsigned long *when);
bool sim_tasks_plan(struct sim_action *act);

/* plan.c */
bool sim_resolve_ctx(struct sim_ctx *c, struct sim_ctx *self, unsigned int depth,
		     struct sim_action *act);
bool sim_resolve_wait(const struct sim_ctx *c, struct sim_ctx *self, unsigned int depth,
		      struct sim_action *act);
bool sim_any_progress(struct sim_ctx *self, struct sim_action *act);
bool sim_resolve_gp(struct sim_ctx *self, unsigned int depth, struct sim_action *act);
bool sim_plan_inline(struct sim_action *act);
bool sim_plan_quiesce(struct sim_ctx *self, struct sim_action *act, unsigned long arg);
bool sim_plan_run_work(struct sim_ctx *self, struct sim_action *act, unsigned long arg);
bool sim_nothing_left(char *buf, size_t size);

/* trace.c */
enum sim_event {
	SIM_EV_SWITCH,		/* a: from id, b: to id */
	SIM_EV_DECIDE,		/* a: enum sim_choice, b: nr, c: answer */
	SIM_EV_WORK_START,	/* a: wq id, b: cpu, c: worker id, s: item */
	SIM_EV_WORK_END,	/* a: wq id, b: cpu, c: worker id */
	SIM_EV_CB_INVOKE,	/* a: cpu, b: callback id */
	SIM_EV_GP_START,	/* a: GP number */
	SIM_EV_GP_END,		/* a: GP number */
	SIM_EV_HOTPLUG,		/* a: step, b: cpu, s: what */
	SIM_EV_TICK,		/* a: old jiffies, b: new */
	SIM_EV_SPAWN,		/* a: id, b: cpu, s: name */
	SIM_EV_EXIT,		/* a: id */
	SIM_EV_MIGRATE,		/* a: id, b: from, c: to */
	SIM_EV_BLOCK,		/* a: id, b: wait kind */
	SIM_EV_NOTE,		/* s: text */
};
void sim_trace(enum sim_event ev, unsigned long a, unsigned long b, unsigned long c,
	       const char *s);
void sim_trace_reset(const struct sim_decider *d);
void sim_trace_set_site(const char *site);

/* workqueue.c, work_timer.c */
void sim_wq_reset(void);
void sim_wq_exit(void);
bool sim_pool_startable(struct sim_pool *p);
struct work_struct *sim_pool_take(struct sim_pool *p, struct sim_ctx *worker);
void sim_work_run(struct sim_ctx *c);
struct sim_ctx *sim_pool_awake_worker(struct sim_pool *p);
struct sim_ctx *sim_work_runner(const struct work_struct *w);
struct sim_pool *sim_work_pool(const struct work_struct *w);
bool sim_work_queued_on(const struct work_struct *w, struct sim_pool *p);
bool sim_wq_in_scope(const struct sim_pool *p, unsigned int cpu);
unsigned long sim_wq_pending(void);
void sim_wq_unbind_cpu(unsigned int cpu, bool unbind);
bool __sim_queue_work(int cpu, struct workqueue_struct *wq, struct work_struct *work);
void sim_timers_reset(void);
bool sim_timers_earliest(unsigned long *when);
unsigned long sim_timers_armed(void);
void sim_jiffies_advance(unsigned long to);
bool sim_timer_armed(const struct delayed_work *dw);
void sim_timers_forget_wq(const struct workqueue_struct *wq);
bool sim_grab_pending(struct work_struct *work);
bool sim_wait_work(struct work_struct *work, bool pending, const char *func);
void sim_check_flush_dependency(struct workqueue_struct *target, struct work_struct *work);

#define sim_for_each_pool(wq, p)					\
	list_for_each_entry(wq, &sim_wqs, node)				\
		for ((p) = (wq)->pools; (p) < (wq)->pools + (wq)->nr_pools; (p)++)

/* rcu.c */
void sim_rcu_reset(void);
void sim_rcu_exit(void);
bool sim_rcu_invokable(unsigned int cpu);
struct rcu_head *sim_rcu_take(unsigned int cpu, struct sim_ctx *c);
void sim_rcu_invoke(struct sim_ctx *c);
bool sim_gp_can_advance(void);
bool sim_gp_wanted(void);
void sim_gp_advance(void);
struct sim_ctx *sim_gp_blocker(void);
bool sim_rcu_done_upto(bool by_id, unsigned long target);
bool sim_rcu_resolve_upto(bool by_id, unsigned long target, struct sim_ctx *self,
			  unsigned int depth, struct sim_action *act);
unsigned long sim_gp_completed(void);
unsigned long sim_gp_started(void);
void sim_rcu_move_cpu(unsigned int from, unsigned int to);
bool sim_rcu_is_queued(const struct rcu_head *head);

/* hotplug.c */
void sim_hotplug_reset(void);
bool sim_hp_can_read(void);
bool sim_hp_can_write(void);
struct sim_ctx *sim_hp_writer(void);
bool sim_hp_holds_read(const struct sim_ctx *c);
bool sim_cpu_quiet(unsigned int cpu);

/* lock.c */
const char *sim_lock_name(const struct vcpu_lock_impl *impl);

#endif /* SHEAF_SIM_INTERNAL_H */
