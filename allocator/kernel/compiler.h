/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compiler.h - the handful of kernel compiler idioms the model uses.
 *
 * Stands in for <linux/compiler.h>, <linux/kernel.h>, <linux/err.h> and
 * <linux/overflow.h>.  Everything here is backend independent.
 */
#ifndef SHEAF_KERNEL_COMPILER_H
#define SHEAF_KERNEL_COMPILER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#undef __always_inline		/* glibc's <sys/cdefs.h> has its own */
#define __always_inline	inline __attribute__((always_inline))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __must_check	__attribute__((warn_unused_result))
#define __maybe_unused	__attribute__((unused))
#define __percpu	/* a pointer into the per-CPU arena, see percpu.h */
#define _RET_IP_	((unsigned long)__builtin_return_address(0))
#define _THIS_IP_	({ __label__ __here; __here: (unsigned long)&&__here; })

/*
 * READ_ONCE/WRITE_ONCE are relaxed atomics so that ThreadSanitizer treats
 * the kernel's deliberate racy reads (lockless peeks) as what they are.
 * Only scalar and pointer types are used with them.
 *
 * data_race(expr) is the kernel's "this race is intended" for KCSAN, which
 * does not watch the accesses inside it (kcsan_disable_current() around
 * the expression, include/linux/compiler.h).  Under ThreadSanitizer the
 * model does the same with TSan's own annotation: the reads of @expr are
 * not recorded, so they neither report nor are reported against.  Every
 * other access to the same data is still checked.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#ifdef SHEAF_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define data_race(expr)							\
	({								\
		AnnotateIgnoreReadsBegin(__FILE__, __LINE__);		\
		__auto_type __data_race_v = (expr);			\
		AnnotateIgnoreReadsEnd(__FILE__, __LINE__);		\
		__data_race_v;						\
	})
#else
#define data_race(expr)		(expr)
#endif
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define barrier()		__asm__ __volatile__("" ::: "memory")

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), #cond)

#define min(a, b)	({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b)	({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b)	min((t)(a), (t)(b))
#define max_t(t, a, b)	max((t)(a), (t)(b))
#define swap(a, b)	do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)
#define ALIGN(x, a)	(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define struct_size(p, member, n) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))

#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define L1_CACHE_BYTES	64

#endif /* SHEAF_KERNEL_COMPILER_H */
