// SPDX-License-Identifier: GPL-2.0
/*
 * irq_work.c - irq_work on top of the per-CPU system_wq (irq_work.h says
 * why); shared by both backends.
 */
#include "env_internal.h"
#include "irq_work.h"
#include "spinlock.h"

static void model_irq_work_run(struct work_struct *w)
{
	struct irq_work *work = container_of(w, struct irq_work, model_work);
	unsigned int flags;

	/* Clear PENDING first, so that the callback may queue the work again. */
	flags = __atomic_and_fetch(&work->flags, ~IRQ_WORK_PENDING, __ATOMIC_ACQ_REL);

	local_irq_disable();
	work->func(work);
	local_irq_enable();

	/* BUSY stays if someone queued it again meanwhile. */
	__atomic_compare_exchange_n(&work->flags, &flags, flags & ~IRQ_WORK_BUSY, false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

void init_irq_work(struct irq_work *work, irq_work_func_t func)
{
	__atomic_store_n(&work->flags, 0, __ATOMIC_RELAXED);
	work->func = func;
	INIT_WORK(&work->model_work, model_irq_work_run);
}

bool irq_work_queue(struct irq_work *work)
{
	unsigned int old = __atomic_fetch_or(&work->flags, IRQ_WORK_PENDING | IRQ_WORK_BUSY,
					     __ATOMIC_ACQ_REL);

	if (old & IRQ_WORK_PENDING)
		return false;
	preempt_disable();
	queue_work_on((int)smp_processor_id(), system_wq, &work->model_work);
	preempt_enable();
	return true;
}

void irq_work_sync(struct irq_work *work)
{
	/*
	 * Model: the kernel spins (or, on PREEMPT_RT, sleeps) until BUSY is
	 * clear; flush_work() of the carrying item is that wait here.  An
	 * irq_work that is not busy costs nothing: no lock, no decision point.
	 */
	while (irq_work_is_busy(work))
		flush_work(&work->model_work);
}
