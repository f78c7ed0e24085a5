import { describe, expect, it } from 'vitest';
import * as attention from './attention';
import * as attentionFused from './attentionFused';

// The fused kernels share the attention reference; its gradient checks live in attention.test.ts.
describe('reference attentionFused', () => {
  it('is the attention reference', () => {
    expect(attentionFused.forward).toBe(attention.forward);
    expect(attentionFused.backward).toBe(attention.backward);
  });
});
