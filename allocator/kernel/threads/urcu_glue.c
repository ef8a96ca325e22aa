// SPDX-License-Identifier: GPL-2.0
/*
 * urcu_glue.c - the threads backend's only contact with liburcu.
 *
 * Flavor: urcu-memb (membarrier-based readers, registration required).
 * Every context thread registers; liburcu's call_rcu thread registers
 * itself.  We use liburcu's default call_rcu_data only (one call_rcu
 * thread, one FIFO queue): rcu.c's rcu_barrier() relies on that order.
 */
#include <urcu/urcu-memb.h>

#include "urcu_glue.h"

_Static_assert(sizeof(struct rcu_head) <= THR_URCU_HEAD_SIZE,
	       "liburcu's rcu_head must fit in the model's rcu_head.impl");
_Static_assert(_Alignof(struct rcu_head) <= _Alignof(void *),
	       "rcu_head.impl is only pointer-aligned");

void thr_urcu_init(void)
{
	urcu_memb_init();
}

void thr_urcu_register(void)
{
	urcu_memb_register_thread();
}

void thr_urcu_unregister(void)
{
	urcu_memb_unregister_thread();
}

void thr_urcu_read_lock(void)
{
	urcu_memb_read_lock();
}

void thr_urcu_read_unlock(void)
{
	urcu_memb_read_unlock();
}

void thr_urcu_synchronize(void)
{
	urcu_memb_synchronize_rcu();
}

static void glue_callback(struct rcu_head *head)
{
	thr_rcu_invoke(head);
}

void thr_urcu_call(void *urcu_head)
{
	urcu_memb_call_rcu((struct rcu_head *)urcu_head, glue_callback);
}
