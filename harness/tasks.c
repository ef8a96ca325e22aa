// SPDX-License-Identifier: GPL-2.0
/*
 * tasks.c - the life of one fuzz_sched input: the prologue, the tasks,
 * the schedule, and the interleaving as a trace with a column per vCPU.
 *
 * The input (input.c) holds a prologue, two to four task programs in the
 * op language, and a schedule.  sched_run() starts the sim backend in
 * tasks mode, runs the prologue on the driver with every question answered
 * quietly, spawns task Tn on vCPU n (the next online one if n is offline),
 * and waits for them while the schedule answers every question the sim
 * asks: which context runs at a decision point, whether a trylock fails,
 * whether a grace period or time moves on.  When the schedule runs out,
 * every answer is the quiet one, which finishes the run.  Then the
 * teardown of every input (run.c).  Same bytes, same run: a finding is its
 * file.
 *
 * The step budget: a run that has asked H_STEP_BUDGET questions of the
 * schedule stops taking answers from it and skips the ops its tasks have
 * left; that ends quietly (the trace says so), not as a finding.
 */
#include <stdarg.h>
#include <stdint.h>

#include "kernel/bug.h"
#include "kernel/cpu.h"
#include "kernel/rcupdate.h"
#include "kernel/sched.h"
#include "kernel/sim.h"
#include "kernel/vcpu.h"
#include "slab.h"

#include "exec.h"

#define H_STEP_BUDGET	50000ul	/* schedule questions per run */
#define COL_WIDTH	34	/* trace column, one per vCPU */
#define COL_MAX		4	/* columns printed; vCPUs above share the last */

static struct {
	struct sched_stream stream;
	bool in_tasks;			/* the task phase: the schedule answers */
	/* the last question the schedule answered with something else than 0 */
	unsigned long last_n;
	enum sim_choice last_what;
	unsigned int last_nr, last_answer;
	const char *last_site;
	bool have_last;
	/*
	 * The ops the tasks finished, newest last (a ring): a report names those
	 * of other tasks that ended while the reporting op ran, since a race's
	 * other side has often finished by the time the symptom shows.
	 */
	unsigned long clock;		/* ticks at every op's start and end */
	struct done_op {
		unsigned int task, index;
		unsigned long begin, end;
		bool skipped;
	} done[64];
	unsigned int nr_done;
	unsigned long begin[H_TASKS];	/* the clock when each task's op began */
} ts;

static const char *const choice_names[NR_SIM_CHOICES] = {
	[SIM_PICK_CONTEXT] = "pick_context",
	[SIM_TRYLOCK_FAIL] = "trylock_fail",
	[SIM_NOWAIT_FAIL] = "nowait_fail",
	[SIM_GP_ADVANCE] = "gp_advance",
	[SIM_TICK] = "tick",
	[SIM_PICK_CPU] = "pick_cpu",
};

/* ------------------------------------------------------------- trace */

/* One line of the trace: @text in the column of @cpu (-1: across all). */
static void trace_line(int cpu, const char *text)
{
	FILE *out = ops_config.trace;
	unsigned int ncol = min(ops_config.nr_cpus, (unsigned int)COL_MAX);
	int col;

	if (!out)
		return;
	if (cpu < 0) {
		fprintf(out, "%6lu  ---- %s ----\n", sim_event_seq(), text);
		fflush(out);
		return;
	}
	col = min(cpu, (int)ncol - 1);
	fprintf(out, "%6lu  %*s%s\n", sim_event_seq(), col * COL_WIDTH, "", text);
	fflush(out);	/* a report goes to stderr: keep the two in order */
}

static __attribute__((format(printf, 2, 3))) void trace_printf(int cpu, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace_line(cpu, buf);
}

static void event_hook(void *data, int cpu, const char *text)
{
	trace_line(cpu, text);
}

void tasks_trace_event(int cpu, const char *text)
{
	trace_line(cpu, text);
}

