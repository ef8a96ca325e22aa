// SPDX-License-Identifier: GPL-2.0
/*
 * vmalloc.c - vmalloc areas for the model: system memory plus a registry
 * of live address ranges, so that is_vmalloc_addr() can route a pointer
 * (kvfree(), kvfree_call_rcu() channel 1, kfree_rcu_sheaf()) without ever
 * reading the memory behind it.
 *
 * Model: vmap_area_lock is a raw spinlock here, because is_vmalloc_addr()
 * is a lockless range check in the kernel and is called under raw
 * spinlocks (krcp->lock); a spinlock_t would be a false "Invalid wait
 * context".  It is held only around registry updates and lookups.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kernel/kernel.h"
#include "vmalloc.h"

struct vm_struct {
	uintptr_t addr;
	unsigned long size;
};

static DEFINE_RAW_SPINLOCK(vmap_area_lock);
static struct vm_struct *vm_areas;	/* unsorted; n is small in the model */
static unsigned long nr_vm_areas;	/* live entries of vm_areas[] */
static unsigned long vm_areas_cap;

/* Caller holds vmap_area_lock.  The index of the area holding @x, or -1. */
static long find_vm_area_locked(uintptr_t x)
{
	unsigned long i;

	lockdep_assert_held(&vmap_area_lock);
	for (i = 0; i < nr_vm_areas; i++)
		if (x - vm_areas[i].addr < vm_areas[i].size)
			return (long)i;
	return -1;
}

void *vmalloc(unsigned long size)
{
	struct vm_struct *grown = NULL;
	void *addr;

	might_sleep();
	if (!size)
		return NULL;
	addr = vcpu_alloc(size, GFP_KERNEL);
	if (!addr)
		return NULL;

	raw_spin_lock(&vmap_area_lock);
	if (nr_vm_areas == vm_areas_cap) {
		unsigned long cap = vm_areas_cap ? 2 * vm_areas_cap : 16;

		/* Model: the registry's own storage, not kernel memory. */
		grown = realloc(vm_areas, cap * sizeof(*vm_areas));
		if (!grown) {
			raw_spin_unlock(&vmap_area_lock);
			vcpu_free(addr);
			return NULL;
		}
		vm_areas = grown;
		vm_areas_cap = cap;
	}
	vm_areas[nr_vm_areas].addr = (uintptr_t)addr;
	vm_areas[nr_vm_areas].size = size;
	WRITE_ONCE(nr_vm_areas, nr_vm_areas + 1);
	raw_spin_unlock(&vmap_area_lock);
	return addr;
}

void vfree(const void *addr)
{
	long i;

	if (!addr)
		return;
	might_sleep();

	raw_spin_lock(&vmap_area_lock);
	i = find_vm_area_locked((uintptr_t)addr);
	if (i < 0 || vm_areas[i].addr != (uintptr_t)addr) {
		raw_spin_unlock(&vmap_area_lock);
		WARN(1, "Trying to vfree() nonexistent vm area (%p)", addr);
		return;
	}
	vm_areas[i] = vm_areas[nr_vm_areas - 1];
	WRITE_ONCE(nr_vm_areas, nr_vm_areas - 1);
	raw_spin_unlock(&vmap_area_lock);

	vcpu_free(addr);
}

bool is_vmalloc_addr(const void *x)
{
	bool found;

	/*
	 * No area at all is the common case.  A caller asking about an area
	 * it owns has seen the vmalloc() that counted it.
	 */
	if (!READ_ONCE(nr_vm_areas))
		return false;
	raw_spin_lock(&vmap_area_lock);
	found = find_vm_area_locked((uintptr_t)x) >= 0;
	raw_spin_unlock(&vmap_area_lock);
	return found;
}

unsigned long model_vmalloc_nr_areas(void)
{
	return READ_ONCE(nr_vm_areas);
}

void model_vmalloc_exit(void)
{
	struct vm_struct *areas;
	unsigned long i, n;

	raw_spin_lock(&vmap_area_lock);
	areas = vm_areas;
	n = nr_vm_areas;
	vm_areas = NULL;
	WRITE_ONCE(nr_vm_areas, 0);
	vm_areas_cap = 0;
	raw_spin_unlock(&vmap_area_lock);

	WARN(n, "%lu vmalloc area(s) still live at model exit", n);
	for (i = 0; i < n; i++)
		vcpu_free((void *)areas[i].addr);
	free(areas);
}
