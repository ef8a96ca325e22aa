/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irq_work.h - <linux/irq_work.h>: a callback queued from any context (an
 * interrupt, an NMI, a section with a raw lock held) to run soon on the
 * same CPU in hard interrupt context.
 *
 * Model: there are no interrupts, so an irq_work is carried by a work item
 * of system_wq bound to the vCPU that queued it.  It runs when that vCPU's
 * work runs: vcpu_run_work() (the `run_work` op), a context that blocks on
 * it, vcpu_quiesce(); in the sim every such choice is the decider's, so the
 * input decides how long a queued irq_work waits, as it decides for any
 * work item.  The callback runs with interrupts "disabled"
 * (local_irq_disable(), sched.h), as in the kernel.  The kernel runs it at
 * the next interrupt-enable or tick on that CPU, which the model does not
 * force: here it may run later than that (after more of the queueing
 * context's code), so the model allows a superset of the kernel's
 * orderings, and a finding that needs the irq_work to wait long must be
 * checked against that.  After cpu_down() it runs where the dead vCPU's
 * pool runs its work (workqueue.h), not on the dying CPU as in the kernel.
 *
 * The flags follow the kernel's: PENDING from irq_work_queue() until the
 * callback starts (a second queueing meanwhile returns false), BUSY until
 * it has returned; irq_work_sync() waits while BUSY.
 */
#ifndef SHEAF_KERNEL_IRQ_WORK_H
#define SHEAF_KERNEL_IRQ_WORK_H

#include "workqueue.h"

#define IRQ_WORK_PENDING	0x1u
#define IRQ_WORK_BUSY		0x2u

struct irq_work;
typedef void (*irq_work_func_t)(struct irq_work *work);

struct irq_work {
	unsigned int flags;		/* IRQ_WORK_*, atomic */
	irq_work_func_t func;
	struct work_struct model_work;	/* Model: what carries it (above) */
};

void init_irq_work(struct irq_work *work, irq_work_func_t func);
/* Queues @work on this vCPU; false if it was pending already. */
bool irq_work_queue(struct irq_work *work);
/* Waits until @work is neither pending nor running; may sleep. */
void irq_work_sync(struct irq_work *work);

static inline bool irq_work_is_pending(struct irq_work *work)
{
	return __atomic_load_n(&work->flags, __ATOMIC_ACQUIRE) & IRQ_WORK_PENDING;
}

static inline bool irq_work_is_busy(struct irq_work *work)
{
	return __atomic_load_n(&work->flags, __ATOMIC_ACQUIRE) & IRQ_WORK_BUSY;
}

#endif /* SHEAF_KERNEL_IRQ_WORK_H */
