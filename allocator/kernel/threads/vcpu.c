// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c (threads) - contexts and tasks, the environment's lifecycle, time,
 * and the driver controls that are not about work or RCU.  The vCPU run
 * tokens: token.c.
 *
 * A task is a pthread that runs its function on its vCPU, holding that
 * vCPU's token while it runs.  vcpu_spawn() only records it; vcpu_run_tasks()
 * starts every recorded task and joins them, sleeping (without its token)
 * meanwhile.  jiffies follow CLOCK_MONOTONIC at HZ from vcpu_env_init(),
 * plus what vcpu_tick() and vcpu_quiesce() added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "thr.h"

_Thread_local struct thr_ctx *thr_self;
struct thr_stats thr_stats;

/* Spawned tasks, in spawn order; under thr_tasks_mu. */
static pthread_mutex_t thr_tasks_mu = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(thr_tasks);
static struct thr_ctx *driver;
static int next_pid;			/* atomic */
static unsigned long jiffies_base_ns;	/* set by vcpu_env_init() */
static unsigned long jiffies_offset;	/* atomic: what vcpu_tick() added */

struct task_struct *get_current(void)
{
	struct thr_ctx *c = thr_self;

	return c ? &c->task : NULL;
}

unsigned int smp_processor_id(void)
{
	struct thr_ctx *c = thr_self;

	return c ? c->task.cpu : 0;
}

unsigned int vcpu_backend_choose(enum sim_choice what, unsigned int nr)
{
	return 0;
}

unsigned long thr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
}

unsigned long vcpu_jiffies(void)
{
	unsigned long ns = thr_now_ns() - READ_ONCE(jiffies_base_ns);

	return ns / (1000000000UL / HZ) + __atomic_load_n(&jiffies_offset, __ATOMIC_ACQUIRE);
}

void thr_ctx_init(struct thr_ctx *c, const char *comm, unsigned int flags, int cpu)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->task.comm, sizeof(c->task.comm), "%s", comm);
	c->task.pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	c->task.flags = flags;
	c->task.cpu = (unsigned int)cpu;
	c->task.backend = c;
	INIT_LIST_HEAD(&c->node);
	INIT_LIST_HEAD(&c->all_node);
}

/* ------------------------------------------------------------ contexts */

/*
 * What a context must not carry out of its function (a task's end, a work
 * item's end, a callback's end): the kernel's "leaked lock or atomic"
 * checks.  Reports under @title, naming @what, then repairs what would
 * otherwise hang others (an open RCU reader blocks every grace period).
 */
void thr_check_clean(struct task_struct *t, const char *title, const char *what,
		     int preempt_expected)
{
	if (t->preempt_count == preempt_expected && !t->lockdep_depth &&
	    !t->rcu_read_lock_nesting)
		return;
	vcpu_report(VCPU_REPORT_BUG, title, what,
		    "%s/%d on vCPU %u: %d lock%s held, preempt_count %d, RCU nesting %d",
		    t->comm, t->pid, t->cpu, t->lockdep_depth, t->lockdep_depth == 1 ? "" : "s",
		    t->preempt_count - preempt_expected, t->rcu_read_lock_nesting);
	t->preempt_count = preempt_expected;
	t->lockdep_depth = 0;
	thr_rcu_force_unlock(t);
}

static void *task_main(void *arg)
{
	struct thr_ctx *c = arg;

	thr_self = c;
	thr_urcu_register();
	thr_token_get(c);
	c->fn(c->arg);
	thr_check_clean(&c->task, "task leaked lock or atomic", c->task.comm, 0);
	thr_token_put(c);
	thr_urcu_unregister();
	thr_self = NULL;
	return NULL;
}

int vcpu_spawn(const char *name, int cpu, void (*fn)(void *arg), void *arg)
{
	struct thr_ctx *c;

	if (!READ_ONCE(vcpu_env_running) || cpu < 0 || (unsigned int)cpu >= nr_cpu_ids || !fn)
		return -EINVAL;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	thr_ctx_init(c, name ? name : "task", 0, cpu);
	c->fn = fn;
	c->arg = arg;
	pthread_mutex_lock(&thr_tasks_mu);
	list_add_tail(&c->node, &thr_tasks);
	pthread_mutex_unlock(&thr_tasks_mu);
	return 0;
}

