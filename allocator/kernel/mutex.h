/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mutex.h - sleeping locks.  mutex_lock() is a might_sleep() point: taking
 * one with preemption disabled or inside an RCU reader is reported.  While
 * a context waits for a mutex it gives its vCPU token up.
 */
#ifndef SHEAF_KERNEL_MUTEX_H
#define SHEAF_KERNEL_MUTEX_H

#include "lockdep.h"
#include "env_types.h"

struct mutex {
	struct vcpu_lock_impl impl;
	struct lockdep_map dep_map;
};

#define __MUTEX_INITIALIZER(x) \
	{ .impl = VCPU_LOCK_IMPL_INIT, .dep_map = STATIC_LOCKDEP_MAP_INIT(#x, LD_WAIT_SLEEP) }
#define DEFINE_MUTEX(x)	struct mutex x = __MUTEX_INITIALIZER(x)

void __mutex_init(struct mutex *lock, const char *name, const struct lock_class_key *key);
#define mutex_init(m)							\
	do {								\
		static struct lock_class_key __key;			\
		__mutex_init((m), #m, &__key);				\
	} while (0)

void mutex_lock(struct mutex *lock);
int mutex_trylock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
bool mutex_is_locked(struct mutex *lock);

#endif /* SHEAF_KERNEL_MUTEX_H */
