/* SPDX-License-Identifier: GPL-2.0 */
/*
 * urcu_glue.h - liburcu (urcu-memb) behind names that do not collide with
 * the kernel names the model uses (call_rcu, rcu_read_lock, rcu_barrier and
 * struct rcu_head exist in both).  urcu_glue.c is the only file that
 * includes liburcu's headers; everything here is plain C types.
 *
 * A callback's liburcu head lives in rcu_head.impl (the model's head),
 * THR_URCU_HEAD_SIZE bytes; liburcu hands that address back to
 * thr_rcu_invoke() (rcu.c) on its call_rcu thread.
 */
#ifndef SHEAF_THREADS_URCU_GLUE_H
#define SHEAF_THREADS_URCU_GLUE_H

#define THR_URCU_HEAD_SIZE	(2 * sizeof(void *))

void thr_urcu_init(void);
void thr_urcu_register(void);
void thr_urcu_unregister(void);
void thr_urcu_read_lock(void);
void thr_urcu_read_unlock(void);
void thr_urcu_synchronize(void);
/* Queues @urcu_head (THR_URCU_HEAD_SIZE bytes); thr_rcu_invoke() gets it back. */
void thr_urcu_call(void *urcu_head);

/* rcu.c: runs every callback, on liburcu's call_rcu thread. */
void thr_rcu_invoke(void *urcu_head);

#endif /* SHEAF_THREADS_URCU_GLUE_H */
