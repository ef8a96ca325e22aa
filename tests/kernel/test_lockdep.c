// SPDX-License-Identifier: GPL-2.0
/*
 * test_lockdep.c - lockdep-lite reports each misuse once, at the moment it
 * happens, without anything having to block: lock order cycles (two and
 * three locks), recursion, unbalanced unlock, failed held-lock assertions,
 * invalid wait contexts and the wait-override map; and the per-CPU lock and might_sleep() built on it.
 *
 * Every case runs in a fresh environment with panic_on_report off and
 * reads vcpu_nr_reports()/vcpu_last_report().  Most cases drive lockdep
 * maps directly (struct tlock); the *_wiring cases go through the
 * backend's spinlock_t, raw_spinlock_t and mutex.
 */
#include "kernel.h"
#include "ktest.h"

/* A lock that is nothing but its lockdep map. */
struct tlock {
	struct lockdep_map dep_map;
};

static struct lock_class_key key_a, key_b, key_c;

static void tlock_init(struct tlock *l, const char *name,
		       const struct lock_class_key *key, enum lockdep_wait_type wait)
{
	lockdep_init_map_type(&l->dep_map, name, key, wait);
}

static __attribute__((noinline)) void tlock(struct tlock *l)
{
	lock_acquire(&l->dep_map, 0, 0, _RET_IP_);
}

static __attribute__((noinline)) void tlock_shared(struct tlock *l)
{
	lock_acquire(&l->dep_map, 0, 1, _RET_IP_);
}

static __attribute__((noinline)) void tlock_try(struct tlock *l)
{
	lock_acquire(&l->dep_map, 1, 0, _RET_IP_);
}

static __attribute__((noinline)) void tunlock(struct tlock *l)
{
	lock_release(&l->dep_map, _RET_IP_);
}

static bool env_start(struct ktest *t)
{
	struct vcpu_config cfg;
	int ret;

	vcpu_config_default(&cfg);
	ret = vcpu_env_init(&cfg);
	KEXPECT_EQ(t, ret, 0);
	vcpu_set_panic_on_report(false);
	return ret == 0;
}

static void env_stop(void)
{
	vcpu_env_exit();
	vcpu_set_panic_on_report(true);
}

/* Three locks of three classes, spinlock_t-like. */
static struct tlock la, lb, lc;

static void init_abc(void)
{
	tlock_init(&la, "lock_a", &key_a, LD_WAIT_CONFIG);
	tlock_init(&lb, "lock_b", &key_b, LD_WAIT_CONFIG);
	tlock_init(&lc, "lock_c", &key_c, LD_WAIT_CONFIG);
}