static void trace_header(void)
{
	FILE *out = ops_config.trace;
	unsigned int ncol = min(ops_config.nr_cpus, (unsigned int)COL_MAX), i;

	if (!out)
		return;
	fprintf(out, "%6s  ", "event");
	for (i = 0; i < ncol; i++) {
		char head[COL_WIDTH + 1];

		snprintf(head, sizeof(head), "vCPU %u%s", i,
			 i == ncol - 1 && ops_config.nr_cpus > ncol ? " and up" : "");
		fprintf(out, "%-*s", COL_WIDTH, head);
	}
	fputc('\n', out);
}

/* The op of task @self starting or ending, in its vCPU's column. */
void tasks_trace_op(unsigned int self, bool begin)
{
	const struct h_task *t = &h.task[self];
	char text[128], who[16];

	if (self == H_DRIVER)
		snprintf(who, sizeof(who), "prologue");
	else
		snprintf(who, sizeof(who), "T%u", self);
	op_format(t->op, text, sizeof(text));
	if (begin)
		trace_printf((int)smp_processor_id(), "%s op %u: %s", who, t->index, text);
	else
		trace_printf((int)smp_processor_id(), "  %s op %u done:%s", who, t->index,
			     t->note[0] ? t->note : " -");
}

/* ---------------------------------------------------------- decisions */

static unsigned int sched_decide(void *data, enum sim_choice what, unsigned int nr)
{
	unsigned int answer;

	if (what == SIM_TRYLOCK_FAIL && h.trylock_fail_at && --h.trylock_fail_at == 0) {
		h_note(" [trylock failed]");
		return 1;
	}
	if (!ts.in_tasks || h.over_budget)
		return 0;
	if (ts.stream.asked >= H_STEP_BUDGET) {
		h.over_budget = true;
		trace_printf(-1, "step budget: %lu questions asked; the tasks skip their remaining ops",
			     H_STEP_BUDGET);
		return 0;
	}
	answer = sched_stream_next(&ts.stream, nr);
	if (!answer)
		return 0;
	ts.have_last = true;
	ts.last_n = ts.stream.asked - 1;
	ts.last_what = what;
	ts.last_nr = nr;
	ts.last_answer = answer;
	ts.last_site = sim_decision_site();
	if (ops_config.trace)
		trace_printf(current ? (int)current->cpu : -1, "@%lu %s %u of %u%s%s", ts.last_n,
			     choice_names[what], answer, nr, ts.last_site ? " at " : "",
			     ts.last_site ? ts.last_site : "");
	return answer;
}

static const struct sim_decider sched_decider = { sched_decide, NULL };

/* What a report adds in fuzz_sched: the other tasks' ops, and the last decision. */
void tasks_op_begin(unsigned int self)
{
	if (self < H_TASKS)
		ts.begin[self] = ++ts.clock;
}

void tasks_op_end(unsigned int self, unsigned int index)
{
	struct done_op *d;

	if (self >= H_TASKS)
		return;
	d = &ts.done[ts.nr_done++ % ARRAY_SIZE(ts.done)];
	d->task = self;
	d->index = index;
	d->begin = ts.begin[self];
	d->end = ++ts.clock;
	d->skipped = h.task[self].skipped;
}

/* Other tasks' ops that ended after @self's op began, oldest first. */
static void report_overlapping(FILE *out, unsigned int self)
{
	unsigned int n = min(ts.nr_done, (unsigned int)ARRAY_SIZE(ts.done)), i, shown = 0;
	char text[128];

	if (self >= H_TASKS || !h.task[self].op)
		return;
	for (i = 0; i < n && shown < 8; i++) {
		const struct done_op *d = &ts.done[(ts.nr_done - n + i) % ARRAY_SIZE(ts.done)];

		if (d->task == self || d->skipped || d->end < ts.begin[self])
			continue;
		op_format(&h_program.op[d->index], text, sizeof(text));
		fprintf(out, "harness: T%u op %u: %s ran during this op (%s)\n", d->task, d->index,
			text, d->begin < ts.begin[self] ? "began before it" : "began after it");
		shown++;
	}
}

