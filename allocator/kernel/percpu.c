// SPDX-License-Identifier: GPL-2.0
/*
 * percpu.c - the per-CPU arena behind alloc_percpu().
 *
 * The arena is VCPU_MAX areas of VCPU_PERCPU_AREA bytes, one block,
 * allocated on first use and kept for the life of the process (so no
 * input pays for it twice).  An allocation is a range of PCPU_UNIT-byte
 * units, the same range in every area; its address is the one in area 0,
 * and per_cpu_ptr() adds cpu * VCPU_PERCPU_AREA.  Units are handed out
 * first fit from a bitmap.
 *
 * Poisoning (ASan builds): the whole arena starts poisoned.  An allocation
 * unpoisons exactly its size in the areas of vCPUs below nr_cpu_ids (so an
 * overrun into the unit's tail, or a touch of an impossible vCPU's copy,
 * is caught); free_percpu() poisons the range again in the areas the
 * allocation unpoisoned (pcpu_cpus), the others having stayed poisoned.
 *
 * Locking: pcpu_lock guards the bitmap, the lengths and the live count.
 * A range is poisoned before its units are released under the lock, and
 * unpoisoned and zeroed after it was claimed, so poisoning never races
 * with the range's next owner.
 */
#include <stdlib.h>

#include "env_internal.h"

#ifdef SHEAF_ASAN
#include <sanitizer/asan_interface.h>
#define pcpu_poison(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define pcpu_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define pcpu_poison(p, n)	((void)(p), (void)(n))
#define pcpu_unpoison(p, n)	((void)(p), (void)(n))
#endif

#define PCPU_UNIT	16
#define PCPU_UNITS	(VCPU_PERCPU_AREA / PCPU_UNIT)
#define PCPU_WORDS	(PCPU_UNITS / 64)

static struct vcpu_spin pcpu_lock;		/* guards everything below */
static char *pcpu_arena;			/* VCPU_MAX areas; never freed */
static uint64_t pcpu_used[PCPU_WORDS];		/* bit u: unit u is allocated */
static unsigned short pcpu_len[PCPU_UNITS];	/* units of the allocation at u; 0: none starts */
static unsigned char pcpu_cpus[PCPU_UNITS];	/* areas the allocation at u unpoisoned */
static unsigned long pcpu_live;			/* allocations; atomic for readers */

static inline bool unit_used(unsigned int u)
{
	return (pcpu_used[u / 64] >> (u % 64)) & 1;
}

static void mark_units(unsigned int start, unsigned int n, bool used)
{
	unsigned int u;

	for (u = start; u < start + n; u++) {
		if (used)
			pcpu_used[u / 64] |= 1ull << (u % 64);
		else
			pcpu_used[u / 64] &= ~(1ull << (u % 64));
	}
}

/* First fit: the lowest free run of @n units starting at a multiple of @align. */
static long find_units(unsigned int n, unsigned int align)
{
	unsigned int start = 0, u;

	while (start + n <= PCPU_UNITS) {
		for (u = start; u < start + n; u++)
			if (unit_used(u))
				break;
		if (u == start + n)
			return start;
		start = ALIGN(u + 1, align);
	}
	return -1;
}

static char *pcpu_get_arena(void)
{
	if (!pcpu_arena) {
		pcpu_arena = aligned_alloc(PAGE_SIZE, VCPU_MAX * VCPU_PERCPU_AREA);
		if (!pcpu_arena)
			vcpu_panic("out of memory", "__alloc_percpu",
				   "cannot allocate the %lu-byte per-CPU arena",
				   (unsigned long)(VCPU_MAX * VCPU_PERCPU_AREA));
		pcpu_poison(pcpu_arena, VCPU_MAX * VCPU_PERCPU_AREA);
	}
	return pcpu_arena;
}

