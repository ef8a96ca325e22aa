/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim.h - what only the deterministic sim backend has: the decision source
 * and the event trace.
 *
 * Every choice the sim backend makes goes through the decider: which
 * runnable context runs next, whether a local_trylock()/spin_trylock()
 * fails as if the holder had been interrupted, whether a GFP_NOWAIT
 * allocation fails, whether a grace period may complete now, whether
 * jiffies advance, which online vCPU an unbound item runs on.  A decider
 * returns a number in [0, nr); 0 is always the quiet choice (keep running
 * the current context, trylock and allocation succeed, nothing advances).
 * With no decider, every choice is 0, so a run is a pure function of its
 * inputs, and the same decider answers give the same event trace.
 */
#ifndef SHEAF_KERNEL_SIM_H
#define SHEAF_KERNEL_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum sim_choice {
	SIM_PICK_CONTEXT,	/* nr runnable contexts; 0 = the current one */
	SIM_TRYLOCK_FAIL,	/* nr = 2; 1 = the trylock fails */
	SIM_NOWAIT_FAIL,	/* nr = 2; 1 = the non-blocking allocation fails */
	SIM_GP_ADVANCE,		/* nr = 2; 1 = let a grace period complete now */
	SIM_TICK,		/* nr = 2; 1 = advance jiffies by one */
	SIM_PICK_CPU,		/* nr online vCPUs with a free token; where unbound work runs */
	NR_SIM_CHOICES
};

struct sim_decider {
	unsigned int (*choose)(void *data, enum sim_choice what, unsigned int nr);
	void *data;
};

/* Replaces the decider of a running environment (NULL: all zeros). */
void sim_set_decider(const struct sim_decider *d);

/*
 * The event trace: every context switch, decision, work start and end,
 * callback invocation, grace period, hotplug step.  The hash folds in the
 * event records in order, reset by vcpu_env_init().  sim_set_trace(f) also prints
 * each event, one line each, to f (NULL stops).
 */
uint64_t sim_trace_hash(void);
void sim_set_trace(FILE *out);
/*
 * Whether the hash is computed (default: yes).  Off, sim_trace_hash() stays
 * at its seed; the events are still counted (sim_event_seq()) and printed.
 * For a process that never reads the hash; kept across vcpu_env_init().
 */
void sim_set_trace_hashing(bool on);

/*
 * The same events, one at a time, to a hook (a harness's own trace):
 * @cpu is the vCPU the event happened on, -1 for none (grace periods,
 * time); @text the event in words.  Context switches and decisions are not
 * passed (the decider sees its own).  NULL stops.
 */
typedef void (*sim_event_hook_t)(void *data, int cpu, const char *text);
void sim_set_event_hook(sim_event_hook_t hook, void *data);
/* The decision point asking the decider now ("flush_work", ...), or NULL. */
const char *sim_decision_site(void);
/* Events and decisions recorded since vcpu_env_init(). */
unsigned long sim_event_seq(void);

/* One line of free text into the trace (harness ops use it). */
void sim_trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SHEAF_KERNEL_SIM_H */