void tasks_report_context(FILE *out, unsigned int self)
{
	char text[128], where[128];
	unsigned int t;

	for (t = 0; t < H_TASKS; t++) {
		if (t == self || !h.task[t].op)
			continue;
		op_format(h.task[t].op, text, sizeof(text));
		fprintf(out, "harness: T%u is inside op %u: %s, %s\n", t, h.task[t].index, text,
			h.task[t].ts ? vcpu_where(h.task[t].ts, where, sizeof(where)) : "?");
	}
	report_overlapping(out, self);
	if (ts.have_last)
		fprintf(out, "harness: the last decision the schedule made: @%lu %s, answer %u of %u%s%s "
			"(%lu questions asked)\n", ts.last_n, choice_names[ts.last_what],
			ts.last_answer, ts.last_nr, ts.last_site ? " at " : "",
			ts.last_site ? ts.last_site : "", ts.stream.asked);
	else if (ts.in_tasks)
		fprintf(out, "harness: the schedule has made no decision yet (%lu questions asked)\n",
			ts.stream.asked);
}

/* -------------------------------------------------------------- tasks */

/* Task @t (the running one) leaves every level of its reader. */
static void close_task_readers(unsigned int t)
{
	while (shadow_reader_nesting(t)) {
		rcu_read_unlock();
		shadow_reader_unlock(t);
	}
}

static void task_main(void *arg)
{
	unsigned int self = (unsigned int)(uintptr_t)arg, i, skipped = 0;
	struct h_task *t = &h.task[self];

	t->ts = current;
	for (i = 0; i < h_program.nr_ops; i++) {
		if (h_program.task[i] != self)
			continue;
		if (h.over_budget) {
			skipped++;
			continue;
		}
		h_run_op(i);
	}
	/* a task leaves its reader before it exits, as kernel code must */
	close_task_readers(self);
	if (skipped)
		trace_printf((int)smp_processor_id(), "T%u: %u op(s) skipped (step budget)", self,
			     skipped);
	t->done = true;
	t->ts = NULL;
}

/* Task @t's vCPU: vCPU t, or the next online one. */
static unsigned int task_cpu(unsigned int t)
{
	unsigned int n = ops_config.nr_cpus, i;

	for (i = 0; i < n; i++)
		if (cpu_online((t + i) % n))
			return (t + i) % n;
	return 0;
}

void sched_run(const uint8_t *data, size_t size)
{
	unsigned int i, nr_tasks;
	char name[8];

	memset(&h, 0, sizeof(h));
	memset(&ts, 0, sizeof(ts));
	shadow_reset();
	input_decode_program(data, size, &h_program);
	h.prog = &h_program;
	sched_stream_init(&ts.stream, h_program.sched, h_program.sched_size);
	h_model_start(&sched_decider, true);
	if (ops_config.trace) {
		trace_header();
		sim_set_event_hook(event_hook, NULL);
	}

	for (i = 0; i < h_program.nr_ops; i++)
		if (h_program.task[i] == PROG_PROLOGUE)
			h_run_op(i);
	/*
	 * The driver now sleeps until the tasks are done: a reader the
	 * prologue left open would hold up every grace period they wait for.
	 */
	close_task_readers(H_DRIVER);

	nr_tasks = max(h_program.nr_tasks, 2u);
	for (i = 0; i < nr_tasks; i++) {
		h.task[i].cpu = task_cpu(i);
		snprintf(name, sizeof(name), "T%u", i);
		if (vcpu_spawn(name, (int)h.task[i].cpu, task_main, (void *)(uintptr_t)i))
			vcpu_panic("harness cannot start", "vcpu_spawn", "task %s on vCPU %u",
				   name, h.task[i].cpu);
	}
	ts.in_tasks = true;
	vcpu_run_tasks();
	ts.in_tasks = false;
	shadow_after_op();	/* every task parked: a quiescent point */

	if (ops_config.trace) {
		trace_printf(-1, "tasks done after %lu questions (%zu schedule byte(s) used of %zu)",
			     ts.stream.asked, ts.stream.pos, ts.stream.size);
		trace_printf(-1, "teardown");
	}
	h_model_stop();
	sim_set_event_hook(NULL, NULL);
}
