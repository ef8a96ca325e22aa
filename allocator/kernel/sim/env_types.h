/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env_types.h (sim) - the storage the sim backend needs inside the
 * environment's lock and completion types.
 *
 * sim runs one context at a time, so a lock is just its owner: a context
 * that finds it taken blocks (sched.c) until the owner field is NULL again.
 */
#ifndef SHEAF_SIM_ENV_TYPES_H
#define SHEAF_SIM_ENV_TYPES_H

struct task_struct;

struct vcpu_lock_impl {
	struct task_struct *owner;	/* NULL when free */
};

#define VCPU_LOCK_IMPL_INIT	{ .owner = NULL }

struct vcpu_wait_impl {
	unsigned int nr_waiters;	/* contexts blocked in wait_for_completion() */
};

#endif /* SHEAF_SIM_ENV_TYPES_H */
