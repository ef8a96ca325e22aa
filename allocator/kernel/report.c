// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - vcpu_report(), the one way every oracle speaks, and printk.
 *
 * A report is one block on stderr:
 *
 *	==================================================================
 *	BUG: <title> in <func>()
 *	<message>
 *	vCPU: <n> task: <comm> (pid <pid>)
 *	<held locks>
 *	<lines from the harness hook>
 *	==================================================================
 *
 * A prologue hook, if set, runs before the first rule of an outermost
 * block: a harness prints there what must come before the report (the
 * line of the op that is failing, on its own stream).
 *
 * Blocks from different threads never interleave: report_lock serialises
 * them (a spinlock, so sim builds need no thread library) and stderr is
 * locked for the whole block.  A report raised while this thread is
 * already printing one (from the hook, say) is printed inside it rather
 * than deadlocking on report_lock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "env_internal.h"

#define REPORT_RULE \
	"=================================================================="
#define LAST_REPORT_SIZE	256
#define MAX_REPORT_NESTING	2

static struct vcpu_spin report_lock;		/* serialises whole blocks */
static _Thread_local int report_nesting;	/* blocks this thread is printing */

static unsigned long nr_reports;		/* atomic */
static bool panic_on_report = true;		/* atomic */
static bool verbose;				/* atomic */
static void (*report_hook)(FILE *out);		/* atomic */
static void (*report_prologue)(void);		/* atomic */
static char last_report[LAST_REPORT_SIZE];	/* under report_lock */

/* The calling context's task, when there is one to ask about. */
static struct task_struct *report_task(void)
{
	return READ_ONCE(vcpu_env_running) ? current : NULL;
}

/* "BUG: title in func(): first line of the message", for tests. */
static void remember(const char *prefix, const char *title, const char *func,
		     const char *msg)
{
	size_t n, eol = strcspn(msg, "\n");

	n = (size_t)snprintf(last_report, sizeof(last_report), "%s: %s in %s(): ",
			     prefix, title, func ? func : "?");
	if (n < sizeof(last_report))
		snprintf(last_report + n, sizeof(last_report) - n, "%.*s", (int)eol, msg);
}

/*
 * Prints one block and counts it; the caller decides about aborting.
 * Under report_lock unless this thread is already inside a block.
 */
static void print_report(const char *prefix, const char *title,
			 const char *func, const char *fmt, va_list ap)
{
	struct task_struct *task = report_task();
	void (*hook)(FILE *out) = __atomic_load_n(&report_hook, __ATOMIC_ACQUIRE);
	void (*prologue)(void) = __atomic_load_n(&report_prologue, __ATOMIC_ACQUIRE);
	char msg[LAST_REPORT_SIZE];
	bool outer = report_nesting == 0;
	va_list ap2;

	if (report_nesting >= MAX_REPORT_NESTING) {
		fprintf(stderr, "vcpu_report: reports nested too deep (%s: %s)\n",
			prefix, title);
		abort();
	}
	report_nesting++;
	if (outer)
		vcpu_spin_lock(&report_lock);
	if (outer && prologue)
		prologue();
	flockfile(stderr);

	va_copy(ap2, ap);
	vsnprintf(msg, sizeof(msg), fmt, ap2);
	va_end(ap2);
	remember(prefix, title, func, msg);
	__atomic_add_fetch(&nr_reports, 1, __ATOMIC_RELAXED);

	fprintf(stderr, "%s\n%s: %s in %s()\n", REPORT_RULE, prefix, title,
		func ? func : "?");
	if (msg[0]) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	if (task) {
		fprintf(stderr, "vCPU: %u task: %s (pid %d)\n", task->cpu,
			task->comm, task->pid);
		lockdep_print_held_locks(stderr, task);
	}
	if (hook)
		hook(stderr);
	fprintf(stderr, "%s\n", REPORT_RULE);
	fflush(stderr);

	funlockfile(stderr);
	if (outer)
		vcpu_spin_unlock(&report_lock);
	report_nesting--;
}

void vcpu_report(enum vcpu_report_kind kind, const char *title,
		 const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_report(kind == VCPU_REPORT_WARNING ? "WARNING" : "BUG", title, func, fmt, ap);
	va_end(ap);
	if (__atomic_load_n(&panic_on_report, __ATOMIC_RELAXED))
		abort();
}

void vcpu_panic(const char *title, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_report("BUG", title, func, fmt, ap);
	va_end(ap);
	abort();
}

void vcpu_set_report_hook(void (*hook)(FILE *out))
{
	__atomic_store_n(&report_hook, hook, __ATOMIC_RELEASE);
}

void vcpu_set_report_prologue(void (*prologue)(void))
{
	__atomic_store_n(&report_prologue, prologue, __ATOMIC_RELEASE);
}

unsigned long vcpu_nr_reports(void)
{
	return __atomic_load_n(&nr_reports, __ATOMIC_RELAXED);
}

const char *vcpu_last_report(void)
{
	return last_report;
}

void vcpu_clear_reports(void)
{
	vcpu_spin_lock(&report_lock);
	__atomic_store_n(&nr_reports, 0, __ATOMIC_RELAXED);
	last_report[0] = '\0';
	vcpu_spin_unlock(&report_lock);
}

bool vcpu_set_panic_on_report(bool panic)
{
	return __atomic_exchange_n(&panic_on_report, panic, __ATOMIC_RELAXED);
}

void vcpu_reports_reset(bool panic)
{
	vcpu_clear_reports();
	vcpu_set_panic_on_report(panic);
}

void vcpu_printk(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > KERN_WARNING && !__atomic_load_n(&verbose, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	/* Keep a line from landing inside another thread's report block. */
	if (report_nesting == 0)
		vcpu_spin_lock(&report_lock);
	vfprintf(stderr, fmt, ap);
	fflush(stderr);
	if (report_nesting == 0)
		vcpu_spin_unlock(&report_lock);
	va_end(ap);
}

void vcpu_set_verbose(bool v)
{
	__atomic_store_n(&verbose, v, __ATOMIC_RELAXED);
}
