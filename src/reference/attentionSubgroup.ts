// shaders/attentionSubgroup.wgsl computes exactly the maths of shaders/attentionFused.wgsl (a head's rows on the lanes
// of a subgroup instead of one invocation per row), so its reference is the attention reference; this file exists so
// the kernel quartet stays complete.
export * from './attention';
