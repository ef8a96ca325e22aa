// SPDX-License-Identifier: GPL-2.0
/*
 * monitor.c - the stress program's clock, stats lines, watchdog and end
 * line.
 *
 * The monitor is a plain pthread, not a context of the environment: it
 * calls no model code and holds no vCPU, so it keeps time and speaks even
 * when every context is stuck.  It prints a stats line every
 * --stat-interval, asks the checker for a quiescent point as often, ends
 * the run after --duration, and is the watchdog: when no task, work item
 * or RCU callback made progress for --stall-timeout, it prints what every
 * task was doing and the locks it holds, and ends the run with FAILURE.
 *
 * Every failure ends in the same line, "--- End of test: FAILURE: <why>",
 * however it was detected: a report of the model or of stress (through
 * vcpu_report(), which aborts: the SIGABRT handler prints it), a sanitizer
 * report (its death callback), or the watchdog.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"
#include "check.h"
#include "variant.h"

#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN)
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SHEAF_ASAN
#include <sanitizer/asan_interface.h>
#endif

unsigned long stress_stats[NR_STRESS_STATS];
int stress_stop;
int stress_check_req;

static unsigned long start_ns;
static pthread_t monitor;
static int monitor_quit;		/* atomic */
static char fail_reason[300];		/* written once, before the abort */
static int failing;			/* atomic: the end line is ours to print */

static unsigned long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
}

unsigned long stress_elapsed_ms(void)
{
	return (now_ns() - __atomic_load_n(&start_ns, __ATOMIC_RELAXED)) / 1000000UL;
}

/* ------------------------------------------------------------ stats */

void stress_print_stats(FILE *out, bool final)
{
	struct model_kvfree_rcu_stats ks;
	struct vcpu_stats vs;
	unsigned long ms = stress_elapsed_ms(), kfree_rcu, batched, sheaf, errors;

	model_kvfree_rcu_get_stats(&ks);
	vcpu_get_stats(&vs);
	kfree_rcu = stress_read(ST_KFREE_RCU);
	batched = ks.bulk_objs[0] + ks.bulk_objs[1] + ks.list_objs + ks.inline_objs;
	sheaf = kfree_rcu > batched ? kfree_rcu - batched : 0;
	errors = stress_read(ST_ERRORS) + vs.reports;
	fprintf(out,
		"%sstress-torture:%s t=%lu.%lus ops: %lu (%lu/s) allocs: %lu frees: %lu "
		"kfree_rcu: %lu (mightsleep %lu) sheaf: %lu bulk: %lu list: %lu inline: %lu "
		"given back: %lu barriers: on_cache %lu full %lu creates: %lu destroys: %lu "
		"prefills: %lu gps: %lu callbacks: %lu pending: %lu max pending: %lu "
		"hotplug: %lu shrinker: %lu shrink: %lu mem_offline: %lu reads: %lu checks: %lu "
		"errors: %lu\n",
		errors ? "!!! " : "", final ? " final" : "", ms / 1000, ms % 1000 / 100,
		stress_read(ST_OPS), ms ? stress_read(ST_OPS) * 1000 / ms : 0,
		stress_read(ST_ALLOCS), stress_read(ST_FREES), kfree_rcu,
		stress_read(ST_KFREE_RCU_HEADLESS), sheaf, ks.bulk_objs[0] + ks.bulk_objs[1],
		ks.list_objs, ks.inline_objs,
		stress_read(ST_RCU_SHEAF) + stress_read(ST_RCU_BULK) + stress_read(ST_RCU_LIST) +
		stress_read(ST_RCU_INLINE),
		stress_read(ST_BARRIER_ON_CACHE), stress_read(ST_BARRIER), stress_read(ST_CREATES),
		stress_read(ST_DESTROYS), stress_read(ST_PREFILLS), vs.gps_completed,
		vs.callbacks_run, stress_pending(), stress_max_pending(), stress_read(ST_HOTPLUG),
		stress_read(ST_SHRINKER), stress_read(ST_SHRINKS), stress_read(ST_MEM_OFFLINE),
		stress_read(ST_READS), stress_read(ST_CHECKS), errors);
	fflush(out);
}

/* ------------------------------------------------------------ the end */

static void write_str(const char *s)
{
	ssize_t n = write(STDOUT_FILENO, s, strlen(s));

	(void)n;
}

/* Async-signal-safe: the end line of a failure, once. */
static void end_failure(const char *reason)
{
	if (__atomic_exchange_n(&failing, 1, __ATOMIC_ACQ_REL))
		return;
	write_str("--- End of test: FAILURE: ");
	write_str(reason[0] ? reason : "abort");
	write_str("\n");
}

int stress_end(const char *failure)
{
	fflush(stdout);
	fflush(stderr);
	if (failure) {
		end_failure(failure);
		return 1;
	}
	printf("--- End of test: SUCCESS\n");
	fflush(stdout);
	return 0;
}

static void on_abort(int sig)
{
	fflush(stdout);
	end_failure(fail_reason);
	_exit(1);
}

