/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spinlock.h - spinlock_t and raw_spinlock_t.
 *
 * Taking either disables preemption (the context keeps its vCPU token until
 * the unlock), then calls lock_acquire() (which may report an order cycle
 * before anything blocks), then takes the backend lock: sim waits as a
 * blocked context would spin, threads uses a pthread mutex.  Interrupts do
 * not exist in the model, so the _irqsave/_irq forms of the locks are the
 * plain forms.  local_irq_save() disables preemption and counts in the
 * task's model_irqs_off, so that irqs_disabled() answers as the kernel's
 * would in the code that disables interrupts explicitly.
 * Unlocking a lock the context does not hold is reported.
 */
#ifndef SHEAF_KERNEL_SPINLOCK_H
#define SHEAF_KERNEL_SPINLOCK_H

#include "lockdep.h"
#include "env_types.h"	/* the backend's struct vcpu_lock_impl */

typedef struct spinlock {
	struct vcpu_lock_impl impl;
	struct lockdep_map dep_map;
} spinlock_t;

typedef struct raw_spinlock {
	struct vcpu_lock_impl impl;
	struct lockdep_map dep_map;
} raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(x) \
	{ .impl = VCPU_LOCK_IMPL_INIT, .dep_map = STATIC_LOCKDEP_MAP_INIT(#x, LD_WAIT_CONFIG) }
#define __RAW_SPIN_LOCK_UNLOCKED(x) \
	{ .impl = VCPU_LOCK_IMPL_INIT, .dep_map = STATIC_LOCKDEP_MAP_INIT(#x, LD_WAIT_SPIN) }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x)	raw_spinlock_t x = __RAW_SPIN_LOCK_UNLOCKED(x)

void __spin_lock_init(spinlock_t *lock, const char *name, const struct lock_class_key *key);
void __raw_spin_lock_init(raw_spinlock_t *lock, const char *name, const struct lock_class_key *key);
#define spin_lock_init(l)						\
	do {								\
		static struct lock_class_key __key;			\
		__spin_lock_init((l), #l, &__key);			\
	} while (0)
#define raw_spin_lock_init(l)						\
	do {								\
		static struct lock_class_key __key;			\
		__raw_spin_lock_init((l), #l, &__key);			\
	} while (0)

void spin_lock(spinlock_t *lock);
int spin_trylock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
bool spin_is_locked(spinlock_t *lock);
void raw_spin_lock(raw_spinlock_t *lock);
int raw_spin_trylock(raw_spinlock_t *lock);
void raw_spin_unlock(raw_spinlock_t *lock);

#define spin_lock_irqsave(l, flags)	do { (flags) = 0; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) do { (void)(flags); spin_unlock(l); } while (0)
#define spin_trylock_irqsave(l, flags) ({ (flags) = 0; spin_trylock(l); })
#define spin_lock_irq(l)		spin_lock(l)
#define spin_unlock_irq(l)		spin_unlock(l)
#define raw_spin_lock_irqsave(l, flags)	do { (flags) = 0; raw_spin_lock(l); } while (0)
#define raw_spin_unlock_irqrestore(l, flags) do { (void)(flags); raw_spin_unlock(l); } while (0)
#define local_irq_save(flags)		do { (flags) = 0; vcpu_local_irq_disable(); } while (0)
#define local_irq_restore(flags)	do { (void)(flags); vcpu_local_irq_enable(); } while (0)
#define local_irq_disable()		vcpu_local_irq_disable()
#define local_irq_enable()		vcpu_local_irq_enable()

#endif /* SHEAF_KERNEL_SPINLOCK_H */
