/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lockdep.h - lockdep-lite: lock classes, the lock order graph, held-lock
 * assertions.
 *
 * A class is the static key of the site that initialised the lock (as in
 * the kernel: every spin_lock_init()/mutex_init() call site is one class,
 * so all per-CPU pcs locks share a class) or, for statically defined locks,
 * the lock itself.  lock_acquire() runs *before* the backend blocks on the
 * lock: it records the edges held-class -> new-class and reports at once
 * when a new edge closes a cycle (AB-BA or longer), printing the cycle,
 * so a deadlock is found on the second acquisition order without ever
 * happening.  It also reports acquiring an exclusive lock the task already
 * holds.  Shared acquisitions (cpus_read_lock) take part in the order graph
 * like exclusive ones, as percpu-rwsem readers do in the kernel; a shared
 * re-acquisition of a lock held shared is allowed.  lock_release() of a lock
 * the task does not hold is reported.
 *
 * Held locks live in current->held_locks.  Wait types catch H3 (a
 * spinlock_t taken under a raw_spinlock_t): LD_WAIT_SPIN < LD_WAIT_CONFIG <
 * LD_WAIT_SLEEP, and acquiring a lock whose wait type is greater than that
 * of a held lock is reported as "Invalid wait context".  As in the kernel's
 * check_wait_context(), a trylock is not checked (it cannot wait), and a
 * held wait-override map (DEFINE_WAIT_OVERRIDE_MAP) sets the context to its
 * own wait type, whatever the locks under it: the fix of H3, f8b4cd2dad09,
 * takes one around __kfree_rcu_sheaf().
 */
#ifndef SHEAF_KERNEL_LOCKDEP_H
#define SHEAF_KERNEL_LOCKDEP_H

#include "bug.h"
#include "sched.h"

struct lock_class_key {
	char unused;
};

enum lockdep_wait_type {
	LD_WAIT_INV = 0,	/* not checked */
	LD_WAIT_SPIN,		/* raw_spinlock_t, preempt_disable() */
	LD_WAIT_CONFIG,		/* spinlock_t, local_lock_t (sleeping on RT) */
	LD_WAIT_SLEEP,		/* mutex, rwsem, cpus_read_lock */
};

enum lockdep_lock_type {
	LD_LOCK_NORMAL = 0,
	LD_LOCK_WAIT_OVERRIDE,	/* a map that only changes the wait context */
};

struct lockdep_map {
	const char *name;
	const struct lock_class_key *key;	/* NULL: the map is its own key */
	unsigned int class_gen;			/* cache of the class lookup */
	unsigned short class_idx;
	unsigned char wait_type;
	unsigned char lock_type;		/* enum lockdep_lock_type */
};

#define STATIC_LOCKDEP_MAP_INIT(_name, _wait) \
	{ .name = (_name), .key = NULL, .wait_type = (_wait) }

/*
 * A map that is never a lock: held, it tells lockdep that the code under
 * it runs in a @_wait context (LD_WAIT_CONFIG: a spinlock_t is fine here
 * although the caller may hold a raw_spinlock_t).  Take it with
 * lock_map_acquire_try(), or its own acquisition is checked.
 */
#define DEFINE_WAIT_OVERRIDE_MAP(_name, _wait)				\
	struct lockdep_map _name = {					\
		.name = #_name, .key = NULL, .wait_type = (_wait),	\
		.lock_type = LD_LOCK_WAIT_OVERRIDE,			\
	}

void lockdep_init_map_type(struct lockdep_map *map, const char *name,
			   const struct lock_class_key *key,
			   enum lockdep_wait_type wait_type);

void lock_acquire(struct lockdep_map *map, int trylock, int read, unsigned long ip);
void lock_release(struct lockdep_map *map, unsigned long ip);
#define lock_map_acquire_try(map)	lock_acquire((map), 1, 0, _THIS_IP_)
#define lock_map_release(map)		lock_release((map), _THIS_IP_)
/* read: -1 any mode, 0 exclusive, 1 shared. */
bool lock_is_held_type(const struct lockdep_map *map, int read);
#define lock_is_held(map)	lock_is_held_type((map), -1)

/* Forget every class and edge (vcpu_env_init()/vcpu_env_exit()). */
void lockdep_reset(void);
/* Print the current task's held locks (reports call it). */
void lockdep_print_held_locks(FILE *out, const struct task_struct *task);
/* The number of lock classes seen and order edges recorded. */
void lockdep_stats(unsigned int *classes, unsigned int *edges);

void lockdep_assert_failed(const char *what, const char *name, const char *func);

#define lockdep_assert_held(l)						\
	do {								\
		if (!lock_is_held(&(l)->dep_map))			\
			lockdep_assert_failed("lockdep_assert_held",	\
					      (l)->dep_map.name, __func__); \
	} while (0)
#define lockdep_assert_not_held(l)					\
	do {								\
		if (lock_is_held(&(l)->dep_map))			\
			lockdep_assert_failed("lockdep_assert_not_held", \
					      (l)->dep_map.name, __func__); \
	} while (0)
#define lockdep_assert_held_write(l)					\
	do {								\
		if (!lock_is_held_type(&(l)->dep_map, 0))		\
			lockdep_assert_failed("lockdep_assert_held_write", \
					      (l)->dep_map.name, __func__); \
	} while (0)
#define lockdep_assert_held_read(l)					\
	do {								\
		if (!lock_is_held_type(&(l)->dep_map, 1))		\
			lockdep_assert_failed("lockdep_assert_held_read", \
					      (l)->dep_map.name, __func__); \
	} while (0)

#endif /* SHEAF_KERNEL_LOCKDEP_H */
