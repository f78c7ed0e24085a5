// shaders/matmulTexture.wgsl computes exactly the maths of shaders/matmul.wgsl (only op(B) is fetched from a
// texture), so its reference is the matmul reference; this file exists so the kernel quartet stays complete.
export * from './matmul';
