// SPDX-License-Identifier: GPL-2.0
/*
 * test_sim_tokens.c - the vCPU token rules of the sim backend (vcpu.h,
 * sim/decide.c) under many random schedules:
 *  1. an unbound work item starts only on a vCPU whose token is free: never
 *     on a vCPU where a context has preemption disabled, even when every
 *     vCPU is in that state at a decision point;
 *  2. a context spinning in spin_lock() keeps its vCPU: nothing else (task
 *     or work item) runs there while it spins, and the holder, on another
 *     vCPU, runs and releases the lock.
 * Each case also checks that the schedules did reach the situation it is
 * about (the positive controls), so that a pass means something.
 */
#include <stdint.h>

#include "kernel.h"
#include "sim.h"
#include "ktest.h"

#define SEEDS	150

struct xorshift {
	uint64_t s;
};

/* Random contexts and vCPUs; occasional grace periods and ticks; no failures. */
static unsigned int random_choose(void *data, enum sim_choice what, unsigned int nr)
{
	struct xorshift *x = data;
	uint64_t r;

	r = ktest_xorshift64(&x->s) >> 11;
	switch (what) {
	case SIM_PICK_CONTEXT:
	case SIM_PICK_CPU:
		return (unsigned int)(r % nr);
	case SIM_GP_ADVANCE:
	case SIM_TICK:
		return r % 4 == 0;
	default:
		return 0;
	}
}

static struct xorshift rng;
static const struct sim_decider random_decider = { .choose = random_choose, .data = &rng };

static bool start(struct ktest *t, unsigned int seed)
{
	struct vcpu_config cfg;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = 2;
	cfg.mode = VCPU_MODE_TASKS;
	cfg.decider = &random_decider;
	rng.s = 0x9E3779B97F4A7C15ull * seed;
	if (vcpu_env_init(&cfg)) {
		KEXPECT(t, false);
		return false;
	}
	return true;
}

/* ------------------------------------------------- unbound work, pinned */

static int pinned[2];
static struct work_struct unbound_item[2];
static unsigned long item_runs, ran_on_pinned, ran_beside_pinned;

static void unbound_fn(struct work_struct *w)
{
	unsigned int cpu = smp_processor_id();

	item_runs++;
	if (pinned[cpu])
		ran_on_pinned++;
	if (pinned[!cpu])
		ran_beside_pinned++;
	vcpu_decision_point("unbound_fn");
}

static void pin_task(void *arg)
{
	unsigned int cpu = smp_processor_id();
	int i, j;

	for (i = 0; i < 16; i++) {
		preempt_disable();
		pinned[cpu]++;
		if (i % 4 == 0)
			queue_work(system_unbound_wq, &unbound_item[cpu]);
		for (j = 0; j < 4; j++)
			vcpu_decision_point("pinned");
		pinned[cpu]--;
		preempt_enable();
		vcpu_decision_point("unpinned");
	}
}

static void test_unbound_work_needs_a_free_vcpu(struct ktest *t)
{
	unsigned long beside = 0;
	unsigned int seed, cpu;

	for (seed = 1; seed <= SEEDS; seed++) {
		if (!start(t, seed))
			return;
		item_runs = ran_on_pinned = ran_beside_pinned = 0;
		for (cpu = 0; cpu < 2; cpu++) {
			INIT_WORK(&unbound_item[cpu], unbound_fn);
			KEXPECT_EQ(t, vcpu_spawn("pin", (int)cpu, pin_task, NULL), 0);
		}
		vcpu_run_tasks();
		for (cpu = 0; cpu < 2; cpu++)
			flush_work(&unbound_item[cpu]);
		KEXPECT(t, item_runs >= 2);
		KEXPECT_EQ(t, ran_on_pinned, 0);
		KEXPECT_EQ(t, vcpu_nr_reports(), 0);
		beside += ran_beside_pinned;
		vcpu_env_exit();
	}
	/* Items did run while the other vCPU was pinned, so they were in the window. */
	KEXPECT(t, beside > 0);
}

/* ------------------------------------------------------------ spinners */

static DEFINE_SPINLOCK(spin);
static int spinning, held;
static struct work_struct bound_item, roaming_item;
static unsigned long contended, spin_violations, holder_rounds, bound_runs;

/* Queued on vCPU 1, the spinner's: must not run while it spins. */
static void bound_fn(struct work_struct *w)
{
	bound_runs++;
	if (spinning)
		spin_violations++;
}

/* Unbound: must not start on the spinner's vCPU while it spins. */
static void roaming_fn(struct work_struct *w)
{
	if (spinning && smp_processor_id() == 1)
		spin_violations++;
	if (held && smp_processor_id() == 0)
		spin_violations++;
}

static void holder_task(void *arg)
{
	int i, j;

	for (i = 0; i < 10; i++) {
		spin_lock(&spin);
		held = 1;
		queue_work_on(1, system_wq, &bound_item);
		queue_work(system_unbound_wq, &roaming_item);
		for (j = 0; j < 3; j++)
			vcpu_decision_point("holding");
		held = 0;
		holder_rounds++;
		spin_unlock(&spin);
		vcpu_decision_point("released");
	}
}

static void spinner_task(void *arg)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (spin_is_locked(&spin))
			contended++;
		spinning = 1;
		spin_lock(&spin);
		spinning = 0;
		vcpu_decision_point("got it");
		spin_unlock(&spin);
		vcpu_decision_point("spinner");
	}
}

/* On the spinner's vCPU: must never see it spinning. */
static void bystander_task(void *arg)
{
	int i;

	for (i = 0; i < 60; i++) {
		if (spinning)
			spin_violations++;
		vcpu_decision_point("bystander");
	}
}

static void test_spinner_keeps_its_vcpu(struct ktest *t)
{
	unsigned long was_contended = 0;
	unsigned int seed;

	for (seed = 1; seed <= SEEDS; seed++) {
		if (!start(t, seed))
			return;
		spinning = held = 0;
		contended = spin_violations = holder_rounds = bound_runs = 0;
		INIT_WORK(&bound_item, bound_fn);
		INIT_WORK(&roaming_item, roaming_fn);
		KEXPECT_EQ(t, vcpu_spawn("holder", 0, holder_task, NULL), 0);
		KEXPECT_EQ(t, vcpu_spawn("spinner", 1, spinner_task, NULL), 0);
		KEXPECT_EQ(t, vcpu_spawn("bystander", 1, bystander_task, NULL), 0);
		vcpu_run_tasks();
		flush_work(&bound_item);
		flush_work(&roaming_item);
		KEXPECT_EQ(t, holder_rounds, 10);
		KEXPECT(t, bound_runs >= 1);
		KEXPECT_EQ(t, spin_violations, 0);
		KEXPECT_EQ(t, vcpu_nr_reports(), 0);
		was_contended += contended;
		vcpu_env_exit();
	}
	/* The spinner did find the lock taken, so it did spin. */
	KEXPECT(t, was_contended > 0);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_unbound_work_needs_a_free_vcpu),
	KTEST_CASE(test_spinner_keeps_its_vcpu),
	{}
};

KTEST_MAIN("sim_tokens", cases)