static void test_abba_reported_on_second_order(struct ktest *t)
{
	unsigned int classes, edges;

	if (!env_start(t))
		return;
	init_abc();
	tlock(&la);
	tlock(&lb);
	tunlock(&lb);
	tunlock(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	/* One task, never contended: the reverse order alone is the finding. */
	tlock(&lb);
	tlock(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "circular");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "lock_b -> lock_a -> lock_b");
	tunlock(&la);
	tunlock(&lb);

	/* The same orders again: already known, not reported twice. */
	tlock(&lb);
	tlock(&la);
	tunlock(&la);
	tunlock(&lb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	lockdep_stats(&classes, &edges);
	KEXPECT_EQ(t, classes, 2);
	KEXPECT_EQ(t, edges, 2);
	KEXPECT_EQ(t, current->lockdep_depth, 0);
	env_stop();
}

static void test_three_lock_cycle(struct ktest *t)
{
	if (!env_start(t))
		return;
	init_abc();
	tlock(&la);
	tlock(&lb);
	tunlock(&lb);
	tunlock(&la);
	tlock(&lb);
	tlock(&lc);
	tunlock(&lc);
	tunlock(&lb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	/* c -> a closes a -> b -> c -> a. */
	tlock(&lc);
	tlock(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "possible circular locking dependency");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "lock_c -> lock_a -> lock_b -> lock_c");
	tunlock(&la);
	tunlock(&lc);
	env_stop();
}

static void test_consistent_order_is_silent(struct ktest *t)
{
	unsigned int edges_before, edges_after;
	int i;

	if (!env_start(t))
		return;
	init_abc();
	for (i = 0; i < 3; i++) {
		tlock(&la);
		tlock(&lb);
		tlock(&lc);
		tunlock(&lc);
		tunlock(&lb);
		tunlock(&la);
	}
	/* Releasing out of order is allowed. */
	tlock(&la);
	tlock(&lb);
	tunlock(&la);
	tunlock(&lb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	/* A trylock in the reverse order cannot wait, so adds no edge. */
	lockdep_stats(NULL, &edges_before);
	tlock(&lc);
	tlock_try(&la);
	tunlock(&la);
	tunlock(&lc);
	lockdep_stats(NULL, &edges_after);
	KEXPECT_EQ(t, edges_after, edges_before);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_recursive_locking(struct ktest *t)
{
	if (!env_start(t))
		return;
	init_abc();
	tlock(&la);
	tlock(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "possible recursive locking detected");
	tunlock(&la);
	tunlock(&la);

	/* Shared under shared is allowed (cpus_read_lock() nests). */
	tlock_shared(&lb);
	tlock_shared(&lb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	/* Exclusive under shared is not. */
	tlock(&lb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "recursive");
	tunlock(&lb);
	tunlock(&lb);
	tunlock(&lb);
	KEXPECT_EQ(t, current->lockdep_depth, 0);
	env_stop();
}

static void test_bad_unlock_balance(struct ktest *t)
{
	if (!env_start(t))
		return;
	init_abc();
	tunlock(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "bad unlock balance detected");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "lock_a");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "vCPU 0");

	tlock(&la);
	tunlock(&la);
	tunlock(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	env_stop();
}

static void assert_a_held(void)
{
	lockdep_assert_held(&la);
}

static void test_assert_held(struct ktest *t)
{
	if (!env_start(t))
		return;
	init_abc();
	assert_a_held();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "lockdep_assert_held(lock_a) failed");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "assert_a_held()");

	tlock(&la);
	assert_a_held();
	lockdep_assert_held_write(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	lockdep_assert_not_held(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "lockdep_assert_not_held(lock_a) failed");
	lockdep_assert_held_read(&la);
	KEXPECT_EQ(t, vcpu_nr_reports(), 3);
	tunlock(&la);
	lockdep_assert_not_held(&la);

	tlock_shared(&lb);
	lockdep_assert_held_read(&lb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 3);
	lockdep_assert_held_write(&lb);
	KEXPECT_EQ(t, vcpu_nr_reports(), 4);
	tunlock(&lb);
	env_stop();
}

static void test_invalid_wait_context(struct ktest *t)
{
	static struct lock_class_key key_raw, key_spin, key_sleep;
	struct tlock raw, spin, sleep;

	if (!env_start(t))
		return;
	tlock_init(&raw, "raw", &key_raw, LD_WAIT_SPIN);
	tlock_init(&spin, "spin", &key_spin, LD_WAIT_CONFIG);
	tlock_init(&sleep, "sleep", &key_sleep, LD_WAIT_SLEEP);

	/* H3's shape: a spinlock_t under a raw_spinlock_t. */
	tlock(&raw);
	tlock(&spin);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "Invalid wait context");
	tunlock(&spin);
	/* A trylock cannot wait: check_wait_context() lets it pass. */
	tlock_try(&spin);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	tunlock(&spin);
	tunlock(&raw);

	/* A sleeping lock under a spinning one. */
	tlock(&spin);
	tlock(&sleep);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "Invalid wait context");
	tunlock(&sleep);
	tunlock(&spin);
	env_stop();
}

static DEFINE_WAIT_OVERRIDE_MAP(override_config, LD_WAIT_CONFIG);

