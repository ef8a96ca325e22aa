// SPDX-License-Identifier: GPL-2.0
/*
 * token.c (threads) - the vCPU run tokens (struct thr_vcpu).
 *
 * A context executes model code on vCPU X only while it is X's token
 * holder.  It gives the token up when it sleeps (thr_sleep_begin/end
 * around every wait: mutex, completion, flush, grace period, barrier,
 * sleep, hotplug lock) and, when preemptible, at each decision point if
 * another context waits for X.  preempt_disable() and everything built on
 * it keep the token, so nothing else runs on X meanwhile: that is what
 * makes a work item queued on X unable to run inside X's local_lock()
 * section (docs/architecture.md, the run-token model).
 *
 * A context lands on another vCPU only through vcpu_migrate(), or when its
 * vCPU went offline while it was not running: thr_token_get() then picks
 * the next online vCPU and the context's cpu follows.  cpu_down() takes a
 * vCPU offline only while its token is free (thr_vcpu_stop()), so no
 * context ever runs on an offline vCPU.
 */
#include "thr.h"

struct thr_vcpu thr_vcpus[VCPU_MAX];

/* ------------------------------------------------------------ the token */

/* The first online vCPU after @cpu, cyclically (@cpu itself last). */
static unsigned int next_online(unsigned int cpu)
{
	unsigned long mask = READ_ONCE(vcpu_online_mask);
	unsigned int i, n = nr_cpu_ids;

	for (i = 1; i <= n; i++) {
		unsigned int c = (cpu + i) % n;

		if ((mask >> c) & 1)
			return c;
	}
	return cpu;
}

/* Under v->mu; atomic because vcpu_decision_point() peeks without it. */
static inline void waiters_add(struct thr_vcpu *v, int n)
{
	__atomic_store_n(&v->waiters, v->waiters + (unsigned int)n, __ATOMIC_RELAXED);
}

/* Under v->mu, token free and vCPU online. */
static void grant(struct thr_vcpu *v, struct thr_ctx *c, unsigned int cpu)
{
	v->holder = c;
	v->grants++;
	if (v->last != c)
		__atomic_add_fetch(&thr_stats.switches, 1, __ATOMIC_RELAXED);
	v->last = c;
	c->task.cpu = cpu;
	c->holds_token = true;
}

void thr_token_get(struct thr_ctx *c)
{
	unsigned int cpu = c->task.cpu;
	struct thr_vcpu *v;

	BUG_ON(c->holds_token);
	for (;;) {
		v = &thr_vcpus[cpu];
		pthread_mutex_lock(&v->mu);
		if (v->online && (v->holder || v->stopping)) {
			waiters_add(v, 1);
			while (v->online && (v->holder || v->stopping))
				pthread_cond_wait(&v->cond, &v->mu);
			waiters_add(v, -1);
		}
		if (v->online)
			break;
		/* Gone offline: the task moves, as the kernel migrates it away. */
		pthread_mutex_unlock(&v->mu);
		cpu = next_online(cpu);
	}
	grant(v, c, cpu);
	pthread_mutex_unlock(&v->mu);
}

/* For unbound work: a free online token if there is one, else wait. */
void thr_token_get_any(struct thr_ctx *c)
{
	unsigned int start = c->task.cpu, i, cpu;
	struct thr_vcpu *v;

	for (i = 0; i < nr_cpu_ids; i++) {
		cpu = (start + i) % nr_cpu_ids;
		v = &thr_vcpus[cpu];
		pthread_mutex_lock(&v->mu);
		if (v->online && !v->holder && !v->stopping) {
			grant(v, c, cpu);
			pthread_mutex_unlock(&v->mu);
			return;
		}
		pthread_mutex_unlock(&v->mu);
	}
	thr_token_get(c);
}

void thr_token_put(struct thr_ctx *c)
{
	struct thr_vcpu *v = &thr_vcpus[c->task.cpu];

	BUG_ON(!c->holds_token);
	pthread_mutex_lock(&v->mu);
	BUG_ON(v->holder != c);
	v->holder = NULL;
	if (v->waiters)
		pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->mu);
	c->holds_token = false;
}

/*
 * Lets a context waiting for this vCPU run, then queues up for it again:
 * the token is not taken back before another context had it (or every
 * other waiter left: the vCPU went down under them).
 */
static void token_yield(struct thr_ctx *c)
{
	unsigned int cpu = c->task.cpu;
	struct thr_vcpu *v = &thr_vcpus[cpu];
	unsigned long grants;

	pthread_mutex_lock(&v->mu);
	if (!v->waiters) {
		pthread_mutex_unlock(&v->mu);
		return;
	}
	v->holder = NULL;
	c->holds_token = false;
	grants = v->grants;
	pthread_cond_broadcast(&v->cond);
	waiters_add(v, 1);
	while (v->online && (v->holder || v->stopping ||
			     (v->grants == grants && v->waiters > 1)))
		pthread_cond_wait(&v->cond, &v->mu);
	waiters_add(v, -1);
	if (v->online) {
		grant(v, c, cpu);
		pthread_mutex_unlock(&v->mu);
		return;
	}
	pthread_mutex_unlock(&v->mu);
	thr_token_get(c);
}

void vcpu_decision_point(const char *what)
{
	struct thr_ctx *c = thr_self;

	if (!c || !c->holds_token || c->task.preempt_count > 0)
		return;
	/* Nobody waits for this vCPU: nothing to yield (a late one waits for the next). */
	if (!__atomic_load_n(&thr_vcpus[c->task.cpu].waiters, __ATOMIC_RELAXED))
		return;
	token_yield(c);
}

bool thr_sleep_begin(void)
{
	struct thr_ctx *c = thr_self;

	if (!c || !c->holds_token || c->task.preempt_count > 0)
		return false;
	if (c->pool && c->exec_seq)
		thr_wq_worker_sleeping(c);
	thr_token_put(c);
	return true;
}

void thr_sleep_end(bool released)
{
	struct thr_ctx *c = thr_self;

	if (!released)
		return;
	if (c->pool && c->exec_seq)
		thr_wq_worker_waking(c);
	thr_token_get(c);
}

/* Hotplug (hotplug.c), under the hotplug lock held for write. */
void thr_vcpu_stop(unsigned int cpu)
{
	struct thr_vcpu *v = &thr_vcpus[cpu];

	pthread_mutex_lock(&v->mu);
	/*
	 * As stop_machine(): from now on nobody new starts on X; the holder
	 * runs on until it sleeps or, preemptible, reaches a decision point
	 * (it yields: we count as a waiter).
	 */
	v->stopping = true;
	waiters_add(v, 1);
	while (v->holder)
		pthread_cond_wait(&v->cond, &v->mu);
	waiters_add(v, -1);
	v->stopping = false;
	v->online = false;
	WRITE_ONCE(vcpu_online_mask, READ_ONCE(vcpu_online_mask) & ~(1UL << cpu));
	/* Waiters wake up, find it offline and move on. */
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->mu);
}

bool thr_vcpu_stopping(unsigned int cpu)
{
	struct thr_vcpu *v = &thr_vcpus[cpu];
	bool stopping;

	pthread_mutex_lock(&v->mu);
	stopping = v->stopping;
	pthread_mutex_unlock(&v->mu);
	return stopping;
}

void thr_vcpu_start(unsigned int cpu)
{
	struct thr_vcpu *v = &thr_vcpus[cpu];

	pthread_mutex_lock(&v->mu);
	v->online = true;
	WRITE_ONCE(vcpu_online_mask, READ_ONCE(vcpu_online_mask) | (1UL << cpu));
	pthread_mutex_unlock(&v->mu);
}
