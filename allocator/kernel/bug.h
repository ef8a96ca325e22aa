/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bug.h - BUG_ON, WARN_ON and the single reporting function behind them.
 *
 * Every oracle of the project ends in vcpu_report(): it prints a block
 * headed like the kernel's own reports, names the function, the vCPU and
 * the task, lets the harness add its context (variant, op index) through a
 * hook, counts the report and, when the environment was configured with
 * panic_on_report (the default), aborts so that libFuzzer and AFL++ record
 * a crash.  Tests that expect a report turn panic_on_report off and read
 * vcpu_nr_reports() and vcpu_last_report().
 *
 * BUG_ON() is for impossible states of the model itself and always aborts.
 */
#ifndef SHEAF_KERNEL_BUG_H
#define SHEAF_KERNEL_BUG_H

#include <stdio.h>
#include "compiler.h"

/* The kind of report, printed in its header line. */
enum vcpu_report_kind {
	VCPU_REPORT_BUG,	/* "BUG: ..."      a broken kernel contract */
	VCPU_REPORT_WARNING,	/* "WARNING: ..."  the kernel's WARN() */
};

__printf(4, 5)
void vcpu_report(enum vcpu_report_kind kind, const char *title,
		 const char *func, const char *fmt, ...);
__printf(3, 4) __noreturn
void vcpu_panic(const char *title, const char *func, const char *fmt, ...);

/* Lines the harness wants in every report (variant, op index, input). */
void vcpu_set_report_hook(void (*hook)(FILE *out));
/* Runs before an outermost report's first line (the harness's trace). */
void vcpu_set_report_prologue(void (*prologue)(void));

unsigned long vcpu_nr_reports(void);
/* The title and first message line of the newest report ("" if none). */
const char *vcpu_last_report(void);
/* Forget the count and the last report (tests call it between cases). */
void vcpu_clear_reports(void);
/* Whether reports abort; returns the previous setting. */
bool vcpu_set_panic_on_report(bool panic);

/* printk levels: errors and warnings go to stderr, info only when verbose. */
__printf(2, 3) void vcpu_printk(int level, const char *fmt, ...);
void vcpu_set_verbose(bool verbose);
#define KERN_ERR	3
#define KERN_WARNING	4
#define KERN_INFO	6
#define pr_err(fmt, ...)	vcpu_printk(KERN_ERR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	vcpu_printk(KERN_WARNING, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	vcpu_printk(KERN_INFO, fmt, ##__VA_ARGS__)

#define BUG()	vcpu_panic("kernel BUG", __func__, "at %s:%d", __FILE__, __LINE__)
#define BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			vcpu_panic("kernel BUG", __func__,		\
				   "at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#define WARN(cond, fmt, ...)						\
	({								\
		bool __c = !!(cond);					\
		if (unlikely(__c))					\
			vcpu_report(VCPU_REPORT_WARNING, "WARNING",	\
				    __func__, "at %s:%d: " fmt,		\
				    __FILE__, __LINE__, ##__VA_ARGS__);	\
		unlikely(__c);						\
	})
#define WARN_ON(cond)	WARN(cond, "%s", #cond)
#define WARN_ON_ONCE(cond)						\
	({								\
		static bool __warned;					\
		bool __c = !!(cond);					\
		if (unlikely(__c) && !READ_ONCE(__warned)) {		\
			WRITE_ONCE(__warned, true);			\
			WARN(1, "%s", #cond);				\
		}							\
		unlikely(__c);						\
	})
#define WARN_ONCE(cond, fmt, ...)					\
	({								\
		static bool __warned;					\
		bool __c = !!(cond);					\
		if (unlikely(__c) && !READ_ONCE(__warned)) {		\
			WRITE_ONCE(__warned, true);			\
			WARN(1, fmt, ##__VA_ARGS__);			\
		}							\
		unlikely(__c);						\
	})

#endif /* SHEAF_KERNEL_BUG_H */
