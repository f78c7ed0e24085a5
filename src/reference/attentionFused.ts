// shaders/attentionFused.wgsl computes exactly the maths of shaders/attention.wgsl (rows of a head per invocation
// instead of tiles over buffers), so its reference is the attention reference; this file exists so the
// kernel quartet stays complete.
export * from './attention';
