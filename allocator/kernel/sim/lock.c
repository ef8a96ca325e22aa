// SPDX-License-Identifier: GPL-2.0
/*
 * lock.c - spinlock_t, raw_spinlock_t, struct mutex and completions.
 *
 * All three lock types are { struct vcpu_lock_impl impl; struct
 * lockdep_map dep_map; }: an owner and a lockdep map.  Taking one:
 *   1. spin locks disable preemption (the context keeps its vCPU token
 *      from here on, even while it waits), mutexes check might_sleep();
 *   2. lock_acquire(), so an order cycle is reported before anything
 *      could block on it;
 *   3. a decision point: another context may get there first;
 *   4. wait until the owner is NULL, take it.  A spin lock waiter keeps
 *      its vCPU token while it waits (preemption is off), so the owner is
 *      on another vCPU: were it on ours, it could never run again.
 * Releasing checks the owner, calls lock_release(), clears the owner and is
 * a decision point (for spin locks, the preempt_enable() that follows).
 */
#include <limits.h>

#include "sim_internal.h"

#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SHEAF_MSAN
#include <sanitizer/msan_interface.h>
#endif

BUILD_BUG_ON(offsetof(spinlock_t, dep_map) != offsetof(struct mutex, dep_map));
BUILD_BUG_ON(offsetof(raw_spinlock_t, dep_map) != offsetof(struct mutex, dep_map));

const char *sim_lock_name(const struct vcpu_lock_impl *impl)
{
	const struct mutex *m = container_of(impl, struct mutex, impl);

	return m->dep_map.name ? m->dep_map.name : "(unnamed)";
}

static inline struct task_struct *lock_task(const char *func)
{
	struct task_struct *t = current;

	if (unlikely(!t))
		vcpu_panic("no task context", func,
			   "called outside a vCPU context (before vcpu_env_init()?)");
	return t;
}

/* "func+0x12" or "file.c:34" where a sanitizer runtime can tell, else the address. */
static const char *caller_name(unsigned long ip, char *buf, size_t size)
{
#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
	buf[0] = '\0';
	__sanitizer_symbolize_pc((void *)(ip - 1), "%f", buf, size);
#ifdef SHEAF_MSAN
	/* Written by the uninstrumented runtime: MSan cannot know. */
	__msan_unpoison(buf, size);
#endif
	if (buf[0] && buf[0] != '?' && buf[0] != '<')
		return buf;
#endif
	snprintf(buf, size, "%#lx", ip);
	return buf;
}

/*
 * A spinner and the owner of the lock it spins on share a vCPU.  The owner
 * got there with preemption disabled, holding that vCPU's token, so the
 * spinner runs without it: the token rules are broken (decide.c).  Unless
 * the owner re-enabled preemption with the lock held, which is the model's
 * bug and reported as such.
 */
static void spin_owner_check(const struct task_struct *t, const struct task_struct *owner,
			     const struct lockdep_map *map, const char *func)
{
	const char *name = map->name ? map->name : "(unnamed)";

	if (likely(owner->cpu != t->cpu))
		return;
	if (owner->preempt_count > 0)
		vcpu_panic("spinner and lock holder share a vCPU", func,
			   "%s/%d spins on vCPU %u for %s, held there by %s/%d (preempt_count %d)",
			   t->comm, t->pid, t->cpu, name, owner->comm, owner->pid,
			   owner->preempt_count);
	vcpu_report(VCPU_REPORT_BUG, "spinlock held with preemption enabled", func,
		    "%s/%d holds %s on vCPU %u with preempt_count 0; %s/%d spins there",
		    owner->comm, owner->pid, name, owner->cpu, t->comm, t->pid);
}

static void impl_lock(struct vcpu_lock_impl *impl, struct lockdep_map *map,
		      const char *func, unsigned long ip, bool spin)
{
	struct task_struct *t = lock_task(func);
	struct sim_wait w = { .kind = SIM_WAIT_LOCK, .func = func, .obj = impl };

	lock_acquire(map, 0, 0, ip);
	vcpu_decision_point(func);
	if (unlikely(impl->owner == t))
		vcpu_panic("deadlock", func, "%s/%d on vCPU %u takes %s, which it holds already",
			   t->comm, t->pid, t->cpu, map->name ? map->name : "(unnamed)");
	while (impl->owner) {
		if (spin)
			spin_owner_check(t, impl->owner, map, func);
		sim_wait(&w);
	}
	impl->owner = t;
}

/* Out of line: the buffer would be poisoned and unpoisoned at every unlock. */
static __attribute__((noinline)) void
report_bad_unlock(const struct vcpu_lock_impl *impl, const struct lockdep_map *map,
		  const struct task_struct *t, const char *func, unsigned long ip)
{
	char where[128];

	vcpu_report(VCPU_REPORT_BUG, "bad unlock balance detected", func,
		    "%s/%d on vCPU %u releases %s at %s, which %s%s",
		    t->comm, t->pid, t->cpu, map->name ? map->name : "(unnamed)",
		    caller_name(ip, where, sizeof(where)),
		    impl->owner ? "is held by " : "is not locked",
		    impl->owner ? impl->owner->comm : "");
}