/*
 * f8b4cd2dad09's shape: under a raw lock, a wait-override map of
 * LD_WAIT_CONFIG, taken as a trylock, lets a spinlock_t through; a
 * sleeping lock is still too much, and without the map the same spinlock_t
 * is reported.
 */
static void test_wait_override(struct ktest *t)
{
	static struct lock_class_key key_raw, key_spin, key_sleep;
	struct tlock raw, spin, sleep;

	if (!env_start(t))
		return;
	tlock_init(&raw, "raw", &key_raw, LD_WAIT_SPIN);
	tlock_init(&spin, "spin", &key_spin, LD_WAIT_CONFIG);
	tlock_init(&sleep, "sleep", &key_sleep, LD_WAIT_SLEEP);

	tlock(&raw);
	lock_map_acquire_try(&override_config);
	tlock(&spin);
	tunlock(&spin);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	tlock(&sleep);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "Invalid wait context");
	tunlock(&sleep);
	lock_map_release(&override_config);
	tlock(&spin);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "Invalid wait context");
	tunlock(&spin);
	tunlock(&raw);
	env_stop();
}

static void test_valid_wait_context(struct ktest *t)
{
	static struct lock_class_key key_raw, key_spin, key_sleep, key_inv;
	struct tlock raw, spin, sleep, inv;

	if (!env_start(t))
		return;
	tlock_init(&raw, "raw", &key_raw, LD_WAIT_SPIN);
	tlock_init(&spin, "spin", &key_spin, LD_WAIT_CONFIG);
	tlock_init(&sleep, "sleep", &key_sleep, LD_WAIT_SLEEP);
	tlock_init(&inv, "inv", &key_inv, LD_WAIT_INV);

	/* Inward is fine: sleep, then config, then spin; unchecked anywhere. */
	tlock(&sleep);
	tlock(&spin);
	tlock(&raw);
	tlock(&inv);
	tunlock(&inv);
	tunlock(&raw);
	tunlock(&spin);
	tunlock(&sleep);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static struct tlock static_x = { STATIC_LOCKDEP_MAP_INIT("static_x", LD_WAIT_SLEEP) };
static struct tlock static_y = { STATIC_LOCKDEP_MAP_INIT("static_y", LD_WAIT_SLEEP) };

static void test_reset_forgets_and_reregisters(struct ktest *t)
{
	unsigned int classes, edges;

	if (!env_start(t))
		return;
	tlock(&static_x);
	tlock(&static_y);
	tunlock(&static_y);
	tunlock(&static_x);
	lockdep_stats(&classes, &edges);
	KEXPECT_EQ(t, classes, 2);
	KEXPECT_EQ(t, edges, 1);
	env_stop();

	/* A new environment knows no order: the reverse one is not a cycle. */
	if (!env_start(t))
		return;
	lockdep_stats(&classes, &edges);
	KEXPECT_EQ(t, classes, 0);
	KEXPECT_EQ(t, edges, 0);
	tlock(&static_y);
	tlock(&static_x);
	tunlock(&static_x);
	tunlock(&static_y);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	lockdep_stats(&classes, &edges);
	KEXPECT_EQ(t, classes, 2);
	KEXPECT_EQ(t, edges, 1);
	/* And the newly learnt order is enforced. */
	tlock(&static_x);
	tlock(&static_y);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "circular");
	tunlock(&static_y);
	tunlock(&static_x);
	env_stop();
}

static void test_one_class_many_instances(struct ktest *t)
{
	struct tlock copies[4];
	int i;

	if (!env_start(t))
		return;
	for (i = 0; i < 4; i++)
		tlock_init(&copies[i], "copy", &key_a, LD_WAIT_CONFIG);
	tlock_init(&lb, "lock_b", &key_b, LD_WAIT_CONFIG);
	/* Any instance of a class orders the whole class. */
	tlock(&copies[0]);
	tlock(&lb);
	tunlock(&lb);
	tunlock(&copies[0]);
	tlock(&lb);
	tlock(&copies[3]);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "circular");
	tunlock(&copies[3]);
	tunlock(&lb);
	env_stop();
}

