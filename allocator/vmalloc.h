/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmalloc.h - a model of <linux/vmalloc.h>: just enough for kvfree_rcu's
 * channel 1 and for kvfree() to tell vmalloc areas from slab objects.
 *
 * Model: an area is system memory (vcpu_alloc(), so AddressSanitizer sees
 * a touch after vfree()) recorded in a registry of address ranges.
 * is_vmalloc_addr() is a range lookup in that registry (the kernel's is a
 * check against the VMALLOC_START..VMALLOC_END window); it only compares
 * addresses and never reads an area, freed or not.
 */
#ifndef SHEAF_VMALLOC_H
#define SHEAF_VMALLOC_H

#include "kernel/compiler.h"

/* May sleep; NULL on failure (vcpu_fail_next_blocking()). */
void *vmalloc(unsigned long size);
/* May sleep; vfree(NULL) is a no-op; an unknown address is a WARN and a leak. */
void vfree(const void *addr);
/* Whether @x points into a live vmalloc area (any byte of it). */
bool is_vmalloc_addr(const void *x);

/* Model: live areas (a harness leak check), and releasing them at model exit. */
unsigned long model_vmalloc_nr_areas(void);
/* Warns about and frees areas still live, frees the registry. */
void model_vmalloc_exit(void);

#endif /* SHEAF_VMALLOC_H */
