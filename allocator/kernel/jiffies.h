/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jiffies.h - virtual time.
 *
 * sim: jiffies move only when the driver ticks, when the decider says so,
 * or when every context waits for a timer (then time jumps to the earliest
 * expiry).  threads: jiffies follow the monotonic clock at HZ, plus
 * whatever vcpu_tick() added.
 */
#ifndef SHEAF_KERNEL_JIFFIES_H
#define SHEAF_KERNEL_JIFFIES_H

#include "compiler.h"

#define HZ	100

unsigned long vcpu_jiffies(void);
#define jiffies	vcpu_jiffies()

#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)

static inline unsigned long msecs_to_jiffies(unsigned int m)
{
	return (m + (1000 / HZ) - 1) / (1000 / HZ);
}

#endif /* SHEAF_KERNEL_JIFFIES_H */
