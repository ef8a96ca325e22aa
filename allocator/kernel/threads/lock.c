// SPDX-License-Identifier: GPL-2.0
/*
 * lock.c (threads) - spinlock_t, raw_spinlock_t, struct mutex, completions.
 *
 * Each lock is a pthread mutex plus its holder.  The difference between a
 * spinning and a sleeping lock is what happens to the vCPU token: a spin
 * lock disables preemption first, so its holder and its waiters keep their
 * vCPUs (a waiter "spins" blocked in the pthread mutex, as a CPU would);
 * a mutex or completion waiter gives its token up until it is woken
 * (thr_sleep_begin/end), so the vCPU runs something else meanwhile.
 *
 * lockdep sees every acquisition before it can block, so an order cycle is
 * reported before it deadlocks.  Re-taking a lock the context already holds
 * would deadlock for real; after lockdep's report that is a panic rather
 * than a hang.
 */
#include "thr.h"

/* Takes @impl for @t; the caller already told lockdep. */
static void impl_lock(struct vcpu_lock_impl *impl, struct task_struct *t,
		      const char *name, bool sleeping)
{
	bool released;

	if (unlikely(__atomic_load_n(&impl->owner, __ATOMIC_RELAXED) == t))
		vcpu_panic("deadlock", __func__, "%s/%d acquires %s, which it holds",
			   t->comm, t->pid, name);
	if (!pthread_mutex_trylock(&impl->mu))
		goto out;
	if (sleeping) {
		released = thr_sleep_begin();
		pthread_mutex_lock(&impl->mu);
		thr_sleep_end(released);
	} else {
		pthread_mutex_lock(&impl->mu);
	}
out:
	__atomic_store_n(&impl->owner, t, __ATOMIC_RELAXED);
}

static bool impl_trylock(struct vcpu_lock_impl *impl, struct task_struct *t)
{
	if (pthread_mutex_trylock(&impl->mu))
		return false;
	__atomic_store_n(&impl->owner, t, __ATOMIC_RELAXED);
	return true;
}

/*
 * Releases @impl if @t holds it; if not, reports the bad unlock (naming
 * the unlock function and the lock) and changes nothing.
 */
static bool impl_unlock(struct vcpu_lock_impl *impl, struct lockdep_map *map,
			struct task_struct *t, const char *func, unsigned long ip)
{
	struct task_struct *owner = __atomic_load_n(&impl->owner, __ATOMIC_RELAXED);

	if (unlikely(owner != t)) {
		vcpu_report(VCPU_REPORT_BUG, "bad unlock balance detected", func,
			    "%s/%d on vCPU %u releases %s, which %s%s",
			    t->comm, t->pid, t->cpu, map->name ? map->name : "(unnamed)",
			    owner ? "is held by " : "is not locked", owner ? owner->comm : "");
		return false;
	}
	__atomic_store_n(&impl->owner, NULL, __ATOMIC_RELAXED);
	lock_release(map, ip);
	pthread_mutex_unlock(&impl->mu);
	return true;
}

static void impl_init(struct vcpu_lock_impl *impl)
{
	pthread_mutex_init(&impl->mu, NULL);
	impl->owner = NULL;
}

/* -------------------------------------------------------------- spinning */

void __spin_lock_init(spinlock_t *lock, const char *name, const struct lock_class_key *key)
{
	impl_init(&lock->impl);
	lockdep_init_map_type(&lock->dep_map, name, key, LD_WAIT_CONFIG);
}

void __raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
			  const struct lock_class_key *key)
{
	impl_init(&lock->impl);
	lockdep_init_map_type(&lock->dep_map, name, key, LD_WAIT_SPIN);
}

static void spin_acquire(struct vcpu_lock_impl *impl, struct lockdep_map *map, unsigned long ip)
{
	struct task_struct *t = thr_task(__func__);

	preempt_disable();
	lock_acquire(map, 0, 0, ip);
	impl_lock(impl, t, map->name, false);
}

static int spin_try(struct vcpu_lock_impl *impl, struct lockdep_map *map, unsigned long ip)
{
	struct task_struct *t = thr_task(__func__);

	preempt_disable();
	if (!impl_trylock(impl, t)) {
		preempt_enable();
		return 0;
	}
	lock_acquire(map, 1, 0, ip);
	return 1;
}

