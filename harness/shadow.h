/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadow.h - the API-contract oracle (shadow.c): every object a program
 * holds, tracked outside the model, and the promises the model makes about
 * them.  ops.c calls it around each model call; it reports through
 * vcpu_report() (which aborts) and never touches the model's insides, only
 * slab.h and check.h.
 */
#ifndef SHEAF_HARNESS_SHADOW_H
#define SHEAF_HARNESS_SHADOW_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/rcupdate.h"

struct kmem_cache;

/* What a program's object is made of: a canary, then its rcu_head. */
struct h_object {
	unsigned long canary;
	struct rcu_head rcu;	/* kfree_rcu(obj, rcu) */
};
#define H_OBJECT_MIN_SIZE	48	/* the smallest size= a program can ask for */

enum shadow_free_how {
	SHADOW_FREE,		/* kmem_cache_free(), kfree(), the bulk frees */
	SHADOW_KFREE_RCU,	/* kfree_rcu(), either form */
};

/* Forgets everything: the start of each input. */
void shadow_reset(unsigned int op_index_base);
/* The index of the op being run, for the records and the reader rule. */
void shadow_set_op(unsigned int index);

/* Cache handle @c now names @s (create), or nothing (destroy). */
void shadow_cache_set(unsigned int c, struct kmem_cache *s, unsigned int size, bool typesafe);

/* Objects. */
int shadow_free_slot(unsigned int c);		/* a handle for a new object, or -1 */
unsigned int shadow_free_slots(unsigned int c);	/* how many such handles */
void shadow_alloc(unsigned int c, unsigned int slot, void *p, const char *func);
void *shadow_live(unsigned int c, unsigned int slot);	/* NULL unless live */
unsigned int shadow_live_count(unsigned int c);
/* Checks the canary of a live object about to be freed. */
void shadow_check_live(unsigned int c, unsigned int slot, const char *func);
void shadow_freed(unsigned int c, unsigned int slot, enum shadow_free_how how);
/* Forgets the objects of @c (the cache was destroyed or leaked). */
void shadow_cache_gone(unsigned int c);

/* Readers: the program's rcu_read_lock() sections (one task: nesting). */
void shadow_reader_lock(void);
void shadow_reader_unlock(void);
unsigned int shadow_reader_nesting(void);

/* deref cN.oM: reads the object where the contract allows it. */
const char *shadow_deref(unsigned int c, unsigned int slot);

/* Barriers: call _begin before the model call and _end after it. */
void shadow_barrier_begin(int c);	/* -1: kvfree_rcu_barrier() */
void shadow_barrier_end(int c);

/* After each op: the structure check of every cache the program has. */
void shadow_after_op(void);

#endif /* SHEAF_HARNESS_SHADOW_H */
