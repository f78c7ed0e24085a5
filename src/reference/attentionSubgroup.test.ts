import { describe, expect, it } from 'vitest';
import * as attention from './attention';
import * as attentionSubgroup from './attentionSubgroup';

// The subgroup kernels share the attention reference; its gradient checks live in attention.test.ts.
describe('reference attentionSubgroup', () => {
  it('is the attention reference', () => {
    expect(attentionSubgroup.forward).toBe(attention.forward);
    expect(attentionSubgroup.backward).toBe(attention.backward);
  });
});
