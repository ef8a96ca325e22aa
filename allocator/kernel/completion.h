/* SPDX-License-Identifier: GPL-2.0 */
/*
 * completion.h - one-shot or counted events a task can wait for.
 */
#ifndef SHEAF_KERNEL_COMPLETION_H
#define SHEAF_KERNEL_COMPLETION_H

#include "compiler.h"
#include "env_types.h"

struct completion {
	unsigned int done;
	struct vcpu_wait_impl wait;	/* the backend's waiting room */
};

void init_completion(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);
/* Sleeps (might_sleep()) until done > 0, then consumes one. */
void wait_for_completion(struct completion *x);
bool completion_done(struct completion *x);

#endif /* SHEAF_KERNEL_COMPLETION_H */
