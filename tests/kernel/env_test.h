/* SPDX-License-Identifier: GPL-2.0 */
/*
 * env_test.h - starting and stopping the environment in a test case.
 *
 * env_start() brings the environment up in @mode with reports counted
 * instead of aborting (a case checks vcpu_nr_reports() itself); a non-zero
 * @seed gives the sim backend a random but reproducible decider (the
 * threads backend has none).  env_stop() takes it down and restores
 * aborting reports.
 */
#ifndef SHEAF_TESTS_ENV_TEST_H
#define SHEAF_TESTS_ENV_TEST_H

#include "kernel.h"
#include "ktest.h"
#ifdef SHEAF_BACKEND_SIM
#include "sim.h"
#endif

#define ATOMIC_INC(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define ATOMIC_GET(x)	__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define ATOMIC_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

#ifdef SHEAF_BACKEND_SIM
static unsigned int env_test_seed;

/* A small LCG: every choice random, but a pure function of the seed. */
static inline unsigned int env_test_choose(void *data, enum sim_choice what, unsigned int nr)
{
	unsigned int *s = data;

	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) % nr;
}
#endif

static inline bool env_start(struct ktest *t, enum vcpu_mode mode, unsigned int seed)
{
	struct vcpu_config cfg;
	int ret;

	vcpu_config_default(&cfg);
	cfg.mode = mode;
#ifdef SHEAF_BACKEND_SIM
	{
		static struct sim_decider d = { .choose = env_test_choose, .data = &env_test_seed };

		env_test_seed = seed;
		if (seed)
			cfg.decider = &d;
	}
#endif
	ret = vcpu_env_init(&cfg);
	KEXPECT_EQ(t, ret, 0);
	vcpu_set_panic_on_report(false);
	return ret == 0;
}

static inline void env_stop(void)
{
	vcpu_env_exit();
	vcpu_set_panic_on_report(true);
}

#endif /* SHEAF_TESTS_ENV_TEST_H */
