/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuhotplug.h - the hotplug lock and CPU hotplug.
 *
 * cpu_hotplug_lock is a percpu rw-semaphore: cpus_read_lock() is its shared
 * side, cpu_down()/cpu_up() take it for write.  A writer waiting blocks new
 * readers (as percpu_down_read() does), so a reader that re-takes it under
 * a lock the writer needs deadlocks, and lockdep-lite says so first.
 *
 * cpu_down(X), called from a task:
 *   1. takes the hotplug lock for write;
 *   2. stops X: X leaves the online mask, tasks on X move to another online
 *      vCPU, and X's per-CPU worker pools are unbound: work queued on X,
 *      and work queued there later, runs on other online vCPUs (as the
 *      kernel's workqueue does for a CPU going down);
 *   3. runs the teardown callbacks of every registered state, in the
 *      reverse order of registration, with the lock held for write;
 *   4. releases the lock.
 * cpu_up(X) takes the lock, runs the startup callbacks, rebinds X's pools,
 * puts X into the online mask, releases.  Return: 0; -EINVAL for a vCPU out
 * of range or already in the requested state; -EBUSY for the last online
 * vCPU.  They must not be called with the hotplug lock held.
 */
#ifndef SHEAF_KERNEL_CPUHOTPLUG_H
#define SHEAF_KERNEL_CPUHOTPLUG_H

#include "lockdep.h"

void cpus_read_lock(void);
void cpus_read_unlock(void);
/* Reports when the current task does not hold the hotplug lock (either mode). */
void __lockdep_assert_cpus_held(const char *func);
#define lockdep_assert_cpus_held()	__lockdep_assert_cpus_held(__func__)

enum cpuhp_state {
	CPUHP_SLUB_DEAD,	/* slub_cpu_dead() */
	CPUHP_AP_ONLINE_DYN,
	CPUHP_MODEL_TEST,	/* for the environment's own tests */
	CPUHP_NR_STATES
};

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu));
void cpuhp_remove_state_nocalls(enum cpuhp_state state);

int cpu_down(unsigned int cpu);
int cpu_up(unsigned int cpu);

/* Model-only: whether the current task holds the hotplug lock for write. */
bool vcpu_cpus_write_held(void);

#endif /* SHEAF_KERNEL_CPUHOTPLUG_H */