/* Starts every task not yet started; they queue up for their vCPUs. */
static void start_tasks(void)
{
	struct thr_ctx *c;

	pthread_mutex_lock(&thr_tasks_mu);
	list_for_each_entry(c, &thr_tasks, node) {
		if (c->started)
			continue;
		if (pthread_create(&c->thread, NULL, task_main, c))
			vcpu_panic("pthread_create failed", __func__, "task %s", c->task.comm);
		c->started = true;
	}
	pthread_mutex_unlock(&thr_tasks_mu);
}

/* Joins and frees the started tasks other than the caller. */
static void join_tasks(void)
{
	struct thr_ctx *c, *found;

	for (;;) {
		found = NULL;
		pthread_mutex_lock(&thr_tasks_mu);
		list_for_each_entry(c, &thr_tasks, node) {
			if (c != thr_self && c->started) {
				found = c;
				list_del_init(&c->node);
				break;
			}
		}
		pthread_mutex_unlock(&thr_tasks_mu);
		if (!found)
			return;
		pthread_join(found->thread, NULL);
		free(found);
	}
}

void vcpu_run_tasks(void)
{
	bool released;

	might_sleep();
	start_tasks();
	released = thr_sleep_begin();
	join_tasks();
	thr_sleep_end(released);
}

void vcpu_migrate(int cpu)
{
	struct thr_ctx *c = thr_self;
	struct task_struct *t = c ? &c->task : NULL;

	if (!t || !c->holds_token)
		vcpu_panic("no task context", __func__, "vcpu_migrate() outside a vCPU context");
	cpu = (int)vcpu_check_cpu(cpu, __func__);
	if (t->preempt_count || t->migration_disabled) {
		vcpu_report(VCPU_REPORT_BUG, "migrating a pinned task", __func__,
			    "%s/%d on vCPU %u: preempt_count %d, migration_disabled %d",
			    t->comm, t->pid, t->cpu, t->preempt_count, t->migration_disabled);
		return;
	}
	if (!cpu_online(cpu)) {
		vcpu_report(VCPU_REPORT_BUG, "migrating to an offline vCPU", __func__,
			    "%s/%d: vCPU %d is offline", t->comm, t->pid, cpu);
		return;
	}
	thr_token_put(c);
	t->cpu = (unsigned int)cpu;
	thr_token_get(c);
}

void msleep(unsigned int msecs)
{
	struct timespec ts = { .tv_sec = msecs / 1000, .tv_nsec = (long)(msecs % 1000) * 1000000L };
	bool released;

	might_sleep();
	released = thr_sleep_begin();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	thr_sleep_end(released);
}

/*
 * Until nothing is pending: timers fired (jiffies jump to the last expiry),
 * work run, callbacks invoked; each may create more of the others.
 */
bool vcpu_quiesce(void)
{
	struct task_struct *t = thr_task(__func__);
	unsigned int fired;

	might_sleep();
	if (t->preempt_count || t->rcu_read_lock_nesting)
		return false;
	for (;;) {
		fired = thr_timers_fire_all();
		if (!thr_wq_wait_idle())
			return false;
		if (vcpu_rcu_pending_callbacks()) {
			rcu_barrier();
			continue;
		}
		if (!fired && !thr_wq_busy())
			return true;
	}
}

void vcpu_tick(unsigned long n)
{
	__atomic_add_fetch(&jiffies_offset, n, __ATOMIC_RELEASE);
	thr_timers_tick();
}

/* vcpu_quiesce(): jiffies jump so that @expires has come. */
void thr_jiffies_advance_to(unsigned long expires)
{
	unsigned long now = vcpu_jiffies();

	if (time_after(expires, now))
		__atomic_add_fetch(&jiffies_offset, expires - now, __ATOMIC_RELEASE);
}

/* The monotonic time at which jiffies reach @j (0 if they have). */
unsigned long thr_jiffies_to_ns(unsigned long j)
{
	unsigned long offset = __atomic_load_n(&jiffies_offset, __ATOMIC_ACQUIRE);

	if ((long)(j - offset) <= 0)
		return 0;
	return READ_ONCE(jiffies_base_ns) + (j - offset) * (1000000000UL / HZ);
}

