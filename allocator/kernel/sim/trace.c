// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - the decider and the event trace.
 *
 * Every choice the backend makes goes through vcpu_backend_choose(), which
 * asks the decider (all zeros without one) and records the question and
 * the answer.  Every event that shapes a run is recorded too: context
 * switches, work starts and ends, callback invocations, grace periods,
 * hotplug steps, time.  A record, four words and an optional string, is
 * folded into a 64-bit hash a word at a time (multiply, xor-shift: a few
 * cycles per word, where hashing byte by byte cost a twentieth of a
 * fuzz_ops run).  Only values that do not depend on where things live in
 * memory go in (ids, vCPUs, counters, names), so the hash of a run is the
 * same in every process, and two runs with the same decider answers hash
 * alike.
 */
#include <stdarg.h>

#include "sim_internal.h"

#define HASH_SEED	0xcbf29ce484222325ull
#define HASH_MUL	0x9e3779b97f4a7c15ull	/* odd: the multiply is a bijection */

static struct sim_decider decider;
static bool have_decider;
static uint64_t trace_hash = HASH_SEED;
static unsigned long trace_seq;
static FILE *trace_out;
static const char *trace_site;	/* the decision point asking, for printing */

static const char *const choice_name[NR_SIM_CHOICES] = {
	[SIM_PICK_CONTEXT] = "pick_context",
	[SIM_TRYLOCK_FAIL] = "trylock_fail",
	[SIM_NOWAIT_FAIL] = "nowait_fail",
	[SIM_GP_ADVANCE] = "gp_advance",
	[SIM_TICK] = "tick",
	[SIM_PICK_CPU] = "pick_cpu",
};

/* Order matters: the same words in another order hash differently. */
static inline uint64_t hash_word(uint64_t h, uint64_t v)
{
	uint64_t x = (h ^ v) * HASH_MUL;

	return x ^ (x >> 29);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	uint64_t w = 0;
	unsigned int n = 0;

	for (; *s; s++) {
		w = (w << 8) | (unsigned char)*s;
		if (++n == 8) {
			h = hash_word(h, w);
			w = 0;
			n = 0;
		}
	}
	/* the tail with its length, so "ab"+"c" and "a"+"bc" differ */
	return hash_word(h, w ^ ((uint64_t)n << 56) ^ 0xff);
}

static const char *ctx_comm(unsigned long id)
{
	return id < sim.nr_ctxs && sim.ctxs[id] ? sim.ctxs[id]->task.comm : "?";
}

static void print_event(enum sim_event ev, unsigned long a, unsigned long b,
			unsigned long c, const char *s)
{
	FILE *f = trace_out;

	fprintf(f, "%6lu ", trace_seq);
	switch (ev) {
	case SIM_EV_SWITCH:
		fprintf(f, "switch %lu -> %lu (%s)\n", a, b, ctx_comm(b));
		break;
	case SIM_EV_DECIDE:
		fprintf(f, "decide %s nr=%lu -> %lu%s%s\n",
			a < NR_SIM_CHOICES ? choice_name[a] : "?", b, c, s ? " at " : "", s ? s : "");
		break;
	case SIM_EV_WORK_START:
		fprintf(f, "work start %s wq#%lu vCPU %lu in %lu (%s)\n", s, a, b, c, ctx_comm(c));
		break;
	case SIM_EV_WORK_END:
		fprintf(f, "work end wq#%lu vCPU %lu in %lu\n", a, b, c);
		break;
	case SIM_EV_CB_INVOKE:
		fprintf(f, "rcu callback #%lu vCPU %lu\n", b, a);
		break;
	case SIM_EV_GP_START:
		fprintf(f, "gp %lu start\n", a);
		break;
	case SIM_EV_GP_END:
		fprintf(f, "gp %lu end\n", a);
		break;
	case SIM_EV_HOTPLUG:
		fprintf(f, "hotplug vCPU %lu %s\n", b, s);
		break;
	case SIM_EV_TICK:
		fprintf(f, "jiffies %lu -> %lu\n", a, b);
		break;
	case SIM_EV_SPAWN:
		fprintf(f, "spawn %lu (%s) on vCPU %lu\n", a, s, b);
		break;
	case SIM_EV_EXIT:
		fprintf(f, "exit %lu (%s)\n", a, s);
		break;
	case SIM_EV_MIGRATE:
		fprintf(f, "migrate %lu vCPU %lu -> %lu\n", a, b, c);
		break;
	case SIM_EV_BLOCK:
		fprintf(f, "block %lu (%s) in %s\n", a, ctx_comm(a), s ? s : "?");
		break;
	case SIM_EV_NOTE:
		fprintf(f, "note %s\n", s);
		break;
	}
}

void sim_trace(enum sim_event ev, unsigned long a, unsigned long b, unsigned long c,
	       const char *s)
{
	/* in a local: the global is read and written once per event */
	uint64_t h = hash_word(hash_word(trace_hash, ev), a);

	h = hash_word(hash_word(h, b), c);
	if (s)
		h = hash_str(h, s);
	trace_hash = h;
	trace_seq++;
	if (unlikely(trace_out))
		print_event(ev, a, b, c, s);
}

void sim_trace_set_site(const char *site)
{
	trace_site = site;
}

void sim_set_decider(const struct sim_decider *d)
{
	have_decider = d && d->choose;
	if (have_decider)
		decider = *d;
}

void sim_trace_reset(const struct sim_decider *d)
{
	trace_hash = HASH_SEED;
	trace_seq = 0;
	trace_site = NULL;
	sim_set_decider(d);
}

unsigned int vcpu_backend_choose(enum sim_choice what, unsigned int nr)
{
	unsigned int answer = 0;

	if (nr <= 1)
		return 0;
	if (have_decider) {
		answer = decider.choose(decider.data, what, nr);
		if (answer >= nr)
			answer %= nr;
	}
	/* The site is printed, not hashed: names of call sites may change. */
	trace_hash = hash_word(hash_word(hash_word(hash_word(trace_hash, SIM_EV_DECIDE), what),
					 nr), answer);
	trace_seq++;
	if (unlikely(trace_out))
		print_event(SIM_EV_DECIDE, what, nr, answer, trace_site);
	return answer;
}

uint64_t sim_trace_hash(void)
{
	return trace_hash;
}

void sim_set_trace(FILE *out)
{
	trace_out = out;
}

void sim_trace_note(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sim_trace(SIM_EV_NOTE, 0, 0, 0, buf);
}
