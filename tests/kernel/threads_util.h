/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads_util.h - helpers of the threads backend's own tests.
 *
 * Every check in these tests is forced by synchronisation, never by
 * timing: a test may wait a little to give a broken implementation the
 * chance to misbehave (raw_wait_ms() with a short bound), but a correct one
 * passes whatever the scheduling.  A bounded wait that a correct
 * implementation must never reach the end of uses RAW_WAIT_FOREVER_MS, so
 * that a bug fails the check instead of hanging the test.
 *
 * Raw events are plain atomics polled with sched_yield(): test code uses
 * them where the model forbids sleeping (inside a reader, with preemption
 * disabled) or to watch a context from outside the model.
 */
#ifndef SHEAF_TESTS_THREADS_UTIL_H
#define SHEAF_TESTS_THREADS_UTIL_H

#include <sched.h>
#include <time.h>

#include "kernel.h"
#include "ktest.h"
#include "thr.h"

#define RAW_WAIT_FOREVER_MS	60000

static inline unsigned long raw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000UL + (unsigned long)ts.tv_nsec / 1000000UL;
}

static inline void raw_set(int *flag, int v)
{
	__atomic_store_n(flag, v, __ATOMIC_RELEASE);
}

static inline int raw_get(const int *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

/* Waits until *flag >= v, at most @ms; whether it got there. */
static inline bool raw_wait_ms(const int *flag, int v, unsigned long ms)
{
	unsigned long end = raw_now_ms() + ms;

	while (raw_get(flag) < v) {
		if (raw_now_ms() > end)
			return false;
		sched_yield();
	}
	return true;
}

static inline bool raw_wait(const int *flag, int v)
{
	return raw_wait_ms(flag, v, RAW_WAIT_FOREVER_MS);
}

/* Polls @pred until true or RAW_WAIT_FOREVER_MS. */
#define raw_wait_until(pred)						\
	({								\
		unsigned long __end = raw_now_ms() + RAW_WAIT_FOREVER_MS; \
		bool __ok = true;					\
		while (!(pred)) {					\
			if (raw_now_ms() > __end) {			\
				__ok = false;				\
				break;					\
			}						\
			sched_yield();					\
		}							\
		__ok;							\
	})

static inline bool env_start_cpus(struct ktest *t, unsigned int cpus)
{
	struct vcpu_config cfg;
	int ret;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = cpus;
	cfg.mode = VCPU_MODE_TASKS;
	ret = vcpu_env_init(&cfg);
	KEXPECT_EQ(t, ret, 0);
	vcpu_set_panic_on_report(false);
	return ret == 0;
}

static inline void env_stop(struct ktest *t)
{
	vcpu_env_exit();
	vcpu_set_panic_on_report(true);
}

#endif /* SHEAF_TESTS_THREADS_UTIL_H */