#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN)
static void on_sanitizer_death(void)
{
#ifdef SHEAF_ASAN
	const char *what = __asan_report_present() ? __asan_get_report_description() : NULL;

	if (what) {
		snprintf(fail_reason, sizeof(fail_reason), "AddressSanitizer: %s", what);
		end_failure(fail_reason);
		return;
	}
	end_failure("a sanitizer report (UBSan or LeakSanitizer, see above)");
#else
	end_failure("ThreadSanitizer report (see above)");
#endif
}
#endif

/* The report hook: stress's lines in every report, and its end line's reason. */
static void report_lines(FILE *out)
{
	unsigned int i;

	if (!fail_reason[0])
		snprintf(fail_reason, sizeof(fail_reason), "%s", vcpu_last_report());
	fprintf(out, "stress: variant %s, seed %lu, %u vCPUs, at %lu ms\n", variant_name(),
		stress_opts.seed, stress_opts.cpus, stress_elapsed_ms());
	for (i = 0; i < stress_nr_tasks; i++)
		fprintf(out, "stress: task %-10s in %s\n", stress_tasks[i].name,
			__atomic_load_n(&stress_tasks[i].doing, __ATOMIC_RELAXED) ?: "-");
	for (i = 0; i < stress_opts.caches; i++)
		fprintf(out, "stress: slot %u: %ld objects held by the tasks, %ld in flight\n", i,
			__atomic_load_n(&stress_live[i], __ATOMIC_RELAXED),
			stress_slot_pending(i));
	stress_print_pending(out, 32);
}

void stress_reports_init(void)
{
	struct sigaction sa = { .sa_handler = on_abort };

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	vcpu_set_report_hook(report_lines);
#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN)
	__sanitizer_set_death_callback(on_sanitizer_death);
#endif
}

/* ------------------------------------------------------------ watchdog */

static unsigned long progress(void)
{
	struct vcpu_stats vs;
	unsigned long sum;
	unsigned int i;

	vcpu_get_stats(&vs);
	sum = vs.works_run + vs.callbacks_run + vs.gps_completed + stress_read(ST_OPS);
	for (i = 0; i < stress_nr_tasks; i++)
		sum += __atomic_load_n(&stress_tasks[i].progress, __ATOMIC_RELAXED);
	return sum;
}

/*
 * No progress for --stall-timeout.  The threads backend cannot say where
 * a context blocks (vcpu_where() says "?"), so this is what the tasks
 * said they were doing and the locks lockdep-lite has them hold (read
 * without their owners' consent: they are stuck).  A task that finished
 * cleared its pointer first; one that finishes while this runs is the
 * only way this read can meet a freed task_struct.
 */
static void stall(unsigned long ms)
{
	char reason[128];
	unsigned int i;

	flockfile(stderr);
	fprintf(stderr, "==================================================================\n"
		"BUG: stress watchdog: no progress for %lu ms\n", ms);
	for (i = 0; i < stress_nr_tasks; i++) {
		struct stress_task *t = &stress_tasks[i];
		struct task_struct *task = __atomic_load_n(&t->task, __ATOMIC_ACQUIRE);

		if (!task) {
			fprintf(stderr, "task %s: %s\n", t->name,
				__atomic_load_n(&t->doing, __ATOMIC_RELAXED) ?: "not started");
			continue;
		}
		fprintf(stderr, "task %s (vCPU %u): in %s\n", t->name, task->cpu,
			__atomic_load_n(&t->doing, __ATOMIC_RELAXED) ?: "-");
		lockdep_print_held_locks(stderr, task);
	}
	fprintf(stderr, "==================================================================\n");
	funlockfile(stderr);
	stress_print_stats(stdout, true);
	snprintf(reason, sizeof(reason), "stress watchdog: stall, no progress for %lu ms", ms);
	/* The stuck threads hold what they hold: no exit handlers, no leak check. */
	_exit(stress_end(reason));
}

static void *monitor_main(void *arg)
{
	unsigned long next_stat = stress_opts.stat_ms, next_check, last = progress(), p;
	unsigned long last_ms = 0, ms;

	next_check = stress_opts.stat_ms ? stress_opts.stat_ms : 5000;
	while (!__atomic_load_n(&monitor_quit, __ATOMIC_ACQUIRE)) {
		usleep(50 * 1000);
		ms = stress_elapsed_ms();
		p = progress();
		if (p != last) {
			last = p;
			last_ms = ms;
		} else if (ms - last_ms >= stress_opts.stall_ms) {
			stall(ms - last_ms);
		}
		if (ms >= stress_opts.duration_ms)
			__atomic_store_n(&stress_stop, 1, __ATOMIC_RELEASE);
		if (stress_opts.stat_ms && ms >= next_stat) {
			stress_print_stats(stdout, false);
			next_stat += stress_opts.stat_ms;
		}
		if (ms >= next_check) {
			__atomic_store_n(&stress_check_req, 1, __ATOMIC_RELEASE);
			next_check += stress_opts.stat_ms ? stress_opts.stat_ms : 5000;
		}
	}
	return NULL;
}

void stress_monitor_start(void)
{
	__atomic_store_n(&start_ns, now_ns(), __ATOMIC_RELAXED);
	if (pthread_create(&monitor, NULL, monitor_main, NULL))
		vcpu_panic("pthread_create failed", __func__, "the monitor");
}

void stress_monitor_stop(void)
{
	__atomic_store_n(&monitor_quit, 1, __ATOMIC_RELEASE);
	pthread_join(monitor, NULL);
}
