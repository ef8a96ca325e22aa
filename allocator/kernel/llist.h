/* SPDX-License-Identifier: GPL-2.0 */
/*
 * llist.h - the lock-less singly linked list of <linux/llist.h>, as far as
 * the deferred frees need it: llist_add() may run in any context (an
 * interrupt, an NMI), llist_del_all() takes the whole list at once.
 */
#ifndef SHEAF_KERNEL_LLIST_H
#define SHEAF_KERNEL_LLIST_H

#include "compiler.h"

struct llist_node {
	struct llist_node *next;
};

struct llist_head {
	struct llist_node *first;
};

#define LLIST_HEAD_INIT(name)	{ NULL }

static inline void init_llist_head(struct llist_head *list)
{
	__atomic_store_n(&list->first, NULL, __ATOMIC_RELAXED);
}

static inline bool llist_empty(const struct llist_head *head)
{
	return __atomic_load_n(&head->first, __ATOMIC_RELAXED) == NULL;
}

/* Adds @new at the head; returns true if the list was empty before. */
static inline bool llist_add(struct llist_node *new, struct llist_head *head)
{
	struct llist_node *first = __atomic_load_n(&head->first, __ATOMIC_RELAXED);

	do {
		new->next = first;
	} while (!__atomic_compare_exchange_n(&head->first, &first, new, true,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	return first == NULL;
}

/* Takes every entry, newest first. */
static inline struct llist_node *llist_del_all(struct llist_head *head)
{
	return __atomic_exchange_n(&head->first, NULL, __ATOMIC_ACQUIRE);
}

#define llist_entry(ptr, type, member)	container_of(ptr, type, member)

#define llist_for_each_safe(pos, n, node)			\
	for ((pos) = (node); (pos) && ((n) = (pos)->next, true); (pos) = (n))

#endif /* SHEAF_KERNEL_LLIST_H */
