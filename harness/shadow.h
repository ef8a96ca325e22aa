/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadow.h - the API-contract oracle (shadow.c): every object a program
 * holds, tracked outside the model, and the promises the model makes about
 * them.  ops.c calls it around each model call; it reports through
 * vcpu_report() (which aborts) and never touches the model's insides, only
 * slab.h and check.h.
 *
 * Several tasks may be inside ops at once (fuzz_sched): whatever is per
 * task (its readers, the op it runs) is passed as a task index, 0 ..
 * SHADOW_TASKS - 1.  Order between tasks is the shadow's own event
 * sequence: each op's start and end, in the order they happen.
 */
#ifndef SHEAF_HARNESS_SHADOW_H
#define SHEAF_HARNESS_SHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kernel/rcupdate.h"

struct kmem_cache;

#define SHADOW_TASKS	5	/* fuzz_sched's four tasks and the driver */

/* What a program's object is made of: a canary, then its rcu_head. */
struct h_object {
	unsigned long canary;
	struct rcu_head rcu;	/* kfree_rcu(obj, rcu) */
};
#define H_OBJECT_MIN_SIZE	48	/* the smallest size= a program can ask for */
#define H_CTOR_MIN_SIZE		64	/* create_ctor: room for the constructor's word */

enum shadow_free_how {
	SHADOW_FREE,		/* kmem_cache_free(), kfree(), the bulk frees */
	SHADOW_KFREE_RCU,	/* kfree_rcu(), either form */
	SHADOW_FREE_NOLOCK,	/* kfree_nolock(): a SHADOW_FREE that SLUB_RCU_DEBUG never defers */
};

/* Forgets everything: the start of each input.  Installs the model's rcu free hook. */
void shadow_reset(void);
/* Task @t starts op number @index (a global index, for reports), or ends it. */
void shadow_op_begin(unsigned int t, unsigned int index);
void shadow_op_end(unsigned int t);

/* Cache handle @c now names @s (create), or nothing (destroy). */
void shadow_cache_set(unsigned int c, struct kmem_cache *s, unsigned int size, bool typesafe,
		      bool ctor);
/* The constructor of create_ctor's caches: stamps the object past struct h_object. */
void shadow_ctor(void *obj);

/* Objects. */
/* Takes a handle for a new object (marked reserved until shadow_alloc()), or -1. */
int shadow_reserve_slot(unsigned int c);
void shadow_unreserve(unsigned int c, unsigned int slot);
unsigned int shadow_free_slots(unsigned int c);	/* how many handles could be reserved */
void shadow_alloc(unsigned int c, unsigned int slot, void *p, const char *func);
void *shadow_live(unsigned int c, unsigned int slot);	/* NULL unless live */
unsigned int shadow_live_count(unsigned int c);
/* Checks the canary of a live object about to be freed. */
void shadow_check_live(unsigned int c, unsigned int slot, const char *func);
/*
 * Task @t is about to free live object cN.oM.  For kfree_rcu() it returns
 * a record id to pass to shadow_kfree_rcu_returned() once the call
 * returned; otherwise -1.
 */
int shadow_freed(unsigned int t, unsigned int c, unsigned int slot, enum shadow_free_how how);
void shadow_kfree_rcu_returned(int rec);
/* Forgets the objects of @c (the cache was destroyed or leaked). */
void shadow_cache_gone(unsigned int c);

/*
 * vmalloc areas (vN): reserve the handle before vmalloc(), then record the
 * area, or unreserve it; freed like objects (kfree_rcu: a record id).
 */
bool shadow_vm_reserve(unsigned int v);
void shadow_vm_unreserve(unsigned int v);
void shadow_vm_alloc(unsigned int v, void *p, unsigned int size);
void *shadow_vm_live(unsigned int v);		/* NULL unless live */
int shadow_vm_freed(unsigned int t, unsigned int v, enum shadow_free_how how);

/* Readers: each task's rcu_read_lock() sections (nesting). */
void shadow_reader_lock(unsigned int t);
void shadow_reader_unlock(unsigned int t);
unsigned int shadow_reader_nesting(unsigned int t);

/* deref cN.oM by task @t: reads the object where the contract allows it. */
const char *shadow_deref(unsigned int t, unsigned int c, unsigned int slot);

/*
 * Barriers, and kmem_cache_destroy() (which contains one): call _begin
 * before the model call and _end after it.  @c < 0: every cache
 * (kvfree_rcu_barrier()).  @func names the call in the report.
 */
void shadow_barrier_begin(unsigned int t, int c);
void shadow_barrier_end(unsigned int t, int c, const char *func);

/*
 * For a report: every handle that names an object or area, with its
 * address and state ("c0.o3 = 0x6250...: kfree_rcu() at op 2, pending"),
 * so that a report about an address says which object it is.
 */
void shadow_print_handles(FILE *out);

/* After each op: the structure check of every cache no context is inside. */
void shadow_after_op(void);

#endif /* SHEAF_HARNESS_SHADOW_H */
