// SPDX-License-Identifier: GPL-2.0
/*
 * fiber.c - execution contexts with stacks of their own, and the switch
 * between them.
 *
 * A fiber is one malloc: the struct sim_ctx at the low end, a canary, then
 * the stack growing down from the top.  The driver has no fiber of its own:
 * it keeps the thread's stack.
 *
 * The switch on x86-64 is a dozen instructions saving the callee-saved
 * registers and the FPU control words on the old stack and swapping stack
 * pointers; elsewhere (or with -DSIM_FIBER_UCONTEXT) it is swapcontext(),
 * which also saves the signal mask with a system call on every switch.
 *
 * Sanitizers are told about every switch: AddressSanitizer must know which
 * stack is current (__sanitizer_start/finish_switch_fiber), ThreadSanitizer
 * keeps one logical thread per fiber and orders them at each switch
 * (__tsan_switch_to_fiber), so the model's own accesses from different
 * contexts are never taken for races.
 */
#include <stdlib.h>

#include "sim_internal.h"

#if !defined(__x86_64__) && !defined(SIM_FIBER_UCONTEXT)
#define SIM_FIBER_UCONTEXT 1
#endif

#ifdef SIM_FIBER_UCONTEXT
#include <ucontext.h>
#endif
#ifdef SHEAF_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SHEAF_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#define SIM_CANARY	0x5ca1ab1ef1be5eedull

/* Where the stack of the context we came from is, for ASan's bookkeeping. */
static struct sim_ctx *switch_prev;

#ifndef SIM_FIBER_UCONTEXT
/*
 * sim_arch_switch(save, sp): push the callee-saved registers and the
 * MXCSR/x87 control words, store the stack pointer in *save, load @sp and
 * pop the same from there.  A new fiber's first "return" lands in
 * sim_arch_start, which calls the function left in %r12 with an aligned
 * stack and a zero frame pointer (the end of every backtrace).
 */
void sim_arch_switch(void **save, void *sp);
void sim_arch_start(void);
__asm__(
	".text\n"
	".p2align 4\n"
	".type sim_arch_switch, @function\n"
	"sim_arch_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size sim_arch_switch, .-sim_arch_switch\n"
	".p2align 4\n"
	".type sim_arch_start, @function\n"
	"sim_arch_start:\n"
	"	callq *%r12\n"
	"	ud2\n"
	".size sim_arch_start, .-sim_arch_start\n");

/* The initial frame sim_arch_switch() pops, lowest address first. */
struct arch_frame {
	uint32_t mxcsr;
	uint16_t fpucw, pad;
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t ret;		/* ends at the 16-aligned top: aligned at sim_arch_start */
};

static void arch_init(struct sim_ctx *c, char *top)
{
	struct arch_frame *f = (struct arch_frame *)(top - sizeof(*f));

	BUILD_BUG_ON(sizeof(struct arch_frame) % 16);
	memset(f, 0, sizeof(*f));
	f->mxcsr = 0x1f80;		/* all exceptions masked, round to nearest */
	f->fpucw = 0x037f;
	f->r12 = (uint64_t)(uintptr_t)sim_fiber_main;
	f->ret = (uint64_t)(uintptr_t)sim_arch_start;
	c->fiber.sp = f;
}
#else
static void arch_init(struct sim_ctx *c, char *top)
{
	ucontext_t *uc = c->fiber.uc;

	getcontext(uc);
	uc->uc_stack.ss_sp = c->fiber.stack;
	uc->uc_stack.ss_size = (size_t)(top - (char *)c->fiber.stack);
	uc->uc_link = NULL;
	makecontext(uc, sim_fiber_main, 0);
}
#endif

void sim_fiber_init_driver(struct sim_ctx *c)
{
	memset(&c->fiber, 0, sizeof(c->fiber));
#ifdef SIM_FIBER_UCONTEXT
	{
		static ucontext_t driver_uc;

		c->fiber.uc = &driver_uc;
	}
#endif
#ifdef SHEAF_TSAN
	c->fiber.tsan_fiber = __tsan_get_current_fiber();
#endif
}

/*
 * Gives @c (allocated by the caller, at the low end of a @size-byte block)
 * a stack in the rest of the block.  Returns 0 or -ENOMEM.
 */
int sim_fiber_create(struct sim_ctx *c, size_t size)
{
	size_t head = ALIGN(sizeof(*c), 64);
	char *base = (char *)c, *top = base + size;
	uint64_t *canary;

#ifdef SIM_FIBER_UCONTEXT
	c->fiber.uc = base + head;
	head += ALIGN(sizeof(ucontext_t), 64);
#endif
	canary = (uint64_t *)(base + head);
	*canary = SIM_CANARY;
	c->fiber.stack = canary + 1;
	c->fiber.stack_size = (size_t)(top - (char *)c->fiber.stack);
	top = (char *)((uintptr_t)top & ~(uintptr_t)15);
	arch_init(c, top);
#ifdef SHEAF_TSAN
	c->fiber.tsan_fiber = __tsan_create_fiber(0);
#endif
	return 0;
}

void sim_fiber_destroy(struct sim_ctx *c)
{
#ifdef SHEAF_TSAN
	if (c->fiber.tsan_fiber)
		__tsan_destroy_fiber(c->fiber.tsan_fiber);
#endif
	c->fiber.tsan_fiber = NULL;
}

static void check_canary(const struct sim_ctx *c)
{
	if (c->kind != SIM_CTX_DRIVER && ((const uint64_t *)c->fiber.stack)[-1] != SIM_CANARY)
		vcpu_panic("fiber stack overflow", "sim_fiber_switch",
			   "context %u (%s) overran its %zu-byte stack", c->id,
			   c->task.comm, c->fiber.stack_size);
}

/* Called first on the stack we arrive on, after every switch. */
static inline void arrived(struct sim_ctx *self)
{
#ifdef SHEAF_ASAN
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(self->fiber.fake_stack, &bottom, &size);
	/* The driver's stack bounds are only known from here. */
	if (switch_prev && !switch_prev->fiber.stack) {
		switch_prev->fiber.stack = (void *)bottom;
		switch_prev->fiber.stack_size = size;
	}
#endif
	(void)self;
}

/* The first thing a fiber does, before sim_fiber_main()'s loop. */
void sim_fiber_arrived_first(struct sim_ctx *self)
{
	self->fiber.fake_stack = NULL;
	arrived(self);
}

void sim_fiber_switch(struct sim_ctx *prev, struct sim_ctx *next)
{
	check_canary(prev);
	switch_prev = prev;
#ifdef SHEAF_ASAN
	__sanitizer_start_switch_fiber(&prev->fiber.fake_stack, next->fiber.stack,
				       next->fiber.stack_size);
#endif
#ifdef SHEAF_TSAN
	__tsan_switch_to_fiber(next->fiber.tsan_fiber, 0);
#endif
#ifdef SIM_FIBER_UCONTEXT
	swapcontext(prev->fiber.uc, next->fiber.uc);
#else
	sim_arch_switch(&prev->fiber.sp, next->fiber.sp);
#endif
	arrived(prev);
}

/* The stack block size of a new fiber (context at its low end). */
size_t sim_fiber_block_size(void)
{
#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
	/* Instrumented frames are large; stay in ASan's primary allocator. */
	return 120 * 1024;
#else
	return 64 * 1024;
#endif
}