static void spin_release(struct vcpu_lock_impl *impl, struct lockdep_map *map,
			 const char *func, unsigned long ip)
{
	if (impl_unlock(impl, map, thr_task(func), func, ip))
		preempt_enable();
}

void spin_lock(spinlock_t *lock)
{
	spin_acquire(&lock->impl, &lock->dep_map, _RET_IP_);
}

int spin_trylock(spinlock_t *lock)
{
	return spin_try(&lock->impl, &lock->dep_map, _RET_IP_);
}

void spin_unlock(spinlock_t *lock)
{
	spin_release(&lock->impl, &lock->dep_map, __func__, _RET_IP_);
}

bool spin_is_locked(spinlock_t *lock)
{
	return __atomic_load_n(&lock->impl.owner, __ATOMIC_RELAXED) != NULL;
}

void raw_spin_lock(raw_spinlock_t *lock)
{
	spin_acquire(&lock->impl, &lock->dep_map, _RET_IP_);
}

int raw_spin_trylock(raw_spinlock_t *lock)
{
	return spin_try(&lock->impl, &lock->dep_map, _RET_IP_);
}

void raw_spin_unlock(raw_spinlock_t *lock)
{
	spin_release(&lock->impl, &lock->dep_map, __func__, _RET_IP_);
}

/* -------------------------------------------------------------- sleeping */

void __mutex_init(struct mutex *lock, const char *name, const struct lock_class_key *key)
{
	impl_init(&lock->impl);
	lockdep_init_map_type(&lock->dep_map, name, key, LD_WAIT_SLEEP);
}

void mutex_lock(struct mutex *lock)
{
	struct task_struct *t = thr_task(__func__);

	might_sleep();
	vcpu_decision_point("mutex_lock");
	lock_acquire(&lock->dep_map, 0, 0, _RET_IP_);
	impl_lock(&lock->impl, t, lock->dep_map.name, true);
}

int mutex_trylock(struct mutex *lock)
{
	struct task_struct *t = thr_task(__func__);

	if (!impl_trylock(&lock->impl, t))
		return 0;
	lock_acquire(&lock->dep_map, 1, 0, _RET_IP_);
	return 1;
}

void mutex_unlock(struct mutex *lock)
{
	if (impl_unlock(&lock->impl, &lock->dep_map, thr_task(__func__), __func__, _RET_IP_))
		vcpu_decision_point("mutex_unlock");
}

bool mutex_is_locked(struct mutex *lock)
{
	return __atomic_load_n(&lock->impl.owner, __ATOMIC_RELAXED) != NULL;
}

/* ------------------------------------------------------------ completion */

#define COMPLETION_ALL	(~0U)	/* complete_all(): every wait returns */

void init_completion(struct completion *x)
{
	pthread_mutex_init(&x->wait.mu, NULL);
	pthread_cond_init(&x->wait.cond, NULL);
	x->done = 0;
}

void complete(struct completion *x)
{
	pthread_mutex_lock(&x->wait.mu);
	if (x->done != COMPLETION_ALL)
		x->done++;
	pthread_cond_broadcast(&x->wait.cond);
	pthread_mutex_unlock(&x->wait.mu);
}

void complete_all(struct completion *x)
{
	pthread_mutex_lock(&x->wait.mu);
	x->done = COMPLETION_ALL;
	pthread_cond_broadcast(&x->wait.cond);
	pthread_mutex_unlock(&x->wait.mu);
}

/* Under wait.mu, done > 0. */
static void consume(struct completion *x)
{
	if (x->done != COMPLETION_ALL)
		x->done--;
}

void wait_for_completion(struct completion *x)
{
	bool released;

	might_sleep();
	pthread_mutex_lock(&x->wait.mu);
	if (x->done) {
		consume(x);
		pthread_mutex_unlock(&x->wait.mu);
		return;
	}
	pthread_mutex_unlock(&x->wait.mu);

	released = thr_sleep_begin();
	pthread_mutex_lock(&x->wait.mu);
	while (!x->done)
		pthread_cond_wait(&x->wait.cond, &x->wait.mu);
	consume(x);
	pthread_mutex_unlock(&x->wait.mu);
	thr_sleep_end(released);
}

bool completion_done(struct completion *x)
{
	bool done;

	pthread_mutex_lock(&x->wait.mu);
	done = x->done != 0;
	pthread_mutex_unlock(&x->wait.mu);
	return done;
}
