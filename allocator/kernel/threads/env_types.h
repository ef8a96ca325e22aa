/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env_types.h (threads) - the storage the lock and completion headers embed.
 *
 * A spinlock_t, raw_spinlock_t or struct mutex is a pthread mutex plus the
 * context that holds it; a completion waits on a mutex and a condition
 * variable.  All-zero memory is a valid unlocked state for both (glibc's
 * PTHREAD_MUTEX_INITIALIZER and PTHREAD_COND_INITIALIZER are zeroes), so a
 * lock inside a zeroed allocation works even before its init call.
 */
#ifndef SHEAF_THREADS_ENV_TYPES_H
#define SHEAF_THREADS_ENV_TYPES_H

#include <pthread.h>

struct task_struct;

struct vcpu_lock_impl {
	pthread_mutex_t mu;
	struct task_struct *owner;	/* atomic; NULL when free, else the holder */
};

#define VCPU_LOCK_IMPL_INIT	{ .mu = PTHREAD_MUTEX_INITIALIZER, .owner = NULL }

struct vcpu_wait_impl {
	pthread_mutex_t mu;	/* guards completion.done */
	pthread_cond_t cond;	/* waiters for done > 0 */
};

#endif /* SHEAF_THREADS_ENV_TYPES_H */