static DEFINE_RAW_SPINLOCK(wiring_raw);
static DEFINE_SPINLOCK(wiring_spin);

static void test_spinlock_wiring(struct ktest *t)
{
	spinlock_t s1, s2;

	if (!env_start(t))
		return;
	spin_lock_init(&s1);
	spin_lock_init(&s2);
	spin_lock(&s1);
	KEXPECT_EQ(t, current->preempt_count, 1);
	lockdep_assert_held(&s1);
	spin_lock(&s2);
	spin_unlock(&s2);
	spin_unlock(&s1);
	KEXPECT_EQ(t, current->preempt_count, 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	raw_spin_lock(&wiring_raw);
	spin_lock(&wiring_spin);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "Invalid wait context");
	spin_unlock(&wiring_spin);
	raw_spin_unlock(&wiring_raw);
	env_stop();
}

static void test_local_lock(struct ktest *t)
{
	local_lock_t __percpu *pcl;
	unsigned int cpu;

	if (!env_start(t))
		return;
	pcl = alloc_percpu(local_lock_t);
	KASSERT(t, pcl);
	for_each_possible_cpu(cpu)
		local_lock_init(per_cpu_ptr(pcl, cpu));

	local_lock(pcl);
	KEXPECT_EQ(t, current->preempt_count, 1);
	KEXPECT(t, this_cpu_ptr(pcl)->owner == current);
	lockdep_assert_held(this_cpu_ptr(pcl));
	/* Held on this vCPU: a trylock fails quietly (an interrupted holder). */
	KEXPECT(t, !local_trylock(pcl));
	KEXPECT_EQ(t, current->preempt_count, 1);
	local_unlock(pcl);
	KEXPECT_EQ(t, current->preempt_count, 0);
	KEXPECT(t, this_cpu_ptr(pcl)->owner == NULL);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	KEXPECT(t, local_trylock(pcl));
	KEXPECT_EQ(t, current->preempt_count, 1);
	local_unlock(pcl);
	KEXPECT_EQ(t, current->lockdep_depth, 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	local_unlock(pcl);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "local_unlock of a lock not held");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "vCPU 0");
	KEXPECT_EQ(t, current->preempt_count, 0);

	local_lock(pcl);
	local_lock(pcl);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "recursive");
	local_unlock(pcl);
	lock_release(&this_cpu_ptr(pcl)->dep_map, _THIS_IP_);
	preempt_enable();
	free_percpu(pcl);
	env_stop();
}

static void test_might_sleep(struct ktest *t)
{
	if (!env_start(t))
		return;
	might_sleep();
	cond_resched();
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	preempt_disable();
	might_sleep();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "sleeping function called from invalid context");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "test_might_sleep()");
	preempt_enable();

	rcu_read_lock();
	might_sleep();
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "RCU nesting: 1");
	rcu_read_unlock();

	preempt_enable();
	KEXPECT_EQ(t, vcpu_nr_reports(), 3);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "preempt count underflow");
	KEXPECT_EQ(t, current->preempt_count, 0);
	env_stop();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_abba_reported_on_second_order),
	KTEST_CASE(test_three_lock_cycle),
	KTEST_CASE(test_consistent_order_is_silent),
	KTEST_CASE(test_recursive_locking),
	KTEST_CASE(test_bad_unlock_balance),
	KTEST_CASE(test_assert_held),
	KTEST_CASE(test_invalid_wait_context),
	KTEST_CASE(test_valid_wait_context),
	KTEST_CASE(test_wait_override),
	KTEST_CASE(test_reset_forgets_and_reregisters),
	KTEST_CASE(test_one_class_many_instances),
	KTEST_CASE(test_spinlock_wiring),
	KTEST_CASE(test_local_lock),
	KTEST_CASE(test_might_sleep),
	{}
};

KTEST_MAIN("lockdep", cases)
