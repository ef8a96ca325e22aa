/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel.h - the whole environment in one include, for the allocator's
 * internal header.  The harness includes vcpu.h and sim.h directly.
 */
#ifndef SHEAF_KERNEL_KERNEL_H
#define SHEAF_KERNEL_KERNEL_H

#include "compiler.h"
#include "list.h"
#include "llist.h"
#include "bug.h"
#include "vcpu.h"
#include "cpu.h"
#include "percpu.h"
#include "sched.h"
#include "gfp.h"
#include "jiffies.h"
#include "lockdep.h"
#include "spinlock.h"
#include "mutex.h"
#include "local_lock.h"
#include "cpuhotplug.h"
#include "rcupdate.h"
#include "workqueue.h"
#include "irq_work.h"
#include "completion.h"

#endif /* SHEAF_KERNEL_KERNEL_H */
