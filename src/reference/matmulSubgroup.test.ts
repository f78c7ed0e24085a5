import { describe, expect, it } from 'vitest';
import * as matmul from './matmul';
import * as matmulSubgroup from './matmulSubgroup';

// The subgroup kernel shares the matmul reference; its gradient checks live in matmul.test.ts.
describe('reference matmulSubgroup', () => {
  it('is the matmul reference', () => {
    expect(matmulSubgroup.forward).toBe(matmul.forward);
    expect(matmulSubgroup.backward).toBe(matmul.backward);
  });
});
