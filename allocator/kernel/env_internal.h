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

/* Whether the environment is between vcpu_env_init() and vcpu_env_exit(). */
extern bool vcpu_env_running;

#endif /* SHEAF_KERNEL_ENV_INTERNAL_H */
