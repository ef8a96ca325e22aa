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
 * alike.  A program that never reads the hash (the fuzz targets, replay and
 * bench_ops: sim_set_trace_hashing(false)) skips the hashing, a twentieth
 * of the instructions of a fuzz_ops input; the records are still counted
 * and printed.
 */
#include <stdarg.h>

#include "sim_internal.h"

#define HASH_SEED	0xcbf29ce484222325ull
#define HASH_MUL	0x9e3779b97f4a7c15ull	/* odd: the multiply is a bijection */

static struct sim_decider decider;
static bool have_decider;
static uint64_t trace_hash = HASH_SEED;
static bool trace_hashing = true;
static unsigned long trace_seq;
static FILE *trace_out;
static const char *trace_site;	/* the decision point asking, for printing */
static sim_event_hook_t event_hook;
static void *event_hook_data;

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

/*
 * The string's bytes in words of eight, the first byte highest, then the
 * tail (fewer than eight) with its length.  Whole words are loaded at once
 * (and byte-swapped on a little-endian host) rather than shifted in byte by
 * byte: the same words, so the same hash, for a fraction of the loads,
 * which a sanitizer checks one by one.
 */
static uint64_t hash_str(uint64_t h, const char *s)
{
	size_t len = strlen(s), i;
	uint64_t w;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		h = hash_word(h, w);
	}
	for (w = 0; i < len; i++)
		w = (w << 8) | (unsigned char)s[i];
	/* the tail with its length, so "ab"+"c" and "a"+"bc" differ */
	return hash_word(h, w ^ ((uint64_t)(len % 8) << 56) ^ 0xff);
}

static const char *ctx_comm(unsigned long id)
{
	return id < sim.nr_ctxs && sim.ctxs[id] ? sim.ctxs[id]->task.comm : "?";
}

/*
 * One event in words, into @buf; returns the vCPU it happened on, or -1
 * for what belongs to no vCPU (grace periods, time).
 */
static int format_event(char *buf, size_t size, enum sim_event ev, unsigned long a,
			unsigned long b, unsigned long c, const char *s)
{
	static const char *const hp_step[] = { "goes down", "comes up", "teardown", "startup" };

	switch (ev) {
	case SIM_EV_SWITCH:
		snprintf(buf, size, "switch %s -> %s", ctx_comm(a), ctx_comm(b));
		return b < sim.nr_ctxs && sim.ctxs[b] ? (int)sim.ctxs[b]->task.cpu : -1;
	case SIM_EV_DECIDE:
		snprintf(buf, size, "decide %s nr=%lu -> %lu%s%s",
			 a < NR_SIM_CHOICES ? choice_name[a] : "?", b, c, s ? " at " : "", s ? s : "");
		return sim.cur ? (int)sim.cur->task.cpu : -1;
	case SIM_EV_WORK_START:
		snprintf(buf, size, "%s starts %s (wq#%lu)", ctx_comm(c), s, a);
		return (int)b;
	case SIM_EV_WORK_END:
		snprintf(buf, size, "%s done (wq#%lu)", ctx_comm(c), a);
		return (int)b;
	case SIM_EV_CB_INVOKE:
		snprintf(buf, size, "RCU callback #%lu invoked", b);
		return (int)a;
	case SIM_EV_GP_START:
		snprintf(buf, size, "grace period %lu starts", a);
		return -1;
	case SIM_EV_GP_END:
		snprintf(buf, size, "grace period %lu ends", a);
		return -1;
	case SIM_EV_HOTPLUG:
		snprintf(buf, size, "vCPU %lu %s%s%s", b, a < 4 ? hp_step[a] : "?",
			 a >= 2 && s ? ": " : "", a >= 2 && s ? s : "");
		return (int)b;
	case SIM_EV_TICK:
		snprintf(buf, size, "jiffies +%lu", b - a);
		return -1;
	case SIM_EV_SPAWN:
		snprintf(buf, size, "%s spawned on vCPU %lu", s, b);
		return (int)b;
	case SIM_EV_EXIT:
		snprintf(buf, size, "%s exits", s);
		break;
	case SIM_EV_MIGRATE:
		snprintf(buf, size, "%s moves from vCPU %lu to %lu", ctx_comm(a), b, c);
		return (int)c;
	case SIM_EV_BLOCK:
		snprintf(buf, size, "%s blocks in %s", ctx_comm(a), s ? s : "?");
		break;
	case SIM_EV_NOTE:
		snprintf(buf, size, "note %s", s);
		break;
	}
	return sim.cur ? (int)sim.cur->task.cpu : -1;
}

static void print_event(enum sim_event ev, unsigned long a, unsigned long b,
			unsigned long c, const char *s)
{
	char buf[256];
	int cpu = format_event(buf, sizeof(buf), ev, a, b, c, s);

	if (trace_out)
		fprintf(trace_out, "%6lu %s\n", trace_seq, buf);
	if (event_hook && ev != SIM_EV_SWITCH && ev != SIM_EV_DECIDE)
		event_hook(event_hook_data, cpu, buf);
}

void sim_trace(enum sim_event ev, unsigned long a, unsigned long b, unsigned long c,
	       const char *s)
{
	if (likely(trace_hashing)) {
		/* in a local: the global is read and written once per event */
		uint64_t h = hash_word(hash_word(trace_hash, ev), a);

		h = hash_word(hash_word(h, b), c);
		if (s)
			h = hash_str(h, s);
		trace_hash = h;
	}
	trace_seq++;
	if (unlikely(trace_out || event_hook))
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

void sim_set_trace_hashing(bool on)
{
	trace_hashing = on;
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
	if (likely(trace_hashing))
		trace_hash = hash_word(hash_word(hash_word(hash_word(trace_hash, SIM_EV_DECIDE),
							   what), nr), answer);
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

void sim_set_event_hook(sim_event_hook_t hook, void *data)
{
	event_hook = hook;
	event_hook_data = data;
}

const char *sim_decision_site(void)
{
	return trace_site;
}

unsigned long sim_event_seq(void)
{
	return trace_seq;
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
