/* SPDX-License-Identifier: GPL-2.0 */
/*
 * local_lock.h - the per-CPU lock (local_lock_t, local_trylock_t).
 *
 * As on !PREEMPT_RT, taking it disables preemption on the current vCPU:
 * from that moment nothing else runs on this vCPU (no other task, no work
 * item queued here) until local_unlock().  The argument is a per-CPU
 * pointer (&s->cpu_sheaves->lock); the lock taken is this vCPU's copy,
 * chosen *after* preemption is disabled, so a context cannot migrate
 * between choosing the copy and holding it.
 *
 * local_trylock() fails when this vCPU's copy is already held: in the
 * kernel that is an interrupt or NMI that arrived while a holder on the
 * same CPU was inside, so the model reports no error for it.  In sim the
 * decider may also make it fail (SIM_TRYLOCK_FAIL) to reach the fallbacks.
 */
#ifndef SHEAF_KERNEL_LOCAL_LOCK_H
#define SHEAF_KERNEL_LOCAL_LOCK_H

#include "lockdep.h"
#include "percpu.h"

typedef struct {
	struct lockdep_map dep_map;
	struct task_struct *owner;	/* NULL when free */
} local_lock_t;

typedef local_lock_t local_trylock_t;

void __local_lock_init(local_lock_t *l, const char *name, const struct lock_class_key *key);
/* Initialise one copy (pass per_cpu_ptr(&pcs->lock, cpu)). */
#define local_lock_init(l)						\
	do {								\
		static struct lock_class_key __key;			\
		__local_lock_init((l), #l, &__key);			\
	} while (0)
#define local_trylock_init(l)	local_lock_init(l)

void vcpu_local_lock(local_lock_t __percpu *l);
bool vcpu_local_trylock(local_lock_t __percpu *l);
void vcpu_local_unlock(local_lock_t __percpu *l);

#define local_lock(l)		vcpu_local_lock(l)
#define local_trylock(l)	vcpu_local_trylock(l)
#define local_unlock(l)		vcpu_local_unlock(l)
#define local_lock_irqsave(l, flags)	do { (flags) = 0; vcpu_local_lock(l); } while (0)
#define local_trylock_irqsave(l, flags)	({ (flags) = 0; vcpu_local_trylock(l); })
#define local_unlock_irqrestore(l, flags) do { (void)(flags); vcpu_local_unlock(l); } while (0)

#endif /* SHEAF_KERNEL_LOCAL_LOCK_H */