/* Poisons and releases the allocation starting at unit @start.  Under pcpu_lock. */
static void release_units(unsigned int start)
{
	unsigned int n = pcpu_len[start], cpu;

	for (cpu = 0; cpu < pcpu_cpus[start]; cpu++)
		pcpu_poison(pcpu_arena + cpu * VCPU_PERCPU_AREA + start * PCPU_UNIT,
			    n * PCPU_UNIT);
	mark_units(start, n, false);
	pcpu_len[start] = 0;
	pcpu_cpus[start] = 0;
	__atomic_store_n(&pcpu_live, pcpu_live - 1, __ATOMIC_RELAXED);
}

void __percpu *__alloc_percpu(size_t size, size_t align)
{
	unsigned int n, cpu;
	char *arena, *p;
	long start;

	if (!align)
		align = 1;
	if (!size || size > VCPU_PERCPU_AREA || (align & (align - 1)) || align > PAGE_SIZE) {
		vcpu_report(VCPU_REPORT_WARNING, "illegal per-CPU allocation", __func__,
			    "size %zu, align %zu", size, align);
		return NULL;
	}
	n = (unsigned int)DIV_ROUND_UP(size, PCPU_UNIT);

	vcpu_spin_lock(&pcpu_lock);
	arena = pcpu_get_arena();
	start = find_units(n, (unsigned int)DIV_ROUND_UP(align, PCPU_UNIT));
	if (start < 0) {
		vcpu_spin_unlock(&pcpu_lock);
		return NULL;
	}
	mark_units((unsigned int)start, n, true);
	pcpu_len[start] = (unsigned short)n;
	pcpu_cpus[start] = (unsigned char)nr_cpu_ids;
	__atomic_store_n(&pcpu_live, pcpu_live + 1, __ATOMIC_RELAXED);
	vcpu_spin_unlock(&pcpu_lock);

	p = arena + start * PCPU_UNIT;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		pcpu_unpoison(p + cpu * VCPU_PERCPU_AREA, size);
		memset(p + cpu * VCPU_PERCPU_AREA, 0, size);
	}
	return p;
}

void free_percpu(void __percpu *ptr)
{
	uintptr_t off;

	if (!ptr)
		return;
	vcpu_spin_lock(&pcpu_lock);
	off = (uintptr_t)ptr - (uintptr_t)pcpu_arena;
	if (!pcpu_arena || off >= VCPU_PERCPU_AREA || off % PCPU_UNIT ||
	    !pcpu_len[off / PCPU_UNIT]) {
		vcpu_spin_unlock(&pcpu_lock);
		vcpu_report(VCPU_REPORT_BUG, "free_percpu: invalid pointer", __func__,
			    "%p is not the start of a live alloc_percpu() allocation", ptr);
		return;
	}
	release_units((unsigned int)(off / PCPU_UNIT));
	vcpu_spin_unlock(&pcpu_lock);
}

unsigned long vcpu_percpu_live(void)
{
	return __atomic_load_n(&pcpu_live, __ATOMIC_RELAXED);
}

void vcpu_percpu_reset(bool report_leaks)
{
	unsigned long leaked = 0, bytes = 0, first_off = 0, first_size = 0;
	unsigned int u = 0;

	vcpu_spin_lock(&pcpu_lock);
	while (u < PCPU_UNITS) {
		unsigned int n = pcpu_len[u];

		if (!pcpu_used[u / 64] && u % 64 == 0) {
			u += 64;
			continue;
		}
		if (!n) {
			u++;
			continue;
		}
		if (!leaked++) {
			first_off = u * PCPU_UNIT;
			first_size = n * PCPU_UNIT;
		}
		bytes += n * PCPU_UNIT;
		release_units(u);
		u += n;
	}
	vcpu_spin_unlock(&pcpu_lock);

	if (report_leaks && leaked)
		vcpu_report(VCPU_REPORT_WARNING, "percpu memory leaked", "vcpu_env_exit",
			    "%lu alloc_percpu() allocation%s (%lu bytes per vCPU) still live, "
			    "the first at offset %lu (%lu bytes)", leaked,
			    leaked == 1 ? "" : "s", bytes, first_off, first_size);
}