/* Returns false (after reporting) when the caller does not own the lock. */
static bool impl_unlock(struct vcpu_lock_impl *impl, struct lockdep_map *map,
			const char *func, unsigned long ip)
{
	struct task_struct *t = lock_task(func);

	if (unlikely(impl->owner != t)) {
		report_bad_unlock(impl, map, t, func, ip);
		return false;
	}
	lock_release(map, ip);
	impl->owner = NULL;
	return true;
}

static int impl_trylock(struct vcpu_lock_impl *impl, struct lockdep_map *map,
			const char *func, unsigned long ip, bool may_fail)
{
	struct task_struct *t = lock_task(func);

	if (impl->owner || (may_fail && vcpu_backend_choose(SIM_TRYLOCK_FAIL, 2) == 1))
		return 0;
	lock_acquire(map, 1, 0, ip);
	impl->owner = t;
	return 1;
}

/* ------------------------------------------------------------- spin */

void __spin_lock_init(spinlock_t *lock, const char *name, const struct lock_class_key *key)
{
	lock->impl.owner = NULL;
	lockdep_init_map_type(&lock->dep_map, name, key, LD_WAIT_CONFIG);
}

void __raw_spin_lock_init(raw_spinlock_t *lock, const char *name,
			  const struct lock_class_key *key)
{
	lock->impl.owner = NULL;
	lockdep_init_map_type(&lock->dep_map, name, key, LD_WAIT_SPIN);
}

/* The unlock side of both spin lock types: decision point, then preemption on. */
static void spin_release(struct vcpu_lock_impl *impl, struct lockdep_map *map,
			 const char *func, unsigned long ip)
{
	if (!impl_unlock(impl, map, func, ip))
		return;
	/* Still atomic after this unlock: other vCPUs may run meanwhile. */
	if (current->preempt_count > 1)
		vcpu_decision_point(func);
	preempt_enable();
}

void spin_lock(spinlock_t *lock)
{
	preempt_disable();
	impl_lock(&lock->impl, &lock->dep_map, __func__, _RET_IP_, true);
}

int spin_trylock(spinlock_t *lock)
{
	preempt_disable();
	if (impl_trylock(&lock->impl, &lock->dep_map, __func__, _RET_IP_, true))
		return 1;
	preempt_enable();
	return 0;
}

void spin_unlock(spinlock_t *lock)
{
	spin_release(&lock->impl, &lock->dep_map, __func__, _RET_IP_);
}

bool spin_is_locked(spinlock_t *lock)
{
	return READ_ONCE(lock->impl.owner) != NULL;
}

void raw_spin_lock(raw_spinlock_t *lock)
{
	preempt_disable();
	impl_lock(&lock->impl, &lock->dep_map, __func__, _RET_IP_, true);
}

int raw_spin_trylock(raw_spinlock_t *lock)
{
	preempt_disable();
	if (impl_trylock(&lock->impl, &lock->dep_map, __func__, _RET_IP_, true))
		return 1;
	preempt_enable();
	return 0;
}

void raw_spin_unlock(raw_spinlock_t *lock)
{
	spin_release(&lock->impl, &lock->dep_map, __func__, _RET_IP_);
}

/* ------------------------------------------------------------ mutex */

void __mutex_init(struct mutex *lock, const char *name, const struct lock_class_key *key)
{
	lock->impl.owner = NULL;
	lockdep_init_map_type(&lock->dep_map, name, key, LD_WAIT_SLEEP);
}

void mutex_lock(struct mutex *lock)
{
	might_sleep();
	impl_lock(&lock->impl, &lock->dep_map, __func__, _RET_IP_, false);
}

int mutex_trylock(struct mutex *lock)
{
	return impl_trylock(&lock->impl, &lock->dep_map, __func__, _RET_IP_, false);
}

void mutex_unlock(struct mutex *lock)
{
	if (impl_unlock(&lock->impl, &lock->dep_map, __func__, _RET_IP_))
		vcpu_decision_point(__func__);
}

bool mutex_is_locked(struct mutex *lock)
{
	return READ_ONCE(lock->impl.owner) != NULL;
}

/* ------------------------------------------------------- completion */

#define COMPLETION_ALL	UINT_MAX

void init_completion(struct completion *x)
{
	x->done = 0;
	x->wait.nr_waiters = 0;
}

void complete(struct completion *x)
{
	if (x->done != COMPLETION_ALL)
		x->done++;
	vcpu_decision_point(__func__);
}

void complete_all(struct completion *x)
{
	x->done = COMPLETION_ALL;
	vcpu_decision_point(__func__);
}

void wait_for_completion(struct completion *x)
{
	struct sim_wait w = { .kind = SIM_WAIT_COMPLETION, .func = __func__, .obj = x };
	bool ok;

	might_sleep();
	x->wait.nr_waiters++;
	ok = sim_wait(&w);
	x->wait.nr_waiters--;
	if (ok && x->done != COMPLETION_ALL)
		x->done--;
}

bool completion_done(struct completion *x)
{
	return READ_ONCE(x->done) > 0;
}
