/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env_internal.h - the seam between the backend-independent parts of the
 * environment (report.c, lockdep.c, percpu.c, config.c, fault.c, preempt.c)
 * and the two backends (sim/, threads/).  Nothing outside allocator/kernel/
 * includes it.
 *
 *   common -> backend:  get_current(), vcpu_decision_point(),
 *                       vcpu_backend_choose()
 *   backend -> common:  vcpu_common_init(), vcpu_common_exit()
 */
#ifndef SHEAF_KERNEL_ENV_INTERNAL_H
#define SHEAF_KERNEL_ENV_INTERNAL_H

#include "kernel.h"
#include "sim.h"

/*
 * Validates @cfg (printing why and returning -EINVAL when it is impossible),
 * then resets everything the common files own: the cpu/node masks, the
 * per-CPU arena, lockdep's classes and edges, the report counter, armed
 * faults.  Backends call it first thing in vcpu_env_init().
 */
int vcpu_common_init(const struct vcpu_config *cfg);
/* Reports per-CPU allocations still live, then resets as above. */
void vcpu_common_exit(void);

/*
 * A choice (sim.h).  sim asks the decider and records the answer in the
 * trace; threads returns 0 for everything.
 */
unsigned int vcpu_backend_choose(enum sim_choice what, unsigned int nr);

/*
 * Whether the environment is between vcpu_env_init() and vcpu_env_exit().
 * vcpu_common_init() sets it on success, vcpu_common_exit() clears it as
 * its last step.  While it is set, the common files call get_current(),
 * which must then return the calling context's task, or NULL on a thread
 * that has none (yet, or any more).
 */
extern bool vcpu_env_running;

/*
 * common -> common: the resets vcpu_common_init()/vcpu_common_exit() run in
 * the files that own the state.
 *   vcpu_reports_reset()  count and last report forgotten, panic setting
 *   vcpu_percpu_reset()   every per-CPU allocation released; with
 *                         @report_leaks, the live ones are reported first
 *   vcpu_faults_reset()   armed failures disarmed
 */
void vcpu_reports_reset(bool panic_on_report);
void vcpu_percpu_reset(bool report_leaks);
void vcpu_faults_reset(void);

/*
 * A test-and-set spinlock for the global state of the common files
 * (lockdep's graph, the per-CPU arena, the report stream).  Not a pthread
 * mutex: sim builds link no thread library.  Held only for short sections
 * that neither block nor reach a decision point.
 */
struct vcpu_spin {
	unsigned char locked;
};

static inline void vcpu_spin_lock(struct vcpu_spin *l)
{
	while (__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#else
			barrier();
#endif
		}
	}
}

static inline void vcpu_spin_unlock(struct vcpu_spin *l)
{
	__atomic_clear(&l->locked, __ATOMIC_RELEASE);
}

#endif /* SHEAF_KERNEL_ENV_INTERNAL_H */
