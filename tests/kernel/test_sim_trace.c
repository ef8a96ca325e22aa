// SPDX-License-Identifier: GPL-2.0
/*
 * test_sim_trace.c - determinism of the sim backend: a run is a pure
 * function of its decision string.  The same string gives the same event
 * trace (sim_trace_hash()) and the same interleaving, however often it is
 * replayed; different strings give different interleavings of two tasks.
 */
#include <stdio.h>

#include "kernel.h"
#include "sim.h"
#include "ktest.h"

/* Answers from a byte string, then 0 when it runs out (as the fuzzers do). */
struct bytes {
	const unsigned char *p;
	size_t len, pos;
};

static unsigned int from_bytes(void *data, enum sim_choice what, unsigned int nr)
{
	struct bytes *b = data;

	return b->pos < b->len ? b->p[b->pos++] % nr : 0;
}

#define STEPS	12

static char order[2 * STEPS + 1];
static unsigned int nr_order;
static DEFINE_MUTEX(tm);

/* Each step is logged under a mutex, then a preemption point. */
static void stepper(void *arg)
{
	char id = (char)(long)arg;
	int i;

	for (i = 0; i < STEPS; i++) {
		mutex_lock(&tm);
		order[nr_order++] = id;
		mutex_unlock(&tm);
		vcpu_decision_point("step");
	}
}

static int rcu_done;

static void cb(struct rcu_head *h)
{
	rcu_done++;
}

/* One run under @s; returns the trace hash, leaves the interleaving in order[]. */
static uint64_t run(struct ktest *t, const unsigned char *s, size_t len, FILE *trace)
{
	struct bytes b = { .p = s, .len = len };
	struct sim_decider d = { .choose = from_bytes, .data = &b };
	struct vcpu_config cfg;
	struct rcu_head h;
	uint64_t hash;

	vcpu_config_default(&cfg);
	cfg.mode = VCPU_MODE_TASKS;
	cfg.decider = &d;
	if (vcpu_env_init(&cfg)) {
		t->failures++;
		return 0;
	}
	sim_set_trace(trace);
	nr_order = 0;
	memset(order, 0, sizeof(order));
	rcu_done = 0;
	call_rcu(&h, cb);
	vcpu_spawn("a", 1, stepper, (void *)'a');
	vcpu_spawn("b", 2, stepper, (void *)'b');
	sim_trace_note("spawned %d tasks", 2);
	vcpu_run_tasks();
	rcu_barrier();
	KEXPECT_EQ(t, rcu_done, 1);
	KEXPECT_EQ(t, nr_order, 2 * STEPS);
	hash = sim_trace_hash();
	sim_set_trace(NULL);
	vcpu_env_exit();
	return hash;
}

static void test_same_string_same_trace(struct ktest *t)
{
	static const unsigned char s1[] = { 2, 1, 0, 3, 1, 1, 2, 0, 1, 7, 1, 1, 0, 2, 5, 1, 1, 3 };
	static const unsigned char s2[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	char first[sizeof(order)];
	uint64_t h1, h2, h3;

	h1 = run(t, s1, sizeof(s1), NULL);
	memcpy(first, order, sizeof(order));
	h2 = run(t, s1, sizeof(s1), NULL);
	KEXPECT(t, h1 == h2);
	KEXPECT(t, memcmp(first, order, sizeof(order)) == 0);

	h3 = run(t, s2, sizeof(s2), NULL);
	KEXPECT(t, h1 != h3);
	KEXPECT(t, memcmp(first, order, sizeof(order)) != 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
}

static void test_all_zero_is_no_decider(struct ktest *t)
{
	static const unsigned char zeros[64];
	uint64_t a = run(t, zeros, sizeof(zeros), NULL);
	uint64_t b = run(t, NULL, 0, NULL);

	KEXPECT(t, a == b);
	/* With every choice 0, a task runs until it blocks or returns. */
	KEXPECT(t, order[0] == order[STEPS - 1]);
}

static void test_trace_prints_events(struct ktest *t)
{
	static const unsigned char s[] = { 1, 2, 1, 1 };
	FILE *f = tmpfile();
	char line[256];
	int lines = 0, switches = 0, notes = 0, callbacks = 0;
	uint64_t quiet, printed;

	KASSERT(t, f);
	quiet = run(t, s, sizeof(s), NULL);
	printed = run(t, s, sizeof(s), f);
	KEXPECT(t, quiet == printed);
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		lines++;
		switches += strstr(line, " switch ") != NULL;
		notes += strstr(line, "note spawned 2 tasks") != NULL;
		callbacks += strstr(line, "RCU callback") != NULL;
	}
	fclose(f);
	KEXPECT(t, lines > 10);
	KEXPECT(t, switches > 0);
	KEXPECT_EQ(t, notes, 1);
	KEXPECT_EQ(t, callbacks, 1);
}

/*
 * Without hashing (what the fuzz targets ask for) the run is the same: the
 * same interleaving, as many events, and the hash stays where it started.
 */
static void test_hashing_off_same_run(struct ktest *t)
{
	static const unsigned char s[] = { 2, 1, 0, 3, 1, 1, 2, 0, 1, 7, 1, 1, 0, 2, 5, 1, 1, 3 };
	char first[sizeof(order)];
	unsigned long seq_on, seq_off;
	uint64_t on, off, off_other;
	int same_order;

	on = run(t, s, sizeof(s), NULL);
	seq_on = sim_event_seq();
	memcpy(first, order, sizeof(order));
	sim_set_trace_hashing(false);
	off = run(t, s, sizeof(s), NULL);
	seq_off = sim_event_seq();
	same_order = memcmp(first, order, sizeof(order)) == 0;
	off_other = run(t, NULL, 0, NULL);
	sim_set_trace_hashing(true);
	KEXPECT(t, same_order);
	KEXPECT_EQ(t, seq_off, seq_on);
	KEXPECT(t, off != on);
	KEXPECT(t, off == off_other);	/* nothing was hashed */
	KEXPECT(t, run(t, s, sizeof(s), NULL) == on);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_same_string_same_trace),
	KTEST_CASE(test_all_zero_is_no_decider),
	KTEST_CASE(test_trace_prints_events),
	KTEST_CASE(test_hashing_off_same_run),
	{}
};

KTEST_MAIN("sim_trace", cases)