void vcpu_get_stats(struct vcpu_stats *st)
{
	st->switches = __atomic_load_n(&thr_stats.switches, __ATOMIC_RELAXED);
	st->works_run = __atomic_load_n(&thr_stats.works_run, __ATOMIC_RELAXED);
	st->callbacks_run = __atomic_load_n(&thr_stats.callbacks_run, __ATOMIC_RELAXED);
	st->gps_completed = __atomic_load_n(&thr_stats.gps_completed, __ATOMIC_RELAXED);
	st->reports = vcpu_nr_reports();
}

/* ------------------------------------------------------------ lifecycle */

static pthread_once_t monotonic_once = PTHREAD_ONCE_INIT;
static pthread_condattr_t monotonic_attr;

static void monotonic_attr_init(void)
{
	pthread_condattr_init(&monotonic_attr);
	pthread_condattr_setclock(&monotonic_attr, CLOCK_MONOTONIC);
}

/* A condition variable whose timed waits use CLOCK_MONOTONIC, as jiffies do. */
void thr_cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_once(&monotonic_once, monotonic_attr_init);
	pthread_cond_init(cond, &monotonic_attr);
}

int vcpu_env_init(const struct vcpu_config *cfg)
{
	unsigned int cpu;
	int ret;

	ret = vcpu_common_init(cfg);
	if (ret)
		return ret;
	thr_urcu_init();
	for (cpu = 0; cpu < VCPU_MAX; cpu++) {
		struct thr_vcpu *v = &thr_vcpus[cpu];

		pthread_mutex_init(&v->mu, NULL);
		pthread_cond_init(&v->cond, NULL);
		v->holder = v->last = NULL;
		__atomic_store_n(&v->waiters, 0, __ATOMIC_RELAXED);
		v->grants = 0;
		v->online = cpu < nr_cpu_ids;
		v->stopping = false;
	}
	__atomic_store_n(&thr_stats.switches, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&thr_stats.works_run, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&thr_stats.callbacks_run, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&thr_stats.gps_completed, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&next_pid, 0, __ATOMIC_RELAXED);
	WRITE_ONCE(jiffies_base_ns, thr_now_ns());
	__atomic_store_n(&jiffies_offset, 0, __ATOMIC_RELAXED);

	driver = malloc(sizeof(*driver));
	if (!driver)
		vcpu_panic("out of memory", __func__, "driver context");
	thr_ctx_init(driver, "driver", PF_DRIVER, 0);
	thr_self = driver;
	thr_urcu_register();
	thr_token_get(driver);

	thr_hotplug_init();
	thr_rcu_init();
	thr_wq_init();
	return 0;
}

void vcpu_env_exit(void)
{
	struct thr_ctx *c, *tmp;

	if (!READ_ONCE(vcpu_env_running) || thr_self != driver) {
		fprintf(stderr, "vcpu_env_exit: the environment is not running on this thread\n");
		return;
	}
	/* Spawned and never run: vcpu_run_tasks() starts and reaps every task. */
	pthread_mutex_lock(&thr_tasks_mu);
	list_for_each_entry_safe(c, tmp, &thr_tasks, node) {
		BUG_ON(c->started);
		vcpu_report(VCPU_REPORT_BUG, "task still alive", __func__,
			    "%s/%d was spawned and never run by vcpu_run_tasks()",
			    c->task.comm, c->task.pid);
		list_del(&c->node);
		free(c);
	}
	pthread_mutex_unlock(&thr_tasks_mu);

	/* First, or the driver could not sleep while the rest winds down. */
	thr_check_clean(&driver->task, "lock held when leaving the environment",
			"vcpu_env_exit", 0);
	vcpu_quiesce();
	thr_wq_exit();
	thr_rcu_exit();
	vcpu_common_exit();

	thr_token_put(driver);
	thr_urcu_unregister();
	thr_self = NULL;
	free(driver);
	driver = NULL;
}

const char *vcpu_where(const struct task_struct *t, char *buf, size_t size)
{
	snprintf(buf, size, "?");
	return buf;
}
