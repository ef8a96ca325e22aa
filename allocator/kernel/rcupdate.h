/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcupdate.h - RCU: readers, grace periods, callbacks, barriers, polling.
 *
 * Guarantees both backends keep (the unit tests check them):
 *  - a callback queued by call_rcu() is invoked only after every reader
 *    that was inside rcu_read_lock() at the time of the call has left;
 *  - rcu_barrier() returns after every callback queued before it, from any
 *    context and vCPU, has been invoked, and does not wait for callbacks
 *    queued after it started;
 *  - synchronize_rcu() returns after a full grace period;
 *  - poll_state_synchronize_rcu(get_state_synchronize_rcu()) becomes true
 *    only after a full grace period that began after the get_state call.
 * call_rcu() on an rcu_head that is already queued is reported (the
 * kernel's debug_rcu_head_queue()).  Sleeping inside a reader is reported
 * by might_sleep().  sim: readers nest per task and block grace periods;
 * threads: liburcu (urcu-memb) does the work.
 *
 * Model: callbacks run in a context of their own ("rcu") on the vCPU that
 * queued them, holding that vCPU's token, like RCU_NOCB callbacks in a
 * kthread: they are never invoked in the middle of a preempt-disabled
 * section of that vCPU.
 */
#ifndef SHEAF_KERNEL_RCUPDATE_H
#define SHEAF_KERNEL_RCUPDATE_H

#include "compiler.h"

struct rcu_head;
typedef void (*rcu_callback_t)(struct rcu_head *head);

struct rcu_head {
	struct rcu_head *next;
	rcu_callback_t func;
	unsigned long state;	/* backend: queued marker, grace-period cookie, vCPU */
	void *impl[2];		/* backend: liburcu's own head lives here (threads) */
};
#define callback_head rcu_head

void rcu_read_lock(void);
void rcu_read_unlock(void);
bool rcu_read_lock_held(void);

void call_rcu(struct rcu_head *head, rcu_callback_t func);
void synchronize_rcu(void);
void rcu_barrier(void);

unsigned long get_state_synchronize_rcu(void);
bool poll_state_synchronize_rcu(unsigned long oldstate);

struct rcu_gp_oldstate {
	unsigned long rgos_norm;
};
static inline void get_state_synchronize_rcu_full(struct rcu_gp_oldstate *rgosp)
{
	rgosp->rgos_norm = get_state_synchronize_rcu();
}
static inline bool poll_state_synchronize_rcu_full(struct rcu_gp_oldstate *rgosp)
{
	return poll_state_synchronize_rcu(rgosp->rgos_norm);
}

/* Callbacks queued and not yet invoked, over all vCPUs. */
unsigned long vcpu_rcu_pending_callbacks(void);

#define rcu_dereference(p)		__atomic_load_n(&(p), __ATOMIC_CONSUME)
#define rcu_dereference_raw(p)		rcu_dereference(p)
#define rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)

#endif /* SHEAF_KERNEL_RCUPDATE_H */
