/* placeholder: the sim backend defines struct vcpu_lock_impl, VCPU_LOCK_IMPL_INIT, struct vcpu_wait_impl */
#ifndef SHEAF_SIM_ENV_TYPES_H
#define SHEAF_SIM_ENV_TYPES_H
struct task_struct;
struct vcpu_lock_impl { struct task_struct *owner; };
#define VCPU_LOCK_IMPL_INIT { 0 }
struct vcpu_wait_impl { int unused; };
#endif
