// shaders/matmulSubgroup.wgsl computes exactly the maths of shaders/matmul.wgsl (it is its subgroup twin),
// so its reference is the matmul reference; this file exists so the kernel quartet stays complete.
export * from './matmul';
